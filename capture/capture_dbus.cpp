// SPDX-License-Identifier: BSD-2-Clause
// org.lingercam.Capture1 served from the capture daemon (see capture_dbus.h).
#include "capture_dbus.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "capture_status.h"
#include "common/api_time.h"
#include "common/bus_service.h"
#include "common/clock.h"
#include "common/dbus/capture1_adaptor.h"
#include "common/sdbus_compat.h"
#include "common/dbus_connection.h"
#include "common/host_probe.h"
#include "common/logging.h"

namespace lingercam::capture {

class CaptureDbus::Adaptor final : public common::dbus::Adaptor<org::lingercam::Capture1_adaptor> {
public:
	Adaptor(sdbus::IConnection &connection, const CaptureStatus &status, std::string storePath,
		common::Interrupt &interrupt, common::HostProbe &host)
		: common::dbus::Adaptor<org::lingercam::Capture1_adaptor>(connection, kObjectPath), status_(status), storePath_(std::move(storePath)),
		  interrupt_(interrupt), host_(host), log_(common::logger("dbus"))
	{
		registerAdaptor();
	}
	~Adaptor() { unregisterAdaptor(); }

private:
	void CaptureNow() override
	{
		log_->info("capture requested over D-Bus");
		interrupt_.trigger();
	}
	std::string State() override { return stateName(status_.snapshot().state); }
	std::string Source() override { return status_.snapshot().source; }
	std::string LastFramePath() override { return status_.snapshot().lastFramePath; }
	uint64_t LastFrameTime() override
	{
		auto frame = status_.snapshot().lastFrame;
		return frame && frame->seconds > 0 ? static_cast<std::uint64_t>(frame->seconds) * 1'000'000u : 0;
	}
	uint64_t FramesCaptured() override { return status_.snapshot().framesCaptured; }
	uint64_t FramesStored() override { return status_.snapshot().framesStored; }
	uint64_t FramesUnsynced() override { return status_.snapshot().framesUnsynced; }
	uint64_t Interval() override { return static_cast<std::uint64_t>(status_.snapshot().interval.count()); }
	uint64_t StoreBytes() override { return status_.snapshot().storeBytes; }
	std::string StorePath() override { return storePath_; }
	std::string LastError() override { return status_.snapshot().lastError; }
	uint64_t NextRun() override { return common::apiTime(status_.snapshot().nextRun); }
	// Asked of logind and timedated when read, so they are never stale; unknown reads false.
	bool Lingering() override { return host_.linger().lingers(); }
	bool ClockSynchronized() override { return host_.timeSync().synchronized.value_or(false); }

	const CaptureStatus &status_;
	std::string storePath_;
	common::Interrupt &interrupt_;
	common::HostProbe &host_;
	std::shared_ptr<spdlog::logger> log_;
};

CaptureDbus::CaptureDbus(sdbus::IConnection &connection, const CaptureStatus &status, std::string storePath,
			 common::Interrupt &interrupt, common::HostProbe &host)
	: adaptor_(std::make_unique<Adaptor>(connection, status, std::move(storePath), interrupt, host))
{
}

CaptureDbus::~CaptureDbus() = default;

} // namespace lingercam::capture
