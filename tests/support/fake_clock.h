// SPDX-License-Identifier: BSD-2-Clause
// A clock tests drive: sleeps advance time, stepWall() steps the wall clock alone.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "common/clock.h"

namespace lingercam::test {

/// A clock tests drive: sleeping advances both clocks at once; stepWall() moves only the
/// wall clock, as NTP or `date -s` would. onSleep runs after every sleep (inject steps).
class FakeClock final : public common::Clock {
public:
	explicit FakeClock(WallTime start) : wall_(start) {}

	WallTime wallNow() const override { return wall_; }
	MonoTime monotonicNow() const override { return mono_; }
	void sleepFor(std::chrono::nanoseconds d, common::Interrupt &interrupt) override
	{
		if (interrupt.stopRequested())
			return;
		auto step = std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
		wall_ += step;
		mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
		sleeps.push_back(d);
		if (onSleep)
			onSleep();
	}

	void advance(std::chrono::milliseconds d)
	{
		wall_ += d;
		mono_ += d;
	}
	void stepWall(std::chrono::milliseconds d) { wall_ += d; }

	std::function<void()> onSleep;
	std::vector<std::chrono::nanoseconds> sleeps;

private:
	WallTime wall_;
	MonoTime mono_{};
};

/// A UTC wall time.
inline common::Clock::WallTime utc(int year, unsigned month, unsigned day, unsigned h, unsigned m, unsigned s);

} // namespace lingercam::test

#include "common/store_layout.h"

inline lingercam::common::Clock::WallTime lingercam::test::utc(int year, unsigned month, unsigned day, unsigned h,
								  unsigned m, unsigned s)
{
	std::int64_t secs = common::daysFromCivil(year, month, day) * 86400 + h * 3600 + m * 60 + s;
	return common::Clock::WallTime(std::chrono::seconds(secs));
}
