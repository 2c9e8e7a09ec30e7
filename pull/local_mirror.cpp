// SPDX-License-Identifier: BSD-2-Clause
// The local copy of one camera's store (see local_mirror.h).
#include "local_mirror.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/logging.h"
#include "common/store_layout.h"
#include "memory_budget.h"

namespace lingercam::pull {

using common::FrameId;
using common::partName;
using common::SystemError;
using common::throwErrnoIf;
using common::UniqueFd;

namespace {

constexpr const char *kSourceXattr = "user.lingercam.remote";

std::string remoteIdentity(const PlannedFrame &f)
{
	return std::to_string(f.size) + ":" + std::to_string(f.mtime);
}

bool readExact(int fd, std::uint8_t *buf, std::size_t n, off_t offset)
{
	ssize_t got = ::pread(fd, buf, n, offset);
	return got == static_cast<ssize_t>(n);
}

} // namespace

LocalMirror::LocalMirror(std::filesystem::path root, unsigned commitThreads, MemoryBudget *budget)
	: root_(std::move(root)), budget_(budget), log_(common::logger("pull"))
{
	std::error_code ec;
	std::filesystem::create_directories(root_, ec);
	if (ec)
		throw SystemError("create local store " + root_.string(), ec.value());
	rootFd_ = common::openDir(AT_FDCWD, root_.string());
	for (unsigned i = 0; i < std::max(1u, commitThreads); ++i)
		workers_.emplace_back([this](std::stop_token stop) { commitWorker(stop); });
}

LocalMirror::~LocalMirror()
{
	{
		std::lock_guard lock(mutex_);
		for (auto &w : workers_)
			w.request_stop();
	}
	cv_.notify_all();
	workers_.clear(); // joins; queued commits finish first
}

void LocalMirror::commitWorker(std::stop_token stop)
{
	for (;;) {
		std::function<void()> task;
		{
			std::unique_lock lock(mutex_);
			cv_.wait(lock, [&] { return stop.stop_requested() || !queue_.empty(); });
			if (queue_.empty())
				return;
			task = std::move(queue_.front());
			queue_.pop_front();
			++busy_;
		}
		try {
			task();
		} catch (...) {
			std::lock_guard lock(mutex_);
			if (!failure_)
				failure_ = std::current_exception();
		}
		{
			std::lock_guard lock(mutex_);
			--busy_;
		}
		idle_.notify_all();
		drained_.notify_all();
	}
}

std::optional<FrameId> LocalMirror::watermark() const
{
	const auto file = common::readConfirmation(rootFd_.get(), common::kPulledName);
	if (!file)
		return std::nullopt;
	if (!file->watermark)
		log_->warn("ignoring an unreadable watermark file={}/{}", root_.string(), common::kPulledName);
	return file->watermark;
}

void LocalMirror::setWatermark(const FrameId &id)
{
	common::writeConfirmation(rootFd_.get(), common::kPulledName, id, {}, root_.string() + "/" + common::kPulledName);
}

std::optional<FrameId> LocalMirror::latest() const
{
	return common::readLatest(rootFd_.get());
}

void LocalMirror::setLatest(const FrameId &id)
{
	common::writeLatest(rootFd_.get(), id, root_.string());
}

LocalMirror::DayState LocalMirror::day(const std::string &dayPath) const
{
	const common::DayFolder folder = common::readDayAt(rootFd_.get(), dayPath);
	return { { folder.frames.begin(), folder.frames.end() }, { folder.parts.begin(), folder.parts.end() } };
}

bool LocalMirror::hasFrame(const FrameId &id) const
{
	struct stat st;
	return ::fstatat(rootFd_.get(), id.relativePath().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

std::uint64_t LocalMirror::resumeOffset(const PlannedFrame &frame) const
{
	const std::string path = frame.id.dayPath() + "/" + partName(frame.id);
	UniqueFd fd(::openat(rootFd_.get(), path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
	if (!fd)
		return 0;
	char buf[64];
	ssize_t n = ::fgetxattr(fd.get(), kSourceXattr, buf, sizeof(buf));
	struct stat st;
	if (n <= 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (std::string_view(buf, static_cast<std::size_t>(n)) != remoteIdentity(frame))
		return 0; // the remote file is not the one this part was started from
	return std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), frame.size);
}

int LocalMirror::dayFolder(const std::string &dayPath)
{
	std::lock_guard lock(daysMutex_);
	auto it = days_.find(dayPath);
	if (it != days_.end())
		return it->second.get();
	UniqueFd fd = common::makeDirs(rootFd_.get(), dayPath);
	int raw = fd.get();
	days_.emplace(dayPath, std::move(fd));
	return raw;
}

std::unique_ptr<PartFile> LocalMirror::openPart(const PlannedFrame &frame, std::uint64_t offset)
{
	auto part = std::make_unique<PartFile>();
	part->frame = frame;
	part->dayFd = dayFolder(frame.id.dayPath());
	const std::string name = partName(frame.id);
	int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (offset == 0 ? O_TRUNC : 0);
	part->fd = UniqueFd(::openat(part->dayFd, name.c_str(), flags, 0644));
	throwErrnoIf(!part->fd, "create " + frame.id.dayPath() + "/" + name);
	if (offset == 0) {
		const std::string identity = remoteIdentity(frame);
		// Without xattr support (some tmpfs) an interrupted frame restarts instead of resuming.
		::fsetxattr(part->fd.get(), kSourceXattr, identity.data(), identity.size(), 0);
	} else {
		throwErrnoIf(::ftruncate(part->fd.get(), static_cast<off_t>(offset)) != 0, "truncate " + name);
	}
	part->written = offset;
	return part;
}

void LocalMirror::write(PartFile &part, std::uint64_t offset, std::span<const std::uint8_t> bytes)
{
	const std::uint8_t *p = bytes.data();
	std::size_t left = bytes.size();
	off_t at = static_cast<off_t>(offset);
	while (left > 0) {
		ssize_t n = ::pwrite(part.fd.get(), p, left, at);
		if (n < 0 && errno == EINTR)
			continue;
		throwErrnoIf(n < 0, "write " + part.frame.id.dayPath() + "/" + partName(part.frame.id));
		p += n;
		at += n;
		left -= static_cast<std::size_t>(n);
	}
	part.written = std::max<std::uint64_t>(part.written, offset + bytes.size());
}

std::optional<std::string> LocalMirror::check(PartFile &part)
{
	const FrameId id = part.frame.id;
	struct stat st;
	throwErrnoIf(::fstat(part.fd.get(), &st) != 0, "stat " + id.dayPath() + "/" + partName(id));
	std::optional<std::string> problem;
	std::uint8_t head[2] = {}, tail[2] = {};
	if (static_cast<std::uint64_t>(st.st_size) != part.frame.size)
		problem = "size " + std::to_string(st.st_size) + " differs from the listed " + std::to_string(part.frame.size);
	else if (st.st_size < 4 || !readExact(part.fd.get(), head, 2, 0) || !readExact(part.fd.get(), tail, 2, st.st_size - 2))
		problem = "too short to be a JPEG";
	else if (head[0] != 0xFF || head[1] != 0xD8)
		problem = "no JPEG start marker (SOI)";
	else if (tail[0] != 0xFF || tail[1] != 0xD9)
		problem = "no JPEG end marker (EOI): truncated";
	if (problem)
		::unlinkat(part.dayFd, partName(id).c_str(), 0);
	return problem;
}

namespace {

/// mtime = the frame's time, fsync, rename into place (on a commit thread).
void finishPart(PartFile &part)
{
	const FrameId &frame = part.frame.id;
	const struct timespec times[2] = { { frame.seconds, 0 }, { frame.seconds, 0 } };
	throwErrnoIf(::futimens(part.fd.get(), times) != 0, "set mtime of " + frame.relativePath());
	throwErrnoIf(::fsync(part.fd.get()) != 0, "fsync " + frame.relativePath());
	part.fd.reset();
	throwErrnoIf(::renameat(part.dayFd, partName(frame).c_str(), part.dayFd, frame.fileName().c_str()) != 0,
		     "rename into place " + frame.relativePath());
}

} // namespace

/// A queued commit that ends one way or the other: finished() reports it, and a failure
/// (an exception) stops counting it, so that committing() never waits for it.
class LocalMirror::CountedCommit {
public:
	explicit CountedCommit(LocalMirror &mirror) : mirror_(mirror) {}
	~CountedCommit()
	{
		if (!reported_) {
			std::lock_guard lock(mirror_.mutex_);
			--mirror_.queuedCommits_;
		}
	}
	CountedCommit(const CountedCommit &) = delete;
	CountedCommit &operator=(const CountedCommit &) = delete;
	void finished(const FrameId &id, int dayFd, std::optional<std::string> refused)
	{
		mirror_.finished(id, dayFd, std::move(refused));
		reported_ = true;
	}

private:
	LocalMirror &mirror_;
	bool reported_ = false;
};

void LocalMirror::enqueue(std::function<void()> task, std::uint64_t bytes)
{
	{
		std::unique_lock lock(mutex_);
		// Backpressure: a disk slower than the network must not fill memory. With the
		// daemon's budget, the frames queued by every source share it; a mirror with nothing
		// queued always gets room for one.
		if (budget_) {
			while (!budget_->tryTake(bytes)) {
				if (queuedBytes_ == 0) {
					budget_->take(bytes);
					break;
				}
				lock.unlock();
				budget_->waitForRoom(std::chrono::milliseconds(10));
				lock.lock();
			}
		} else {
			drained_.wait(lock, [&] { return queuedBytes_ == 0 || queuedBytes_ + bytes <= kQueueBytes; });
		}
		queuedBytes_ += bytes;
		queue_.push_back([this, task = std::move(task), bytes] {
			auto release = [&] {
				std::lock_guard inner(mutex_);
				queuedBytes_ -= bytes;
				if (budget_)
					budget_->give(bytes);
			};
			try {
				task();
			} catch (...) {
				release();
				throw;
			}
			release();
		});
	}
	cv_.notify_one();
}

std::optional<std::string> LocalMirror::commit(std::unique_ptr<PartFile> part)
{
	if (auto problem = check(*part))
		return problem;
	std::shared_ptr<PartFile> shared(std::move(part));
	{
		std::lock_guard lock(mutex_);
		++queuedCommits_;
	}
	enqueue(
		[this, shared] {
			CountedCommit counted(*this);
			finishPart(*shared);
			counted.finished(shared->frame.id, shared->dayFd, std::nullopt);
		},
		0);
	return std::nullopt;
}

void LocalMirror::commitData(const PlannedFrame &frame, std::uint64_t offset, std::vector<std::uint8_t> data)
{
	const std::uint64_t bytes = data.size();
	auto shared = std::make_shared<std::vector<std::uint8_t>>(std::move(data));
	{
		std::lock_guard lock(mutex_);
		++queuedCommits_;
	}
	enqueue(
		[this, frame, offset, shared] {
			CountedCommit counted(*this);
			std::unique_ptr<PartFile> part = openPart(frame, offset);
			write(*part, offset, *shared);
			if (auto problem = check(*part))
				return counted.finished(frame.id, -1, std::move(problem));
			finishPart(*part);
			counted.finished(frame.id, part->dayFd, std::nullopt);
		},
		bytes);
}

void LocalMirror::finished(const FrameId &id, int dayFd, std::optional<std::string> refused)
{
	// The folder is marked after the rename, so that the collect() reporting this frame
	// syncs it.
	std::lock_guard lock(mutex_);
	if (dayFd >= 0)
		dirtyDays_.insert(dayFd);
	finished_.push_back({ id, std::move(refused) });
}

void LocalMirror::savePart(const PlannedFrame &frame, std::uint64_t offset, std::span<const std::uint8_t> data)
{
	std::unique_ptr<PartFile> part = openPart(frame, offset);
	write(*part, offset, data);
}

void LocalMirror::discardPart(const FrameId &id)
{
	const std::string path = id.dayPath() + "/" + partName(id);
	::unlinkat(rootFd_.get(), path.c_str(), 0);
}

std::vector<Commit> LocalMirror::collect()
{
	std::set<int> dirty;
	std::vector<Commit> done;
	std::exception_ptr failure;
	{
		std::lock_guard lock(mutex_);
		failure = std::exchange(failure_, nullptr);
		done.swap(finished_);
		dirty.swap(dirtyDays_);
		queuedCommits_ -= done.size();
	}
	if (failure) {
		// The frames renamed before the failure stay, durable: a later round finds them.
		for (int fd : dirty)
			::fsync(fd);
		std::rethrow_exception(failure);
	}
	for (int fd : dirty)
		common::fsyncDir(fd, "day folder in " + root_.string());
	return done;
}

std::vector<Commit> LocalMirror::flush()
{
	{
		std::unique_lock lock(mutex_);
		idle_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
	}
	return collect();
}

std::size_t LocalMirror::committing() const
{
	std::lock_guard lock(mutex_);
	return queuedCommits_;
}

std::pair<std::uint64_t, std::uint64_t> LocalMirror::diskSpace() const
{
	struct statvfs st {};
	if (::fstatvfs(rootFd_.get(), &st) != 0)
		throw common::SystemError("statvfs " + root_.string(), errno);
	return { static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize, static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize };
}

} // namespace lingercam::pull
