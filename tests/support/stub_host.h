// SPDX-License-Identifier: BSD-2-Clause
// A HostProbe whose answers a test sets: lingering, clock sync, the user's unit.
#pragma once

#include <string>

#include "common/host_probe.h"

namespace lingercam::test {

/// What logind, timedated and the user's systemd say, as the test sets it (by default: the
/// user lingers, the clock is synchronized, the unit is enabled and running).
class StubHost final : public common::HostProbe {
public:
	common::LingerStatus lingerStatus{ common::LingerStatus::State::Yes, "pi", "" };
	common::TimeSyncStatus time{ true, true, "" };
	common::UserUnitState unit{ "loaded", "active", "running", "enabled", "" };
	int timeSyncQuestions = 0;

	common::LingerStatus linger() override { return lingerStatus; }
	common::TimeSyncStatus timeSync() override
	{
		++timeSyncQuestions;
		return time;
	}
	common::UserUnitState userUnit(const std::string &) override { return unit; }
};

} // namespace lingercam::test
