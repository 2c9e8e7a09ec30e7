// SPDX-License-Identifier: BSD-2-Clause
// org.lingercam.Pull1 served from the pull daemon (see pull_dbus.h).
#include "pull_dbus.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/api_time.h"
#include "common/bus_service.h"
#include "common/clock.h"
#include "common/dbus/pull1_adaptor.h"
#include "common/sdbus_compat.h"
#include "common/dbus_connection.h"
#include "common/host_probe.h"
#include "common/logging.h"
#include "pull_status.h"

namespace lingercam::pull {

using std::chrono::system_clock;

system_clock::time_point nextPullSlot(const PullSchedule &schedule, system_clock::time_point now)
{
	const auto step = std::max<std::chrono::milliseconds>(schedule.interval, std::chrono::seconds(1));
	const auto sinceEpoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
	system_clock::time_point t{ (sinceEpoch / step + 1) * step };
	// Bounded: a 1 s interval outside a narrow window would otherwise walk for a long time.
	const auto horizon = now + std::chrono::hours(48);
	for (int i = 0; i < 200'000 && t <= horizon; ++i, t += step)
		if (schedule.activeHours.contains(t))
			return t;
	return {};
}

class PullDbus::Adaptor final : public common::dbus::Adaptor<org::lingercam::Pull1_adaptor> {
public:
	Adaptor(sdbus::IConnection &connection, const PullStatus &status, PullSchedule schedule,
		common::Interrupt &interrupt, common::HostProbe &host)
		: common::dbus::Adaptor<org::lingercam::Pull1_adaptor>(connection, kObjectPath), status_(status), schedule_(std::move(schedule)),
		  interrupt_(interrupt), host_(host), log_(common::logger("dbus"))
	{
		registerAdaptor();
	}
	~Adaptor() { unregisterAdaptor(); }

private:
	void SyncNow() override
	{
		log_->info("round requested over D-Bus");
		interrupt_.trigger();
	}
	std::string State() override
	{
		bool busy = false;
		bool failed = false;
		for (const SourceStatus &s : status_.snapshot()) {
			busy = busy || s.state == SourceStatus::State::Connecting || s.state == SourceStatus::State::Pulling ||
			       s.state == SourceStatus::State::Waiting;
			failed = failed || (s.lastRoundEnd && !s.lastRoundOk);
		}
		if (busy)
			return "pulling";
		if (failed)
			return "failed";
		return schedule_.activeHours.contains(system_clock::now()) ? "idle" : "outside active hours";
	}
	uint64_t LastRound() override
	{
		system_clock::time_point last{};
		for (const SourceStatus &s : status_.snapshot())
			if (s.lastRoundEnd)
				last = std::max(last, *s.lastRoundEnd);
		return common::apiTime(last);
	}
	std::string LastRoundResult() override { return status_.summary(); }
	uint64_t FramesPulled() override
	{
		std::uint64_t n = 0;
		for (const SourceStatus &s : status_.snapshot())
			n += s.framesPulled;
		return n;
	}
	uint64_t Backlog() override
	{
		std::uint64_t n = 0;
		for (const SourceStatus &s : status_.snapshot())
			n += s.backlog;
		return n;
	}
	std::string LastError() override
	{
		std::string out;
		for (const SourceStatus &s : status_.snapshot())
			if (!s.lastError.empty())
				out += (out.empty() ? "" : "; ") + s.name + ": " + s.lastError;
		return out;
	}
	uint64_t NextRun() override { return common::apiTime(nextPullSlot(schedule_, system_clock::now())); }
	std::map<std::string, std::string> Sources() override
	{
		std::map<std::string, std::string> out;
		for (const SourceStatus &s : status_.snapshot())
			out[s.name] = stateName(s.state) + (s.lastResult.empty() ? "" : "; last round: " + s.lastResult);
		return out;
	}
	// Asked of logind and timedated when read, so they are never stale; unknown reads false.
	bool Lingering() override { return host_.linger().lingers(); }
	bool ClockSynchronized() override { return host_.timeSync().synchronized.value_or(false); }

	const PullStatus &status_;
	PullSchedule schedule_;
	common::Interrupt &interrupt_;
	common::HostProbe &host_;
	std::shared_ptr<spdlog::logger> log_;
};

PullDbus::PullDbus(sdbus::IConnection &connection, const PullStatus &status, PullSchedule schedule,
		   common::Interrupt &interrupt, common::HostProbe &host)
	: adaptor_(std::make_unique<Adaptor>(connection, status, std::move(schedule), interrupt, host))
{
}

PullDbus::~PullDbus() = default;

} // namespace lingercam::pull
