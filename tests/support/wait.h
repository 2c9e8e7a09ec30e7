// SPDX-License-Identifier: BSD-2-Clause
// Waiting for a program under test to get somewhere, instead of sleeping a fixed time that
// a slow machine (or qemu-user in the arm64 cross build) can outlast.
#pragma once

#include <chrono>
#include <thread>

namespace lingercam::test {

/// Polls \a done every 50 ms until it holds or \a limit has passed (a deadline for a hang,
/// not a speed requirement); returns whether it held.
template <typename Predicate>
bool waitUntil(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(60))
{
	const auto deadline = std::chrono::steady_clock::now() + limit;
	while (!done()) {
		if (std::chrono::steady_clock::now() > deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	return true;
}

} // namespace lingercam::test
