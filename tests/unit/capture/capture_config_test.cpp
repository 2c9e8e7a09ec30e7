// SPDX-License-Identifier: BSD-2-Clause
// Reading capture.toml: defaults, values, and errors that name the file, line and key.
#include <cstdio>
#include <fstream>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "capture/capture_config.h"
#include "capture/capture_service.h"
#include "common/error.h"
#include "support/program.h"
#include "support/temp_dir.h"

using namespace lingercam;
using namespace std::chrono_literals;
using capture::parseCaptureConfig;

namespace {

std::string errorOf(const std::string &toml)
{
	try {
		parseCaptureConfig(toml, "capture.toml");
	} catch (const common::ConfigError &e) {
		return e.what();
	}
	return "(no error)";
}

struct Result {
	int status;
	std::string output;
};

Result runCapture(const std::string &args)
{
	std::string cmd = test::programCommand("capture/lingercam-capture") + " " + args + " 2>&1";
	FILE *p = ::popen(cmd.c_str(), "r");
	std::string out;
	char buf[512];
	while (std::size_t n = std::fread(buf, 1, sizeof(buf), p))
		out.append(buf, n);
	int raw = ::pclose(p);
	return { WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out };
}

} // namespace

TEST(ACaptureConfig, HasADefaultForEveryKey)
{
	auto c = parseCaptureConfig("", "capture.toml");
	EXPECT_EQ(c.interval, 60s);
	EXPECT_EQ(c.source, capture::SourceKind::Libcamera);
	EXPECT_EQ(c.width, 1920u);
	EXPECT_EQ(c.quality, 90);
	EXPECT_EQ(c.retention.minFreePercent, 5.0);
	EXPECT_TRUE(c.store.string().ends_with("lingercam/store"));
}

TEST(ACaptureConfig, ReadsEverySection)
{
	auto c = parseCaptureConfig(R"(
store = "/srv/frames"
interval = "30s"
source = "testpattern"
[image]
width = 640
height = 480
quality = 75
[camera]
timeout = "5s"
settle_frames = 5
awb = "daylight"
hflip = true
rotation = 180
[testpattern]
hang_after = 3
[retention]
max_bytes = "20G"
min_free = "2G"
max_age = "30d"
)",
				    "capture.toml");
	EXPECT_EQ(c.store, "/srv/frames");
	EXPECT_EQ(c.interval, 30s);
	EXPECT_EQ(c.source, capture::SourceKind::TestPattern);
	EXPECT_EQ(c.width, 640u);
	EXPECT_EQ(c.settleFrames, 5u);
	EXPECT_EQ(c.awbMode, 5);
	EXPECT_TRUE(c.hflip);
	EXPECT_EQ(c.rotation, 180u);
	EXPECT_EQ(c.hangAfter, 3u);
	EXPECT_EQ(c.retention.maxBytes, 20ull << 30);
	EXPECT_EQ(c.retention.minFreeBytes, 2ull << 30);
	EXPECT_EQ(c.retention.minFreePercent, 0);
	EXPECT_EQ(c.retention.maxAge, std::chrono::hours(24 * 30));
}

TEST(ACaptureConfig, RejectsEachKindOfBadValueNamingTheKey)
{
	EXPECT_EQ(errorOf("intervall = 60\n").substr(0, 42), "capture.toml:1: unknown key 'intervall' (k");
	EXPECT_EQ(errorOf("[image]\nquality = \"best\"\n"),
		  "capture.toml:2: key 'image.quality': expected an integer, got \"best\"");
	EXPECT_EQ(errorOf("[image]\nquality = 0\n"),
		  "capture.toml:2: key 'image.quality': expected an integer from 1 to 100, got 0");
	EXPECT_NE(errorOf("interval = \"0.5s\"\n").find("key 'interval'"), std::string::npos);
	EXPECT_EQ(errorOf("source = \"webcam\"\n"),
		  "capture.toml:1: key 'source': expected one of \"libcamera\", \"testpattern\", got \"webcam\"");
	EXPECT_EQ(errorOf("[camera]\nrotation = 90\n"), "capture.toml:2: key 'camera.rotation': expected 0 or 180, got 90");
	EXPECT_NE(errorOf("[retention]\nmin_free = \"lots\"\n").find("key 'retention.min_free'"), std::string::npos);
	EXPECT_NE(errorOf("store = [\n").find("invalid TOML"), std::string::npos);
	EXPECT_NE(errorOf("image = 5\n").find("key 'image': expected a table"), std::string::npos);
	// A still that cannot fit in its timeout would fail every time.
	EXPECT_EQ(errorOf("[camera]\nexposure_time = 5000000\nsettle_frames = 3\n"),
		  "capture.toml:1: key 'camera.timeout': a still takes at least (settle_frames 3 + 1) x exposure_time "
		  "5000000 us = 20s, so timeout must be at least a second longer, got 10s");
}

