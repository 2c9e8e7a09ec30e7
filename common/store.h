// SPDX-License-Identifier: BSD-2-Clause
// The camera host's frame store: atomic publish, latest.jpg, scans and retention.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clock.h"
#include "fs_util.h"
#include "out_of_order_days.h"
#include "store_layout.h"

namespace spdlog {
class logger;
}

namespace lingercam::common {

/// What timedate1 says of the clock that names a frame.
enum class ClockTrust {
	Synchronized,   ///< NTPSynchronized: yes
	Unknown,        ///< nobody answered: the clock is taken as it reads
	Unsynchronized, ///< NTPSynchronized: no (or the clock reads before kClockFloor): "-unsynced"
};

/// A synchronized clock has frames ahead of it by more than this only if they were named by
/// a wrong one: they do not count as the store's newest when deciding what is out of order.
inline constexpr std::chrono::seconds kFutureSlack{ 300 };

/// A clock that reads earlier than this is wrong whatever timedate1 says (a Pi without a
/// real-time clock starts in 1970 or at systemd's build date): 2026-01-01T00:00:00Z. A
/// confirmation file stamped earlier was written while the camera's clock was wrong.
inline constexpr std::chrono::seconds kClockFloor{ 1767225600 };

/// When retention deletes frames. Zero disables a limit.
struct RetentionPolicy {
	std::uint64_t maxBytes = 0;        ///< frames' total size
	std::uint64_t minFreeBytes = 0;    ///< free space to keep on the store's file system
	double minFreePercent = 0;         ///< same, as a percentage of the file system
	std::chrono::seconds maxAge{ 0 };  ///< frames older than this (pulled ones only, if pull runs)
	/// A viewer whose confirmation file has not changed for this long is no longer waited
	/// for (0: never forgotten).
	std::chrono::seconds forgetViewerAfter{ 30 * 86400 };
};

/// What the viewers of a store have confirmed.
struct Confirmations {
	/// At least one viewer confirms (its file exists and changed within forgetViewerAfter),
	/// even if it confirms nothing yet (an empty or unreadable file).
	bool pullRuns = false;
	/// What every such viewer holds: the earliest of their times; none if one of them
	/// confirms nothing.
	std::optional<FrameId> watermark;
	std::vector<std::string> viewers;   ///< file names of the viewers waited for
	std::vector<std::string> forgotten; ///< those not changed within forgetViewerAfter
	/// Out-of-order days (".out-of-order/") that every such viewer confirms it holds whole:
	/// day path -> the tokens all of them confirmed.
	std::map<std::string, std::set<std::string>> wholeDays;
};

struct DiskSpace {
	std::uint64_t available = 0; ///< bytes an unprivileged writer may still use
	std::uint64_t total = 0;
};

struct RetentionResult {
	std::size_t deleted = 0;
	std::uint64_t freedBytes = 0;
	std::size_t deletedUnpulled = 0; ///< frames pull had not confirmed (space limits only)
	bool spaceStillLow = false;       ///< free space is below the minimum even with one frame left
};

struct StoredFrame {
	FrameId id;
	std::uint64_t bytes = 0;
};

/// The timestamped frame store: layout, atomic publication, latest.jpg and retention.
///
/// Keeps an in-memory index of every frame (16 bytes each: a year of per-minute frames
/// is 8 MiB), built by one scan at start, so publishing and retention cost work in
/// proportion to what they add or delete, never to the store's size.
class Store {
public:
	using DiskSpaceProbe = std::function<DiskSpace(int dirFd)>;
	/// Called after each day folder of the start-up scan with the frames indexed so far
	/// (a year is 365 calls), e.g. to tell systemd that start-up is still progressing.
	using ScanProgress = std::function<void(std::size_t framesSoFar)>;

	/// Opens (creating if needed) the store at \a root, indexes its frames and removes
	/// work-in-progress files a crash left behind. Throws SystemError.
	explicit Store(std::filesystem::path root, DiskSpaceProbe probe = {}, const ScanProgress &progress = {});

	/// Publishes one complete JPEG for \a time: temp file, fsync, rename (never over an
	/// existing frame: a second frame in the same second gets a -N suffix), folder fsync,
	/// then latest.jpg. Returns the frame's id.
	///
	/// With \a trust Unsynchronized the name is marked "-unsynced". Such a frame, and one
	/// older than the store's newest (a clock that stepped back), may lie behind a viewer's
	/// watermark: its day is marked out of order first (OutOfOrderDays), so viewers list the
	/// day in full. The store's newest is taken among frames not more than kFutureSlack ahead
	/// of a Synchronized clock, so that frames named by a clock that ran ahead do not make
	/// every later frame out of order.
	FrameId publish(std::span<const std::uint8_t> jpeg, Clock::WallTime time, ClockTrust trust = ClockTrust::Unknown);

