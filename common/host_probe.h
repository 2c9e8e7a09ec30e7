// SPDX-License-Identifier: BSD-2-Clause
// The seam for the host facts the daemons report and doctor checks: lingering, clock, unit.
#pragma once

#include <string>

#include "linger_check.h"
#include "time_sync.h"
#include "user_unit.h"

namespace lingercam::common {

/// The facts about the host that the daemons report and `doctor` checks: lingering
/// (logind), clock sync (timedated), the user's unit (the user's systemd). One seam, so
/// doctor's judgement can be tested on any combination of them.
class HostProbe {
public:
	virtual ~HostProbe() = default;
	virtual LingerStatus linger() = 0;
	virtual TimeSyncStatus timeSync() = 0;
	virtual UserUnitState userUnit(const std::string &unit) = 0;
};

/// The real one: a fresh bus connection per question, so it is safe from any thread (the
/// D-Bus API's getters run on the API's own thread).
class BusHostProbe final : public HostProbe {
public:
	LingerStatus linger() override;
	TimeSyncStatus timeSync() override { return queryTimeSync(); }
	UserUnitState userUnit(const std::string &unit) override { return queryUserUnit(unit); }
};

} // namespace lingercam::common
