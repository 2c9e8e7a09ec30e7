#include "puller.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/logging.h"
#include "common/store.h"
#include "common/units.h"
#include "local_mirror.h"
#include "remote_store.h"
#include "sftp_remote_store.h"
#include "sftp_replies.h"
#include "ssh_channel_transport.h"

namespace lingercam::pull {

using common::FrameId;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kMaxBackoff{ std::chrono::minutes(5) };

} // namespace

Puller::Puller(std::string name, std::filesystem::path localStore, Connector connector, RoundOptions options,
	       common::Interrupt &interrupt, PullStatus *status)
	: name_(std::move(name)), localStore_(std::move(localStore)), connector_(std::move(connector)),
	  options_(options), interrupt_(interrupt), status_(status), log_(common::logger("pull"))
{
}

Puller::~Puller() = default;

Puller::Connector Puller::sftpConnector(const SourceConfig &source)
{
	return [ssh = source.ssh, root = source.remoteStore](const RoundLimits &limits) {
		return connectSftpStore(ssh, root, limits);
	};
}

void Puller::setState(SourceStatus::State state)
{
	if (status_)
		status_->update(name_, [&](SourceStatus &s) { s.state = state; });
}

void Puller::refuse(const std::string &path, const std::string &reason, RoundResult &result)
{
	++result.refused;
	// The names are the camera host's: escaped and cut to one line before they are logged.
	const std::string shownPath = sftp::safeText(path), shownReason = sftp::safeText(reason);
	// Remembered by hash, and only so many: a host listing millions of bad names costs a
	// fixed amount of memory (and, past the cap, a repeated warning now and then).
	if (warned_.size() >= kMaxRememberedRefusals)
		warned_.clear();
	if (warned_.insert(std::hash<std::string>{}(path)).second)
		log_->warn("refused a remote entry source={} path=\"{}\" reason=\"{}\"", name_, shownPath, shownReason);
	else
		log_->debug("refused a remote entry again source={} path=\"{}\" reason=\"{}\"", name_, shownPath,
			    shownReason);
}

void Puller::reportProgress(const RoundProgress &progress, bool force)
{
	if (!progress_)
		return;
	auto now = std::chrono::steady_clock::now();
	if (!force && now - lastProgress_ < progressInterval_)
		return;
	lastProgress_ = now;
	progress_(name_, progress);
}

