// SPDX-License-Identifier: BSD-2-Clause
// The capture loop on the test pattern with a fake clock: slots, camera backoff, wrong clocks.
#include <gtest/gtest.h>

#include "capture/capture_service.h"
#include "capture/test_pattern_source.h"
#include "common/store.h"
#include "support/fake_clock.h"
#include "support/log_capture.h"
#include "support/stub_host.h"
#include "support/temp_dir.h"

using namespace lingercam;
using namespace std::chrono_literals;
using capture::CameraError;
using capture::CaptureConfig;
using capture::CaptureService;

namespace {

/// A camera that is absent for the first \a missingStarts attempts, then works, and can be
/// made to fail a capture (unplugged).
class FlakyCamera final : public capture::FrameSource {
public:
	FlakyCamera(common::Clock &clock, int missingStarts) : pattern_({ 160, 120, 0 }, clock), missing_(missingStarts) {}

	std::string name() const override { return "flaky"; }
	std::string model() const override { return "flaky"; }
	void start() override
	{
		startTimes.push_back(++attempts);
		if (missing_-- > 0)
			throw CameraError("no camera found");
		pattern_.start();
	}
	capture::ImageView capture(std::chrono::milliseconds timeout) override
	{
		if (unplugged)
			throw CameraError("camera was disconnected");
		if (neverDelivers)
			throw CameraError("camera gave no frame within 10000 ms");
		return pattern_.capture(timeout);
	}
	void stop() override { ++stops; }

	int attempts = 0, stops = 0;
	bool unplugged = false;
	bool neverDelivers = false;
	std::vector<int> startTimes;

private:
	capture::TestPatternSource pattern_;
	int missing_;
};

class ACaptureService : public ::testing::Test {
protected:
	test::TempDir dir;
	test::FakeClock clock{ test::utc(2026, 11, 23, 19, 38, 30) };
	common::Interrupt interrupt;
	CaptureConfig config;

	ACaptureService()
	{
		config.interval = 60s;
		config.width = 160;
		config.height = 120;
	}
};

} // namespace

TEST_F(ACaptureService, CapturesOnEverySlotIntoTheStore)
{
	common::Store store(dir / "store");
	auto camera = std::make_unique<FlakyCamera>(clock, 0);
	CaptureService service(config, std::move(camera), store, clock, interrupt);
	clock.onSleep = [&] {
		if (store.frameCount() == 3)
			interrupt.requestStop();
	};
	service.run();
	ASSERT_EQ(store.frameCount(), 3u);
	EXPECT_EQ(store.frames()[0].id.stem(), "20261123T193900Z");
	EXPECT_EQ(store.frames()[2].id.stem(), "20261123T194100Z");
	EXPECT_EQ(store.latest()->stem(), "20261123T194100Z");
	EXPECT_EQ(capture::stateName(service.status().snapshot().state), "capturing");
}

TEST_F(ACaptureService, KeepsRunningAndRetriesWithBackoffUntilTheCameraAppears)
{
	common::Store store(dir / "store");
	auto camera = std::make_unique<FlakyCamera>(clock, 6);
	FlakyCamera *cam = camera.get();
	CaptureService service(config, std::move(camera), store, clock, interrupt);
	std::vector<common::Clock::MonoTime> attemptTimes;
	int lastAttempts = 0;
	clock.onSleep = [&] {
		if (cam->attempts != lastAttempts) {
			attemptTimes.push_back(clock.monotonicNow());
			lastAttempts = cam->attempts;
		}
		if (store.frameCount() == 1)
			interrupt.requestStop();
	};
	service.run();
	EXPECT_EQ(cam->attempts, 7) << "six misses, then found";
	EXPECT_EQ(store.frameCount(), 1u) << "captures as soon as the camera is there";
	ASSERT_GE(attemptTimes.size(), 5u);
	auto gap1 = attemptTimes[2] - attemptTimes[1];
	auto gap2 = attemptTimes[4] - attemptTimes[3];
	EXPECT_GT(gap2, gap1) << "the delay between attempts grows";
}

