// SPDX-License-Identifier: BSD-2-Clause
// One source's round: plan, fetch, commit, confirm (see puller.h).
#include "puller.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/logging.h"
#include "common/store.h"
#include "common/units.h"
#include "local_mirror.h"
#include "memory_budget.h"
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
	  options_(options), interrupt_(interrupt), status_(status), log_(common::logger("pull")),
	  confirmation_(common::confirmationName(viewerId(localStore_)))
{
}

Puller::~Puller() = default;

std::string Puller::viewerId(const std::filesystem::path &localStore)
{
	// This host's name (what a person recognises), then a hash of the mirror's path (two
	// sources of one config on the same camera differ there). FNV-1a: the same name on every
	// start, build and architecture.
	char host[256] = {};
	::gethostname(host, sizeof host - 1);
	std::string id;
	for (const char *c = host; *c && id.size() < 32; ++c)
		id += std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' ? *c : '_';
	if (id.empty())
		id = "viewer";
	std::uint64_t h = 14695981039346656037ull;
	for (unsigned char c : localStore.lexically_normal().string())
		h = (h ^ c) * 1099511628211ull;
	char tag[10];
	std::snprintf(tag, sizeof tag, "-%08x", static_cast<unsigned>(h >> 32));
	return id + tag;
}

Puller::Connector Puller::sftpConnector(const SourceConfig &source)
{
	FetchTuning tuning;
	tuning.budget = &MemoryBudget::daemon();
	return [ssh = source.ssh, root = source.remoteStore, tuning](const RoundLimits &limits) {
		return connectSftpStore(ssh, root, limits, tuning);
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
	if (options_.heartbeat)
		options_.heartbeat->beat();
	if (!progress_)
		return;
	auto now = std::chrono::steady_clock::now();
	if (!force && now - lastProgress_ < progressInterval_)
		return;
	lastProgress_ = now;
	progress_(name_, progress);
}

bool Puller::waitBeating(milliseconds wait)
{
	// A backoff has its own end, so it is progress: beat through it, a few seconds apart.
	const auto until = std::chrono::steady_clock::now() + wait;
	for (;;) {
		if (options_.heartbeat)
			options_.heartbeat->beat();
		const auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			return false;
		if (interrupt_.waitForStop(std::min(left, milliseconds(5000))))
			return true;
	}
}

RoundResult Puller::runRound()
{
	RoundResult result;
	const auto started = std::chrono::steady_clock::now();
	if (status_)
		status_->update(name_, [](SourceStatus &s) { s.lastRoundStart = std::chrono::system_clock::now(); });
	Retries retries{ options_.retryBackoff, 0 };
	std::unique_ptr<LocalMirror> mirror;
	RoundLimits limits = RoundLimits::startingNow([this] { return interrupt_.stopRequested(); },
						      options_.roundTimeout);
	limits.heartbeat = options_.heartbeat;

	for (;;) {
		++result.attempts;
		const std::size_t framesBefore = result.framesFetched;
		try {
			if (!mirror)
				mirror = std::make_unique<LocalMirror>(localStore_, 8, options_.budget);
			setState(SourceStatus::State::Connecting);
			log_->debug("connecting source={} attempt={}", name_, result.attempts);
			std::unique_ptr<RemoteStore> remote = connector_(limits);
			setState(SourceStatus::State::Pulling);
			attempt(*remote, *mirror, result);
			result.ok = true;
			result.error.clear();
			result.errorKind.reset();
			break;
		} catch (const SshError &e) {
			if (!retryAfter(e, result.framesFetched > framesBefore, limits, retries, result))
				break;
		} catch (const std::exception &e) {
			// Local problems (disk full, permissions) are not fixed by retrying now.
			result.error = e.what();
			log_->error("round failed source={} error=\"{}\"", name_, e.what());
			break;
		}
	}
	mirror.reset();
	result.took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
	finishRound(result);
	return result;
}

bool Puller::retryAfter(const SshError &e, bool broughtFrames, const RoundLimits &limits, Retries &retries,
			RoundResult &result)
{
	result.error = e.what();
	result.errorKind = e.kind();
	if (e.kind() == SshError::Kind::Stopped) {
		log_->info("round stopped source={} (what arrived is kept)", name_);
		return false;
	}
	// An attempt that brought frames before the link broke starts the count and the backoff
	// afresh: retries are per outage, so a link that drops now and then still finishes a long
	// catch-up.
	if (broughtFrames) {
		retries.failures = 0;
		retries.backoff = options_.retryBackoff;
	}
	++retries.failures;
	if (!e.transient() || retries.failures > options_.retries || interrupt_.stopRequested()) {
		log_->error("round failed source={} attempts={} error=\"{}\"", name_, result.attempts, e.what());
		return false;
	}
	// No retry starts past the round's deadline.
	const auto untilDeadline =
		std::chrono::duration_cast<milliseconds>(limits.deadline - std::chrono::steady_clock::now());
	if (untilDeadline < retries.backoff) {
		result.error += "; not retried: round_timeout=" + configDuration(limits.roundTimeout) +
				" ends the round before the next attempt";
		result.errorKind = SshError::Kind::Overtime;
		log_->error("round failed source={} attempts={} error=\"{}\"", name_, result.attempts, result.error);
		return false;
	}
	log_->warn("connection problem, retrying source={} attempt={}/{} in={} error=\"{}\"", name_, retries.failures,
		   options_.retries + 1, common::formatDuration(retries.backoff), e.what());
	setState(SourceStatus::State::Waiting);
	// A pending trigger (SyncNow) must not spend the retries in a burst: only a stop cuts the
	// backoff short.
	if (waitBeating(retries.backoff)) {
		result.errorKind = SshError::Kind::Stopped;
		log_->info("round stopped source={} (what arrived is kept)", name_);
		return false;
	}
	retries.backoff = std::min(retries.backoff * 2, kMaxBackoff);
	return true;
}

void Puller::finishRound(const RoundResult &result)
{
	if (result.ok)
		log_->info("round done source={} fetched={} bytes={} refused={} resumed={} backlog={} newest={} "
			   "watermark={} took={}",
			   name_, result.framesFetched, common::formatBytes(result.bytesFetched), result.refused,
			   result.resumed, result.backlog, result.newest ? result.newest->stem() : "none",
			   result.watermark ? result.watermark->stem() : "none", common::formatDuration(result.took));
	if (!status_)
		return;
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
}

/// One attempt of a round over one connection: the plan, the fetch and the watermark, all
/// driven from the store's pump() (see the class comment of Puller).
class Puller::Attempt final : public FetchQueue {
public:
	Attempt(Puller &puller, RemoteStore &remote, LocalMirror &mirror, RoundResult &result)
		: p_(puller), remote_(remote), mirror_(mirror), result_(result),
		  planner_(remote, puller.options_.maxFileSize,
			   [this](const std::string &path, const std::string &reason) { p_.refuse(path, reason, result_); }),
		  mirrorMode_(puller.options_.mode == PullMode::Mirror)
	{
	}

	void run();
	/// The connection broke: commit what finished, keep what arrived, advance the local
	/// watermark (the remote one follows on the next connection).
	void salvage();
	/// The round stopped because the mirror's disk reached min_free; and what to say.
	bool diskLow() const { return diskLow_; }
	const std::string &diskLowText() const { return diskLowText_; }

	// FetchQueue
	std::optional<FetchItem> next() override;
	Size sizeOf(std::size_t id, std::uint64_t &size, std::uint64_t &offset) override;
	void data(std::size_t id, std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
	void done(std::size_t id) override;
	void failed(std::size_t id, const std::string &reason, bool gone) override;
	bool keepGoing() override { return !p_.interrupt_.stopRequested(); }

private:
	/// Unchecked: the newest frame, opened while its checks are in flight. FollowsNewest: a
	/// planned frame that is the newest one, fetched as that.
	enum class Outcome { Queued, Fetching, Committing, Present, Committed, Refused, Gone, Failed, Unchecked, FollowsNewest };
	static bool resolved(Outcome o)
	{
		return o == Outcome::Present || o == Outcome::Committed || o == Outcome::Refused || o == Outcome::Gone;
	}
	struct Frame {
		PlannedFrame planned;
		Outcome outcome = Outcome::Queued;
		std::uint64_t offset = 0; ///< where the fetch started (a resumed ".part")
		std::vector<std::uint8_t> buffer;
		std::unique_ptr<PartFile> part;
	};
	/// Frames up to this size are assembled in memory (at most a few are in flight at once).
	static constexpr std::uint64_t kInMemory = 4u << 20;

	/// What the debug trace of a round has said so far.
	struct RoundTrace {
		bool planned = false;
		bool fetched = false;
		std::chrono::steady_clock::time_point lastRate = std::chrono::steady_clock::now();
		std::uint64_t lastBytes = 0;
	};

	/// Mirror mode: the backfill from the watermark and the out-of-order days; always: the
	/// newest frame.
	void startPlanning();
	/// Debug lines on where the round's time goes: plan complete, all frames in, the rate.
	void traceRound(RoundTrace &trace);
	/// Mirror mode, every frame in: the last ".pulled" writes, the backlog.
	void confirmLast();
	/// Points the mirror's latest.jpg at the frame the camera took last.
	void followCameraLatest();
	/// Where the fetch of \a f starts: after its ".part" when that can be resumed.
	std::uint64_t startAt(Frame &f);
	void onLinked(const std::optional<FrameId> &id);
	void onChecked(std::optional<PlannedFrame> frame);
	void onDay(const std::string &dayPath, std::vector<PlannedFrame> frames);
	void onCommits(const std::vector<Commit> &commits);
	void setOutcome(Frame &frame, Outcome outcome);
	Frame *byId(std::size_t id);
	bool finished() const;
	/// Whether the mirror's file system keeps min_free after \a next more bytes and those of
	/// every frame in flight or being committed; once not, the round fetches nothing more.
	bool roomOnDisk(std::uint64_t next);
	/// Advances the local watermark over the frames resolved without a gap; with \a remote,
	/// writes it to the camera host's ".pulled" too (in the background).
	void checkpoint(bool remote);
	void writePulled();
	/// At the end of a round, the confirmation's temporary file opened ahead and not used.
	void usePreparedWrite();
	/// What this viewer's confirmation file says now: the watermark, then one line per
	/// out-of-order day listed in full with every frame resolved (empty without a watermark).
	std::string confirmation() const;
	std::size_t unresolved() const { return plan_.size() - resolvedCount_; }

	Puller &p_;
	RemoteStore &remote_;
	LocalMirror &mirror_;
	RoundResult &result_;
	SyncPlanner planner_;
	bool mirrorMode_;
	bool diskLow_ = false;
	std::string diskLowText_;
	RoundProgress progress_;
	std::optional<FrameId> watermark_;
	std::vector<common::OutOfOrderDay> outOfOrder_; ///< the camera's ".out-of-order" days

	/// latest.jpg's frame, fetched first (id 0) while the listing runs.
	std::optional<Frame> newest_;
	bool newestSettled_ = false; ///< latest.jpg read and its frame checked (or none)
	bool newestStarted_ = false;
	bool rootCheck_ = false; ///< no latest.jpg: is there a store at all?
	/// Frames newer than the watermark, until the watermark passes them.
	std::map<FrameId, Frame> plan_;
	std::size_t resolvedCount_ = 0;
	std::set<FrameId> queued_; ///< planned, not started: oldest first
	std::map<std::size_t, FrameId> fetching_; ///< fetch id (1 on) -> frame
	std::size_t nextId_ = 1;
	/// The newest frame fetched this round, named before future_ and not of a day marked out
	/// of order (whose names say nothing of when the frames were taken).
	std::optional<FrameId> newestLocal_;
	std::optional<FrameId> cameraLatest_; ///< the camera's latest.jpg, once the mirror holds it
	/// This viewer's clock at the start, plus common::kFutureSlack: frames named later were
	/// named by a camera clock that ran ahead.
	const std::int64_t future_ = std::chrono::duration_cast<std::chrono::seconds>(
					     (p_.options_.now ? *p_.options_.now : std::chrono::system_clock::now())
						     .time_since_epoch())
					     .count() +
				     common::kFutureSlack.count();

	std::chrono::steady_clock::time_point lastCheckpoint_ = std::chrono::steady_clock::now();
	bool writing_ = false;   ///< a ".pulled" write in flight
	bool prepared_ = false;  ///< its temporary file opened ahead
};

void Puller::attempt(RemoteStore &remote, LocalMirror &mirror, RoundResult &result)
{
	Attempt attempt(*this, remote, mirror, result);
	struct Stop {
		RemoteStore &remote;
		~Stop() { remote.stopFetching(); }
	} stop{ remote };
	try {
		attempt.run();
	} catch (const SshError &) {
		attempt.salvage();
		throw;
	}
	if (attempt.diskLow())
		throw std::runtime_error(attempt.diskLowText()); // local: no retry within the round
}

void Puller::Attempt::run()
{
	progress_ = RoundProgress{};
	startPlanning();
	remote_.startFetching(*this);

	RoundTrace trace;
	while (!finished()) {
		if (mirrorMode_)
			planner_.poll(queued_.size() + fetching_.size());
		if (p_.log_->should_log(spdlog::level::debug))
			traceRound(trace);
		onCommits(mirror_.collect());
		if (mirrorMode_ && std::chrono::steady_clock::now() - lastCheckpoint_ >= p_.options_.checkpointEvery)
			checkpoint(!queued_.empty()); // near the end, the last write comes soon enough
		if (mirrorMode_ && queued_.empty() && planner_.complete() && !prepared_ && !writing_ &&
		    p_.remoteConfirmation_ != confirmation()) {
			// Every frame is asked for: open the last write's temporary file now.
			remote_.prepareWrite(p_.confirmation_);
			prepared_ = true;
		}
		if (finished())
			break;
		if (remote_.busy())
			// While frames are being committed, look at them often: the newest one is
			// reported (and latest.jpg pointed at it) as soon as it is in.
			remote_.pump(mirror_.committing() > 0 ? std::optional(std::chrono::milliseconds(5)) : std::nullopt);
		else if (mirror_.committing() > 0)
			onCommits(mirror_.flush());
		else
			throw std::logic_error("a round waits for nothing and is not finished");
	}
	onCommits(mirror_.flush());
	p_.reportProgress(progress_, true);
	if (mirrorMode_)
		confirmLast();
	followCameraLatest();
	if (!mirrorMode_)
		result_.foldersListed = planner_.foldersListed();
}

void Puller::Attempt::startPlanning()
{
	if (mirrorMode_) {
		watermark_ = mirror_.watermark();
		result_.watermark = watermark_;
		std::string today = p_.options_.today;
		if (today.empty())
			today = FrameId{ std::chrono::duration_cast<std::chrono::seconds>(
						 (p_.options_.now ? *p_.options_.now : std::chrono::system_clock::now())
							 .time_since_epoch())
						 .count(),
					 0 }
					.dayPath();
		planner_.startBackfill(watermark_, today,
				       [this](const std::string &day, std::vector<PlannedFrame> frames) { onDay(day, std::move(frames)); });
		planner_.findOutOfOrderDays([this](std::vector<common::OutOfOrderDay> days) {
			if (!days.empty())
				p_.log_->info("listing out-of-order days in full source={} days={}", p_.name_, days.size());
			outOfOrder_ = std::move(days);
		});
	}
	planner_.findNewest([this](const std::optional<FrameId> &id) { onLinked(id); },
			    [this](std::optional<PlannedFrame> frame) { onChecked(std::move(frame)); });
}

void Puller::Attempt::traceRound(RoundTrace &trace)
{
	// Where a round's time goes (bench/pull/trace_round.sh reads these).
	const auto now = std::chrono::steady_clock::now();
	if (mirrorMode_ && !trace.planned && planner_.complete()) {
		trace.planned = true;
		p_.log_->debug("plan complete source={} folders={} frames={}", p_.name_, planner_.foldersListed(),
			       progress_.framesTotal);
	}
	if (!trace.fetched && newestSettled_ && fetching_.empty() && queued_.empty() && (!mirrorMode_ || trace.planned)) {
		trace.fetched = true;
		p_.log_->debug("all frames in source={} bytes={}", p_.name_, progress_.bytesDone);
	}
	if (now - trace.lastRate >= std::chrono::seconds(1)) {
		const auto ms = std::max<long long>(
			1, std::chrono::duration_cast<std::chrono::milliseconds>(now - trace.lastRate).count());
		p_.log_->debug("receiving source={} rate={}/s", p_.name_,
			       common::formatBytes((progress_.bytesDone - trace.lastBytes) * 1000 /
						   static_cast<std::uint64_t>(ms)));
		trace.lastRate = now;
		trace.lastBytes = progress_.bytesDone;
	}
}

void Puller::Attempt::confirmLast()
{
	checkpoint(true);
	while (writing_)
		remote_.pump();
	checkpoint(true); // the watermark may have moved while the last write was in flight
	while (writing_)
		remote_.pump();
	if (prepared_)
		usePreparedWrite();
	while (remote_.busy())
		remote_.pump();
	result_.backlog = unresolved();
	result_.foldersListed = planner_.foldersListed();
}

void Puller::Attempt::followCameraLatest()
{
	// latest.jpg follows the camera's: the frame taken last, whatever its name says (a clock
	// that stepped back names it older than others). Frames that arrived while the round ran
	// may be newer than latest.jpg was, unless names cannot tell (an "-unsynced" latest).
	const auto local = mirror_.latest();
	std::optional<FrameId> target = cameraLatest_;
	if (newestLocal_ && planner_.markedOutOfOrder(newestLocal_->dayPath()))
		newestLocal_.reset(); // its day's mark came after it was fetched
	if (newestLocal_ && (!target || (!target->unsynced && *target < *newestLocal_)) &&
	    (target || !local || *local < *newestLocal_))
		target = newestLocal_;
	if (target && local != target)
		mirror_.setLatest(*target);
}

bool Puller::Attempt::finished() const
{
	if (!newestSettled_ || rootCheck_)
		return false;
	if (!fetching_.empty() || mirror_.committing() > 0)
		return false;
	if (diskLow_)
		return true; // what is in flight has landed; nothing more is fetched
	if (newest_ && !resolved(newest_->outcome) && newest_->outcome != Outcome::Failed)
		return false;
	if (!mirrorMode_ || p_.interrupt_.stopRequested())
		return true;
	return planner_.complete() && queued_.empty();
}

void Puller::Attempt::salvage()
{
	try {
		onCommits(mirror_.flush());
		// What arrived of frames held in memory becomes their ".part", for a later resume.
		auto keep = [&](Frame &f) {
			if (f.outcome == Outcome::Fetching && !f.buffer.empty())
				mirror_.savePart(f.planned, f.offset, f.buffer);
			f.part.reset();
		};
		if (newest_)
			keep(*newest_);
		for (auto &[id, f] : plan_)
			keep(f);
		if (mirrorMode_)
			checkpoint(false);
	} catch (const std::exception &e) {
		p_.log_->error("could not keep what arrived source={} error=\"{}\"", p_.name_, e.what());
	}
	if (mirrorMode_) {
		result_.backlog = unresolved();
		result_.foldersListed = planner_.foldersListed();
	}
}

void Puller::Attempt::onLinked(const std::optional<FrameId> &id)
{
	if (mirrorMode_)
		planner_.setNewestDay(id ? std::optional(id->dayPath()) : std::nullopt);
	if (!id) {
		// No latest.jpg: say so if the store itself is missing.
		rootCheck_ = true;
		remote_.requestLstat({ "" }, [this](std::vector<std::optional<RemoteEntry>> root) {
			rootCheck_ = false;
			if (!root.front())
				throwSsh(SshError::Kind::Remote, static_cast<int>(kSftpNoSuchFile),
					 "remote store " + remote_.describe(),
					 "does not exist on the camera host: check remote_store, and that lingercam-capture runs there");
		});
		return;
	}
	result_.newest = *id;
	if (mirror_.hasFrame(*id))
		return;
	// Opened now, beside the checks of its folders: read once they are in.
	newest_.emplace();
	newest_->planned.id = *id;
	newest_->outcome = Outcome::Unchecked;
}

void Puller::Attempt::onChecked(std::optional<PlannedFrame> frame)
{
	newestSettled_ = true;
	if (!frame) {
		result_.newest.reset();
		if (newest_ && !newestStarted_) {
			setOutcome(*newest_, Outcome::Gone); // its day's entry, if listed, is fetched as any
			newest_.reset();
		} else if (newest_ && newest_->outcome == Outcome::Unchecked)
			setOutcome(*newest_, Outcome::Gone); // its fetch is cancelled (sizeOf)
		return;
	}
	result_.newest = frame->id;
	if (!newest_) {
		cameraLatest_ = frame->id; // in the mirror already
		return;
	}
	newest_->planned = *frame;
	if (newest_->outcome == Outcome::Unchecked)
		newest_->outcome = newestStarted_ ? Outcome::Fetching : Outcome::Queued;
	progress_.framesTotal += 1;
	progress_.bytesTotal += frame->size;
}

bool Puller::Attempt::roomOnDisk(std::uint64_t next)
{
	if (diskLow_)
		return false;
	// One statvfs per frame handed out: microseconds, against a frame's milliseconds.
	std::uint64_t pending = next;
	for (const auto &[id, frame] : fetching_)
		if (auto it = plan_.find(frame); it != plan_.end())
			pending += it->second.planned.size;
	pending += mirror_.committing() * next; // queued commits: frames of about this size
	const auto [available, total] = mirror_.diskSpace();
	const std::uint64_t floor = p_.options_.minFree.of(total);
	if (available >= floor + pending)
		return true;
	diskLow_ = true;
	diskLowText_ = "the mirror's disk is full: " + common::formatBytes(available) + " free of " +
		       common::formatBytes(total) + ", min_free " + common::formatBytes(floor) + " at " +
		       mirror_.root().string() + "; frames that arrived are kept, and the next round goes on once there is room";
	return false;
}

std::optional<FetchItem> Puller::Attempt::next()
{
	if (newest_ && !newestStarted_ && (newest_->outcome == Outcome::Unchecked || newest_->outcome == Outcome::Queued)) {
		if (!roomOnDisk(newest_->planned.size))
			return std::nullopt;
		newestStarted_ = true;
		const bool known = newest_->outcome == Outcome::Queued;
		newest_->outcome = known ? Outcome::Fetching : Outcome::Unchecked;
		fetching_.emplace(0, newest_->planned.id);
		const std::uint64_t offset = known ? startAt(*newest_) : 0;
		return FetchItem{ newest_->planned.id.relativePath(), newest_->planned.size, offset, 0, known };
	}
	if (!newestSettled_ && newest_)
		return std::nullopt; // the newest frame goes first
	while (!queued_.empty()) {
		const FrameId id = *queued_.begin();
		queued_.erase(queued_.begin());
		Frame &f = plan_.at(id);
		if (f.outcome != Outcome::Queued)
			continue;
		if (!roomOnDisk(f.planned.size)) {
			queued_.insert(id); // not fetched: the round ends, the next one goes on
			return std::nullopt;
		}
		const std::uint64_t offset = startAt(f);
		f.outcome = Outcome::Fetching;
		const std::size_t fetchId = nextId_++;
		fetching_.emplace(fetchId, id);
		return FetchItem{ id.relativePath(), f.planned.size, offset, fetchId, true };
	}
	return std::nullopt;
}

std::uint64_t Puller::Attempt::startAt(Frame &f)
{
	f.offset = mirror_.resumeOffset(f.planned);
	if (f.offset > 0) {
		++result_.resumed;
		result_.resumedBytes += f.offset;
		progress_.bytesDone += f.offset;
		p_.log_->info("resuming a partial frame source={} frame={} offset={}", p_.name_, f.planned.id.relativePath(),
			      f.offset);
	}
	return f.offset;
}

FetchQueue::Size Puller::Attempt::sizeOf(std::size_t id, std::uint64_t &size, std::uint64_t &offset)
{
	if (id != 0 || !newest_)
		return Size::Cancelled;
	if (!newestSettled_)
		return Size::Pending;
	if (newest_->outcome != Outcome::Fetching) {
		fetching_.erase(0);
		return Size::Cancelled;
	}
	size = newest_->planned.size;
	offset = startAt(*newest_);
	return Size::Known;
}

Puller::Attempt::Frame *Puller::Attempt::byId(std::size_t id)
{
	auto it = fetching_.find(id);
	if (it == fetching_.end())
		return nullptr;
	if (id == 0)
		return newest_ ? &*newest_ : nullptr;
	auto f = plan_.find(it->second);
	return f == plan_.end() ? nullptr : &f->second;
}

void Puller::Attempt::data(std::size_t id, std::uint64_t offset, std::span<const std::uint8_t> bytes)
{
	Frame *f = byId(id);
	if (!f)
		throw std::logic_error("bytes for a frame not being fetched");
	const std::uint64_t size = f->planned.size;
	if (size - f->offset <= kInMemory) {
		// Files of this size arrive whole within a few replies: keep them in memory and let
		// a commit thread create, write and fsync the file. The fetch delivers each byte
		// once and in order; a frame is assembled only so.
		if (offset != f->offset + f->buffer.size())
			throw std::logic_error("fetch delivered bytes at offset " + std::to_string(offset) + " of " +
					       f->planned.id.relativePath() + ", expected " +
					       std::to_string(f->offset + f->buffer.size()));
		if (f->buffer.empty())
			f->buffer.reserve(size - f->offset);
		f->buffer.insert(f->buffer.end(), bytes.begin(), bytes.end());
	} else {
		if (!f->part)
			f->part = mirror_.openPart(f->planned, f->offset);
		mirror_.write(*f->part, offset, bytes);
	}
	progress_.bytesDone += bytes.size();
	p_.reportProgress(progress_, false);
}

void Puller::Attempt::done(std::size_t id)
{
	Frame *f = byId(id);
	if (!f)
		throw std::logic_error("a frame done that was not being fetched");
	fetching_.erase(id);
	++progress_.framesDone;
	if (p_.options_.hangAfterFrames && progress_.framesDone >= p_.options_.hangAfterFrames) {
		p_.log_->warn("hanging on purpose after {} frames (LINGERCAM_TEST_PULL_HANG_AFTER); only the "
			      "watchdog gets us out source={}",
			      progress_.framesDone, p_.name_);
		for (;;)
			std::this_thread::sleep_for(std::chrono::hours(1));
	}
	if (f->planned.size - f->offset <= kInMemory) {
		mirror_.commitData(f->planned, f->offset, std::move(f->buffer));
		f->buffer = {};
		setOutcome(*f, Outcome::Committing);
	} else {
		if (!f->part)
			f->part = mirror_.openPart(f->planned, f->offset);
		if (auto problem = mirror_.commit(std::move(f->part))) {
			p_.refuse(f->planned.id.relativePath(), "refused frame: " + *problem, result_);
			setOutcome(*f, Outcome::Refused);
		} else {
			setOutcome(*f, Outcome::Committing);
		}
	}
	p_.reportProgress(progress_, false);
}

void Puller::Attempt::failed(std::size_t id, const std::string &reason, bool gone)
{
	Frame *f = byId(id);
	fetching_.erase(id);
	if (!f)
		return;
	f->part.reset(); // a partial file stays for the next attempt to resume
	f->buffer = {};
	++progress_.framesDone;
	if (gone) {
		mirror_.discardPart(f->planned.id);
		setOutcome(*f, Outcome::Gone);
		p_.log_->debug("frame deleted on the camera host before it was fetched source={} frame={}", p_.name_,
			       f->planned.id.relativePath());
	} else {
		setOutcome(*f, Outcome::Failed);
		p_.log_->warn("could not fetch a frame source={} frame={} error=\"{}\"", p_.name_,
			      f->planned.id.relativePath(), reason);
	}
}

void Puller::Attempt::setOutcome(Frame &f, Outcome outcome)
{
	const bool isNewest = newest_ && &f == &*newest_;
	if (!isNewest && resolved(f.outcome) != resolved(outcome))
		resolvedCount_ = resolved(outcome) ? resolvedCount_ + 1 : resolvedCount_ - 1;
	f.outcome = outcome;
	// A frame named ahead of this viewer's clock is no candidate for latest.jpg: the camera's
	// latest.jpg alone may point there.
	if (outcome == Outcome::Committed && f.planned.id.seconds <= future_ &&
	    !planner_.markedOutOfOrder(f.planned.id.dayPath()) && (!newestLocal_ || *newestLocal_ < f.planned.id))
		newestLocal_ = f.planned.id;
	if (!isNewest)
		return;
	// The newest frame is also in its day's plan once that is listed. Committed or refused
	// there too when it is; otherwise (gone, failed) it is fetched again like any other.
	auto it = plan_.find(f.planned.id);
	if (it == plan_.end() || it->second.outcome != Outcome::FollowsNewest)
		return;
	if (outcome == Outcome::Committed || outcome == Outcome::Refused) {
		setOutcome(it->second, outcome);
	} else if (outcome == Outcome::Gone || outcome == Outcome::Failed) {
		it->second.outcome = Outcome::Queued;
		queued_.insert(it->first);
	}
}

void Puller::Attempt::onDay(const std::string &dayPath, std::vector<PlannedFrame> frames)
{
	LocalMirror::DayState local = mirror_.day(dayPath);
	std::set<FrameId> wanted;
	std::size_t added = 0;
	std::uint64_t addedBytes = 0;
	for (PlannedFrame &frame : frames) {
		const FrameId id = frame.id;
		auto [it, inserted] = plan_.emplace(id, Frame{});
		if (!inserted) {
			// Listed again (an out-of-order day, in full now): its fetch goes on.
			if (!resolved(it->second.outcome))
				wanted.insert(id);
			continue;
		}
		Frame &f = it->second;
		f.planned = std::move(frame);
		const bool isNewest = newest_ && newest_->planned.id == id;
		if (!isNewest && local.frames.count(id)) {
			setOutcome(f, Outcome::Present);
		} else if (isNewest &&
			   (newest_->outcome == Outcome::Unchecked || newest_->outcome == Outcome::Queued ||
			    newest_->outcome == Outcome::Fetching || newest_->outcome == Outcome::Committing)) {
			f.outcome = Outcome::FollowsNewest;
			wanted.insert(id);
		} else if (isNewest && (newest_->outcome == Outcome::Committed || newest_->outcome == Outcome::Refused)) {
			setOutcome(f, newest_->outcome);
		} else {
			queued_.insert(id);
			wanted.insert(id);
			++added;
			addedBytes += f.planned.size;
		}
	}
	// A ".part" for a frame no longer wanted (fetched meanwhile, or deleted remotely) is
	// left over from an interrupted round. The newest frame's may be being written.
	if (newest_)
		wanted.insert(newest_->planned.id);
	for (const FrameId &part : local.parts)
		if (!wanted.count(part))
			mirror_.discardPart(part);
	if (added > 0 && !prepared_ && !writing_) {
		// A backlog: ".pulled" will be written; its temporary file can be opened now.
		remote_.prepareWrite(p_.confirmation_);
		prepared_ = true;
	}
	if (added > 0) {
		progress_.framesTotal += added;
		progress_.bytesTotal += addedBytes;
		p_.log_->info("backfilling source={} day={} frames={} bytes={} since={}", p_.name_, dayPath, added,
			      common::formatBytes(addedBytes), watermark_ ? watermark_->stem() : "the beginning");
	}
}

void Puller::Attempt::onCommits(const std::vector<Commit> &commits)
{
	for (const Commit &c : commits) {
		Frame *f = nullptr;
		if (newest_ && newest_->planned.id == c.id && newest_->outcome == Outcome::Committing)
			f = &*newest_;
		else if (auto it = plan_.find(c.id); it != plan_.end())
			f = &it->second;
		if (!f)
			continue;
		if (c.refused) {
			p_.refuse(c.id.relativePath(), "refused frame: " + *c.refused, result_);
			setOutcome(*f, Outcome::Refused);
			continue;
		}
		++result_.framesFetched;
		result_.daysTouched.insert(c.id.dayPath());
		result_.bytesFetched += f->planned.size - f->offset;
		setOutcome(*f, Outcome::Committed);
		if (newest_ && f == &*newest_) {
			result_.newestFetched = true;
			p_.log_->info("fetched the newest frame source={} frame={}", p_.name_, c.id.relativePath());
			cameraLatest_ = c.id;
			if (mirror_.latest() != c.id)
				mirror_.setLatest(c.id);
		}
	}
}

void Puller::Attempt::checkpoint(bool remote)
{
	lastCheckpoint_ = std::chrono::steady_clock::now();
	// The watermark passes a frame only when every frame before it is resolved and every day
	// up to its own has been listed.
	const std::optional<std::string> through = planner_.listedThrough();
	// Nor does it pass this viewer's own clock (future_): a frame named by a camera clock that
	// ran ahead is mirrored, but the frames named after that clock came right are still newer
	// than the watermark.
	std::optional<FrameId> w = watermark_;
	for (auto it = plan_.begin(); it != plan_.end();) {
		if (watermark_ && it->first <= *watermark_) {
			// A frame of a day listed in full (out of order), behind the watermark: it neither
			// holds the watermark back nor moves it; its day is confirmed once it is resolved.
			if (resolved(it->second.outcome)) {
				--resolvedCount_;
				it = plan_.erase(it);
			} else {
				++it;
			}
			continue;
		}
		if (!resolved(it->second.outcome) || !through || it->first.dayPath() > *through || it->first.seconds > future_)
			break;
		w = it->first;
		--resolvedCount_;
		it = plan_.erase(it);
	}
	if (w && (!watermark_ || *watermark_ < w)) {
		mirror_.setWatermark(*w);
		watermark_ = w;
		result_.watermark = w;
	}
	if (remote)
		writePulled();
}

std::string Puller::Attempt::confirmation() const
{
	if (!watermark_)
		return {};
	std::vector<common::OutOfOrderDay> wholeDays;
	for (const common::OutOfOrderDay &d : outOfOrder_) {
		if (!planner_.listedInFull(d.dayPath))
			continue;
		// Whole: every frame of the day it listed is resolved (fetched, present, refused or
		// gone); the watermark has taken those it passed out of the plan.
		const std::int64_t start = common::daysFromCivil(std::stoi(d.dayPath.substr(0, 4)),
								 static_cast<unsigned>(std::stoi(d.dayPath.substr(5, 2))),
								 static_cast<unsigned>(std::stoi(d.dayPath.substr(8, 2)))) *
					   86400;
		bool whole = true;
		for (auto it = plan_.lower_bound(FrameId{ start }); it != plan_.end() && it->first.seconds < start + 86400; ++it)
			whole = whole && resolved(it->second.outcome);
		if (whole)
			wholeDays.push_back(d);
	}
	return common::formatConfirmation(*watermark_, wholeDays);
}

void Puller::Attempt::writePulled()
{
	const std::string text = confirmation();
	if (writing_ || text.empty() || p_.remoteConfirmation_ == text)
		return;
	const FrameId w = *watermark_;
	writing_ = true;
	prepared_ = false;
	remote_.requestWrite(p_.confirmation_, text, [this, w, text] {
		writing_ = false;
		p_.remoteConfirmation_ = text;
		p_.log_->debug("wrote the remote confirmation source={} file={} watermark={}", p_.name_, p_.confirmation_,
			       w.stem());
		// The next write takes one round trip less.
		if (!finished()) {
			remote_.prepareWrite(p_.confirmation_);
			prepared_ = true;
		}
	});
}

void Puller::Attempt::usePreparedWrite()
{
	prepared_ = false;
	// Removing it would take the SFTP remove request, which pull never sends: a key paired
	// with lingercam-install --pair is refused it. So it is renamed over the confirmation file
	// with what that holds already (every change was written by now), one round trip as a
	// remove was; only with nothing to confirm yet is it closed and left, empty, for the
	// next write (capture reads no ".tmp" as a confirmation).
	const std::string text = confirmation();
	if (text.empty()) {
		remote_.unprepareWrite(p_.confirmation_);
		return;
	}
	writing_ = true;
	remote_.requestWrite(p_.confirmation_, text, [this, text] {
		writing_ = false;
		p_.remoteConfirmation_ = text;
		p_.log_->debug("wrote the remote confirmation again, unchanged, through its open temporary file "
			       "source={} file={}",
			       p_.name_, p_.confirmation_);
	});
	while (writing_)
		remote_.pump();
}

} // namespace lingercam::pull
