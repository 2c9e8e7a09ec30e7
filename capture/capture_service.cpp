// SPDX-License-Identifier: BSD-2-Clause
// The capture loop (see capture_service.h).
#include "capture_service.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/host_probe.h"
#include "common/logging.h"
#include "common/notifier.h"
#include "common/scheduler.h"
#include "common/store.h"
#include "common/units.h"

namespace lingercam::capture {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

CaptureService::CaptureService(const CaptureConfig &config, std::unique_ptr<FrameSource> source, common::Store &store,
			       common::Clock &clock, common::Interrupt &interrupt, common::Notifier *notifier,
			       common::HostProbe *host)
	: config_(config), source_(std::move(source)), store_(store), clock_(clock), interrupt_(interrupt),
	  notifier_(notifier), host_(host), encoder_(config.quality), log_(common::logger("capture")),
	  cameraLog_(common::logger("camera"))
{
	status_.update([&](CaptureState &s) {
		s.source = source_->name();
		s.interval = config_.interval;
		s.framesStored = store_.frameCount();
		s.framesUnsynced = store_.unsyncedCount();
		s.storeBytes = store_.totalBytes();
		if (auto latest = store_.latest()) {
			s.lastFrame = latest;
			s.lastFramePath = store_.pathOf(*latest).string();
		}
	});
}

CaptureService::~CaptureService()
{
	if (sourceStarted_)
		source_->stop();
}

bool CaptureService::ensureSource()
{
	if (sourceStarted_)
		return true;
	const auto now = clock_.monotonicNow();
	if (failures_ && now < nextAttempt_)
		return false;
	try {
		source_->start();
		sourceStarted_ = true;
		// The backoff is reset by the first good frame, not by an open: a camera that
		// opens but never delivers must not be re-opened at full rate forever.
		if (failures_)
			cameraLog_->debug("camera opened again attempts={} source=\"{}\"", failures_, source_->name());
		status_.update([&](CaptureState &s) {
			s.state = CaptureState::State::Capturing;
			s.source = source_->name();
		});
		return true;
	} catch (const CameraError &e) {
		onCameraFailure(e);
		return false;
	}
}

void CaptureService::onCameraFailure(const CameraError &error)
{
	++failures_;
	nextAttempt_ = clock_.monotonicNow() + retryDelay_;
	const std::string next = common::formatDuration(retryDelay_);
	// The first failure is an error; repeats are logged at 2, 4, 8, ... attempts, not each.
	if (failures_ == 1)
		cameraLog_->error("camera unavailable: {}; retrying with backoff next_retry={}", error.what(), next);
	else if ((failures_ & (failures_ - 1)) == 0)
		cameraLog_->warn("camera still unavailable attempts={} next_retry={} error=\"{}\"", failures_, next,
				 error.what());
	else
		cameraLog_->debug("camera still unavailable attempts={} next_retry={}", failures_, next);
	retryDelay_ = std::min(retryDelay_ * 2, kMaxRetry);
	status_.update([&](CaptureState &s) {
		s.state = CaptureState::State::WaitingForCamera;
		s.lastError = error.what();
	});
}

common::FrameId CaptureService::captureOne()
{
	if (!sourceStarted_) {
		source_->start();
		sourceStarted_ = true;
	}
	// Asked first: a slow bus must not leave the frame named by a time read before it.
	const common::ClockTrust trust = clockTrust(clock_.wallNow());
	const auto wall = clock_.wallNow();
	const auto started = clock_.monotonicNow();
	ImageView image = source_->capture(config_.captureTimeout);
	const auto captured = clock_.monotonicNow();

	common::FrameId timeId{ duration_cast<std::chrono::seconds>(wall.time_since_epoch()).count(), 0 };
	ExifInfo exif;
	exif.model = source_->model();
	exif.dateTimeOriginal = timeId.exifTime();
	exif.width = image.width;
	exif.height = image.height;
	std::vector<std::uint8_t> jpeg = encoder_.encode(image, exif);
	// Room first: on a disk that filled up (by us or anything else), the oldest frames make
	// way for this one before it is written.
	store_.applyRetention(config_.retention, wall, jpeg.size(), trust);
	common::FrameId id = store_.publish(jpeg, wall, trust);
	const auto published = clock_.monotonicNow();
	common::RetentionResult retention = store_.applyRetention(config_.retention, wall, 0, trust);

	log_->info("frame saved frame={} bytes={} size={}x{} capture_ms={} total_ms={}", id.relativePath(), jpeg.size(),
		   image.width, image.height, duration_cast<milliseconds>(captured - started).count(),
		   duration_cast<milliseconds>(published - started).count());
	if (retention.spaceStillLow != diskLow_) {
		diskLow_ = retention.spaceStillLow;
		if (diskLow_)
			log_->warn("disk space low even after retention: only the newest frame is left to delete "
				   "store={} available={}",
				   store_.root().string(), common::formatBytes(store_.diskSpace().available));
		else
			log_->info("disk space back above the minimum store={}", store_.root().string());
	}
	status_.update([&](CaptureState &s) {
		s.state = CaptureState::State::Capturing;
		s.lastFrame = id;
		s.lastFramePath = store_.pathOf(id).string();
		++s.framesCaptured;
		s.framesStored = store_.frameCount();
		s.framesUnsynced = store_.unsyncedCount();
		s.storeBytes = store_.totalBytes();
		s.lastError.clear();
	});
	return id;
}

common::ClockTrust CaptureService::clockTrust(common::Clock::WallTime wall)
{
	using common::ClockTrust;
	ClockTrust trust = ClockTrust::Unknown;
	std::string why = "not asked";
	if (host_) {
		// A fresh question each time: timedated answers in a millisecond, and a clock that
		// NTP has just synchronized names the very next frame.
		const common::TimeSyncStatus sync = host_->timeSync();
		if (sync.synchronized)
			trust = *sync.synchronized ? ClockTrust::Synchronized : ClockTrust::Unsynchronized;
		why = sync.synchronized ? "timedate1 NTPSynchronized=" + std::string(*sync.synchronized ? "yes" : "no")
					: sync.detail;
	}
	if (trust != ClockTrust::Unsynchronized && wall < common::Clock::WallTime(common::kClockFloor)) {
		trust = ClockTrust::Unsynchronized;
		why = "the clock reads " +
		      common::FrameId{ duration_cast<std::chrono::seconds>(wall.time_since_epoch()).count() }.iso() +
		      ", before " + common::FrameId{ common::kClockFloor.count() }.iso();
	}
	if (trust_ == trust)
		return trust;
	// Said once per change, so the journal shows when the names began and stopped to carry
	// the marker.
	if (trust == ClockTrust::Unsynchronized)
		log_->warn("clock not synchronized: frames are kept and named with \"-unsynced\" until it is reason=\"{}\"",
			   why);
	else if (trust == ClockTrust::Synchronized)
		log_->info("clock synchronized: frames are named by it reason=\"{}\"", why);
	else
		log_->info("cannot tell whether the clock is synchronized: frames are named as it reads reason=\"{}\"",
			   why);
	trust_ = trust;
	return trust;
}

void CaptureService::onSlot(bool triggered)
{
	if (!ensureSource()) {
		log_->debug("slot passed without a frame: no camera triggered={}", triggered);
		return;
	}
	try {
		captureOne();
		if (!lastStoreError_.empty())
			log_->info("frames are saved again after a store error error=\"{}\"", lastStoreError_);
		lastStoreError_.clear();
		lastStoreErrorKind_.clear();
		if (failures_)
			cameraLog_->info("camera working again after {} failed attempts source=\"{}\"", failures_,
					 source_->name());
		failures_ = 0;
		retryDelay_ = kFirstRetry;
	} catch (const CameraError &e) {
		// Release it whole and open it again after the backoff, as for a camera that was
		// never there.
		source_->stop();
		sourceStarted_ = false;
		onCameraFailure(e);
	} catch (const std::exception &e) {
		// Store or encoder: keep running, try again next slot; say it once per new kind of
		// error (a system error by its errno: the message names each frame's file).
		const auto *system = dynamic_cast<const common::SystemError *>(&e);
		const std::string kind = system ? "errno " + std::to_string(system->code()) : e.what();
		if (kind != lastStoreErrorKind_)
			log_->error("frame not saved: {} (said once until it changes)", e.what());
		lastStoreErrorKind_ = kind;
		lastStoreError_ = e.what();
		status_.update([&](CaptureState &s) {
			s.state = CaptureState::State::StoreError;
			s.lastError = e.what();
		});
	}
}

void CaptureService::publishStatus()
{
	if (!notifier_)
		return;
	notifier_->status(status_.summary());
}

std::chrono::milliseconds CaptureService::watchdogTimeout(const CaptureConfig &config)
{
	return config.captureTimeout + std::chrono::seconds(30);
}

void CaptureService::run()
{
	common::Scheduler scheduler(clock_, interrupt_, config_.interval);
	milliseconds maxSleep{ 5000 };
	if (notifier_)
		notifier_->setWatchdogTimeout(watchdogTimeout(config_));
	const auto watchdog = notifier_ ? duration_cast<milliseconds>(notifier_->watchdogInterval()) : milliseconds(0);
	if (watchdog.count() > 0)
		maxSleep = std::min(maxSleep, watchdog / 3);
	scheduler.setMaxSleep(maxSleep);
	scheduler.setOnWake([&] {
		// Only a loop that comes back here is healthy: a hung camera call stops the pings.
		if (notifier_)
			notifier_->watchdog();
		ensureSource();
		status_.update([&](CaptureState &s) { s.nextRun = scheduler.nextSlot(); });
	});

	log_->info("capture started store={} interval={} source={} size={}x{} quality={} watchdog={}",
		   store_.root().string(), common::formatDuration(config_.interval), sourceName(config_.source),
		   config_.width, config_.height, config_.quality,
		   watchdog.count() > 0 ? common::formatDuration(watchdog) : "off");
	ensureSource();
	publishStatus();
	if (notifier_)
		notifier_->ready();
	scheduler.run([&](const common::Scheduler::Slot &slot) {
		onSlot(slot.triggered);
		publishStatus();
	});
	if (notifier_)
		notifier_->stopping();
	if (sourceStarted_) {
		source_->stop();
		sourceStarted_ = false;
	}
	log_->info("capture stopped frames={}", status_.snapshot().framesCaptured);
}

} // namespace lingercam::capture
