// SPDX-License-Identifier: BSD-2-Clause
// The camera host's frame store (see store.h).
#include "store.h"

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "error.h"
#include "logging.h"
#include "units.h"

namespace lingercam::common {

namespace {

std::int64_t toSeconds(Clock::WallTime t)
{
	return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

} // namespace

DiskSpace statDiskSpace(int dirFd)
{
	struct statvfs st;
	throwErrnoIf(::fstatvfs(dirFd, &st) != 0, "statvfs store");
	DiskSpace space;
	space.available = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
	space.total = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
	return space;
}

Store::Store(std::filesystem::path root, DiskSpaceProbe probe, const ScanProgress &progress)
	: root_(std::move(root)), probe_(std::move(probe)), log_(logger("store"))
{
	std::error_code ec;
	std::filesystem::create_directories(root_, ec);
	if (ec)
		throw SystemError("create store " + root_.string(), ec.value());
	rootFd_ = openDir(AT_FDCWD, root_.string());
	if (!probe_)
		probe_ = statDiskSpace;
	const auto started = std::chrono::steady_clock::now();
	frames_ = scan(rootFd_.get(), &leftoversRemoved_, log_.get(), progress);
	for (const StoredFrame &f : frames_) {
		totalBytes_ += f.bytes;
		unsyncedCount_ += f.id.unsynced;
	}
	outOfOrder_ = std::make_unique<OutOfOrderDays>(rootFd_.get());
	// Days that retention emptied while a crash kept their mark.
	std::set<std::string> days;
	for (const StoredFrame &f : frames_)
		if (days.empty() || *days.rbegin() != f.id.dayPath())
			days.insert(f.id.dayPath());
	std::vector<std::string> empty;
	for (const auto &[day, token] : outOfOrder_->days())
		if (!days.count(day))
			empty.push_back(day);
	for (const std::string &day : empty)
		outOfOrder_->retire(day);
	const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
	if (took > std::chrono::seconds(1))
		log_->info("store indexed store={} frames={} bytes={} took={}", root_.string(), frames_.size(),
			   formatBytes(totalBytes_), formatDuration(took));
	::unlinkat(rootFd_.get(), tempName(kLatestName).c_str(), 0);
	if (leftoversRemoved_)
		log_->warn("removed unfinished files left by an earlier crash count={}", leftoversRemoved_);
}

std::deque<StoredFrame> Store::scan(int rootFd, std::size_t *leftovers, spdlog::logger *log,
				    const ScanProgress &progress)
{
	std::deque<StoredFrame> frames;
	std::size_t removed = 0;
	forEachDay(rootFd, [&](const std::string &dayPath, int dayFd) {
		const DayFolder day = readDay(dayFd, dayPath);
		for (const std::string &name : day.leftovers)
			removed += ::unlinkat(dayFd, name.c_str(), 0) == 0;
		if (log)
			for (const std::string &name : day.others)
				log->debug("ignoring a file that is not a frame path={}/{}", dayPath, name);
		for (const FrameId &id : day.frames) {
			struct stat st;
			const std::string name = id.fileName();
			if (::fstatat(dayFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
				frames.push_back({ id, static_cast<std::uint64_t>(st.st_size) });
		}
		if (progress)
			progress(frames.size());
		return true;
	});
	if (leftovers)
		*leftovers = removed;
	return frames;
}

bool Store::outOfOrder(const FrameId &id, ClockTrust trust) const
{
	if (trust == ClockTrust::Unsynchronized)
		return true;
	// The store's newest frame, passing over those a synchronized clock shows to be ahead.
	auto end = frames_.end();
	if (trust == ClockTrust::Synchronized)
		end = std::upper_bound(frames_.begin(), frames_.end(), id.seconds + kFutureSlack.count(),
				       [](std::int64_t s, const StoredFrame &f) { return s < f.id.seconds; });
	return end != frames_.begin() && id.seconds < std::prev(end)->id.seconds;
}

FrameId Store::publish(std::span<const std::uint8_t> jpeg, Clock::WallTime time, ClockTrust trust)
{
	FrameId id{ toSeconds(time), 0, trust == ClockTrust::Unsynchronized };
	// Same second as a frame we know of: start past its sequence number.
	auto sameSecond = std::lower_bound(frames_.begin(), frames_.end(), FrameId{ id.seconds + 1, 0 },
					   [](const StoredFrame &f, const FrameId &v) { return f.id < v; });
	if (sameSecond != frames_.begin() && std::prev(sameSecond)->id.seconds == id.seconds)
		id.seq = std::prev(sameSecond)->id.seq + 1;

	// Marked before the frame appears, so that a crash cannot leave it unmarked; and again
	// once it is there (below): a viewer may have read the first token and listed the day
	// before the frame appeared, and must not confirm the day whole by that token.
	const bool outOfOrderFrame = outOfOrder(id, trust);
	if (outOfOrderFrame)
		outOfOrder_->mark(id.dayPath());
	UniqueFd dayFd = makeDirs(rootFd_.get(), id.dayPath());
	const std::string tmp = tempName(id.fileName());
	::unlinkat(dayFd.get(), tmp.c_str(), 0);
	UniqueFd fd(::openat(dayFd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	throwErrnoIf(!fd, "create " + id.dayPath() + "/" + tmp);
	try {
		writeAll(fd.get(), jpeg, id.relativePath());
		throwErrnoIf(::fsync(fd.get()) != 0, "fsync " + tmp);
		fd.reset();
		// RENAME_NOREPLACE: a frame that exists (written by someone else, or a clock step
		// back into a second we already have) is never overwritten.
		for (;;) {
			if (::renameat2(dayFd.get(), tmp.c_str(), dayFd.get(), id.fileName().c_str(), RENAME_NOREPLACE) == 0)
				break;
			if (errno != EEXIST || id.seq >= kMaxFrameSeq)
				throw SystemError("rename into place " + id.relativePath(), errno);
			++id.seq;
		}
	} catch (...) {
		::unlinkat(dayFd.get(), tmp.c_str(), 0);
		throw;
	}
	fsyncDir(dayFd.get(), id.dayPath());
	writeLatest(rootFd_.get(), id, root_.string());
	if (outOfOrderFrame)
		outOfOrder_->mark(id.dayPath());

	StoredFrame stored{ id, jpeg.size() };
	if (frames_.empty() || frames_.back().id < id)
		frames_.push_back(stored);
	else // the clock went back: keep the index sorted
		frames_.insert(std::upper_bound(frames_.begin(), frames_.end(), stored,
						[](const StoredFrame &a, const StoredFrame &b) { return a.id < b.id; }),
			       stored);
	totalBytes_ += stored.bytes;
	unsyncedCount_ += id.unsynced;
	return id;
}

std::optional<FrameId> Store::latest() const
{
	return readLatest(rootFd_.get());
}

Confirmations Store::confirmations(Clock::WallTime now, std::chrono::seconds forgetAfter) const
{
	Confirmations c;
	bool allConfirm = true;
	std::vector<std::string> names;
	try {
		names = listFolder(rootFd_.get());
	} catch (const SystemError &e) {
		log_->warn("cannot list the store for confirmation files: {}", e.what());
	}
	std::sort(names.begin(), names.end());
	for (const std::string &name : names) {
		if (!isConfirmationName(name))
			continue;
		struct stat st;
		if (::fstatat(rootFd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		// A file stamped before kClockFloor was written while this host's clock was wrong: its
		// age says nothing.
		if (forgetAfter.count() > 0 && st.st_mtime >= kClockFloor.count() &&
		    st.st_mtime < toSeconds(now) - forgetAfter.count()) {
			c.forgotten.push_back(name);
			continue;
		}
		c.pullRuns = true;
		c.viewers.push_back(name);
		Confirmation file;
		try {
			file = readConfirmation(rootFd_.get(), name).value_or(Confirmation{});
		} catch (const SystemError &e) {
			log_->warn("cannot read {}: {}", name, e.what());
		}
		const std::optional<FrameId> &id = file.watermark;
		if (!id && !file.firstLine.empty())
			log_->warn("ignoring {}: not a frame time content=\"{}\"", name, file.firstLine.substr(0, 40));
		if (!id)
			allConfirm = false;
		else if (!c.watermark || *id < *c.watermark)
			c.watermark = id;
		std::map<std::string, std::set<std::string>> &whole = file.wholeDays;
		// What every viewer holds whole: the intersection.
		if (c.viewers.size() == 1) {
			c.wholeDays = std::move(whole);
		} else {
			for (auto it = c.wholeDays.begin(); it != c.wholeDays.end();) {
				auto mine = whole.find(it->first);
				std::set<std::string> both;
				if (mine != whole.end())
					for (const std::string &t : it->second)
						if (mine->second.count(t))
							both.insert(t);
				it->second = std::move(both);
				it = it->second.empty() ? c.wholeDays.erase(it) : std::next(it);
			}
		}
	}
	if (!allConfirm)
		c.watermark.reset();
	return c;
}

std::optional<FrameId> Store::pulledWatermark(bool *existsOut) const
{
	Confirmations c = confirmations({}, std::chrono::seconds(0));
	if (existsOut)
		*existsOut = c.pullRuns;
	return c.watermark;
}

DiskSpace Store::diskSpace() const
{
	return probe_(rootFd_.get());
}

void Store::removeFrame(const StoredFrame &frame)
{
	std::string path = frame.id.relativePath();
	if (::unlinkat(rootFd_.get(), path.c_str(), 0) != 0 && errno != ENOENT)
		throw SystemError("delete " + path, errno);
	totalBytes_ -= std::min(totalBytes_, frame.bytes);
	unsyncedCount_ -= frame.id.unsynced && unsyncedCount_ > 0;
}

std::deque<StoredFrame>::iterator Store::removeAt(std::deque<StoredFrame>::iterator it)
{
	const StoredFrame victim = *it;
	removeFrame(victim);
	it = frames_.erase(it);
	const std::string day = victim.id.dayPath();
	if ((it != frames_.end() && it->id.dayPath() == day) || (it != frames_.begin() && std::prev(it)->id.dayPath() == day))
		return it;
	// The day's last frame is gone: its mark, its folder, then month and year if empty.
	outOfOrder_->retire(day);
	for (std::string path : { day, day.substr(0, 7), day.substr(0, 4) })
		if (::unlinkat(rootFd_.get(), path.c_str(), AT_REMOVEDIR) != 0)
			break;
	return it;
}

void Store::makeRoom(const std::function<bool(const StoredFrame &)> &pulled, const std::function<bool()> &enough,
		     const std::optional<FrameId> &keep, RetentionResult &result, std::uint64_t &blocksFreed)
{
	auto deletable = [&](auto it) { return std::next(it) != frames_.end() && (!keep || it->id != *keep); };
	auto remove = [&](auto it) {
		result.deletedUnpulled += !pulled(*it);
		result.freedBytes += it->bytes;
		blocksFreed += (it->bytes + 4095) / 4096 * 4096;
		++result.deleted;
		return removeAt(it);
	};
	// Frames every viewer has go first. They are the oldest but for frames of days marked out
	// of order (a 1970 frame sorts first): those are passed over; the first frame past the
	// watermark ends the pass, as every frame after it is past it too.
	for (auto it = frames_.begin(); it != frames_.end() && !enough();) {
		if (!deletable(it) || (!pulled(*it) && outOfOrder_->marked(it->id.dayPath())))
			++it;
		else if (!pulled(*it))
			break;
		else
			it = remove(it);
	}
	// Then the others, oldest first: a full disk must not stop capture.
	for (auto it = frames_.begin(); it != frames_.end() && !enough();)
		it = deletable(it) ? remove(it) : std::next(it);
}

Confirmations Store::confirmedForRetention(const RetentionPolicy &policy, Clock::WallTime now, bool clockKnown)
{
	// A confirmation file that exists says pull runs, even when it confirms nothing (empty,
	// or cut short by a full disk on a write): then no frame is pulled. With several
	// viewers, a frame is pulled once every one of them has it.
	Confirmations confirmed = confirmations(now, clockKnown ? policy.forgetViewerAfter : std::chrono::seconds(0));
	for (const std::string &viewer : confirmed.forgotten)
		if (forgottenViewers_.insert(viewer).second)
			log_->warn("no longer keeping frames for a viewer that confirmed nothing for {} file={}",
				   formatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(policy.forgetViewerAfter)),
				   viewer);
	if (confirmed.pullRuns) {
		std::vector<std::string> whole;
		for (const auto &[day, token] : outOfOrder_->days())
			if (wholeEverywhere(confirmed, day))
				whole.push_back(day);
		for (const std::string &day : whole)
			outOfOrder_->retire(day);
	}
	return confirmed;
}

bool Store::wholeEverywhere(const Confirmations &confirmed, const std::string &day) const
{
	// A frame of a day marked out of order may lie behind a watermark that never passed it:
	// it is pulled only once every viewer confirms that day whole, with its current token.
	if (!outOfOrder_->marked(day))
		return true;
	const std::string *token = outOfOrder_->token(day);
	auto it = confirmed.wholeDays.find(day);
	return token && it != confirmed.wholeDays.end() && it->second.count(*token) > 0;
}

void Store::ageOut(std::int64_t cutoff, const std::function<bool(const StoredFrame &)> &pulled,
		   const std::optional<FrameId> &watermark, const std::optional<FrameId> &keep, RetentionResult &result)
{
	// With pull running only frames every viewer has age out; the others stay until a space
	// limit needs their room. Frames of a marked day not yet confirmed are passed over; the
	// first frame past the watermark ends the pass.
	for (auto it = frames_.begin(); it != frames_.end() && it->id.seconds < cutoff;) {
		if (std::next(it) == frames_.end() || (keep && it->id == *keep)) {
			++it;
			continue;
		}
		if (!pulled(*it)) {
			if (!warnedAgeKept_)
				log_->warn("keeping frames older than max_age that pull has not confirmed yet "
					   "pulled={} oldest={}",
					   watermark ? watermark->stem() : "nothing", it->id.stem());
			warnedAgeKept_ = true;
			if (outOfOrder_->marked(it->id.dayPath())) {
				++it;
				continue;
			}
			break;
		}
		result.freedBytes += it->bytes;
		it = removeAt(it);
		++result.deleted;
	}
}

void Store::keepWithinSpace(const RetentionPolicy &policy, std::uint64_t reserve,
			    const std::function<bool(const StoredFrame &)> &pulled, const std::optional<FrameId> &keep,
			    RetentionResult &result)
{
	if (policy.maxBytes > 0) {
		std::uint64_t blocks = 0;
		const auto smallEnough = [&] { return totalBytes_ <= policy.maxBytes; };
		makeRoom(pulled, smallEnough, keep, result, blocks);
	}
	if (policy.minFreeBytes == 0 && policy.minFreePercent <= 0 && reserve == 0)
		return;
	DiskSpace space = diskSpace();
	std::uint64_t wanted = std::max<std::uint64_t>(
		policy.minFreeBytes, static_cast<std::uint64_t>(policy.minFreePercent / 100.0 * static_cast<double>(space.total)));
	// The frame's blocks, rounded up, and one for the folder it may create.
	if (reserve > 0)
		wanted += (reserve + 4095) / 4096 * 4096 + 4096;
	if (space.available < wanted) {
		// A deleted file returns its allocated blocks: counted in 4 KiB.
		const std::uint64_t need = wanted - space.available;
		std::uint64_t blocks = 0;
		const auto roomEnough = [&] { return blocks >= need; };
		makeRoom(pulled, roomEnough, keep, result, blocks);
		space = diskSpace();
		result.spaceStillLow = space.available < wanted;
	}
}

RetentionResult Store::applyRetention(const RetentionPolicy &policy, Clock::WallTime now, std::uint64_t reserve,
				      ClockTrust trust)
{
	RetentionResult result;
	outOfOrder_->retryPending();
	if (frames_.size() <= 1)
		return result;
	// A clock known to be wrong says nothing about ages: no frame ages out, no viewer is
	// forgotten (its file would look decades old, or from the future).
	const bool clockKnown = trust != ClockTrust::Unsynchronized;
	const Confirmations confirmed = confirmedForRetention(policy, now, clockKnown);
	const std::optional<FrameId> &watermark = confirmed.watermark;
	auto isPulled = [&](const StoredFrame &f) {
		return !confirmed.pullRuns || (watermark && f.id <= *watermark && wholeEverywhere(confirmed, f.id.dayPath()));
	};
	const std::optional<FrameId> keep = latest();
	if (clockKnown && policy.maxAge.count() > 0)
		ageOut(toSeconds(now) - policy.maxAge.count(), isPulled, watermark, keep, result);
	keepWithinSpace(policy, reserve, isPulled, keep, result);
	if (result.deletedUnpulled)
		log_->warn("retention deleted frames pull had not fetched yet count={} pulled={}", result.deletedUnpulled,
			   watermark ? watermark->stem() : "none");
	if (result.deleted)
		log_->debug("retention deleted={} freed={} frames={} bytes={}", result.deleted,
			    formatBytes(result.freedBytes), frames_.size(), totalBytes_);
	return result;
}

} // namespace lingercam::common
