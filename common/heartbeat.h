// SPDX-License-Identifier: BSD-2-Clause
// When work last made progress: what lets a watchdog keep-alive tell slow from hung.
#pragma once

#include <atomic>
#include <chrono>

namespace lingercam::common {

/// When work last made progress, from any thread. A keep-alive that pings systemd's
/// watchdog only while the heartbeat is recent lets a hang stop the pings, while slow but
/// moving work (a slow link, a long backfill) keeps them going.
class Heartbeat {
public:
	using Clock = std::chrono::steady_clock;

	Heartbeat() { beat(); }

	/// Progress now: bytes arrived, a reply completed, a frame was committed, or a wait
	/// with a deadline of its own (a retry's backoff) is under way.
	void beat() noexcept { last_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }

	Clock::time_point last() const noexcept
	{
		return Clock::time_point(Clock::duration(last_.load(std::memory_order_relaxed)));
	}
	/// Whether the last beat is less than \a window before \a now.
	bool recent(Clock::duration window, Clock::time_point now = Clock::now()) const noexcept
	{
		return now - last() < window;
	}

private:
	std::atomic<Clock::rep> last_{ 0 };
};

} // namespace lingercam::common
