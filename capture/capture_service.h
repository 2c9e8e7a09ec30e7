// SPDX-License-Identifier: BSD-2-Clause
// The capture loop: one still per slot into the store, whatever the camera does.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "capture_config.h"
#include "capture_status.h"
#include "common/store.h"
#include "frame_source.h"
#include "jpeg_encoder.h"

namespace spdlog {
class logger;
}

namespace lingercam::common {
class Clock;
class HostProbe;
class Interrupt;
class Notifier;
class Store;
struct FrameId;
} // namespace lingercam::common

namespace lingercam::capture {

/// The capture loop: one still per slot into the store, whatever the camera does.
///
/// A missing or lost camera is a state, not a failure: the loop keeps running, retries the
/// camera with exponential backoff (logged when it changes, never a flood) and captures
/// again as soon as it is back.
class CaptureService {
public:
	/// \a host, when given, says through timedate1 whether the clock is synchronized: frames
	/// taken while it is not are named "-unsynced" (common::Store::publish).
	CaptureService(const CaptureConfig &config, std::unique_ptr<FrameSource> source, common::Store &store,
		       common::Clock &clock, common::Interrupt &interrupt, common::Notifier *notifier = nullptr,
		       common::HostProbe *host = nullptr);
	~CaptureService();

	/// Runs until the interrupt's stop; finishes the frame in progress first.
	void run();

	/// Opens the camera if needed and takes one frame now. Throws CameraError or
	/// common::SystemError (store).
	common::FrameId captureOne();

	const CaptureStatus &status() const { return status_; }
	CaptureStatus &status() { return status_; }

	/// The watchdog timeout the daemon asks for (WATCHDOG_USEC): camera.timeout, which
	/// bounds a whole still with its settle frames, plus time to open the camera, encode,
	/// write and apply retention. A long exposure is thus never killed; a camera call hung
	/// past its timeout is.
	static std::chrono::milliseconds watchdogTimeout(const CaptureConfig &config);

	static constexpr std::chrono::milliseconds kFirstRetry{ 2000 };
	static constexpr std::chrono::milliseconds kMaxRetry{ 300'000 };

private:
	bool ensureSource();
	void onSlot(bool triggered);
	void onCameraFailure(const CameraError &error);
	void publishStatus();
	/// How far the clock that names the next frame can be trusted; logs each change once.
	common::ClockTrust clockTrust(common::Clock::WallTime wall);

	CaptureConfig config_;
	std::unique_ptr<FrameSource> source_;
	common::Store &store_;
	common::Clock &clock_;
	common::Interrupt &interrupt_;
	common::Notifier *notifier_;
	common::HostProbe *host_;
	std::optional<common::ClockTrust> trust_; ///< as last logged
	JpegEncoder encoder_;
	CaptureStatus status_;
	std::shared_ptr<spdlog::logger> log_;
	std::shared_ptr<spdlog::logger> cameraLog_;

	bool sourceStarted_ = false;
	unsigned failures_ = 0;
	std::chrono::milliseconds retryDelay_ = kFirstRetry;
	common::Clock::MonoTime nextAttempt_{};
	bool diskLow_ = false;
	std::string lastStoreError_;
	std::string lastStoreErrorKind_; ///< what "said once" compares
};

} // namespace lingercam::capture
