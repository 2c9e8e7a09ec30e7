// SPDX-License-Identifier: BSD-2-Clause
// What a round fetches: the newest frame first, then every frame newer than the watermark.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/store_layout.h"

namespace lingercam::pull {

class RemoteStore;

/// A frame the remote store has, as its listing described it.
struct PlannedFrame {
	common::FrameId id;
	std::uint64_t size = 0;
	std::int64_t mtime = 0;
};

/// Decides what a round fetches: the newest frame through latest.jpg, then every frame
/// newer than the watermark. The cost follows what was missed, never the size of the store,
/// and no request waits for another that it does not need:
/// - The day folders that can hold newer frames are known from the watermark's day, today
///   and latest.jpg's day; they are listed at once, many folders in flight together. The
///   year and month folders are listed only when those cannot say (no watermark, no
///   readable latest.jpg, or a range too long to guess).
/// - latest.jpg's day, today and yesterday are listed ahead of their turn, so their frames
///   can flow while the rest of the plan comes in.
/// Everything outside the layout is refused through the handler and never fetched. Requests
/// are asynchronous (RemoteStore): the callbacks run from the store's pump().
class SyncPlanner {
public:
	/// \a path is the camera host's, raw: the handler escapes it before logging it.
	using RefusalHandler = std::function<void(const std::string &path, const std::string &reason)>;
	/// A day's frames newer than the watermark, oldest first (empty for a missing folder).
	using DayHandler = std::function<void(const std::string &dayPath, std::vector<PlannedFrame> frames)>;

	/// At most this many days are guessed from the dates; a longer range is found by listing.
	static constexpr int kMaxGuessedDays = 62;
	/// Folders listed at once (a hostile host's listings hold memory while they run).
	static constexpr std::size_t kListsInFlight = 16;

	SyncPlanner(RemoteStore &remote, std::uint64_t maxFileSize, RefusalHandler onRefuse);

	/// Reads latest.jpg. \a linked runs as soon as the link is read, with the frame it names
	/// when that is a valid name (its folders and the file are being checked then), and
	/// \a checked when the checks are in (nullopt: refused, or gone meanwhile).
	void findNewest(std::function<void(const std::optional<common::FrameId> &)> linked,
			std::function<void(std::optional<PlannedFrame>)> checked);

	/// Starts planning every frame newer than \a watermark (all when none). \a today is the
	/// viewer's UTC day ("YYYY/MM/DD"). Days are guessed only once setNewestDay() was called.
	void startBackfill(const std::optional<common::FrameId> &watermark, const std::string &today, DayHandler onDay);
	/// The day of latest.jpg's frame, or nullopt when latest.jpg gives none: that day is
	/// listed at once, and the range of days to guess is settled.
	void setNewestDay(const std::optional<std::string> &dayPath);
	/// Lists the camera's ".out-of-order" folder (common::OutOfOrderDays): each day it names is
	/// listed in full, whatever the watermark, as its frames may lie behind it. \a found gets
	/// the days accepted (at most kMaxOutOfOrderDays; an empty list when there is no folder).
	void findOutOfOrderDays(std::function<void(std::vector<common::OutOfOrderDay>)> found);
	/// At most this many out-of-order days are taken from one listing (a hostile host's
	/// listing costs the rest of the round nothing).
	static constexpr std::size_t kMaxOutOfOrderDays = 400;
	/// \a dayPath was listed in full (an out-of-order day) and its frames planned.
	bool listedInFull(const std::string &dayPath) const;
	/// The camera marked \a dayPath out of order (known once findOutOfOrderDays() answered).
	bool markedOutOfOrder(const std::string &dayPath) const { return fullDays_.count(dayPath) > 0; }

	/// Starts more day listings while fewer than kMaxFramesAhead frames are \a planned and
	/// not yet fetched (a bound on memory for a long backlog).
	void poll(std::size_t planned);
	/// Every day folder that can hold newer frames has been listed.
	bool complete() const;
	/// Every day up to and including this one has been listed, and no other day before it
	/// can hold newer frames: the watermark may pass frames of these days only.
	std::optional<std::string> listedThrough() const;

	/// Folders listed so far (root, years, months, days).
	std::size_t foldersListed() const { return foldersListed_; }

	// Blocking forms (they pump the store until the answer is in).
	std::optional<PlannedFrame> newest();
	std::vector<PlannedFrame> backfill(const std::optional<common::FrameId> &watermark, const std::string &today = "",
					   const std::optional<std::string> &newestDay = std::nullopt);

	/// Most frames planned ahead of the fetch.
	static constexpr std::size_t kMaxFramesAhead = 20000;

private:
	enum class DayState { Waiting, Listing, Listed };

	void discover(const std::string &path, int level);
	void listFolder(const std::string &path, int level);
	void addDay(const std::string &dayPath);
	void listDay(const std::string &dayPath);
	void mergeDuplicates(const std::string &dayPath, std::vector<PlannedFrame> &frames);

	RemoteStore &remote_;
	std::uint64_t maxFileSize_;
	RefusalHandler onRefuse_;
	DayHandler onDay_;
	std::optional<common::FrameId> watermark_;
	std::string wDay_;   ///< the watermark's day, "" without one
	std::string today_;
	bool started_ = false;
	bool daysKnown_ = false;   ///< every day that can hold newer frames is in days_
	std::size_t discovering_ = 0; ///< root, year and month listings in flight
	std::deque<std::pair<std::string, int>> toDiscover_; ///< and waiting to start
	std::map<std::string, DayState> days_;
	std::set<std::string> waiting_; ///< days not listed yet
	std::size_t listing_ = 0;  ///< day listings in flight
	std::set<std::string> fullDays_; ///< out-of-order days: every frame is planned
	std::set<std::string> relist_;   ///< out-of-order days whose listing was in flight at the mark
	bool outOfOrderPending_ = false; ///< the ".out-of-order" listing is in flight
	std::size_t foldersListed_ = 0;
};

} // namespace lingercam::pull
