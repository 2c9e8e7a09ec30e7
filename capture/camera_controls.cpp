// SPDX-License-Identifier: BSD-2-Clause
// Which of capture.toml's [camera] controls a camera gets (see camera_controls.h).
#include "camera_controls.h"

#include <libcamera/control_ids.h>
#include <libcamera/controls.h>
#include <spdlog/fmt/fmt.h>

#include "common/units.h"
#include "libcamera_version.h"

namespace lingercam::capture {

ControlChoice chooseControls(const libcamera::ControlInfoMap &camera, const LibcameraSource::Options &options)
{
	namespace controls = libcamera::controls;
	ControlChoice choice;
	choice.controls = std::make_unique<libcamera::ControlList>(controls::controls);
	libcamera::ControlList &list = *choice.controls;
	auto offer = [&](const char *key, const auto &control, const auto &value) {
		if (!value)
			return;
		if (!camera.count(&control)) {
			common::appendListItem(choice.ignored, ",", key);
			return;
		}
		list.set(control, *value);
		common::appendListItem(choice.applied, " ", fmt::format("{}={}", key, *value));
	};
	offer("exposure_time", controls::ExposureTime, options.exposureTimeUs);
	offer("analogue_gain", controls::AnalogueGain, options.analogueGain);
	offer("awb", controls::AwbMode, options.awbMode);
	offer("brightness", controls::Brightness, options.brightness);
	offer("contrast", controls::Contrast, options.contrast);
	if (options.awbMode && camera.count(&controls::AwbMode) && camera.count(&controls::AwbEnable))
		list.set(controls::AwbEnable, true); // AwbMode only steers a running AWB
#if LINGERCAM_LIBCAMERA_AT_LEAST(0, 5)
	// Since 0.5 a fixed value counts only in manual mode; before, setting it was enough.
	if (list.contains(controls::ExposureTime.id()) && camera.count(&controls::ExposureTimeMode))
		list.set(controls::ExposureTimeMode, static_cast<std::int32_t>(controls::ExposureTimeModeManual));
	if (list.contains(controls::AnalogueGain.id()) && camera.count(&controls::AnalogueGainMode))
		list.set(controls::AnalogueGainMode, static_cast<std::int32_t>(controls::AnalogueGainModeManual));
#endif
	for (const auto &[id, range] : camera)
		common::appendListItem(choice.cameraHas, ",", id->name());
	if (choice.cameraHas.empty())
		choice.cameraHas = "none";
	return choice;
}

} // namespace lingercam::capture