	/// Deletes frames the policy no longer keeps: frames every viewer has first, oldest
	/// first, then (space limits only) the others, oldest first. Never deletes the newest
	/// frame, nor the one latest.jpg points at.
	/// \a reserve: room wanted beyond min_free for a frame about to be written (deleting the
	/// oldest frames for it even when min_free is off), so a full disk never stops capture.
	/// With \a trust Unsynchronized, \a now is known to be wrong: nothing ages out, and no
	/// viewer is forgotten.
	RetentionResult applyRetention(const RetentionPolicy &policy, Clock::WallTime now, std::uint64_t reserve = 0,
				       ClockTrust trust = ClockTrust::Unknown);

	/// The frame latest.jpg points at (one readlink), if any.
	std::optional<FrameId> latest() const;
	/// What every viewer holds (see Confirmations), from the confirmation files in the
	/// store's root. A viewer whose file has not changed since before \a now minus
	/// \a forgetAfter (if not 0) is not waited for.
	Confirmations confirmations(Clock::WallTime now, std::chrono::seconds forgetAfter) const;
	/// The same, every viewer counted: the time they all confirmed, if any. \a exists (if
	/// given) says whether any confirmation file is there at all: an empty or unreadable
	/// one still says that pull runs, and has confirmed nothing.
	std::optional<FrameId> pulledWatermark(bool *exists = nullptr) const;

	std::filesystem::path root() const { return root_; }
	std::filesystem::path pathOf(const FrameId &id) const { return root_ / id.relativePath(); }
	std::size_t frameCount() const { return frames_.size(); }
	std::uint64_t totalBytes() const { return totalBytes_; }
	const std::deque<StoredFrame> &frames() const { return frames_; }
	DiskSpace diskSpace() const;
	/// Work-in-progress files removed by the start-up scan.
	std::size_t leftoversRemoved() const { return leftoversRemoved_; }
	/// Frames in the store whose names are marked "-unsynced".
	std::size_t unsyncedCount() const { return unsyncedCount_; }
	/// The days marked out of order.
	const OutOfOrderDays &outOfOrderDays() const { return *outOfOrder_; }

private:
	/// Indexes every frame below \a rootFd, removing work-in-progress files.
	static std::deque<StoredFrame> scan(int rootFd, std::size_t *leftovers, spdlog::logger *log,
					    const ScanProgress &progress);

	void removeFrame(const StoredFrame &frame);
	/// Whether a frame for \a id, named by a clock of \a trust, may lie behind a viewer's
	/// watermark (see publish()).
	bool outOfOrder(const FrameId &id, ClockTrust trust) const;
	/// Deletes the frame at \a it (and its day's folders once empty); the next one.
	std::deque<StoredFrame>::iterator removeAt(std::deque<StoredFrame>::iterator it);
	/// Deletes frames, those \a pulled says every viewer has first, each oldest first, until
	/// \a enough; never the newest nor \a keep. Counts them in \a result, and the 4 KiB
	/// blocks they held in \a blocksFreed.
	void makeRoom(const std::function<bool(const StoredFrame &)> &pulled, const std::function<bool()> &enough,
		      const std::optional<FrameId> &keep, RetentionResult &result, std::uint64_t &blocksFreed);
	/// What the viewers confirm, as retention counts it (\a clockKnown false: no viewer is
	/// forgotten): forgotten viewers are said once, and the out-of-order days every viewer
	/// holds whole are retired.
	Confirmations confirmedForRetention(const RetentionPolicy &policy, Clock::WallTime now, bool clockKnown);
	/// \a day is not marked out of order, or every viewer confirms it whole with its token.
	bool wholeEverywhere(const Confirmations &confirmed, const std::string &day) const;
	/// Deletes frames named before \a cutoff that \a pulled says every viewer has (see
	/// applyRetention()); never the newest nor \a keep.
	void ageOut(std::int64_t cutoff, const std::function<bool(const StoredFrame &)> &pulled,
		    const std::optional<FrameId> &watermark, const std::optional<FrameId> &keep, RetentionResult &result);
	/// Deletes frames until max_bytes and min_free (plus \a reserve) hold, if they can.
	void keepWithinSpace(const RetentionPolicy &policy, std::uint64_t reserve,
			     const std::function<bool(const StoredFrame &)> &pulled, const std::optional<FrameId> &keep,
			     RetentionResult &result);

	std::filesystem::path root_;
	UniqueFd rootFd_;
	DiskSpaceProbe probe_;
	std::deque<StoredFrame> frames_;
	std::uint64_t totalBytes_ = 0;
	std::size_t leftoversRemoved_ = 0;
	std::size_t unsyncedCount_ = 0;
	std::unique_ptr<OutOfOrderDays> outOfOrder_;
	bool warnedAgeKept_ = false;
	std::set<std::string> forgottenViewers_; ///< said once each
	std::shared_ptr<spdlog::logger> log_;
};

/// statvfs of the folder.
DiskSpace statDiskSpace(int dirFd);

} // namespace lingercam::common
