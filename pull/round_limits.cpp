// SPDX-License-Identifier: BSD-2-Clause
// What ends any wait for the camera host early (see round_limits.h).
#include "round_limits.h"

#include <string>

#include "ssh_error.h"

namespace lingercam::pull {

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
