#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "image.h"

namespace lingercam::capture {

/// Why a camera call failed; the capture loop decides from it whether to retry.
class CameraError : public std::runtime_error {
public:
	enum class Kind {
		NotFound, ///< no camera (or not the configured one)
		Busy,     ///< another process holds it
		Timeout,  ///< a capture did not complete in time
		Lost,     ///< it went away while in use
		Failed,   ///< anything else the library reported
	};

	CameraError(Kind kind, const std::string &what) : std::runtime_error(what), kind_(kind) {}
	Kind kind() const { return kind_; }

private:
	Kind kind_;
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
	/// Throws CameraError (Timeout after \a timeout).
	virtual ImageView capture(std::chrono::milliseconds timeout) = 0;
	/// Releases the camera; start() may be called again.
	virtual void stop() = 0;
};

} // namespace lingercam::capture
