// SPDX-License-Identifier: BSD-2-Clause
// Reading org.lingercam.Capture1 for `lingercam-capture status` (see capture_client.h).
#include "capture_client.h"

#include <ostream>


#include "capture_dbus.h"
#include "common/api_time.h"
#include "common/dbus/capture1_proxy.h"
#include "common/sdbus_compat.h"
#include "common/units.h"

namespace lingercam::capture {

using Proxy = common::dbus::ApiProxy<CaptureDbus, org::lingercam::Capture1_proxy>;

CaptureApiState readCaptureApi(sdbus::IConnection &bus)
{
	Proxy p(bus);
	CaptureApiState s;
	s.state = p.State();
	s.source = p.Source();
	s.lastFramePath = p.LastFramePath();
	s.lastFrameTime = p.LastFrameTime();
	s.framesCaptured = p.FramesCaptured();
	s.framesStored = p.FramesStored();
	s.framesUnsynced = p.FramesUnsynced();
	s.intervalMs = p.Interval();
	s.storeBytes = p.StoreBytes();
	s.storePath = p.StorePath();
	s.lastError = p.LastError();
	s.nextRun = p.NextRun();
	s.lingering = p.Lingering();
	s.clockSynchronized = p.ClockSynchronized();
	return s;
}

void requestCaptureNow(sdbus::IConnection &bus)
{
	Proxy(bus).CaptureNow();
}

void printCaptureStatus(std::ostream &out, const CaptureApiState &s, common::Clock::WallTime now)
{
	out << "lingercam-capture: " << s.state << " (source " << s.source << ")\n"
	    << "  last frame:   " << common::describeApiTime(s.lastFrameTime, now) << '\n'
	    << "                " << (s.lastFramePath.empty() ? "-" : s.lastFramePath) << '\n'
	    << "  next run:     " << common::describeApiTime(s.nextRun, now) << '\n'
	    << "  store:        " << s.storePath << ": " << s.framesStored << " frames, "
	    << common::formatBytes(s.storeBytes);
	if (s.framesUnsynced)
		out << ", " << s.framesUnsynced << " of them named by an unsynchronized clock (-unsynced)";
	out << '\n'
	    << "  captured:     " << s.framesCaptured << " since start\n"
	    << "  last error:   " << (s.lastError.empty() ? "-" : s.lastError) << '\n'
	    << "  lingering:    "
	    << (s.lingering ? "yes" : "NO: stops after the last logout; fix: loginctl enable-linger") << '\n'
	    << "  clock synced: " << (s.clockSynchronized ? "yes" : "no (timedatectl status)") << '\n';
}

} // namespace lingercam::capture
