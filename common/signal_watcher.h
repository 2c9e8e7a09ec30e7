// SPDX-License-Identifier: BSD-2-Clause
// SIGTERM, SIGINT and SIGHUP turned into a clean stop, on a thread of its own.
#pragma once

#include <atomic>
#include <thread>

#include "clock.h"

namespace lingercam::common {

/// Turns SIGTERM, SIGINT and SIGHUP into Interrupt::requestStop() on a thread of its own,
/// so the loop finishes the frame in progress and exits cleanly. Construct it before any
/// other thread starts: it blocks those signals for the whole process.
class SignalWatcher {
public:
	explicit SignalWatcher(Interrupt &interrupt);
	~SignalWatcher();
	SignalWatcher(const SignalWatcher &) = delete;
	SignalWatcher &operator=(const SignalWatcher &) = delete;

	/// The signal that stopped us, 0 if none yet.
	int received() const { return received_; }

private:
	Interrupt &interrupt_;
	std::jthread thread_;
	std::atomic<int> received_{ 0 };
};

} // namespace lingercam::common
