// SPDX-License-Identifier: BSD-2-Clause
// Which completed camera frame becomes the still (see still_picker.h).
#include "still_picker.h"

#include <spdlog/fmt/fmt.h>

#include "libcamera_version.h"

namespace lingercam::capture {

using libcamera::FrameMetadata;
using libcamera::Request;

FrameKind classifyFrame(Request::Status request, FrameMetadata::Status buffer)
{
	if (request == Request::RequestCancelled)
		return FrameKind::Cancelled;
	switch (buffer) {
	case FrameMetadata::FrameSuccess:
		// A request still pending has no frame; only a complete one is a picture.
		return request == Request::RequestComplete ? FrameKind::Good : FrameKind::Error;
	case FrameMetadata::FrameCancelled:
		return FrameKind::Cancelled;
#if LINGERCAM_LIBCAMERA_AT_LEAST_PATCH(0, 5, 2)
	// Since 0.5.2 the Raspberry Pi pipeline delivers the frames right after start(), which
	// it used to drop, marked as startup frames; rpicam-apps skips them too.
	case FrameMetadata::FrameStartup:
		return FrameKind::Startup;
#endif
	case FrameMetadata::FrameError:
		return FrameKind::Error;
	}
	// A status newer than these headers: whatever it means, it is not a good frame.
	return FrameKind::Error;
}

const char *frameKindName(FrameKind kind)
{
	switch (kind) {
	case FrameKind::Good:
		return "good";
	case FrameKind::Startup:
		return "startup";
	case FrameKind::Error:
		return "error";
	case FrameKind::Cancelled:
		return "cancelled";
	}
	return "unknown";
}

StillPicker::Action StillPicker::offer(Request::Status request, FrameMetadata::Status buffer)
{
	switch (classifyFrame(request, buffer)) {
	case FrameKind::Cancelled:
		++cancelled_;
		return Action::Drop;
	case FrameKind::Startup:
		++startupSkipped_;
		return Action::Requeue;
	case FrameKind::Error:
		++errorSkipped_;
		return Action::Requeue;
	case FrameKind::Good:
		break;
	}
	if (settleDropped_ == settleFrames_)
		return Action::Take;
	++settleDropped_;
	return Action::Requeue;
}

std::string StillPicker::summary() const
{
	return fmt::format("settle_frames_dropped={} startup_frames_skipped={} error_frames_skipped={}", settleDropped_,
			   startupSkipped_, errorSkipped_);
}

} // namespace lingercam::capture
