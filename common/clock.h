// SPDX-License-Identifier: BSD-2-Clause
// The clock seam (wall and monotonic) and the interrupt that wakes a sleeping loop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace lingercam::common {

/// Wakes a sleeping loop: stop (SIGTERM, shutdown) or trigger (an API asked for work now).
class Interrupt {
public:
	void requestStop();
	void trigger();
	bool stopRequested() const;
	/// Returns and clears a pending trigger.
	bool consumeTrigger();
	/// Waits up to \a timeout on the monotonic clock; returns early on stop or trigger.
	void waitFor(std::chrono::nanoseconds timeout);
	/// Same, but only a stop ends it early: for backoffs, which a pending trigger must not
	/// cut short. Returns true if stopped.
	bool waitForStop(std::chrono::nanoseconds timeout);

private:
	mutable std::mutex mutex_;
	std::condition_variable cv_;
	bool stop_ = false;
	bool triggered_ = false;
};

/// The time sources the daemons use, behind one seam so tests can step the wall clock.
class Clock {
public:
	using WallTime = std::chrono::system_clock::time_point;
	using MonoTime = std::chrono::steady_clock::time_point;

	virtual ~Clock() = default;
	virtual WallTime wallNow() const = 0;
	virtual MonoTime monotonicNow() const = 0;
	/// Sleeps on the monotonic clock; returns early when \a interrupt fires.
	virtual void sleepFor(std::chrono::nanoseconds duration, Interrupt &interrupt) = 0;
};

/// The real clocks: CLOCK_REALTIME and CLOCK_MONOTONIC.
class SystemClock final : public Clock {
public:
	WallTime wallNow() const override { return std::chrono::system_clock::now(); }
	MonoTime monotonicNow() const override { return std::chrono::steady_clock::now(); }
	void sleepFor(std::chrono::nanoseconds duration, Interrupt &interrupt) override { interrupt.waitFor(duration); }
};

} // namespace lingercam::common
