#include "capture_client.h"

#include <ostream>

#include <sdbus-c++/sdbus-c++.h>

#include "capture_dbus.h"
#include "common/dbus/capture1_proxy.h"
#include "common/frame_name.h"
#include "common/units.h"

namespace lingercam::capture {

namespace {

class Proxy final : public sdbus::ProxyInterfaces<org::lingercam::Capture1_proxy> {
public:
	explicit Proxy(sdbus::IConnection &bus) : ProxyInterfaces(bus, CaptureDbus::kBusName, CaptureDbus::kObjectPath)
	{
		registerProxy();
	}
	~Proxy() { unregisterProxy(); }
};

// "2026-11-24T21:40:00Z (12s ago)" / "(in 48s)"
std::string when(std::uint64_t usec, common::Clock::WallTime now)
{
	if (usec == 0)
		return "-";
	const auto seconds = static_cast<std::int64_t>(usec / 1'000'000u);
	const auto t = common::Clock::WallTime(std::chrono::seconds(seconds));
	const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(t - now);
	const auto rounded = std::chrono::duration_cast<std::chrono::seconds>(delta.count() < 0 ? -delta : delta);
	const std::string iso = common::FrameId{ seconds, 0 }.iso();
	if (rounded.count() == 0)
		return iso + " (now)";
	// Whole seconds: "12s", "5m3s".
	const std::string amount = rounded.count() < 60 ? std::to_string(rounded.count()) + "s"
							: common::formatDuration(std::chrono::milliseconds(rounded));
	return iso + (delta.count() < 0 ? " (" + amount + " ago)" : " (in " + amount + ")");
}

} // namespace

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
	    << "  last frame:   " << when(s.lastFrameTime, now) << '\n'
	    << "                " << (s.lastFramePath.empty() ? "-" : s.lastFramePath) << '\n'
	    << "  next run:     " << when(s.nextRun, now) << '\n'
	    << "  store:        " << s.storePath << ": " << s.framesStored << " frames, "
	    << common::formatBytes(s.storeBytes) << '\n'
	    << "  captured:     " << s.framesCaptured << " since start\n"
	    << "  last error:   " << (s.lastError.empty() ? "-" : s.lastError) << '\n'
	    << "  lingering:    "
	    << (s.lingering ? "yes" : "NO: stops after the last logout; fix: loginctl enable-linger") << '\n'
	    << "  clock synced: " << (s.clockSynchronized ? "yes" : "no (timedatectl status)") << '\n';
}

} // namespace lingercam::capture
