// SPDX-License-Identifier: BSD-2-Clause
// A camera that needs no hardware: a drifting gradient with the capture time in digits.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "frame_source.h"

namespace lingercam::common {
class Clock;
}

namespace lingercam::capture {

/// A camera that needs no hardware: a colour gradient that drifts with time, with the
/// capture time in large digits, so a person can tell frames apart at a glance.
class TestPatternSource final : public FrameSource {
public:
	struct Options {
		unsigned width = 1920;
		unsigned height = 1080;
		/// Test hook for the watchdog: after this many frames, capture() never returns.
		unsigned hangAfter = 0;
		/// A camera's exposure, simulated: each still takes (settleFrames + 1) x exposure,
		/// and fails with a timeout if that is longer than capture()'s timeout.
		std::chrono::microseconds exposure{ 0 };
		unsigned settleFrames = 0;
	};

	TestPatternSource(const Options &options, common::Clock &clock);

	std::string name() const override { return "testpattern"; }
	std::string model() const override { return "lingercam test pattern"; }
	void start() override;
	ImageView capture(std::chrono::milliseconds timeout) override;
	void stop() override;

private:
	void drawText(const std::string &text, unsigned x, unsigned y, unsigned scale);

	Options options_;
	common::Clock &clock_;
	std::vector<std::uint8_t> pixels_;
	unsigned captured_ = 0;
	bool started_ = false;
};

} // namespace lingercam::capture
