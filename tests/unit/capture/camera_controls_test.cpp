// SPDX-License-Identifier: BSD-2-Clause
// Which configured controls a camera gets: real libcamera control maps, as a camera with
// those controls would report them.
#include <gtest/gtest.h>

#include <cstdint>

#include <libcamera/control_ids.h>
#include <libcamera/controls.h>

#include "capture/camera_controls.h"
#include "capture/libcamera_version.h"

namespace controls = libcamera::controls;
using lingercam::capture::chooseControls;
using lingercam::capture::LibcameraSource;
using libcamera::ControlInfo;

namespace {

// A range of the control's own type (libcamera checks it); the values do not matter to
// the choice.
ControlInfo rangeOf(const libcamera::ControlId &id)
{
	switch (id.type()) {
	case libcamera::ControlTypeBool:
		return ControlInfo(false, true);
	case libcamera::ControlTypeInteger32:
		return ControlInfo(std::int32_t{ 0 }, std::int32_t{ 1000000 });
	case libcamera::ControlTypeFloat:
		return ControlInfo(0.0f, 16.0f);
	default:
		ADD_FAILURE() << "no range for control " << id.name();
		return ControlInfo();
	}
}

// A camera's control map with the given controls.
libcamera::ControlInfoMap cameraWith(std::initializer_list<const libcamera::ControlId *> ids)
{
	libcamera::ControlInfoMap::Map map;
	for (const libcamera::ControlId *id : ids)
		map.emplace(id, rangeOf(*id));
	return libcamera::ControlInfoMap(std::move(map), controls::controls);
}

} // namespace

TEST(CameraControls, AppliesWhatTheCameraHasAndNamesTheRestAsIgnored)
{
	LibcameraSource::Options options;
	options.brightness = 0.5f;
	options.exposureTimeUs = 10000;
	options.awbMode = controls::AwbDaylight;
	// vimc's controls.
	auto choice = chooseControls(cameraWith({ &controls::Brightness, &controls::Contrast, &controls::Saturation }),
				     options);
	EXPECT_EQ(choice.applied, "brightness=0.5");
	EXPECT_EQ(choice.ignored, "exposure_time,awb");
	ASSERT_TRUE(choice.controls->contains(controls::Brightness.id()));
	EXPECT_FLOAT_EQ(choice.controls->get(controls::Brightness).value_or(0), 0.5f);
	EXPECT_FALSE(choice.controls->contains(controls::ExposureTime.id()));
	EXPECT_FALSE(choice.controls->contains(controls::AwbMode.id()));
	EXPECT_EQ(choice.controls->size(), 1u);
}

TEST(CameraControls, SetsNothingWhenNothingIsConfigured)
{
	auto choice = chooseControls(cameraWith({ &controls::Brightness, &controls::ExposureTime }),
				     LibcameraSource::Options{});
	EXPECT_TRUE(choice.controls->empty());
	EXPECT_EQ(choice.applied, "");
	EXPECT_EQ(choice.ignored, "");
}

TEST(CameraControls, NamesTheCamerasControlsForTheIgnoredLine)
{
	LibcameraSource::Options options;
	options.contrast = 1.5f;
	EXPECT_EQ(chooseControls(cameraWith({}), options).cameraHas, "none");
	EXPECT_EQ(chooseControls(cameraWith({ &controls::Brightness }), options).cameraHas, "Brightness");
}

TEST(CameraControls, TurnsAwbOnForAnAwbMode)
{
	LibcameraSource::Options options;
	options.awbMode = controls::AwbIndoor;
	auto choice = chooseControls(cameraWith({ &controls::AwbMode, &controls::AwbEnable }), options);
	EXPECT_EQ(choice.controls->get(controls::AwbMode).value_or(-1), controls::AwbIndoor);
	EXPECT_TRUE(choice.controls->get(controls::AwbEnable).value_or(false));
}

TEST(CameraControls, PassesAFixedExposureAndGain)
{
	LibcameraSource::Options options;
	options.exposureTimeUs = 20000;
	options.analogueGain = 2.0f;
	auto choice = chooseControls(cameraWith({ &controls::ExposureTime, &controls::AnalogueGain }), options);
	EXPECT_EQ(choice.applied, "exposure_time=20000 analogue_gain=2");
	EXPECT_EQ(choice.controls->get(controls::ExposureTime).value_or(0), 20000);
	EXPECT_FLOAT_EQ(choice.controls->get(controls::AnalogueGain).value_or(0), 2.0f);
}

#if LINGERCAM_LIBCAMERA_AT_LEAST(0, 5)
// libcamera 0.5 on: ExposureTime and AnalogueGain count only in manual mode.
TEST(CameraControls, PutsAFixedExposureAndGainInManualMode)
{
	LibcameraSource::Options options;
	options.exposureTimeUs = 20000;
	options.analogueGain = 2.0f;
	auto choice = chooseControls(cameraWith({ &controls::ExposureTime, &controls::ExposureTimeMode,
						  &controls::AnalogueGain, &controls::AnalogueGainMode }),
				     options);
	EXPECT_EQ(choice.controls->get(controls::ExposureTimeMode).value_or(-1), controls::ExposureTimeModeManual);
	EXPECT_EQ(choice.controls->get(controls::AnalogueGainMode).value_or(-1), controls::AnalogueGainModeManual);
}

TEST(CameraControls, LeavesExposureAutomaticWhenOnlyTheGainIsFixed)
{
	LibcameraSource::Options options;
	options.analogueGain = 4.0f;
	auto choice = chooseControls(cameraWith({ &controls::ExposureTime, &controls::ExposureTimeMode,
						  &controls::AnalogueGain, &controls::AnalogueGainMode }),
				     options);
	EXPECT_FALSE(choice.controls->contains(controls::ExposureTimeMode.id()));
	EXPECT_EQ(choice.controls->get(controls::AnalogueGainMode).value_or(-1), controls::AnalogueGainModeManual);
}

TEST(CameraControls, SetsNoModeACameraDoesNotHave)
{
	LibcameraSource::Options options;
	options.exposureTimeUs = 20000;
	auto choice = chooseControls(cameraWith({ &controls::ExposureTime }), options);
	EXPECT_TRUE(choice.controls->contains(controls::ExposureTime.id()));
	EXPECT_FALSE(choice.controls->contains(controls::ExposureTimeMode.id()));
}
#endif