RoundResult Puller::runRound()
{
	RoundResult result;
	const auto started = std::chrono::steady_clock::now();
	if (status_)
		status_->update(name_, [](SourceStatus &s) { s.lastRoundStart = std::chrono::system_clock::now(); });
	milliseconds backoff = options_.retryBackoff;
	std::unique_ptr<LocalMirror> mirror;
	const RoundLimits limits = RoundLimits::startingNow([this] { return interrupt_.stopRequested(); },
							    options_.roundTimeout);

	for (;;) {
		++result.attempts;
		try {
			if (!mirror)
				mirror = std::make_unique<LocalMirror>(localStore_);
			setState(SourceStatus::State::Connecting);
			std::unique_ptr<RemoteStore> remote = connector_(limits);
			setState(SourceStatus::State::Pulling);
			attempt(*remote, *mirror, result);
			result.ok = true;
			result.error.clear();
			result.errorKind.reset();
			break;
		} catch (const SshError &e) {
			result.error = e.what();
			result.errorKind = e.kind();
			if (e.kind() == SshError::Kind::Stopped) {
				log_->info("round stopped source={} (what arrived is kept)", name_);
				break;
			}
			bool retry = e.transient() && result.attempts <= options_.retries && !interrupt_.stopRequested();
			if (!retry) {
				log_->error("round failed source={} attempts={} error=\"{}\"", name_, result.attempts, e.what());
				break;
			}
			// No retry starts past the round's deadline.
			const auto untilDeadline = std::chrono::duration_cast<milliseconds>(
				limits.deadline - std::chrono::steady_clock::now());
			if (untilDeadline < backoff) {
				result.error += "; not retried: round_timeout=" + configDuration(limits.roundTimeout) +
						" ends the round before the next attempt";
				result.errorKind = SshError::Kind::Overtime;
				log_->error("round failed source={} attempts={} error=\"{}\"", name_, result.attempts, result.error);
				break;
			}
			log_->warn("connection problem, retrying source={} attempt={}/{} in={} error=\"{}\"", name_,
				   result.attempts, options_.retries + 1, common::formatDuration(backoff), e.what());
			setState(SourceStatus::State::Waiting);
			// A pending trigger (SyncNow) must not spend the retries in a burst: only a
			// stop cuts the backoff short.
			if (interrupt_.waitForStop(backoff)) {
				result.errorKind = SshError::Kind::Stopped;
				log_->info("round stopped source={} (what arrived is kept)", name_);
				break;
			}
			backoff = std::min(backoff * 2, kMaxBackoff);
		} catch (const std::exception &e) {
			// Local problems (disk full, permissions) are not fixed by retrying now.
			result.error = e.what();
			log_->error("round failed source={} error=\"{}\"", name_, e.what());
			break;
		}
	}
	mirror.reset();
	result.took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);

	if (result.ok)
		log_->info("round done source={} fetched={} bytes={} refused={} resumed={} backlog={} newest={} "
			   "watermark={} took={}",
			   name_, result.framesFetched, common::formatBytes(result.bytesFetched), result.refused,
			   result.resumed, result.backlog, result.newest ? result.newest->stem() : "none",
			   result.watermark ? result.watermark->stem() : "none", common::formatDuration(result.took));
	if (status_)
		status_->update(name_, [&](SourceStatus &s) {
			const bool stopped = result.errorKind == SshError::Kind::Stopped;
			s.state = result.ok || stopped ? SourceStatus::State::Idle : SourceStatus::State::Failed;
			s.lastRoundEnd = std::chrono::system_clock::now();
			s.lastRoundOk = result.ok;
			s.framesPulled += result.framesFetched;
			s.bytesPulled += result.bytesFetched;
			s.backlog = result.backlog;
			if (result.newest)
				s.newestFrame = result.newest->stem();
			if (result.watermark)
				s.watermark = result.watermark->stem();
			if (result.ok) {
				s.lastResult = "ok, " + std::to_string(result.framesFetched) + " frames";
			} else if (stopped) {
				s.lastResult = "stopped, " + std::to_string(result.framesFetched) + " frames kept";
			} else {
				s.lastResult = "failed: " + result.error;
				s.lastError = result.error;
			}
		});
	return result;
}

