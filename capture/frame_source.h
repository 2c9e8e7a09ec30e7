// SPDX-License-Identifier: BSD-2-Clause
// The camera seam: FrameSource and the CameraError it throws.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "image.h"

namespace lingercam::capture {

/// A camera call that failed. The capture loop handles every one alike: it releases the
/// camera and opens it again after a backoff, logging the message, which names the cause
/// (not found, in use, timed out, disconnected, or what the library reported).
class CameraError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

/// A camera: opened once with start(), then one capture() per still, stop() to release.
class FrameSource {
public:
	virtual ~FrameSource() = default;

	/// "testpattern", "libcamera /base/platform/vimc.0/..." for log lines.
	virtual std::string name() const = 0;
	/// The camera's model, written into EXIF.
	virtual std::string model() const = 0;

	/// Acquires and configures the camera; throws CameraError.
	virtual void start() = 0;
	/// Takes one still. The view stays valid until the next capture() or stop().
	/// Throws CameraError (also when no still came within \a timeout).
	virtual ImageView capture(std::chrono::milliseconds timeout) = 0;
	/// Releases the camera; start() may be called again.
	virtual void stop() = 0;
};

} // namespace lingercam::capture
