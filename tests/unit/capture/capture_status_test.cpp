// SPDX-License-Identifier: BSD-2-Clause
// The capture daemon's state as D-Bus names it, and its sd_notify STATUS line.
#include <gtest/gtest.h>

#include "capture/capture_status.h"

using namespace lingercam;
using capture::CaptureState;
using capture::CaptureStatus;

// The words are the D-Bus State property's values, which scripts compare.
TEST(ACaptureState, IsNamedAsTheDbusApiSaysIt)
{
	EXPECT_EQ(capture::stateName(CaptureState::State::Starting), "starting");
	EXPECT_EQ(capture::stateName(CaptureState::State::Capturing), "capturing");
	EXPECT_EQ(capture::stateName(CaptureState::State::WaitingForCamera), "waiting for camera");
	EXPECT_EQ(capture::stateName(CaptureState::State::StoreError), "store error");
}

// The line is what `systemctl status` shows and what people grep for: byte for byte.

TEST(ACaptureStatusLine, SaysStartingBeforeAnything)
{
	EXPECT_EQ(CaptureStatus().summary(), "starting; 0 frames, 0 B");
}

TEST(ACaptureStatusLine, GivesTheLastFrameAndTheStoreButNoOldErrorWhileCapturing)
{
	CaptureStatus status;
	status.update([](CaptureState &s) {
		s.state = CaptureState::State::Capturing;
		s.lastFrame = common::FrameId{ 1'795'556'143, 0 };
		s.framesStored = 42;
		s.storeBytes = 123456;
		s.lastError = "camera gave no frame within 10000 ms";
	});
	EXPECT_EQ(status.summary(), "capturing; last frame 2026-11-24T21:35:43Z; 42 frames, 120.6 KiB");
}

TEST(ACaptureStatusLine, EndsWithTheErrorWhileWaitingForTheCamera)
{
	CaptureStatus status;
	status.update([](CaptureState &s) {
		s.state = CaptureState::State::WaitingForCamera;
		s.lastError = "no camera found";
	});
	EXPECT_EQ(status.summary(), "waiting for camera; 0 frames, 0 B; no camera found");
}

TEST(ACaptureStatusLine, EndsWithTheErrorAfterAStoreError)
{
	CaptureStatus status;
	status.update([](CaptureState &s) {
		s.state = CaptureState::State::StoreError;
		s.lastFrame = common::FrameId{ 1'795'556'143, 0 };
		s.framesStored = 2;
		s.storeBytes = 2048;
		s.lastError = "cannot write frame: No space left on device";
	});
	EXPECT_EQ(status.summary(),
		  "store error; last frame 2026-11-24T21:35:43Z; 2 frames, 2.0 KiB; cannot write frame: No space left on device");
}
