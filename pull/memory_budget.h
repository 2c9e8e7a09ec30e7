// SPDX-License-Identifier: BSD-2-Clause
// The bytes the pull daemon lets all its sources hold at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace lingercam::pull {

/// One budget of memory for the whole daemon, not a cost per source: reads in flight and
/// frames queued for their commit draw on it, and a source that finds no room waits (it
/// asks for less, or its commit waits) instead of allocating more. A viewer with many
/// cameras runs on a small Pi. Thread-safe.
class MemoryBudget {
public:
	explicit MemoryBudget(std::uint64_t limit) : limit_(limit) {}

	/// The daemon's budget (kDaemonBytes).
	static MemoryBudget &daemon();
	static constexpr std::uint64_t kDaemonBytes = 8u << 20;

	/// Takes \a bytes if they fit.
	bool tryTake(std::uint64_t bytes);
	/// Takes \a bytes even past the limit: for a holder that has nothing, so that every
	/// source always makes progress (the overshoot is one request or one frame a source).
	void take(std::uint64_t bytes);
	void give(std::uint64_t bytes);
	/// Waits up to \a most for some room to be given back.
	void waitForRoom(std::chrono::milliseconds most);

	std::uint64_t used() const;
	std::uint64_t limit() const { return limit_; }

private:
	const std::uint64_t limit_;
	mutable std::mutex mutex_;
	std::condition_variable given_;
	std::uint64_t used_ = 0;
};

} // namespace lingercam::pull