void Puller::attempt(RemoteStore &remote, LocalMirror &mirror, RoundResult &result)
{
	SyncPlanner planner(remote, options_.maxFileSize,
			    [&](const std::string &path, const std::string &reason) { refuse(path, reason, result); });
	RoundProgress progress;
	// Waits for the commit threads; frames they refused (size, JPEG markers) stop counting
	// as fetched.
	auto settle = [&](const std::vector<PlannedFrame> &list, std::vector<Outcome> &outs) {
		for (const Refusal &refusal : mirror.flush()) {
			auto it = std::lower_bound(list.begin(), list.end(), refusal.id,
						   [](const PlannedFrame &f, const FrameId &id) { return f.id < id; });
			if (it != list.end() && it->id == refusal.id) {
				auto &outcome = outs[static_cast<std::size_t>(it - list.begin())];
				if (outcome == Outcome::Committed) {
					outcome = Outcome::Refused;
					--result.framesFetched;
					result.bytesFetched -= std::min(result.bytesFetched, it->size);
				}
			}
			refuse(refusal.id.relativePath(), "refused frame: " + refusal.reason, result);
		}
	};

	// 1. The newest frame, at once.
	auto newest = planner.newest();
	if (!newest && !remote.lstatMany({ "" }).front())
		throwSsh(SshError::Kind::Remote, static_cast<int>(kSftpNoSuchFile), "remote store " + remote.describe(),
			 "does not exist on the camera host: check remote_store, and that lingercam-capture runs there");
	if (newest) {
		result.newest = newest->id;
		if (!mirror.hasFrame(newest->id)) {
			std::vector<PlannedFrame> one{ *newest };
			std::vector<Outcome> outcome{ Outcome::Pending };
			const std::size_t index = 0;
			progress.framesTotal = 1;
			progress.bytesTotal = newest->size;
			fetchFrames(remote, mirror, one, outcome, std::span(&index, 1), result, progress);
			settle(one, outcome);
			result.newestFetched = outcome[0] == Outcome::Committed;
			if (result.newestFetched)
				log_->info("fetched the newest frame source={} frame={}", name_, newest->id.relativePath());
		}
		if (mirror.hasFrame(newest->id)) {
			auto local = mirror.latest();
			if (!local || *local < newest->id)
				mirror.setLatest(newest->id);
		}
	}
	if (options_.mode == PullMode::Latest) {
		result.foldersListed = planner.foldersListed();
		return;
	}

	// 2. Everything newer than the watermark, oldest first.
	std::optional<FrameId> watermark = mirror.watermark();
	result.watermark = watermark;
	const std::vector<PlannedFrame> frames = planner.backfill(watermark);
	result.foldersListed = planner.foldersListed();
	std::vector<Outcome> outcomes(frames.size(), Outcome::Pending);
	std::map<std::string, LocalMirror::DayState> days;
	std::vector<std::size_t> pending;
	std::set<FrameId> wanted;
	for (std::size_t i = 0; i < frames.size(); ++i) {
		const std::string dayPath = frames[i].id.dayPath();
		auto it = days.find(dayPath);
		if (it == days.end())
			it = days.emplace(dayPath, mirror.day(dayPath)).first;
		if (it->second.frames.count(frames[i].id)) {
			outcomes[i] = Outcome::Present;
		} else {
			pending.push_back(i);
			wanted.insert(frames[i].id);
		}
	}
	// A ".part" for a frame no longer wanted (fetched meanwhile, or deleted remotely) is
	// left over from an interrupted round.
	for (const auto &entry : days)
		for (const FrameId &part : entry.second.parts)
			if (!wanted.count(part))
				mirror.discardPart(part);

	progress = RoundProgress{};
	progress.framesTotal = pending.size();
	for (std::size_t i : pending)
		progress.bytesTotal += frames[i].size;
	result.backlog = pending.size();
	if (!pending.empty())
		log_->info("backfilling source={} frames={} bytes={} since={}", name_, pending.size(),
			   common::formatBytes(progress.bytesTotal), watermark ? watermark->stem() : "the beginning");

	std::size_t contiguous = 0;
	auto resolved = [](Outcome o) {
		return o == Outcome::Present || o == Outcome::Committed || o == Outcome::Refused || o == Outcome::Gone;
	};
	auto advance = [&](bool remoteToo) {
		while (contiguous < frames.size() && resolved(outcomes[contiguous]))
			++contiguous;
		if (contiguous > 0) {
			FrameId w = frames[contiguous - 1].id;
			if (!watermark || *watermark < w) {
				mirror.setWatermark(w);
				watermark = w;
				result.watermark = w;
			}
		}
		if (remoteToo && watermark && remoteWatermark_ != watermark) {
			remote.writeFile(common::kPulledName, watermark->stem() + "\n");
			remoteWatermark_ = watermark;
		}
	};

	try {
		for (std::size_t start = 0; start < pending.size() && !interrupt_.stopRequested();
		     start += options_.stretchFrames) {
			std::size_t count = std::min(options_.stretchFrames, pending.size() - start);
			fetchFrames(remote, mirror, frames, outcomes, std::span(pending).subspan(start, count), result,
				    progress);
			settle(frames, outcomes);
			advance(true);
		}
		advance(true);
	} catch (const SshError &) {
		// Keep what arrived: commit it and advance the local watermark; the remote .pulled
		// follows on the next connection.
		settle(frames, outcomes);
		advance(false);
		result.backlog = static_cast<std::size_t>(
			std::count_if(outcomes.begin(), outcomes.end(), [&](Outcome o) { return !resolved(o); }));
		throw;
	}
	result.backlog = static_cast<std::size_t>(
		std::count_if(outcomes.begin(), outcomes.end(), [&](Outcome o) { return !resolved(o); }));

	// Frames that arrived while the round ran may be newer than latest.jpg was.
	for (std::size_t i = frames.size(); i-- > 0;) {
		if (outcomes[i] == Outcome::Committed || outcomes[i] == Outcome::Present) {
			auto local = mirror.latest();
			if (!local || *local < frames[i].id)
				mirror.setLatest(frames[i].id);
			break;
		}
	}
}

