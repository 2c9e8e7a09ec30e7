// SPDX-License-Identifier: BSD-2-Clause
// The real clocks and the interrupt that wakes a sleeping loop (see clock.h).
#include "clock.h"

#include <utility>

namespace lingercam::common {

void Interrupt::requestStop()
{
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	cv_.notify_all();
}

void Interrupt::trigger()
{
	{
		std::lock_guard lock(mutex_);
		triggered_ = true;
	}
	cv_.notify_all();
}

bool Interrupt::stopRequested() const
{
	std::lock_guard lock(mutex_);
	return stop_;
}

bool Interrupt::consumeTrigger()
{
	std::lock_guard lock(mutex_);
	return std::exchange(triggered_, false);
}

void Interrupt::waitFor(std::chrono::nanoseconds timeout)
{
	std::unique_lock lock(mutex_);
	cv_.wait_for(lock, timeout, [this] { return stop_ || triggered_; });
}

bool Interrupt::waitForStop(std::chrono::nanoseconds timeout)
{
	std::unique_lock lock(mutex_);
	return cv_.wait_for(lock, timeout, [this] { return stop_; });
}

} // namespace lingercam::common
