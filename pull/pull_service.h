#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "pull_config.h"
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
	/// \a connectorFor builds each source's connection (Puller::sftpConnector by default).
	PullService(PullConfig config, common::Interrupt &interrupt, PullStatus &status,
		    std::function<Puller::Connector(const SourceConfig &)> connectorFor = Puller::sftpConnector);
	~PullService();

	/// One round of every source now, concurrently; results in source order.
	std::vector<RoundResult> runRound();
	/// The daemon: rounds at wall-clock multiples of the interval within active hours, until
	/// the interrupt stops it. READY once started, STATUS after each round, WATCHDOG on
	/// every scheduler wake.
	void run(common::Clock &clock, common::Notifier &notifier);

	void setProgressCallback(Puller::ProgressCallback callback);
	const PullConfig &config() const { return config_; }

private:
	PullConfig config_;
	common::Interrupt &interrupt_;
	PullStatus &status_;
	std::vector<std::unique_ptr<Puller>> pullers_;
	std::shared_ptr<spdlog::logger> log_;
};

} // namespace lingercam::pull
