// SPDX-License-Identifier: BSD-2-Clause
// The service manager protocol (sd_notify): READY, STATUS, WATCHDOG, STOPPING.
#pragma once

#include <chrono>
#include <string>

namespace lingercam::common {

/// The service manager protocol (sd_notify): READY, STATUS, WATCHDOG, STOPPING.
/// Every call is a no-op when not started by systemd (no NOTIFY_SOCKET).
class Notifier {
public:
	Notifier();

	void ready();
	void status(const std::string &text);
	void stopping();
	/// Start-up is still making progress: give it \a more from now (EXTEND_TIMEOUT_USEC),
	/// so a long first scan is not mistaken for a hang by TimeoutStartSec=.
	void extendStartTimeout(std::chrono::microseconds more);
	/// Keep-alive ping; call only from a loop that is making progress.
	void watchdog();

	/// Replaces WatchdogSec= with \a timeout (WATCHDOG_USEC=), for a daemon whose longest
	/// legitimate wait comes from its configuration. Nothing when the unit has no watchdog.
	void setWatchdogTimeout(std::chrono::microseconds timeout);

	/// The watchdog timeout (WatchdogSec= of the unit, or setWatchdogTimeout()), zero if none.
	std::chrono::microseconds watchdogInterval() const { return watchdog_; }

private:
	std::chrono::microseconds watchdog_{ 0 };
};

} // namespace lingercam::common
