// SPDX-License-Identifier: BSD-2-Clause
// doctor's judgement: each check on the situations it must tell apart, and what it says to do.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capture_config.h"
#include "capture/capture_doctor.h"
#include "common/doctor.h"
#include "support/temp_dir.h"
#include "support/stub_host.h"

using namespace lingercam;
using namespace std::chrono_literals;
using Level = common::Finding::Level;
namespace fs = std::filesystem;

namespace {

using test::StubHost;

const common::Clock::WallTime kNow{ std::chrono::seconds(1'795'556'143) };

} // namespace

TEST(TheLingerCheck, FailsWithTheFixWhenTheUserDoesNotLinger)
{
	common::Finding f = common::checkLinger({ common::LingerStatus::State::No, "pi", "" }, "capture.service");
	EXPECT_EQ(f.level, Level::Fail);
	EXPECT_NE(f.detail.find("stops about 10 s after the last session ends"), std::string::npos) << f.detail;
	EXPECT_NE(f.fix.find("loginctl enable-linger pi"), std::string::npos) << f.fix;
	EXPECT_EQ(common::checkLinger({ common::LingerStatus::State::Yes, "pi", "" }, "capture.service").level, Level::Ok);
	EXPECT_EQ(common::checkLinger({ common::LingerStatus::State::Unknown, "pi", "no bus" }, "x").level, Level::Warn);
}

TEST(TheUnitCheck, TellsMissingInactiveAndDisabledApartWithAFixForEach)
{
	common::UserUnitState missing{ "not-found", "inactive", "dead", "", "" };
	common::Finding f = common::checkUnit(missing, "capture.service");
	EXPECT_EQ(f.level, Level::Fail);
	EXPECT_NE(f.fix.find("lingercam-install capture"), std::string::npos) << f.fix;

	common::UserUnitState failed{ "loaded", "failed", "failed", "enabled", "" };
	f = common::checkUnit(failed, "capture.service");
	EXPECT_EQ(f.level, Level::Fail);
	EXPECT_NE(f.fix.find("journalctl --user -u capture"), std::string::npos) << f.fix;

	common::UserUnitState disabled{ "loaded", "active", "running", "disabled", "" };
	f = common::checkUnit(disabled, "capture.service");
	EXPECT_EQ(f.level, Level::Fail);
	EXPECT_NE(f.fix.find("systemctl --user enable capture"), std::string::npos) << f.fix;

	common::UserUnitState fine{ "loaded", "active", "running", "enabled", "" };
	EXPECT_EQ(common::checkUnit(fine, "capture.service").level, Level::Ok);

	common::UserUnitState unknown;
	unknown.detail = "no session bus";
	EXPECT_EQ(common::checkUnit(unknown, "capture.service").level, Level::Fail);
}

TEST(TheAgeCheck, PassesAFreshFrameAndFailsAStaleOrMissingOne)
{
	EXPECT_EQ(common::checkAge("last frame", "frame", kNow - 50s, kNow, 60s, "fix").level, Level::Ok);
	common::Finding stale = common::checkAge("last frame", "frame", kNow - 10min, kNow, 60s, "look at the journal");
	EXPECT_EQ(stale.level, Level::Fail);
	EXPECT_NE(stale.detail.find("10m old"), std::string::npos) << stale.detail;
	EXPECT_EQ(stale.fix, "look at the journal");
	EXPECT_EQ(common::checkAge("last frame", "frame", std::nullopt, kNow, 60s, "fix").level, Level::Fail);
	EXPECT_EQ(common::checkAge("last frame", "frame", kNow + 1h, kNow, 60s, "fix").level, Level::Warn);
}

TEST(TheDiskSpaceCheck, WarnsBelowTheRetentionMinimumAndFailsBelowTheFloor)
{
	EXPECT_EQ(common::checkDiskSpace(common::DiskSpace{ 10ull << 30, 100ull << 30 }, "/s", 5ull << 30).level, Level::Ok);
	EXPECT_EQ(common::checkDiskSpace(common::DiskSpace{ 1ull << 30, 100ull << 30 }, "/s", 5ull << 30).level, Level::Warn);
	EXPECT_EQ(common::checkDiskSpace(common::DiskSpace{ 1ull << 20, 100ull << 30 }, "/s", 0).level, Level::Fail);
	EXPECT_EQ(common::checkDiskSpace(std::nullopt, "/s", 0).level, Level::Fail);
}

TEST(TheCoverageCheck, WarnsBelow95PercentAndSaysWhatUsuallyCausesIt)
{
	std::vector<std::int64_t> times;
	for (int m = 0; m < 1440; ++m)
		if (m % 10) // every tenth frame missing: 90 %
			times.push_back(m * 60);
	const common::Coverage low(times, 0, 86400, 60s, 86400);
	common::Finding f = common::checkCoverage(low, 0, "the last 24 hours", "lingering off, camera lost, disk low");
	EXPECT_EQ(f.level, Level::Warn);
	EXPECT_NE(f.detail.find("less than 95 %"), std::string::npos) << f.detail;
	EXPECT_NE(f.detail.find("1,296 of 1,440"), std::string::npos) << f.detail;
	EXPECT_EQ(f.fix, "lingering off, camera lost, disk low");
	for (int m = 0; m < 1440; m += 10)
		times.push_back(m * 60);
	const common::Coverage full(times, 0, 86400, 60s, 86400);
	EXPECT_EQ(common::checkCoverage(full, 0, "x", "y").level, Level::Ok);
}

TEST(TheCaptureDoctor, ChecksTheLastDaysCoverageSinceTheFirstFrame)
{
	test::TempDir dir;
	capture::CaptureConfig config;
	config.store = dir / "store";
	config.source = capture::SourceKind::TestPattern;
	const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch()).count();
	auto frames = [&](std::int64_t from, std::int64_t to) {
		for (std::int64_t t = from - from % 60; t < to; t += 60) {
			const common::FrameId id{ t };
			fs::create_directories(config.store / id.dayPath());
			std::ofstream(config.store / id.relativePath()) << "x";
		}
	};
	StubHost host;
	// Set up an hour ago, a frame a minute since: nothing missing.
	frames(now - 3600, now);
	const common::Finding *f = nullptr;
	common::DoctorReport r = capture::runCaptureDoctor(config, host, kNow, dir / "dev");
	ASSERT_NE(f = r.find("coverage"), nullptr);
	EXPECT_EQ(f->level, Level::Ok) << f->detail;
	// Running for a day, but stopped for 15 of the last 24 hours (the lingering bug).
	frames(now - 86400 - 600, now - 15 * 3600);
	r = capture::runCaptureDoctor(config, host, kNow, dir / "dev");
	ASSERT_NE(f = r.find("coverage"), nullptr);
	EXPECT_EQ(f->level, Level::Warn) << f->detail;
	EXPECT_NE(f->detail.find("less than 95 %"), std::string::npos) << f->detail;
	EXPECT_NE(f->fix.find("lingering off"), std::string::npos) << f->fix;
}

TEST(TheClockCheck, WarnsWhenTheClockIsNotSynchronized)
{
	EXPECT_EQ(common::checkClock({ true, true, "" }).level, Level::Ok);
	common::Finding f = common::checkClock({ false, false, "" });
	EXPECT_EQ(f.level, Level::Warn);
	EXPECT_NE(f.detail.find("no NTP service enabled"), std::string::npos) << f.detail;
	EXPECT_EQ(common::checkClock({ std::nullopt, std::nullopt, "no bus" }).level, Level::Warn);
}

TEST(TheCameraAccessCheck, NeedsNoCameraForTheTestPattern)
{
	test::TempDir dev;
	EXPECT_EQ(capture::checkCameraAccess(capture::SourceKind::TestPattern, dev.path()).level, Level::Ok);
}

TEST(TheCameraAccessCheck, FailsWhenThereAreNoCameraDeviceNodes)
{
	test::TempDir dev;
	common::Finding f = capture::checkCameraAccess(capture::SourceKind::Libcamera, dev.path());
	EXPECT_EQ(f.level, Level::Fail);
	EXPECT_NE(f.fix.find("lingercam-capture cameras"), std::string::npos) << f.fix;
}

TEST(TheCameraAccessCheck, PassesWhenEveryNodeMayBeOpened)
{
	test::TempDir dev;
	for (const char *n : { "media0", "video0" })
		std::ofstream(dev.path() / n) << "";
	fs::permissions(dev.path() / "media0", fs::perms::owner_read | fs::perms::owner_write);
	fs::permissions(dev.path() / "video0", fs::perms::owner_read | fs::perms::owner_write);
	common::Finding f = capture::checkCameraAccess(capture::SourceKind::Libcamera, dev.path());
	EXPECT_EQ(f.level, Level::Ok) << f.detail;
	EXPECT_NE(f.detail.find("2 camera device nodes"), std::string::npos) << f.detail;
}

TEST(TheCameraAccessCheck, FailsWithTheVideoGroupFixWhenTheUserMayNotOpenThem)
{
	test::TempDir dev;
	std::ofstream(dev.path() / "video0") << "";
	fs::permissions(dev.path() / "video0", fs::perms::owner_read | fs::perms::owner_write);
	fs::permissions(dev.path(), fs::perms::all);
	// The check runs as an unprivileged user (root may open anything): a child as nobody.
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	pid_t pid = ::fork();
	if (pid == 0) {
		::close(fds[0]);
		if (::getuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
			::_exit(2);
		common::Finding f = capture::checkCameraAccess(capture::SourceKind::Libcamera, dev.path());
		std::string out = std::to_string(static_cast<int>(f.level)) + "\n" + f.detail + "\n" + f.fix;
		(void)!::write(fds[1], out.data(), out.size());
		::_exit(0);
	}
	::close(fds[1]);
	std::string out;
	char buf[512];
	for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
		out.append(buf, static_cast<std::size_t>(n));
	::close(fds[0]);
	int status = 0;
	::waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child could not drop privileges";
	EXPECT_EQ(out.substr(0, 1), std::to_string(static_cast<int>(Level::Fail))) << out;
	EXPECT_NE(out.find("may not open " + (dev.path() / "video0").string()), std::string::npos) << out;
	EXPECT_NE(out.find("sudo usermod -aG video"), std::string::npos) << out;
}

TEST(TheCaptureDoctor, ReportsEveryCheckAndFailsWhenOneFails)
{
	test::TempDir dir;
	capture::CaptureConfig config;
	config.store = dir.path();
	config.source = capture::SourceKind::TestPattern;
	config.interval = 60s;
	fs::create_directories(dir.path() / "2026/11/24");
	std::ofstream(dir.path() / "2026/11/24/20261124T213500Z.jpg") << "x";
	fs::create_symlink("2026/11/24/20261124T213500Z.jpg", dir.path() / "latest.jpg");

	StubHost host;
	common::DoctorReport report = capture::runCaptureDoctor(config, host, kNow);
	for (const char *check : { "lingering", "unit", "last frame", "disk space", "clock", "camera access" }) {
		ASSERT_NE(report.find(check), nullptr) << check;
		EXPECT_EQ(report.find(check)->level, Level::Ok) << check << ": " << report.find(check)->detail;
	}
	EXPECT_EQ(report.exitStatus(), 0);

	host.lingerStatus.state = common::LingerStatus::State::No;
	report = capture::runCaptureDoctor(config, host, kNow + 1h);
	EXPECT_EQ(report.exitStatus(), 1);
	std::ostringstream out;
	report.print(out);
	EXPECT_NE(out.str().find("FAIL  lingering"), std::string::npos) << out.str();
	EXPECT_NE(out.str().find("fix: loginctl enable-linger pi"), std::string::npos) << out.str();
	EXPECT_NE(out.str().find("FAIL  last frame"), std::string::npos) << out.str();
	EXPECT_NE(out.str().find("doctor: 2 problem(s) to fix"), std::string::npos) << out.str();
}
