// SPDX-License-Identifier: BSD-2-Clause
// Running a job at wall-clock multiples of an interval (see scheduler.h).
#include "scheduler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "logging.h"
#include "units.h"

namespace lingercam::common {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

Scheduler::Scheduler(Clock &clock, Interrupt &interrupt, milliseconds interval)
	: clock_(clock), interrupt_(interrupt), interval_(std::max(interval, milliseconds(1))), log_(logger("sched"))
{
}

Clock::WallTime Scheduler::alignUp(Clock::WallTime t) const
{
	auto sinceEpoch = duration_cast<milliseconds>(t.time_since_epoch());
	auto rem = sinceEpoch % interval_;
	if (rem < milliseconds(0))
		rem += interval_;
	auto aligned = sinceEpoch - rem;
	if (aligned < sinceEpoch)
		aligned += interval_;
	return Clock::WallTime(aligned);
}

void Scheduler::run(const Job &job)
{
	next_ = alignUp(clock_.wallNow());
	while (!interrupt_.stopRequested()) {
		if (onWake_)
			onWake_();

		bool triggered = interrupt_.consumeTrigger();
		Clock::WallTime wall = clock_.wallNow();
		if (!triggered && wall < next_) {
			auto remaining = next_ - wall;
			if (remaining > interval_) {
				// The wall clock went back: wait for the next slot of the new time, not
				// for the old slot an hour away.
				log_->warn("wall clock stepped back; next slot realigned step={}",
					   formatDuration(duration_cast<milliseconds>(remaining - interval_)));
				next_ = alignUp(wall);
				// Not right after the last run, though: the new time may sit just
				// before a slot boundary.
				auto sinceLast = clock_.monotonicNow() - lastRun_;
				if (ranOnce_ && sinceLast + (next_ - wall) < interval_ / 2)
					next_ += interval_;
				continue;
			}
			clock_.sleepFor(std::min<std::chrono::nanoseconds>(remaining, maxSleep_), interrupt_);
			continue;
		}

		Slot slot{ triggered ? wall : next_, triggered };
		bool run = triggered || !filter_ || filter_(slot.time);
		auto started = clock_.monotonicNow();
		if (run) {
			job(slot);
			ranOnce_ = true;
			lastRun_ = started;
		}
		auto took = clock_.monotonicNow() - started;

		if (triggered)
			continue; // a triggered run leaves the regular slot where it was
		Clock::WallTime after = clock_.wallNow();
		Clock::WallTime candidate = next_ + interval_;
		if (after < candidate) {
			next_ = candidate;
			continue;
		}
		// Past the next slot already: either the job overran or the clock jumped forward.
		Clock::WallTime realigned = alignUp(after);
		auto skipped = (realigned - candidate) / interval_;
		if (took >= interval_)
			log_->warn("job overran its interval; slots skipped, not queued took={} skipped={}",
				   formatDuration(duration_cast<milliseconds>(took)), skipped);
		else
			log_->warn("wall clock stepped forward; slots skipped, not queued skipped={}", skipped);
		next_ = realigned;
	}
}

} // namespace lingercam::common
