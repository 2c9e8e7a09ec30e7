#pragma once

#include <memory>
#include <string>

namespace sdbus {
class IConnection;
}

namespace lingercam::common {
class BusService;
class HostProbe;
class Interrupt;
} // namespace lingercam::common

namespace lingercam::capture {

class CaptureStatus;

/// org.lingercam.Capture1 (common/dbus/org.lingercam.Capture1.xml) at /org/lingercam/Capture1:
/// the capture daemon's state for `lingercam-capture status` and `busctl --user`, and
/// CaptureNow. Getters run on the bus thread and read thread-safe snapshots.
class CaptureDbus {
public:
	static constexpr const char *kBusName = "org.lingercam.Capture1";
	static constexpr const char *kObjectPath = "/org/lingercam/Capture1";

	/// Registers the object on \a connection; the caller runs its event loop.
	CaptureDbus(sdbus::IConnection &connection, const CaptureStatus &status, std::string storePath,
		    common::Interrupt &interrupt, common::HostProbe &host);
	~CaptureDbus();

private:
	class Adaptor;
	std::unique_ptr<Adaptor> adaptor_;
};

/// The API as the daemon runs it: a session bus connection of its own, the name
/// org.lingercam.Capture1 and a thread serving it.
class CaptureApi {
public:
	/// Serves on \a connection. nullptr when the name is taken (another instance runs); logs why.
	static std::unique_ptr<CaptureApi> start(std::unique_ptr<sdbus::IConnection> connection,
						 const CaptureStatus &status, std::string storePath,
						 common::Interrupt &interrupt, common::HostProbe &host);
	/// The same on the user's session bus; nullptr without one (a plain shell, no systemd):
	/// the daemon then runs without the API, and the log says so.
	static std::unique_ptr<CaptureApi> startOnSessionBus(const CaptureStatus &status, std::string storePath,
							     common::Interrupt &interrupt, common::HostProbe &host);
	~CaptureApi();

private:
	CaptureApi() = default;

	std::unique_ptr<common::BusService> service_;
	std::unique_ptr<CaptureDbus> object_;
};

} // namespace lingercam::capture
