// SPDX-License-Identifier: BSD-2-Clause
// What ends any wait for the camera host early: a stop request, or the round's deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>

#include "common/heartbeat.h"
#include "common/units.h"

namespace lingercam::pull {

/// Limits of one round, consulted by every wait for the camera host: connecting, the SSH
/// handshake, and every SFTP reply. io_timeout bounds each wait for one complete answer (a
/// trickle of bytes does not extend it); the round deadline bounds the whole round, so that
/// a server answering just in time, over and over, cannot hold a round open for good.
struct RoundLimits {
	using Clock = std::chrono::steady_clock;

	/// How often a wait looks at the stop request: a stop ends a round within this.
	static constexpr std::chrono::milliseconds kCheckEvery{ 250 };

	/// True once the round should stop (SIGTERM, systemctl stop); empty: never.
	std::function<bool()> stopRequested;
	/// When the round must end; max(): never.
	Clock::time_point deadline = Clock::time_point::max();
	/// The configured round_timeout, for messages.
	std::chrono::milliseconds roundTimeout{ 0 };
	/// Told of every sign of progress (bytes received); none: nobody listens.
	common::Heartbeat *heartbeat = nullptr;

	void progressed() const noexcept
	{
		if (heartbeat)
			heartbeat->beat();
	}

	/// Limits for a round of \a roundTimeout (0: no deadline) starting now.
	static RoundLimits startingNow(std::function<bool()> stopRequested, std::chrono::milliseconds roundTimeout)
	{
		RoundLimits l;
		l.stopRequested = std::move(stopRequested);
		l.roundTimeout = roundTimeout;
		if (roundTimeout.count() > 0)
			l.deadline = Clock::now() + roundTimeout;
		return l;
	}

	/// The end of the next slice of a wait that may last until \a until.
	Clock::time_point slice(Clock::time_point until) const
	{
		return std::min({ until, deadline, Clock::now() + kCheckEvery });
	}
	/// How long one poll() of a socket may wait, in milliseconds, before the caller looks
	/// at its state again: the next slice, cut to 1..50 ms. Short because libssh does not
	/// say every state it waits in (a TCP connect in progress waits for writability), so a
	/// missed one costs at most this.
	int pollMilliseconds(Clock::time_point until) const
	{
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(slice(until) - Clock::now());
		return static_cast<int>(std::clamp<long long>(left.count(), 1, 50));
	}
	/// Throws SshError(Stopped) once a stop was requested, SshError(Overtime) once the
	/// deadline passed; \a what says what was being waited for.
	void check(const std::string &what) const;
};

using common::configDuration;

} // namespace lingercam::pull