// The store path follows the rule of every path in both config files (common/paths.h): a
// relative one, which the service and a shell would take from different folders, is refused.
TEST(ACaptureConfig, TakesTheStorePathByTheRuleOfBothConfigFiles)
{
	const char *saved = std::getenv("HOME");
	const std::string savedHome = saved ? saved : "";
	::setenv("HOME", "/home/pi", 1);
	EXPECT_EQ(parseCaptureConfig("store = \"~/frames\"\n", "capture.toml").store, "/home/pi/frames");
	EXPECT_EQ(parseCaptureConfig("store = \"$HOME/frames\"\n", "capture.toml").store, "/home/pi/frames");
	EXPECT_EQ(errorOf("interval = 60\nstore = \"frames\"\n"),
		  "capture.toml:2: key 'store': expected an absolute path or one starting with ~/ or $HOME/ (a relative "
		  "one would depend on the folder the program is started from), got \"frames\"");
	EXPECT_NE(errorOf("store = \"./frames\"\n").find("key 'store'"), std::string::npos);
	EXPECT_EQ(errorOf("store = \"\"\n"), "capture.toml:1: key 'store': expected a folder path, got an empty string");
	if (saved)
		::setenv("HOME", savedHome.c_str(), 1);
	else
		::unsetenv("HOME");
}

TEST(ACaptureConfig, GivesTheWatchdogTheWholeStillAndAMargin)
{
	// A 45 s night exposure (3 x 15 s) with a 60 s timeout: the watchdog waits 90 s, not
	// the unit's 30 s, so the still is not killed halfway.
	auto c = capture::parseCaptureConfig("[camera]\nexposure_time = 15000000\nsettle_frames = 2\ntimeout = \"60s\"\n",
					     "capture.toml");
	EXPECT_EQ(capture::CaptureService::watchdogTimeout(c), std::chrono::seconds(90));
	EXPECT_GT(capture::CaptureService::watchdogTimeout(c), std::chrono::microseconds(*c.exposureTimeUs) * 3);
}

TEST(TheCaptureProgram, ExitsWithConfigErrorNamingFileAndKey)
{
	test::TempDir dir;
	std::ofstream(dir / "capture.toml") << "interval = 60\n[image]\nquality = 300\n";
	Result r = runCapture("--config " + (dir / "capture.toml").string() + " check-config");
	EXPECT_EQ(r.status, 78);
	EXPECT_NE(r.output.find((dir / "capture.toml").string() + ":3: key 'image.quality'"), std::string::npos)
		<< r.output;

	r = runCapture("--config " + (dir / "missing.toml").string() + " run");
	EXPECT_EQ(r.status, 78);
	EXPECT_NE(r.output.find("missing.toml: cannot read config file"), std::string::npos) << r.output;

	std::ofstream(dir / "broken.toml") << "interval = \n";
	r = runCapture("--config " + (dir / "broken.toml").string() + " run");
	EXPECT_EQ(r.status, 78) << r.output;

	r = runCapture("--interval 0.2s --store " + (dir / "s").string() + " check-config");
	EXPECT_EQ(r.status, 78);
	EXPECT_NE(r.output.find("--interval"), std::string::npos) << r.output;
}
