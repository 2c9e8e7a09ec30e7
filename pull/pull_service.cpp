// SPDX-License-Identifier: BSD-2-Clause
// The pull daemon's rounds over every source (see pull_service.h).
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

PullService::PullService(PullConfig config, common::Clock &clock, common::Interrupt &interrupt, PullStatus &status,
			 common::Notifier *notifier, std::function<Puller::Connector(const SourceConfig &)> connectorFor)
	: config_(std::move(config)), clock_(clock), interrupt_(interrupt), notifier_(notifier), status_(status),
	  log_(common::logger("pull"))
{
	RoundOptions options;
	options.mode = config_.mode;
	options.maxFileSize = config_.maxFileSize;
	options.minFree = config_.minFree;
	options.retries = config_.retries;
	options.retryBackoff = config_.retryBackoff;
	options.roundTimeout = config_.roundTimeout;
	options.budget = &MemoryBudget::daemon(); // one for all sources
	options.heartbeat = &heartbeat_;
	options.hangAfterFrames = config_.testHangAfterFrames;
	for (const SourceConfig &source : config_.sources) {
		pullers_.push_back(std::make_unique<Puller>(source.name, source.localStore, connectorFor(source), options,
							    interrupt_, &status_));
		galleries_.emplace_back(source.localStore, source.name);
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
	} else {
		std::vector<std::jthread> threads;
		for (std::size_t i = 0; i < pullers_.size(); ++i)
			threads.emplace_back([&, i] { results[i] = pullers_[i]->runRound(); });
	} // joins
	updateGalleries(results);
	return results;
}

void PullService::updateGalleries(const std::vector<RoundResult> &results)
{
	if (!config_.gallery)
		return;
	const auto now = std::chrono::system_clock::now();
	std::vector<Gallery::Summary> summaries;
	for (std::size_t i = 0; i < galleries_.size(); ++i) {
		try {
			galleries_[i].update(results[i].daysTouched, now);
			summaries.push_back(galleries_[i].summary(now));
		} catch (const std::exception &e) {
			log_->warn("gallery not updated source={} error=\"{}\"", config_.sources[i].name, e.what());
		}
	}
	// Several cameras mirrored side by side (the default): a page that lists them, in the
	// folder they share.
	if (summaries.size() < 2)
		return;
	const std::filesystem::path parent = summaries.front().mirror.parent_path();
	for (const auto &s : summaries)
		if (s.mirror.parent_path() != parent)
			return;
	try {
		writeSourcesPage(parent, summaries, now);
	} catch (const std::exception &e) {
		log_->warn("sources page not written dir={} error=\"{}\"", parent.string(), e.what());
	}
}

std::chrono::milliseconds PullService::watchdogTimeout(const PullConfig &config)
{
	return std::max(config.connectTimeout, config.ioTimeout) + kProgressWindow + std::chrono::seconds(15);
}

bool PullService::alive(common::Heartbeat::Clock::time_point now) const
{
	return heartbeat_.recent(kProgressWindow, now);
}

void PullService::run()
{
	using std::chrono::duration_cast;
	using std::chrono::milliseconds;
	common::Notifier environments;
	common::Notifier &notifier = notifier_ ? *notifier_ : environments;
	notifier.setWatchdogTimeout(watchdogTimeout(config_));
	common::Scheduler scheduler(clock_, interrupt_, config_.interval);
	scheduler.setSlotFilter([this](common::Clock::WallTime t) { return config_.activeHours.contains(t); });
	scheduler.setOnWake([&notifier] { notifier.watchdog(); });
	const auto watchdog = notifier.watchdogInterval();
	if (watchdog.count() > 0)
		scheduler.setMaxSleep(duration_cast<milliseconds>(watchdog / 3));

	log_->info("pull daemon started sources={} interval={} active_hours={} mode={} watchdog={}", pullers_.size(),
		   common::formatDuration(config_.interval), config_.activeHours.text(), modeName(config_.mode),
		   watchdog.count() > 0 ? common::formatDuration(duration_cast<milliseconds>(watchdog)) : "off");
	notifier.ready();
	notifier.status("waiting for the first round (active hours " + config_.activeHours.text() + ")");
	scheduler.run([&](const common::Scheduler::Slot &slot) {
		// A round can outlast the watchdog timeout (a long backfill on a slow link): a
		// helper thread pings while it runs, but only while bytes arrive, frames complete
		// or a retry waits out its backoff. A call hung with no timeout stops the pings.
		heartbeat_.beat();
		std::jthread keepAlive;
		if (watchdog.count() > 0)
			keepAlive = std::jthread([this, &notifier](std::stop_token stop) {
				std::mutex m;
				std::condition_variable_any cv;
				std::unique_lock lock(m);
				bool quiet = false;
				while (!cv.wait_for(lock, stop, std::chrono::seconds(5), [] { return false; })) {
					if (stop.stop_requested())
						break;
					if (alive()) {
						notifier.watchdog();
						quiet = false;
					} else if (!quiet) {
						quiet = true;
						log_->warn("round made no progress for {}; the watchdog is no longer kept alive",
							   common::formatDuration(std::chrono::duration_cast<milliseconds>(
								   kProgressWindow)));
					}
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
