// SPDX-License-Identifier: BSD-2-Clause
// Which completed camera frame becomes the still: settle frames first, and never a frame
// the camera marks as a startup or error frame.
#pragma once

#include <string>

#include <libcamera/framebuffer.h>
#include <libcamera/request.h>

namespace lingercam::capture {

/// What a completed frame is, from its request's status and its buffer's metadata status.
enum class FrameKind {
	Good,      ///< request complete, buffer FrameSuccess: a real picture
	Startup,   ///< FrameStartup (libcamera 0.5.2 on): the pipeline is still starting up
	Error,     ///< FrameError, or a status this libcamera does not name: bytes not to trust
	Cancelled, ///< request or buffer cancelled (the stream is stopping): nothing in it
};

FrameKind classifyFrame(libcamera::Request::Status request, libcamera::FrameMetadata::Status buffer);
const char *frameKindName(FrameKind kind);

/// Decides, frame by frame in completion order, which frame of one capture is the still.
/// Only good frames count: the first settleFrames of them are dropped (AE/AWB settle over
/// them), the next is the still. Startup and error frames are skipped and counted apart,
/// whatever the settle count; so with settle_frames = 0 the still is still a good frame.
class StillPicker {
public:
	enum class Action {
		Take,    ///< this frame is the still
		Requeue, ///< not the still; hand its buffer back to the camera for another frame
		Drop,    ///< cancelled: the stream is stopping, the buffer cannot go back
	};

	explicit StillPicker(unsigned settleFrames) : settleFrames_(settleFrames) {}

	Action offer(libcamera::Request::Status request, libcamera::FrameMetadata::Status buffer);

	unsigned settleDropped() const { return settleDropped_; }
	unsigned startupSkipped() const { return startupSkipped_; }
	unsigned errorSkipped() const { return errorSkipped_; }
	unsigned cancelled() const { return cancelled_; }

	/// "settle_frames_dropped=3 startup_frames_skipped=2 error_frames_skipped=0": for the
	/// still's log line and for a timeout's error message.
	std::string summary() const;

private:
	unsigned settleFrames_;
	unsigned settleDropped_ = 0;
	unsigned startupSkipped_ = 0;
	unsigned errorSkipped_ = 0;
	unsigned cancelled_ = 0;
};

} // namespace lingercam::capture
