// SPDX-License-Identifier: BSD-2-Clause
// What the capture daemon reports about itself, shared by the loop, sd_notify and D-Bus.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/store_layout.h"

namespace lingercam::capture {

/// What the capture daemon reports about itself (sd_notify STATUS, the D-Bus API).
struct CaptureState {
	/// What the loop is doing. stateName() gives the words the D-Bus State property and the
	/// STATUS line say.
	enum class State {
		Starting,         ///< "starting": the camera not opened yet
		Capturing,        ///< "capturing"
		WaitingForCamera, ///< "waiting for camera": none, or it failed; opened again after a backoff
		StoreError,       ///< "store error": the last still could not be encoded or saved
	};

	State state = State::Starting;
	std::optional<common::FrameId> lastFrame;
	std::string lastFramePath;
	std::uint64_t framesCaptured = 0;      ///< since start
	std::uint64_t framesStored = 0;
	std::uint64_t framesUnsynced = 0;      ///< of those, named "-unsynced"
	std::uint64_t storeBytes = 0;
	std::string lastError;
	common::Clock::WallTime nextRun{};
	std::string source;
	std::chrono::milliseconds interval{ 0 }; ///< the configured one
};

std::string stateName(CaptureState::State state);

/// Thread-safe holder: the capture loop writes, the API and notifier read.
class CaptureStatus {
public:
	CaptureState snapshot() const
	{
		std::lock_guard lock(mutex_);
		return state_;
	}
	template<typename F>
	void update(F &&change)
	{
		std::lock_guard lock(mutex_);
		change(state_);
	}
	/// One line for sd_notify STATUS= (what `systemctl status` shows): the state, the last
	/// frame's time, the store's frames and bytes, then the last error unless capturing.
	std::string summary() const;

private:
	mutable std::mutex mutex_;
	CaptureState state_;
};

} // namespace lingercam::capture
