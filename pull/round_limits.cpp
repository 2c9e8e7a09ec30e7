// SPDX-License-Identifier: MIT
#include "round_limits.h"

#include <string>

#include "ssh_error.h"

namespace lingercam::pull {

std::string configDuration(std::chrono::milliseconds d)
{
	const auto ms = d.count();
	if (ms % 1000)
		return std::to_string(ms) + "ms";
	if (ms % 60000 || ms == 0)
		return std::to_string(ms / 1000) + "s";
	if (ms % 3600000)
		return std::to_string(ms / 60000) + "m";
	return std::to_string(ms / 3600000) + "h";
}

void RoundLimits::check(const std::string &what) const
{
	if (stopRequested && stopRequested())
		throwSsh(SshError::Kind::Stopped, 0, what, "a stop was requested");
	if (Clock::now() >= deadline)
		throwSsh(SshError::Kind::Overtime, 0, what,
			 "the round passed round_timeout=" + configDuration(roundTimeout) +
				 " (frames that arrived are kept; the next round continues)");
}

} // namespace lingercam::pull
