// SPDX-License-Identifier: BSD-2-Clause
// org.lingercam.Pull1 served by PullApi on a private dbus-daemon, and pull's doctor.
#include <gtest/gtest.h>

#include <fstream>

#include <sstream>

#include "common/clock.h"
#include "common/host_probe.h"
#include "private_bus.h"
#include "pull/pull_client.h"
#include "pull/pull_config.h"
#include "pull/pull_dbus.h"
#include "pull/pull_doctor.h"
#include "pull/pull_status.h"
#include "support/temp_dir.h"
#include "support/stub_host.h"

using namespace lingercam;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Level = common::Finding::Level;
using std::chrono::system_clock;

namespace {

using test::StubHost;

const system_clock::time_point kNow{ std::chrono::seconds(1'795'556'143) };

class ThePullApi : public ::testing::Test {
protected:
	ThePullApi()
	{
		status.update("cam1", [](pull::SourceStatus &s) {
			s.state = pull::SourceStatus::State::Idle;
			s.lastRoundEnd = kNow;
			s.lastRoundOk = true;
			s.lastResult = "ok 12 frames";
			s.framesPulled = 12;
			s.backlog = 0;
		});
		status.update("cam2", [](pull::SourceStatus &s) {
			s.state = pull::SourceStatus::State::Failed;
			s.lastRoundEnd = kNow - 1s;
			s.lastRoundOk = false;
			s.lastResult = "failed: connection refused";
			s.lastError = "connection refused";
			s.framesPulled = 3;
			s.backlog = 7;
		});
	}

	test::PrivateBus bus;
	pull::PullStatus status;
	common::Interrupt interrupt;
	StubHost host;
	pull::PullSchedule schedule{ 10min, pull::ActiveHours() };
};

} // namespace

TEST_F(ThePullApi, SumsTheSourcesAndShowsEachOnesState)
{
	auto api = pull::PullApi::start(bus.connect(), status, schedule, interrupt, host);
	ASSERT_TRUE(api);
	auto client = bus.connect();
	pull::PullApiState s = pull::readPullApi(*client);
	EXPECT_EQ(s.state, "failed");
	EXPECT_EQ(s.lastRound, 1'795'556'143'000'000u);
	EXPECT_EQ(s.framesPulled, 15u);
	EXPECT_EQ(s.backlog, 7u);
	EXPECT_EQ(s.lastError, "cam2: connection refused");
	EXPECT_EQ(s.sources.at("cam1"), "idle; last round: ok 12 frames");
	EXPECT_EQ(s.sources.at("cam2"), "failed; last round: failed: connection refused");
	EXPECT_NE(s.lastRoundResult.find("cam1: ok 12 frames"), std::string::npos) << s.lastRoundResult;
	EXPECT_GT(s.nextRun, 0u);
	EXPECT_TRUE(s.lingering);
	EXPECT_TRUE(s.clockSynchronized);

	std::ostringstream out;
	pull::printPullStatus(out, s, kNow + 10s);
	EXPECT_NE(out.str().find("lingercam-pull: failed"), std::string::npos) << out.str();
	EXPECT_NE(out.str().find("2026-11-24T21:35:43Z (10s ago)"), std::string::npos) << out.str();
	EXPECT_NE(out.str().find("source cam2: failed"), std::string::npos) << out.str();
}

TEST_F(ThePullApi, SyncNowWakesTheLoop)
{
	auto api = pull::PullApi::start(bus.connect(), status, schedule, interrupt, host);
	ASSERT_TRUE(api);
	auto client = bus.connect();
	pull::requestSyncNow(*client);
	EXPECT_TRUE(interrupt.consumeTrigger());
}

TEST(TheNextPullSlot, IsTheNextMultipleOfTheIntervalInsideActiveHours)
{
	pull::PullSchedule always{ 10min, pull::ActiveHours() };
	auto next = pull::nextPullSlot(always, kNow);
	EXPECT_GT(next, kNow);
	EXPECT_LE(next - kNow, 10min);
	EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(next.time_since_epoch()).count() % 600, 0);

	pull::PullSchedule window{ 10min, *pull::ActiveHours::parse("06:00-07:00") };
	auto inWindow = pull::nextPullSlot(window, kNow);
	EXPECT_TRUE(window.activeHours.contains(inWindow));
	EXPECT_LE(inWindow - kNow, 24h);
}

TEST(ThePullDoctor, ChecksEachSourcesSshAndTheLastRound)
{
	test::TempDir dir;
	pull::PullConfig config = pull::parsePullConfig("interval = \"5m\"\nactive_hours = \"always\"\n"
							"[[source]]\nname = \"cam1\"\nhost = \"cam1\"\nuser = \"pi\"\n"
							"local_store = \"" +
								(dir.path() / "mirror").string() + "\"\n",
							"pull.toml");
	StubHost host;
	pull::PullApiState api;
	api.state = "idle";
	api.lastRound = static_cast<std::uint64_t>(
		std::chrono::duration_cast<std::chrono::microseconds>((kNow - 1min).time_since_epoch()).count());
	auto sshOk = [](const pull::SourceConfig &, std::string &detail) {
		detail = "pi@cam1:22, cipher aes128-gcm@openssh.com";
		return std::string();
	};
	common::DoctorReport report = pull::runPullDoctor(config, host, api, sshOk, kNow);
	ASSERT_NE(report.find("ssh (cam1)"), nullptr);
	EXPECT_EQ(report.find("ssh (cam1)")->level, Level::Ok);
	EXPECT_EQ(report.find("last round")->level, Level::Ok) << report.find("last round")->detail;
	ASSERT_NE(report.find("disk space (cam1)"), nullptr) << "a mirror not made yet: its parent's space";
	EXPECT_EQ(report.find("disk space (cam1)")->level, Level::Ok);
	EXPECT_EQ(report.exitStatus(), 0);

	auto sshRefused = [](const pull::SourceConfig &, std::string &) { return std::string("connection refused"); };
	report = pull::runPullDoctor(config, host, std::nullopt, sshRefused, kNow);
	EXPECT_EQ(report.find("ssh (cam1)")->level, Level::Fail);
	EXPECT_NE(report.find("ssh (cam1)")->fix.find("authorized_keys"), std::string::npos);
	EXPECT_EQ(report.find("last round")->level, Level::Fail) << "no daemon";
	EXPECT_EQ(report.exitStatus(), 1);
}

TEST(ThePullDoctor, WarnsWhenAMirrorMissesFramesUpToItsNewest)
{
	test::TempDir dir;
	const fs::path mirror = dir / "mirror";
	pull::PullConfig config = pull::parsePullConfig("[[source]]\nname = \"cam1\"\nhost = \"cam1\"\nlocal_store = \"" +
								mirror.string() + "\"\n",
							"pull.toml");
	// Two days of a frame a minute, but for 3 hours on the second: 87.5 %.
	const std::int64_t start = common::daysFromCivil(2026, 11, 22) * 86400;
	common::FrameId last;
	for (std::int64_t t = start; t < start + 2 * 86400; t += 60) {
		if (t >= start + 86400 + 3600 && t < start + 86400 + 4 * 3600)
			continue;
		last = common::FrameId{ t };
		fs::create_directories(mirror / last.dayPath());
		std::ofstream(mirror / last.relativePath()) << "x";
	}
	fs::create_symlink(last.relativePath(), mirror / "latest.jpg");
	StubHost host;
	auto sshOk = [](const pull::SourceConfig &, std::string &) { return std::string(); };
	const auto report = pull::runPullDoctor(config, host, std::nullopt, sshOk, kNow);
	const common::Finding *f = report.find("coverage (cam1)");
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(f->level, Level::Warn) << f->detail;
	EXPECT_NE(f->detail.find("1,260 of 1,440"), std::string::npos) << f->detail;
	EXPECT_NE(f->fix.find("lingercam-capture doctor on the camera host"), std::string::npos) << f->fix;
}
