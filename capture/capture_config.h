// SPDX-License-Identifier: BSD-2-Clause
// capture.toml: every setting of the capture daemon, its default, and the reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/store.h"

namespace lingercam::capture {

enum class SourceKind { Libcamera, TestPattern };

/// Everything capture.toml can say; every member has its default here.
struct CaptureConfig {
	std::filesystem::path store;                  ///< default: $XDG_DATA_HOME/lingercam/store
	std::chrono::milliseconds interval{ 60'000 };
	SourceKind source = SourceKind::Libcamera;

	// [image]
	unsigned width = 1920;
	unsigned height = 1080;
	int quality = 90;

	// [camera]
	std::string cameraId;
	std::chrono::milliseconds captureTimeout{ 10'000 };
	unsigned settleFrames = 3;
	std::optional<std::int32_t> exposureTimeUs;
	std::optional<float> analogueGain;
	std::optional<std::int32_t> awbMode;
	std::optional<float> brightness;
	std::optional<float> contrast;
	bool hflip = false;
	bool vflip = false;
	unsigned rotation = 0;

	// [testpattern]
	unsigned hangAfter = 0;

	// [retention]
	common::RetentionPolicy retention{ 0, 0, 5.0, std::chrono::seconds(0), std::chrono::seconds(30 * 86400) };

	/// Where the values came from, for messages ("built-in defaults" or the file).
	std::string origin = "built-in defaults";
};

/// $XDG_CONFIG_HOME/lingercam/capture.toml (or ~/.config/...).
std::filesystem::path defaultCaptureConfigPath();
/// $XDG_DATA_HOME/lingercam/store (or ~/.local/share/...).
std::filesystem::path defaultStorePath();

/// Reads \a path into a config. \a mustExist false: a missing file means all defaults.
/// Throws common::ConfigError naming file, line, key and what is accepted.
CaptureConfig loadCaptureConfig(const std::filesystem::path &path, bool mustExist);
CaptureConfig parseCaptureConfig(std::string_view toml, const std::string &origin);

std::string_view sourceName(SourceKind kind);
std::optional<SourceKind> parseSourceKind(std::string_view name);

} // namespace lingercam::capture
