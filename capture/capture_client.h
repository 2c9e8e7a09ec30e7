// SPDX-License-Identifier: BSD-2-Clause
// The client side of org.lingercam.Capture1: what `lingercam-capture status` reads and shows.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "common/clock.h"

namespace sdbus {
class IConnection;
}

namespace lingercam::capture {

/// Everything org.lingercam.Capture1 says, read in one go.
struct CaptureApiState {
	std::string state;
	std::string source;
	std::string lastFramePath;
	std::uint64_t lastFrameTime = 0; ///< µs since the epoch, 0 none
	std::uint64_t framesCaptured = 0;
	std::uint64_t framesStored = 0;
	std::uint64_t framesUnsynced = 0;
	std::uint64_t storeBytes = 0;
	std::string storePath;
	std::string lastError;
	std::uint64_t nextRun = 0; ///< µs since the epoch, 0 none
	bool lingering = false;
	bool clockSynchronized = false;
	std::uint64_t intervalMs = 0; ///< the daemon's configured interval
};

/// Reads the running daemon's state from \a bus. Throws sdbus::Error (e.g.
/// org.freedesktop.DBus.Error.ServiceUnknown when no lingercam-capture serves it).
CaptureApiState readCaptureApi(sdbus::IConnection &bus);

/// Asks the running daemon to capture now. Throws sdbus::Error.
void requestCaptureNow(sdbus::IConnection &bus);

/// The state for a person, times as UTC and relative to \a now.
void printCaptureStatus(std::ostream &out, const CaptureApiState &s, common::Clock::WallTime now);

} // namespace lingercam::capture
