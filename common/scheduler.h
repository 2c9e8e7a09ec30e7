// SPDX-License-Identifier: BSD-2-Clause
// Running a job at wall-clock multiples of an interval, robust to clock steps.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "clock.h"

namespace spdlog {
class logger;
}

namespace lingercam::common {

/// Runs a job at wall-clock multiples of an interval (every minute at :00).
///
/// It sleeps on the monotonic clock in short steps and recomputes the next slot from the
/// wall clock after every wake, so a wall-clock step (NTP on a Pi without RTC, a manual
/// `date -s`) never causes a burst or a gap of more than one slot. A slot missed because
/// the job overran is logged and skipped, never queued.
class Scheduler {
public:
	struct Slot {
		Clock::WallTime time;   ///< the slot's wall-clock time (a multiple of the interval)
		bool triggered = false; ///< run early because Interrupt::trigger() was called
	};
	using Job = std::function<void(const Slot &)>;

	Scheduler(Clock &clock, Interrupt &interrupt, std::chrono::milliseconds interval);

	/// Longest single sleep; the loop wakes at least this often (watchdog pings, clock steps).
	void setMaxSleep(std::chrono::milliseconds maxSleep) { maxSleep_ = maxSleep; }
	/// Called on every wake (also while idle), e.g. to ping the systemd watchdog.
	void setOnWake(std::function<void()> onWake) { onWake_ = std::move(onWake); }
	/// Slots outside this predicate are passed over silently (pull's active hours).
	void setSlotFilter(std::function<bool(Clock::WallTime)> filter) { filter_ = std::move(filter); }

	/// Runs until the interrupt's stop is requested.
	void run(const Job &job);

	/// The first slot at or after \a t: t rounded up to a multiple of the interval.
	Clock::WallTime alignUp(Clock::WallTime t) const;
	/// The slot the loop waits for now.
	Clock::WallTime nextSlot() const { return next_; }

	std::chrono::milliseconds interval() const { return interval_; }

private:
	Clock &clock_;
	Interrupt &interrupt_;
	std::chrono::milliseconds interval_;
	std::chrono::milliseconds maxSleep_{ 5000 };
	std::function<void()> onWake_;
	std::function<bool(Clock::WallTime)> filter_;
	Clock::WallTime next_{};
	Clock::MonoTime lastRun_{};
	bool ranOnce_ = false;
	std::shared_ptr<spdlog::logger> log_;
};

} // namespace lingercam::common
