// SPDX-License-Identifier: BSD-2-Clause
// Which of capture.toml's [camera] controls a camera gets, and how libcamera wants them.
#pragma once

#include <memory>
#include <string>

#include "libcamera_source.h"

namespace libcamera {
class ControlInfoMap;
class ControlList;
} // namespace libcamera

namespace lingercam::capture {

/// The controls for every request of a capture, and what to tell the user about them.
struct ControlChoice {
	std::unique_ptr<libcamera::ControlList> controls;
	std::string applied;    ///< "exposure_time=10000 brightness=0.5": set, the camera has them
	std::string ignored;    ///< "awb,contrast": configured, but the camera has no such control
	std::string cameraHas;  ///< the camera's controls, comma-separated ("none" if it has none)
};

/// Picks from \a options the controls \a camera offers. A fixed exposure time or gain is
/// put in manual mode where libcamera has the mode control (0.5 on: without it, the value
/// is ignored), and an AWB mode turns AWB on.
ControlChoice chooseControls(const libcamera::ControlInfoMap &camera, const LibcameraSource::Options &options);

} // namespace lingercam::capture
