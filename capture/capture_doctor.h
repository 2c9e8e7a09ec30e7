// SPDX-License-Identifier: BSD-2-Clause
// `lingercam-capture doctor`: what it checks on the camera host.
#pragma once

#include <filesystem>

#include "capture_config.h"
#include "common/clock.h"
#include "common/doctor.h"

namespace lingercam::common {
class HostProbe;
}

namespace lingercam::capture {

/// `lingercam-capture doctor`: lingering, capture.service enabled and active, age of the last
/// frame, disk space of the store, clock sync and camera access, each with what to fix.
/// Reads only: opens no Store, so it changes nothing on disk.
common::DoctorReport runCaptureDoctor(const CaptureConfig &config, common::HostProbe &host,
				      common::Clock::WallTime now, const std::filesystem::path &devDir = "/dev");

/// May this user open the camera's device nodes (\a devDir/media*, video*)? libcamera needs
/// both; on Raspberry Pi OS and Debian they belong to group video.
common::Finding checkCameraAccess(SourceKind source, const std::filesystem::path &devDir);

} // namespace lingercam::capture
