#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "active_hours.h"

namespace sdbus {
class IConnection;
}

namespace lingercam::common {
class BusService;
class HostProbe;
class Interrupt;
} // namespace lingercam::common

namespace lingercam::pull {

class PullStatus;

/// What the API needs of the config: the schedule, for NextRun and State.
struct PullSchedule {
	std::chrono::milliseconds interval{ 600'000 };
	ActiveHours activeHours;
};

/// org.lingercam.Pull1 (common/dbus/org.lingercam.Pull1.xml) at /org/lingercam/Pull1: the pull
/// daemon's state for `lingercam-pull status` and `busctl --user`, and SyncNow. Getters run
/// on the bus thread and read PullStatus snapshots.
class PullDbus {
public:
	static constexpr const char *kBusName = "org.lingercam.Pull1";
	static constexpr const char *kObjectPath = "/org/lingercam/Pull1";

	/// Registers the object on \a connection; the caller runs its event loop.
	PullDbus(sdbus::IConnection &connection, const PullStatus &status, PullSchedule schedule,
		 common::Interrupt &interrupt, common::HostProbe &host);
	~PullDbus();

private:
	class Adaptor;
	std::unique_ptr<Adaptor> adaptor_;
};

/// The API as the daemon runs it: a session bus connection of its own, the name
/// org.lingercam.Pull1 and a thread serving it.
class PullApi {
public:
	/// Serves on \a connection. nullptr when the name is taken (another instance runs); logs why.
	static std::unique_ptr<PullApi> start(std::unique_ptr<sdbus::IConnection> connection, const PullStatus &status,
					      PullSchedule schedule, common::Interrupt &interrupt,
					      common::HostProbe &host);
	/// The same on the user's session bus; nullptr without one: the daemon then runs
	/// without the API, and the log says so.
	static std::unique_ptr<PullApi> startOnSessionBus(const PullStatus &status, PullSchedule schedule,
							  common::Interrupt &interrupt, common::HostProbe &host);
	~PullApi();

private:
	PullApi() = default;

	std::unique_ptr<common::BusService> service_;
	std::unique_ptr<PullDbus> object_;
};

/// The first wall-clock multiple of \a schedule's interval after \a now inside its active
/// hours (looked for up to two days ahead; epoch when there is none).
std::chrono::system_clock::time_point nextPullSlot(const PullSchedule &schedule,
						   std::chrono::system_clock::time_point now);

} // namespace lingercam::pull
