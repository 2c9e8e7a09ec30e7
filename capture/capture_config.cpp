// SPDX-License-Identifier: BSD-2-Clause
// Reading capture.toml (see capture_config.h).
#include "capture_config.h"

#include "common/config_reader.h"
#include "common/error.h"
#include "common/paths.h"
#include "common/units.h"

namespace lingercam::capture {

using namespace std::chrono_literals;
using common::ConfigError;
using common::ConfigReader;

namespace {

void readImage(ConfigReader image, CaptureConfig &c)
{
	if (auto v = image.integer("width", 16, 16384))
		c.width = static_cast<unsigned>(*v);
	if (auto v = image.integer("height", 16, 16384))
		c.height = static_cast<unsigned>(*v);
	if (auto v = image.integer("quality", 1, 100))
		c.quality = static_cast<int>(*v);
	image.finish();
}

// The timeout covers the whole still, settle frames included: one that cannot fit would
// fail every time.
void checkStillFitsTimeout(ConfigReader &camera, const CaptureConfig &c)
{
	if (!c.exposureTimeUs)
		return;
	const auto still = std::chrono::microseconds(*c.exposureTimeUs) * (c.settleFrames + 1);
	if (still + 1s > c.captureTimeout)
		camera.fail("timeout", "a still takes at least (settle_frames " + std::to_string(c.settleFrames) +
					       " + 1) x exposure_time " + std::to_string(*c.exposureTimeUs) + " us = " +
					       common::configDuration(std::chrono::duration_cast<std::chrono::milliseconds>(still)) +
					       ", so timeout must be at least a second longer, got " +
					       common::configDuration(c.captureTimeout));
}

void readCamera(ConfigReader camera, CaptureConfig &c)
{
	if (auto v = camera.string("id"))
		c.cameraId = *v;
	if (auto v = camera.duration("timeout", 100ms, 10min))
		c.captureTimeout = *v;
	if (auto v = camera.integer("settle_frames", 0, 100))
		c.settleFrames = static_cast<unsigned>(*v);
	if (auto v = camera.integer("exposure_time", 1, 60'000'000))
		c.exposureTimeUs = static_cast<std::int32_t>(*v);
	if (auto v = camera.number("analogue_gain", 1.0, 64.0))
		c.analogueGain = static_cast<float>(*v);
	if (auto v = camera.choice("awb", { "auto", "incandescent", "tungsten", "fluorescent", "indoor", "daylight",
					    "cloudy" })) {
		static const char *const kModes[] = { "auto",   "incandescent", "tungsten", "fluorescent",
						      "indoor", "daylight",     "cloudy" };
		for (std::int32_t i = 0; i < 7; ++i)
			if (*v == kModes[i])
				c.awbMode = i;
	}
	if (auto v = camera.number("brightness", -1.0, 1.0))
		c.brightness = static_cast<float>(*v);
	if (auto v = camera.number("contrast", 0.0, 32.0))
		c.contrast = static_cast<float>(*v);
	if (auto v = camera.boolean("hflip"))
		c.hflip = *v;
	if (auto v = camera.boolean("vflip"))
		c.vflip = *v;
	if (auto v = camera.integer("rotation", 0, 180)) {
		if (*v != 0 && *v != 180)
			camera.fail("rotation", "expected 0 or 180, got " + std::to_string(*v));
		c.rotation = static_cast<unsigned>(*v);
	}
	checkStillFitsTimeout(camera, c);
	camera.finish();
}

void readTestPattern(ConfigReader pattern, CaptureConfig &c)
{
	if (auto v = pattern.integer("hang_after", 0, 1'000'000'000))
		c.hangAfter = static_cast<unsigned>(*v);
	pattern.finish();
}

void readRetention(ConfigReader retention, CaptureConfig &c)
{
	if (auto v = retention.bytes("max_bytes"))
		c.retention.maxBytes = *v;
	if (auto v = retention.spaceFloor("min_free")) {
		c.retention.minFreeBytes = v->bytes;
		c.retention.minFreePercent = v->percent;
	}
	if (auto v = retention.duration("max_age", 0s, std::chrono::hours(24 * 366 * 100)))
		c.retention.maxAge = std::chrono::duration_cast<std::chrono::seconds>(*v);
	if (auto v = retention.duration("forget_viewer_after", 0s, std::chrono::hours(24 * 366 * 100)))
		c.retention.forgetViewerAfter = std::chrono::duration_cast<std::chrono::seconds>(*v);
	retention.finish();
}

void readInto(ConfigReader &root, CaptureConfig &c)
{
	if (auto v = root.path("store")) {
		if (v->empty())
			root.fail("store", "expected a folder path, got an empty string");
		c.store = *v;
	}
	if (auto v = root.duration("interval", 1s, std::chrono::hours(24 * 7)))
		c.interval = *v;
	if (auto v = root.choice("source", { "libcamera", "testpattern" }))
		c.source = *parseSourceKind(*v);
	readImage(root.table("image"), c);
	readCamera(root.table("camera"), c);
	readTestPattern(root.table("testpattern"), c);
	readRetention(root.table("retention"), c);
	root.finish();
}

} // namespace

std::filesystem::path defaultCaptureConfigPath()
{
	return common::xdgConfigHome() / "lingercam" / "capture.toml";
}

std::filesystem::path defaultStorePath()
{
	return common::xdgDataHome() / "lingercam" / "store";
}

std::string_view sourceName(SourceKind kind)
{
	return kind == SourceKind::Libcamera ? "libcamera" : "testpattern";
}

std::optional<SourceKind> parseSourceKind(std::string_view name)
{
	if (name == "libcamera")
		return SourceKind::Libcamera;
	if (name == "testpattern")
		return SourceKind::TestPattern;
	return std::nullopt;
}

CaptureConfig parseCaptureConfig(std::string_view toml, const std::string &origin)
{
	CaptureConfig config;
	config.store = defaultStorePath();
	toml::table table = ConfigReader::parseString(toml, origin);
	ConfigReader root(table, origin);
	readInto(root, config);
	config.origin = origin;
	return config;
}

CaptureConfig loadCaptureConfig(const std::filesystem::path &path, bool mustExist)
{
	std::error_code ec;
	if (!mustExist && !std::filesystem::exists(path, ec)) {
		CaptureConfig config;
		config.store = defaultStorePath();
		return config;
	}
	CaptureConfig config;
	config.store = defaultStorePath();
	toml::table table = ConfigReader::parseFile(path.string());
	ConfigReader root(table, path.string());
	readInto(root, config);
	config.origin = path.string();
	return config;
}

} // namespace lingercam::capture
