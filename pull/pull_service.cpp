#include "pull_service.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "common/notifier.h"
#include "common/scheduler.h"
#include "common/units.h"
#include "memory_budget.h"
#include "pull_status.h"

namespace lingercam::pull {

PullService::PullService(PullConfig config, common::Interrupt &interrupt, PullStatus &status,
			 std::function<Puller::Connector(const SourceConfig &)> connectorFor)
	: config_(std::move(config)), interrupt_(interrupt), status_(status), log_(common::logger("pull"))
{
	RoundOptions options;
	options.mode = config_.mode;
	options.maxFileSize = config_.maxFileSize;
	options.retries = config_.retries;
	options.retryBackoff = config_.retryBackoff;
	options.roundTimeout = config_.roundTimeout;
	options.budget = &MemoryBudget::daemon(); // one for all sources
	for (const SourceConfig &source : config_.sources) {
		pullers_.push_back(std::make_unique<Puller>(source.name, source.localStore, connectorFor(source), options,
							    interrupt_, &status_));
		status_.update(source.name, [](SourceStatus &) {});
	}
}

PullService::~PullService() = default;

void PullService::setProgressCallback(Puller::ProgressCallback callback)
{
	for (auto &p : pullers_)
		p->setProgressCallback(callback);
}

std::vector<RoundResult> PullService::runRound()
{
	std::vector<RoundResult> results(pullers_.size());
	if (pullers_.size() == 1) {
		results[0] = pullers_[0]->runRound();
		return results;
	}
	std::vector<std::jthread> threads;
	for (std::size_t i = 0; i < pullers_.size(); ++i)
		threads.emplace_back([&, i] { results[i] = pullers_[i]->runRound(); });
	threads.clear(); // joins
	return results;
}

void PullService::run(common::Clock &clock, common::Notifier &notifier)
{
	common::Scheduler scheduler(clock, interrupt_, config_.interval);
	scheduler.setSlotFilter([this](common::Clock::WallTime t) { return config_.activeHours.contains(t); });
	scheduler.setOnWake([&notifier] { notifier.watchdog(); });
	if (notifier.watchdogInterval().count() > 0)
		scheduler.setMaxSleep(std::chrono::duration_cast<std::chrono::milliseconds>(notifier.watchdogInterval() / 3));

	log_->info("pull daemon started sources={} interval={} active_hours={} mode={}", pullers_.size(),
		   common::formatDuration(config_.interval), config_.activeHours.text(), modeName(config_.mode));
	notifier.ready();
	notifier.status("waiting for the first round (active hours " + config_.activeHours.text() + ")");
	scheduler.run([&](const common::Scheduler::Slot &slot) {
		// A round can outlast the watchdog interval (a long backfill): keep pinging from a
		// helper thread while it runs; it stops with the round.
		std::jthread keepAlive;
		if (notifier.watchdogInterval().count() > 0)
			keepAlive = std::jthread([&notifier, period = notifier.watchdogInterval() / 3](std::stop_token stop) {
				std::mutex m;
				std::condition_variable_any cv;
				std::unique_lock lock(m);
				while (!stop.stop_requested()) {
					cv.wait_for(lock, stop, period, [] { return false; });
					if (!stop.stop_requested())
						notifier.watchdog();
				}
			});
		log_->debug("round starting triggered={}", slot.triggered);
		runRound();
		notifier.status(status_.summary());
	});
	notifier.stopping();
	log_->info("pull daemon stopping");
}

} // namespace lingercam::pull
