// SPDX-License-Identifier: BSD-2-Clause
// Which completed frame becomes the still: libcamera's request and buffer statuses, frame
// by frame, as a camera delivers them.
#include <gtest/gtest.h>

#include <vector>

#include "capture/libcamera_version.h"
#include "capture/still_picker.h"

using lingercam::capture::classifyFrame;
using lingercam::capture::FrameKind;
using lingercam::capture::StillPicker;
using Action = StillPicker::Action;
using Buffer = libcamera::FrameMetadata;
using Request = libcamera::Request;

namespace {

// A completed frame as libcamera hands it over: the request's status and its buffer's.
struct Frame {
	Request::Status request;
	Buffer::Status buffer;
};

constexpr Frame kGood{ Request::RequestComplete, Buffer::FrameSuccess };
constexpr Frame kError{ Request::RequestComplete, Buffer::FrameError };
constexpr Frame kCancelled{ Request::RequestCancelled, Buffer::FrameCancelled };

// Offers the frames in order; returns each one's action.
std::vector<Action> offerAll(StillPicker &picker, const std::vector<Frame> &frames)
{
	std::vector<Action> actions;
	for (const Frame &f : frames)
		actions.push_back(picker.offer(f.request, f.buffer));
	return actions;
}

} // namespace

TEST(AStillPicker, TakesTheFirstGoodFrameWithNoSettleFrames)
{
	StillPicker picker(0);
	EXPECT_EQ(picker.offer(kGood.request, kGood.buffer), Action::Take);
	EXPECT_EQ(picker.summary(), "settle_frames_dropped=0 startup_frames_skipped=0 error_frames_skipped=0");
}

TEST(AStillPicker, DropsTheSettleFramesThenTakesTheNext)
{
	StillPicker picker(3);
	EXPECT_EQ(offerAll(picker, { kGood, kGood, kGood, kGood }),
		  (std::vector<Action>{ Action::Requeue, Action::Requeue, Action::Requeue, Action::Take }));
	EXPECT_EQ(picker.settleDropped(), 3u);
}

TEST(AStillPicker, NeverTakesAnErrorFrameNorCountsItAsSettling)
{
	StillPicker picker(1);
	EXPECT_EQ(offerAll(picker, { kError, kGood, kError, kError, kGood }),
		  (std::vector<Action>{ Action::Requeue, Action::Requeue, Action::Requeue, Action::Requeue, Action::Take }));
	EXPECT_EQ(picker.settleDropped(), 1u);
	EXPECT_EQ(picker.errorSkipped(), 3u);
	EXPECT_EQ(picker.summary(), "settle_frames_dropped=1 startup_frames_skipped=0 error_frames_skipped=3");
}

TEST(AStillPicker, DropsCancelledRequestsWithoutHandingThemBack)
{
	StillPicker picker(0);
	EXPECT_EQ(picker.offer(kCancelled.request, kCancelled.buffer), Action::Drop);
	// A request cancelled while its buffer still says success has no frame either.
	EXPECT_EQ(picker.offer(Request::RequestCancelled, Buffer::FrameSuccess), Action::Drop);
	// Nor has a complete request whose buffer was cancelled.
	EXPECT_EQ(picker.offer(Request::RequestComplete, Buffer::FrameCancelled), Action::Drop);
	EXPECT_EQ(picker.cancelled(), 3u);
	EXPECT_EQ(picker.offer(kGood.request, kGood.buffer), Action::Take);
}

TEST(AStillPicker, NeverTakesAFrameWithAStatusItsLibcameraDoesNotName)
{
	// Value 3 is FrameStartup from 0.5.2 on and unnamed before (and within the enum's
	// range either way). Whatever it means, the still is a FrameSuccess frame.
	StillPicker picker(0);
	EXPECT_EQ(picker.offer(Request::RequestComplete, static_cast<Buffer::Status>(3)), Action::Requeue);
	EXPECT_EQ(picker.settleDropped(), 0u);
	EXPECT_EQ(picker.offer(kGood.request, kGood.buffer), Action::Take);
}

TEST(AFrameClassifier, NamesEachRequestAndBufferStatus)
{
	EXPECT_EQ(classifyFrame(Request::RequestComplete, Buffer::FrameSuccess), FrameKind::Good);
	EXPECT_EQ(classifyFrame(Request::RequestComplete, Buffer::FrameError), FrameKind::Error);
	EXPECT_EQ(classifyFrame(Request::RequestComplete, Buffer::FrameCancelled), FrameKind::Cancelled);
	EXPECT_EQ(classifyFrame(Request::RequestCancelled, Buffer::FrameSuccess), FrameKind::Cancelled);
	EXPECT_EQ(classifyFrame(Request::RequestCancelled, Buffer::FrameError), FrameKind::Cancelled);
	EXPECT_EQ(classifyFrame(Request::RequestPending, Buffer::FrameSuccess), FrameKind::Error);
}

#if LINGERCAM_LIBCAMERA_AT_LEAST_PATCH(0, 5, 2)
// libcamera 0.5.2 on: the Raspberry Pi pipeline returns its first frames after start() as
// startup frames. With settle_frames = 0 the still used to be one of them.
constexpr Frame kStartup{ Request::RequestComplete, Buffer::FrameStartup };

TEST(AStillPicker, SkipsStartupFramesEvenWithNoSettleFrames)
{
	EXPECT_EQ(classifyFrame(kStartup.request, kStartup.buffer), FrameKind::Startup);
	StillPicker picker(0);
	EXPECT_EQ(offerAll(picker, { kStartup, kStartup, kGood }),
		  (std::vector<Action>{ Action::Requeue, Action::Requeue, Action::Take }));
	EXPECT_EQ(picker.summary(), "settle_frames_dropped=0 startup_frames_skipped=2 error_frames_skipped=0");
}

TEST(AStillPicker, CountsSettleFramesOnlyAfterTheStartupFrames)
{
	StillPicker picker(2);
	EXPECT_EQ(offerAll(picker, { kStartup, kStartup, kStartup, kGood, kError, kGood, kGood }),
		  (std::vector<Action>{ Action::Requeue, Action::Requeue, Action::Requeue, Action::Requeue,
					Action::Requeue, Action::Requeue, Action::Take }));
	EXPECT_EQ(picker.summary(), "settle_frames_dropped=2 startup_frames_skipped=3 error_frames_skipped=1");
}
#endif
