// SPDX-License-Identifier: BSD-2-Clause
// org.lingercam.Capture1 served by CaptureApi on a private dbus-daemon, read back the way
// `lingercam-capture status` and busctl read it.
#include <gtest/gtest.h>

#include <sstream>

#include "capture/capture_client.h"
#include "capture/capture_dbus.h"
#include "capture/capture_status.h"
#include "common/clock.h"
#include "common/host_probe.h"
#include "common/sdbus_compat.h"
#include "private_bus.h"
#include "support/stub_host.h"

using namespace lingercam;
using namespace std::chrono_literals;

namespace {

using test::StubHost;

class TheCaptureApi : public ::testing::Test {
protected:
	TheCaptureApi()
	{
		status.update([](capture::CaptureState &s) {
			s.state = capture::CaptureState::State::Capturing;
			s.source = "testpattern";
			s.lastFrame = common::FrameId{ 1'795'556'143, 0 };
			s.lastFramePath = "/store/2026/11/24/20261124T213543Z.jpg";
			s.framesCaptured = 3;
			s.framesStored = 42;
			s.framesUnsynced = 2;
			s.storeBytes = 123456;
			s.lastError = "";
			s.nextRun = common::Clock::WallTime(std::chrono::seconds(1'795'556'144));
		});
		host.time.synchronized = false;
	}

	test::PrivateBus bus;
	capture::CaptureStatus status;
	common::Interrupt interrupt;
	StubHost host;
};

} // namespace

TEST_F(TheCaptureApi, ShowsTheDaemonsStateAsProperties)
{
	auto api = capture::CaptureApi::start(bus.connect(), status, "/store", interrupt, host);
	ASSERT_TRUE(api);
	auto client = bus.connect();
	capture::CaptureApiState s = capture::readCaptureApi(*client);
	EXPECT_EQ(s.state, "capturing");
	EXPECT_EQ(s.source, "testpattern");
	EXPECT_EQ(s.lastFramePath, "/store/2026/11/24/20261124T213543Z.jpg");
	EXPECT_EQ(s.lastFrameTime, 1'795'556'143'000'000u);
	EXPECT_EQ(s.framesCaptured, 3u);
	EXPECT_EQ(s.framesStored, 42u);
	EXPECT_EQ(s.framesUnsynced, 2u);
	EXPECT_EQ(s.storeBytes, 123456u);
	EXPECT_EQ(s.storePath, "/store");
	EXPECT_EQ(s.nextRun, 1'795'556'144'000'000u);
	EXPECT_TRUE(s.lingering);
	EXPECT_FALSE(s.clockSynchronized);

	status.update([](capture::CaptureState &st) { st.framesStored = 43; });
	EXPECT_EQ(capture::readCaptureApi(*client).framesStored, 43u) << "read live, never stale";
}

TEST_F(TheCaptureApi, CaptureNowWakesTheLoop)
{
	auto api = capture::CaptureApi::start(bus.connect(), status, "/store", interrupt, host);
	ASSERT_TRUE(api);
	EXPECT_FALSE(interrupt.consumeTrigger());
	auto client = bus.connect();
	capture::requestCaptureNow(*client);
	EXPECT_TRUE(interrupt.consumeTrigger());
}

TEST_F(TheCaptureApi, IntrospectsAsTheInterfaceXmlSays)
{
	auto api = capture::CaptureApi::start(bus.connect(), status, "/store", interrupt, host);
	ASSERT_TRUE(api);
	auto client = bus.connect();
	auto proxy = common::dbus::createProxy(*client, capture::CaptureDbus::kBusName, capture::CaptureDbus::kObjectPath);
	std::string xml;
	proxy->callMethod("Introspect").onInterface("org.freedesktop.DBus.Introspectable").storeResultsTo(xml);
	for (const char *member : { "org.lingercam.Capture1", "CaptureNow", "LastFramePath", "LastFrameTime", "FramesStored",
				    "StoreBytes", "LastError", "NextRun", "Lingering", "ClockSynchronized",
				    "FramesUnsynced", "Interval" })
		EXPECT_NE(xml.find(std::string("\"") + member + "\""), std::string::npos) << member << " in " << xml;
}

TEST_F(TheCaptureApi, IsLeftOutWhenAnotherInstanceHoldsTheName)
{
	auto first = capture::CaptureApi::start(bus.connect(), status, "/store", interrupt, host);
	ASSERT_TRUE(first);
	auto second = capture::CaptureApi::start(bus.connect(), status, "/store", interrupt, host);
	EXPECT_FALSE(second) << "no second owner; the first keeps serving";
	auto client = bus.connect();
	EXPECT_EQ(capture::readCaptureApi(*client).state, "capturing");
}

TEST_F(TheCaptureApi, SaysThatNothingServesItWhenTheDaemonIsGone)
{
	auto client = bus.connect();
	try {
		capture::readCaptureApi(*client);
		FAIL() << "expected an error";
	} catch (const sdbus::Error &e) {
		EXPECT_EQ(e.getName(), "org.freedesktop.DBus.Error.ServiceUnknown") << e.what();
	}
}

TEST(TheCaptureStatusText, ShowsTimesAsUtcAndRelativeAndTheLingerFix)
{
	capture::CaptureApiState s;
	s.state = "capturing";
	s.source = "testpattern";
	s.lastFrameTime = 1'795'556'143'000'000u;
	s.lastFramePath = "/store/2026/11/24/20261124T213543Z.jpg";
	s.nextRun = 1'795'556'200'000'000u;
	s.framesStored = 42;
	s.storeBytes = 2048;
	s.storePath = "/store";
	s.lingering = false;
	std::ostringstream out;
	capture::printCaptureStatus(out, s, common::Clock::WallTime(std::chrono::seconds(1'795'556'153)));
	const std::string text = out.str();
	EXPECT_NE(text.find("lingercam-capture: capturing (source testpattern)"), std::string::npos) << text;
	EXPECT_NE(text.find("2026-11-24T21:35:43Z (10s ago)"), std::string::npos) << text;
	EXPECT_NE(text.find("(in 47s)"), std::string::npos) << text;
	EXPECT_NE(text.find("42 frames, 2.0 KiB"), std::string::npos) << text;
	EXPECT_NE(text.find("loginctl enable-linger"), std::string::npos) << text;
	EXPECT_EQ(text.find("unsynchronized"), std::string::npos) << "said only when there are such frames\n" << text;

	s.framesUnsynced = 3;
	std::ostringstream again;
	capture::printCaptureStatus(again, s, common::Clock::WallTime(std::chrono::seconds(1'795'556'153)));
	EXPECT_NE(again.str().find("42 frames, 2.0 KiB, 3 of them named by an unsynchronized clock (-unsynced)"),
		  std::string::npos)
		<< again.str();
}
