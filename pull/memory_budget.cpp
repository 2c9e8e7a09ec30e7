// SPDX-License-Identifier: BSD-2-Clause
// The bytes the pull daemon lets all its sources hold at once (see memory_budget.h).
#include "memory_budget.h"

namespace lingercam::pull {

MemoryBudget &MemoryBudget::daemon()
{
	static MemoryBudget budget(kDaemonBytes);
	return budget;
}

bool MemoryBudget::tryTake(std::uint64_t bytes)
{
	std::lock_guard lock(mutex_);
	if (used_ + bytes > limit_)
		return false;
	used_ += bytes;
	return true;
}

void MemoryBudget::take(std::uint64_t bytes)
{
	std::lock_guard lock(mutex_);
	used_ += bytes;
}

void MemoryBudget::give(std::uint64_t bytes)
{
	{
		std::lock_guard lock(mutex_);
		used_ -= bytes < used_ ? bytes : used_;
	}
	given_.notify_all();
}

void MemoryBudget::waitForRoom(std::chrono::milliseconds most)
{
	std::unique_lock lock(mutex_);
	given_.wait_for(lock, most);
}

std::uint64_t MemoryBudget::used() const
{
	std::lock_guard lock(mutex_);
	return used_;
}

} // namespace lingercam::pull
