// SPDX-License-Identifier: BSD-2-Clause
// Asking timedate1 whether the system clock is synchronized.
#pragma once

#include <optional>
#include <string>

namespace sdbus {
class IConnection;
}

namespace lingercam::common {

/// What timedate1 says about the system clock.
struct TimeSyncStatus {
	std::optional<bool> synchronized; ///< NTPSynchronized; nullopt when timedated did not answer
	std::optional<bool> ntpEnabled;   ///< NTP: whether a time sync service is enabled
	std::string detail;               ///< why unknown
};

/// Asks org.freedesktop.timedate1 on \a systemBus (bus-activated on demand). Never throws.
TimeSyncStatus queryTimeSync(sdbus::IConnection &systemBus);

/// The same on a fresh connection to the system bus.
TimeSyncStatus queryTimeSync();

} // namespace lingercam::common
