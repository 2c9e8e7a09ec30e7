// SPDX-License-Identifier: BSD-2-Clause
// Reading org.lingercam.Pull1 for `lingercam-pull status` (see pull_client.h).
#include "pull_client.h"

#include <ostream>


#include "common/api_time.h"
#include "common/dbus/pull1_proxy.h"
#include "common/sdbus_compat.h"
#include "pull_dbus.h"

namespace lingercam::pull {

using Proxy = common::dbus::ApiProxy<PullDbus, org::lingercam::Pull1_proxy>;

PullApiState readPullApi(sdbus::IConnection &bus)
{
	Proxy p(bus);
	PullApiState s;
	s.state = p.State();
	s.lastRound = p.LastRound();
	s.lastRoundResult = p.LastRoundResult();
	s.framesPulled = p.FramesPulled();
	s.backlog = p.Backlog();
	s.lastError = p.LastError();
	s.nextRun = p.NextRun();
	s.sources = p.Sources();
	s.lingering = p.Lingering();
	s.clockSynchronized = p.ClockSynchronized();
	return s;
}

void requestSyncNow(sdbus::IConnection &bus)
{
	Proxy(bus).SyncNow();
}

void printPullStatus(std::ostream &out, const PullApiState &s, std::chrono::system_clock::time_point now)
{
	out << "lingercam-pull: " << s.state << '\n'
	    << "  last round:   " << common::describeApiTime(s.lastRound, now) << '\n'
	    << "  next round:   " << common::describeApiTime(s.nextRun, now) << '\n'
	    << "  pulled:       " << s.framesPulled << " frames since start, backlog " << s.backlog << '\n'
	    << "  last error:   " << (s.lastError.empty() ? "-" : s.lastError) << '\n';
	for (const auto &[name, state] : s.sources)
		out << "  source " << name << ": " << state << '\n';
	out << "  lingering:    "
	    << (s.lingering ? "yes" : "NO: stops after the last logout; fix: loginctl enable-linger") << '\n'
	    << "  clock synced: " << (s.clockSynchronized ? "yes" : "no (timedatectl status)") << '\n';
}

} // namespace lingercam::pull
