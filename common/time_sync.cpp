// SPDX-License-Identifier: BSD-2-Clause
// Asking timedate1 whether the system clock is synchronized (see time_sync.h).
#include "time_sync.h"

#include <sdbus-c++/sdbus-c++.h>

#include "dbus_connection.h"

namespace lingercam::common {

namespace {

constexpr const char *kTimedated = "org.freedesktop.timedate1";
constexpr const char *kPath = "/org/freedesktop/timedate1";

} // namespace

TimeSyncStatus queryTimeSync(sdbus::IConnection &systemBus)
{
	TimeSyncStatus status;
	try {
		status.synchronized = getPropertyOf(systemBus, kTimedated, kPath, kTimedated, "NTPSynchronized").get<bool>();
		status.ntpEnabled = getPropertyOf(systemBus, kTimedated, kPath, kTimedated, "NTP").get<bool>();
	} catch (const sdbus::Error &e) {
		status.detail = "timedated did not answer: " + e.getName() + ": " + e.getMessage();
	}
	return status;
}

TimeSyncStatus queryTimeSync()
{
	return queryOverBus(BusKind::System, TimeSyncStatus{},
			    [](sdbus::IConnection &bus) { return queryTimeSync(bus); });
}

} // namespace lingercam::common