namespace {

class MirrorSink final : public FetchSink {
public:
	using Refuse = std::function<void(const std::string &, const std::string &)>;

	MirrorSink(LocalMirror &mirror, std::vector<const PlannedFrame *> frames, std::vector<FetchItem> &items,
		   std::vector<int> &states, RoundResult &result, RoundProgress &progress,
		   std::function<void()> onProgress, Refuse refuse, common::Interrupt &interrupt,
		   spdlog::logger &log, const std::string &source)
		: mirror_(mirror), frames_(std::move(frames)), items_(items), states_(states), result_(result),
		  progress_(progress), onProgress_(std::move(onProgress)), refuse_(std::move(refuse)),
		  interrupt_(interrupt), log_(log), source_(source), parts_(frames_.size())
	{
	}

	enum State { kPending = 0, kCommitted, kRefused, kGone, kFailed };

	void data(std::size_t i, std::uint64_t offset, std::span<const std::uint8_t> bytes) override
	{
		if (inMemory(i)) {
			// Files of this size arrive whole within a few replies: keep them in memory and
			// let a commit thread create, write and fsync the file.
			// The fetch delivers each byte once and in order; a frame is assembled only so.
			if (offset != items_[i].offset + buffers_[i].size())
				throw std::logic_error("fetch delivered bytes at offset " + std::to_string(offset) + " of " +
						       frames_[i]->id.relativePath() + ", expected " +
						       std::to_string(items_[i].offset + buffers_[i].size()));
			if (buffers_[i].empty())
				buffers_[i].reserve(frames_[i]->size - items_[i].offset);
			buffers_[i].insert(buffers_[i].end(), bytes.begin(), bytes.end());
		} else {
			if (!parts_[i])
				parts_[i] = mirror_.openPart(*frames_[i], items_[i].offset);
			mirror_.write(*parts_[i], offset, bytes);
		}
		progress_.bytesDone += bytes.size();
		onProgress_();
	}

	void done(std::size_t i) override
	{
		if (inMemory(i)) {
			mirror_.commitData(*frames_[i], items_[i].offset, std::move(buffers_[i]));
			buffers_[i] = {};
			++progress_.framesDone;
			states_[i] = kCommitted; // until flush() reports a refusal
			++result_.framesFetched;
			result_.bytesFetched += frames_[i]->size - items_[i].offset;
			onProgress_();
			return;
		}
		if (!parts_[i])
			parts_[i] = mirror_.openPart(*frames_[i], items_[i].offset);
		auto problem = mirror_.commit(std::move(parts_[i]));
		++progress_.framesDone;
		if (problem) {
			refuse_(frames_[i]->id.relativePath(), "refused frame: " + *problem);
			states_[i] = kRefused;
		} else {
			states_[i] = kCommitted;
			++result_.framesFetched;
			result_.bytesFetched += frames_[i]->size - items_[i].offset;
		}
		onProgress_();
	}

