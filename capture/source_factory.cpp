// SPDX-License-Identifier: BSD-2-Clause
// The configured camera (see source_factory.h).
#include "source_factory.h"

#include "libcamera_source.h"
#include "test_pattern_source.h"

namespace lingercam::capture {

std::unique_ptr<FrameSource> makeFrameSource(const CaptureConfig &config, common::Clock &clock)
{
	if (config.source == SourceKind::TestPattern) {
		TestPatternSource::Options pattern{ config.width, config.height, config.hangAfter };
		if (config.exposureTimeUs)
			pattern.exposure = std::chrono::microseconds(*config.exposureTimeUs);
		pattern.settleFrames = config.settleFrames;
		return std::make_unique<TestPatternSource>(pattern, clock);
	}
	LibcameraSource::Options options;
	options.cameraId = config.cameraId;
	options.width = config.width;
	options.height = config.height;
	options.settleFrames = config.settleFrames;
	options.hflip = config.hflip;
	options.vflip = config.vflip;
	options.rotation = config.rotation;
	options.exposureTimeUs = config.exposureTimeUs;
	options.analogueGain = config.analogueGain;
	options.awbMode = config.awbMode;
	options.brightness = config.brightness;
	options.contrast = config.contrast;
	return std::make_unique<LibcameraSource>(options);
}

} // namespace lingercam::capture
