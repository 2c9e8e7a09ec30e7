// SPDX-License-Identifier: BSD-2-Clause
// The pull daemon: scheduled rounds, every source at once, each on its own thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/heartbeat.h"
#include "pull_config.h"
#include "gallery.h"
#include "puller.h"

namespace lingercam::common {
class Notifier;
}

namespace spdlog {
class logger;
}

namespace lingercam::pull {

class PullStatus;

/// Runs the configured sources: a round pulls every source at once, each on its own thread
/// and connection, so one camera that is down never delays or stops the others.
class PullService {
public:
	/// Wired as CaptureService is: the clock and the notifier (sd_notify; none: the
	/// environment's, a no-op outside systemd) come with the service. \a connectorFor builds
	/// each source's connection (Puller::sftpConnector by default).
	PullService(PullConfig config, common::Clock &clock, common::Interrupt &interrupt, PullStatus &status,
		    common::Notifier *notifier = nullptr,
		    std::function<Puller::Connector(const SourceConfig &)> connectorFor = Puller::sftpConnector);
	~PullService();

	/// One round of every source now, concurrently; results in source order.
	std::vector<RoundResult> runRound();
	/// The daemon: rounds at wall-clock multiples of the interval within active hours, until
	/// the interrupt stops it. READY once started, STATUS after each round, WATCHDOG on
	/// every scheduler wake and, during a round, only while it makes progress.
	void run();

	void setProgressCallback(Puller::ProgressCallback callback);

	/// The watchdog pings only while a round made progress within this window.
	static constexpr std::chrono::seconds kProgressWindow{ 15 };
	/// The watchdog timeout the daemon asks for (WATCHDOG_USEC): its longest legitimate
	/// wait without a byte (connect_timeout or io_timeout), plus the progress window and a
	/// margin. A stalled transfer thus ends by its own timeout first, and a hang by the
	/// watchdog.
	static std::chrono::milliseconds watchdogTimeout(const PullConfig &config);
	/// Whether a keep-alive should ping now: no round runs, or one made progress lately.
	bool alive(common::Heartbeat::Clock::time_point now = common::Heartbeat::Clock::now()) const;
	const PullConfig &config() const { return config_; }

private:
	PullConfig config_;
	common::Clock &clock_;
	common::Interrupt &interrupt_;
	common::Notifier *notifier_;
	PullStatus &status_;
	/// The galleries after a round (PullConfig::gallery): never fails the round.
	void updateGalleries(const std::vector<RoundResult> &results);

	std::vector<std::unique_ptr<Puller>> pullers_;
	std::vector<Gallery> galleries_;
	std::shared_ptr<spdlog::logger> log_;
	common::Heartbeat heartbeat_;
};

} // namespace lingercam::pull
