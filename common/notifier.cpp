// SPDX-License-Identifier: BSD-2-Clause
// The service manager protocol over sd_notify (see notifier.h).
#include "notifier.h"

#include <systemd/sd-daemon.h>

namespace lingercam::common {

Notifier::Notifier()
{
	std::uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0)
		watchdog_ = std::chrono::microseconds(usec);
}

void Notifier::ready()
{
	sd_notify(0, "READY=1");
}

void Notifier::status(const std::string &text)
{
	sd_notify(0, ("STATUS=" + text).c_str());
}

void Notifier::stopping()
{
	sd_notify(0, "STOPPING=1");
}

void Notifier::extendStartTimeout(std::chrono::microseconds more)
{
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", static_cast<unsigned long long>(more.count()));
}

void Notifier::setWatchdogTimeout(std::chrono::microseconds timeout)
{
	if (watchdog_.count() <= 0 || timeout.count() <= 0)
		return;
	watchdog_ = timeout;
	sd_notifyf(0, "WATCHDOG_USEC=%llu", static_cast<unsigned long long>(timeout.count()));
}

void Notifier::watchdog()
{
	if (watchdog_.count() > 0)
		sd_notify(0, "WATCHDOG=1");
}

} // namespace lingercam::common
