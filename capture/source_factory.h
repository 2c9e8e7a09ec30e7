// SPDX-License-Identifier: BSD-2-Clause
// The configured camera: LibcameraSource or TestPatternSource.
#pragma once

#include <memory>

#include "capture_config.h"
#include "frame_source.h"

namespace lingercam::common {
class Clock;
}

namespace lingercam::capture {

/// The configured camera: LibcameraSource or TestPatternSource.
std::unique_ptr<FrameSource> makeFrameSource(const CaptureConfig &config, common::Clock &clock);

} // namespace lingercam::capture