TEST_F(ACaptureService, ReacquiresACameraThatWasUnplugged)
{
	common::Store store(dir / "store");
	auto camera = std::make_unique<FlakyCamera>(clock, 0);
	FlakyCamera *cam = camera.get();
	CaptureService service(config, std::move(camera), store, clock, interrupt);
	clock.onSleep = [&] {
		if (store.frameCount() == 1 && cam->stops == 0)
			cam->unplugged = true;
		if (cam->stops == 1 && cam->unplugged) {
			EXPECT_EQ(capture::stateName(service.status().snapshot().state), "waiting for camera");
			cam->unplugged = false;
		}
		if (store.frameCount() == 2)
			interrupt.requestStop();
	};
	service.run();
	EXPECT_EQ(store.frameCount(), 2u);
	EXPECT_GE(cam->attempts, 2) << "released and started again";
	EXPECT_GE(cam->stops, 1);
}

TEST_F(ACaptureService, BacksOffFromACameraThatOpensButNeverDeliversAFrame)
{
	common::Store store(dir / "store");
	auto camera = std::make_unique<FlakyCamera>(clock, 0);
	FlakyCamera *cam = camera.get();
	cam->neverDelivers = true;
	CaptureService service(config, std::move(camera), store, clock, interrupt);
	const auto start = clock.monotonicNow();
	clock.onSleep = [&] {
		if (clock.monotonicNow() - start > std::chrono::minutes(60))
			interrupt.requestStop();
	};
	service.run();
	EXPECT_EQ(store.frameCount(), 0u);
	// One open per minute without backoff would be 60; with it the delay doubles up to 5 min.
	EXPECT_GE(cam->attempts, 6);
	EXPECT_LE(cam->attempts, 20) << "re-opened at full rate";
	EXPECT_EQ(capture::stateName(service.status().snapshot().state), "waiting for camera");
}

TEST_F(ACaptureService, NamesFramesFromAnUnsynchronizedClockSoAndSaysSoOncePerChange)
{
	common::Store store(dir / "store");
	test::StubHost host;
	host.time.synchronized = false;
	test::LogCapture log("capture");
	CaptureService service(config, std::make_unique<FlakyCamera>(clock, 0), store, clock, interrupt, nullptr, &host);
	clock.onSleep = [&] {
		// NTP synchronizes the clock after the second frame.
		if (store.frameCount() == 2)
			host.time.synchronized = true;
		if (store.frameCount() == 4)
			interrupt.requestStop();
	};
	service.run();
	ASSERT_EQ(store.frameCount(), 4u);
	EXPECT_EQ(store.frames()[0].id.fileName(), "20261123T193900Z-unsynced.jpg");
	EXPECT_EQ(store.frames()[1].id.fileName(), "20261123T194000Z-unsynced.jpg");
	EXPECT_EQ(store.frames()[2].id.fileName(), "20261123T194100Z.jpg");
	EXPECT_EQ(service.status().snapshot().framesUnsynced, 2u);
	EXPECT_EQ(host.timeSyncQuestions, 4) << "asked before every frame";
	const std::string text = log.text();
	EXPECT_EQ(test::count(text, "clock not synchronized"), 1u) << text;
	EXPECT_EQ(test::count(text, "clock synchronized: frames are named by it"), 1u) << text;
}

TEST_F(ACaptureService, TakesAClockThatReadsBefore2026AsUnsynchronizedWhateverTimedatedSays)
{
	// A Pi without a real-time clock, no timedated to ask (nullptr host): 1970 is wrong.
	test::FakeClock early{ test::utc(1970, 1, 1, 0, 0, 5) };
	common::Store store(dir / "store");
	CaptureService service(config, std::make_unique<FlakyCamera>(early, 0), store, early, interrupt);
	const common::FrameId id = service.captureOne();
	EXPECT_EQ(id.relativePath(), "1970/01/01/19700101T000005Z-unsynced.jpg");
	EXPECT_EQ(store.outOfOrderDays().days().count("1970/01/01"), 1u);
}