	void failed(std::size_t i, const std::string &reason, bool gone) override
	{
		parts_[i].reset(); // a partial file stays for the next attempt to resume
		buffers_[i] = {};
		++progress_.framesDone;
		if (gone) {
			mirror_.discardPart(frames_[i]->id);
			states_[i] = kGone;
			log_.debug("frame deleted on the camera host before it was fetched source={} frame={}", source_,
				   frames_[i]->id.relativePath());
		} else {
			states_[i] = kFailed;
			log_.warn("could not fetch a frame source={} frame={} error=\"{}\"", source_,
				  frames_[i]->id.relativePath(), reason);
		}
	}

	bool keepGoing() override { return !interrupt_.stopRequested(); }

	/// The connection broke: what arrived of frames held in memory becomes their ".part".
	void savePartials()
	{
		for (std::size_t i = 0; i < buffers_.size(); ++i)
			if (!buffers_[i].empty() && states_[i] == kPending)
				mirror_.savePart(*frames_[i], items_[i].offset, buffers_[i]);
	}

private:
	/// Frames up to this size are assembled in memory (at most a few are in flight at once).
	static constexpr std::uint64_t kInMemory = 4u << 20;
	bool inMemory(std::size_t i) const { return frames_[i]->size - items_[i].offset <= kInMemory; }

	LocalMirror &mirror_;
	std::vector<const PlannedFrame *> frames_;
	std::vector<FetchItem> &items_;
	std::vector<int> &states_;
	RoundResult &result_;
	RoundProgress &progress_;
	std::function<void()> onProgress_;
	Refuse refuse_;
	common::Interrupt &interrupt_;
	spdlog::logger &log_;
	const std::string &source_;
	std::vector<std::unique_ptr<PartFile>> parts_;
	std::vector<std::vector<std::uint8_t>> buffers_ = std::vector<std::vector<std::uint8_t>>(parts_.size());
};

} // namespace

void Puller::fetchFrames(RemoteStore &remote, LocalMirror &mirror, const std::vector<PlannedFrame> &frames,
			 std::vector<Outcome> &outcomes, std::span<const std::size_t> indices, RoundResult &result,
			 RoundProgress &progress)
{
	std::vector<const PlannedFrame *> chosen;
	std::vector<FetchItem> items;
	for (std::size_t i : indices) {
		const PlannedFrame &f = frames[i];
		std::uint64_t offset = mirror.resumeOffset(f);
		if (offset > 0) {
			++result.resumed;
			result.resumedBytes += offset;
			progress.bytesDone += offset;
			log_->info("resuming a partial frame source={} frame={} offset={}", name_, f.id.relativePath(), offset);
		}
		chosen.push_back(&f);
		items.push_back(FetchItem{ f.id.relativePath(), f.size, offset });
	}
	std::vector<int> states(items.size(), MirrorSink::kPending);
	auto copyBack = [&] {
		for (std::size_t k = 0; k < indices.size(); ++k) {
			switch (states[k]) {
			case MirrorSink::kCommitted: outcomes[indices[k]] = Outcome::Committed; break;
			case MirrorSink::kRefused: outcomes[indices[k]] = Outcome::Refused; break;
			case MirrorSink::kGone: outcomes[indices[k]] = Outcome::Gone; break;
			case MirrorSink::kFailed: outcomes[indices[k]] = Outcome::Failed; break;
			default: break;
			}
		}
	};
	MirrorSink sink(
		mirror, std::move(chosen), items, states, result, progress, [&] { reportProgress(progress, false); },
		[&](const std::string &path, const std::string &reason) { refuse(path, reason, result); }, interrupt_,
		*log_, name_);
	try {
		remote.fetch(items, sink);
	} catch (...) {
		copyBack();
		sink.savePartials();
		throw;
	}
	copyBack();
	reportProgress(progress, true);
}

} // namespace lingercam::pull
