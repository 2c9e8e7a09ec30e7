// SPDX-License-Identifier: BSD-2-Clause
// org.lingercam.Pull1: the pull daemon's D-Bus status API, as the daemon serves it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "active_hours.h"
#include "common/served_api.h"

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
	static constexpr const char *kProgram = "lingercam-pull";

	/// Registers the object on \a connection; the caller runs its event loop.
	PullDbus(sdbus::IConnection &connection, const PullStatus &status, PullSchedule schedule,
		 common::Interrupt &interrupt, common::HostProbe &host);
	~PullDbus();

private:
	class Adaptor;
	std::unique_ptr<Adaptor> adaptor_;
};

/// The API as the daemon runs it: PullApi::start(connection, status, schedule, interrupt, host),
/// or startOnSessionBus(status, ...); nullptr when it cannot serve (logged).
using PullApi = common::dbus::ServedApi<PullDbus>;

/// The first wall-clock multiple of \a schedule's interval after \a now inside its active
/// hours (looked for up to two days ahead; epoch when there is none).
std::chrono::system_clock::time_point nextPullSlot(const PullSchedule &schedule,
						   std::chrono::system_clock::time_point now);

} // namespace lingercam::pull
