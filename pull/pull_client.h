// SPDX-License-Identifier: BSD-2-Clause
// The client side of org.lingercam.Pull1: what `lingercam-pull status` reads and shows.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

namespace sdbus {
class IConnection;
}

namespace lingercam::pull {

/// Everything org.lingercam.Pull1 says, read in one go.
struct PullApiState {
	std::string state;
	std::uint64_t lastRound = 0; ///< µs since the epoch, 0 none
	std::string lastRoundResult;
	std::uint64_t framesPulled = 0;
	std::uint64_t backlog = 0;
	std::string lastError;
	std::uint64_t nextRun = 0; ///< µs since the epoch, 0 none
	std::map<std::string, std::string> sources;
	bool lingering = false;
	bool clockSynchronized = false;
};

/// Reads the running daemon's state from \a bus. Throws sdbus::Error (e.g.
/// org.freedesktop.DBus.Error.ServiceUnknown when no lingercam-pull serves it).
PullApiState readPullApi(sdbus::IConnection &bus);

/// Asks the running daemon for a round now. Throws sdbus::Error.
void requestSyncNow(sdbus::IConnection &bus);

/// The state for a person, times as UTC and relative to \a now.
void printPullStatus(std::ostream &out, const PullApiState &s, std::chrono::system_clock::time_point now);

} // namespace lingercam::pull
