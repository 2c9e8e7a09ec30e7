// SPDX-License-Identifier: BSD-2-Clause
// The local copy of one camera's store: frames committed whole, latest.jpg, the watermark.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/fs_util.h"
#include "common/store_layout.h"
#include "sync_planner.h"

namespace spdlog {
class logger;
}

namespace lingercam::pull {

class MemoryBudget;

/// A frame a commit thread finished: renamed into place and its folder synced, or refused
/// (size or JPEG markers wrong; its ".part" is gone then).
struct Commit {
	common::FrameId id;
	std::optional<std::string> refused;
};

/// A frame being written: ".<name>.part" in its day folder.
struct PartFile {
	PlannedFrame frame;
	common::UniqueFd fd;
	int dayFd = -1;            ///< owned by the mirror's folder cache
	std::uint64_t written = 0; ///< bytes in the file (resumed ones included)
};

/// The local copy of one camera's store, in the same layout (docs/design.md): frames appear only
/// complete (".<name>.part", size and JPEG markers checked, fsync, mtime set to the frame
/// time, rename), latest.jpg is a relative symlink replaced atomically, and ".pulled" holds
/// the watermark: the newest frame with nothing missing before it.
///
/// fsync costs about 3 ms a file on the disks measured, more than the transfer itself, so
/// commits run on a few threads of their own (concurrent fsyncs share journal commits);
/// collect() reports the finished ones, with their folders synced, without waiting, and
/// flush() waits for all of them: only then may anything point at the frames.
/// Small frames arrive whole in memory (commitData): the commit threads also create and
/// write their files, so the thread reading the network does nothing but read it.
class LocalMirror {
public:
	/// Frames queued for their commit draw on \a budget (the daemon's, shared by every
	/// source); without one, each mirror queues at most kQueueBytes.
	explicit LocalMirror(std::filesystem::path root, unsigned commitThreads = 8, MemoryBudget *budget = nullptr);
	static constexpr std::uint64_t kQueueBytes = 64u << 20;
	~LocalMirror();
	LocalMirror(const LocalMirror &) = delete;
	LocalMirror &operator=(const LocalMirror &) = delete;

	const std::filesystem::path &root() const { return root_; }

	std::optional<common::FrameId> watermark() const;
	/// Writes ".pulled" atomically. Call after flush().
	void setWatermark(const common::FrameId &id);
	std::optional<common::FrameId> latest() const;
	/// Points latest.jpg at \a id. Call after flush().
	void setLatest(const common::FrameId &id);

	/// Complete frames and partial files in a day folder.
	struct DayState {
		std::set<common::FrameId> frames;
		std::set<common::FrameId> parts;
	};
	DayState day(const std::string &dayPath) const;
	bool hasFrame(const common::FrameId &id) const;

	/// Where a fetch of \a frame can start: the length of its ".part" when that was started
	/// from the same remote file (same size and mtime, recorded in an xattr), else 0.
	std::uint64_t resumeOffset(const PlannedFrame &frame) const;
	/// Opens (creating the day folder if needed) the frame's ".part" to continue at \a offset.
	std::unique_ptr<PartFile> openPart(const PlannedFrame &frame, std::uint64_t offset);
	void write(PartFile &part, std::uint64_t offset, std::span<const std::uint8_t> bytes);
	/// Checks size and JPEG SOI/EOI markers now; queues fsync and rename (collect() reports
	/// it done). Returns why the frame was refused (its ".part" is deleted then), or nullopt.
	std::optional<std::string> commit(std::unique_ptr<PartFile> part);
	/// Queues a frame held whole in memory (\a data continues a part of \a offset bytes):
	/// a commit thread writes its ".part", checks, fsyncs and renames it. Waits while more
	/// than 64 MiB are queued.
	void commitData(const PlannedFrame &frame, std::uint64_t offset, std::vector<std::uint8_t> data);
	/// Writes what arrived of an interrupted frame as its ".part", for a later resume.
	void savePart(const PlannedFrame &frame, std::uint64_t offset, std::span<const std::uint8_t> data);
	/// Deletes the frame's ".part".
	void discardPart(const common::FrameId &id);
	/// The commits finished since the last call, after an fsync of the folders they renamed
	/// into; never waits for the others. Rethrows the first failure (common::SystemError).
	std::vector<Commit> collect();
	/// Waits for every queued commit, then collect().
	std::vector<Commit> flush();
	/// Commits queued and not yet collected.
	std::size_t committing() const;
	/// Free space for this user, and the size, of the mirror's file system.
	std::pair<std::uint64_t, std::uint64_t> diskSpace() const;

private:
	int dayFolder(const std::string &dayPath);
	std::optional<std::string> check(PartFile &part);
	class CountedCommit;
	void enqueue(std::function<void()> task, std::uint64_t bytes);
	void finished(const common::FrameId &id, int dayFd, std::optional<std::string> refused);
	void commitWorker(std::stop_token stop);

	std::filesystem::path root_;
	MemoryBudget *budget_;
	common::UniqueFd rootFd_;
	std::mutex daysMutex_;
	std::map<std::string, common::UniqueFd> days_; ///< folders opened this round
	std::set<int> dirtyDays_;
	std::vector<Commit> finished_;
	std::size_t queuedCommits_ = 0;
	std::uint64_t queuedBytes_ = 0;
	std::condition_variable drained_;
	std::shared_ptr<spdlog::logger> log_;

	mutable std::mutex mutex_;
	std::condition_variable cv_;
	std::condition_variable idle_;
	std::deque<std::function<void()>> queue_;
	std::size_t busy_ = 0;
	std::exception_ptr failure_;
	std::vector<std::jthread> workers_;
};

} // namespace lingercam::pull
