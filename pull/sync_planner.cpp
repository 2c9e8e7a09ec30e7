// SPDX-License-Identifier: BSD-2-Clause
// What a round fetches, and in which order (see sync_planner.h).
#include "sync_planner.h"

#include <algorithm>
#include <memory>

#include "name_policy.h"
#include "remote_store.h"

namespace lingercam::pull {

using common::FrameId;

namespace {

/// "YYYY/MM/DD" (valid, as dayPath() writes it) as days since the epoch.
std::int64_t dayNumber(const std::string &dayPath)
{
	return common::daysFromCivil(std::stoi(dayPath.substr(0, 4)), static_cast<unsigned>(std::stoi(dayPath.substr(5, 2))),
				     static_cast<unsigned>(std::stoi(dayPath.substr(8, 2))));
}

std::string dayPathOf(std::int64_t day)
{
	return FrameId{ day * 86400, 0 }.dayPath();
}

bool validDay(const std::string &dayPath)
{
	return dayPath.size() == 10 && dayPath[4] == '/' && dayPath[7] == '/' && common::isYearName(dayPath.substr(0, 4)) &&
	       common::isMonthName(dayPath.substr(5, 2)) && common::isDayName(dayPath.substr(8, 2));
}

} // namespace

SyncPlanner::SyncPlanner(RemoteStore &remote, std::uint64_t maxFileSize, RefusalHandler onRefuse)
	: remote_(remote), maxFileSize_(maxFileSize), onRefuse_(std::move(onRefuse))
{
}

void SyncPlanner::findNewest(std::function<void(const std::optional<FrameId> &)> linked,
			     std::function<void(std::optional<PlannedFrame>)> checked)
{
	remote_.requestLink(common::kLatestName, [this, linked = std::move(linked), checked = std::move(checked)](
							 std::optional<std::string> target) {
		if (!target) {
			linked(std::nullopt);
			return checked(std::nullopt);
		}
		std::string reason;
		auto id = checkLatestTarget(*target, reason);
		if (!id) {
			onRefuse_(std::string(common::kLatestName) + " -> " + *target, reason);
			linked(std::nullopt);
			return checked(std::nullopt);
		}
		// Each folder on the way must be a real folder: a year "2026" that is a symlink to /
		// would otherwise lead outside the store.
		const std::string day = id->dayPath();
		std::vector<std::string> paths{ day.substr(0, 4), day.substr(0, 7), day, id->relativePath() };
		remote_.requestLstat(paths, [this, id = *id, target = *target, paths, checked](
						    std::vector<std::optional<RemoteEntry>> entries) {
			for (std::size_t i = 0; i < 3; ++i) {
				if (!entries[i])
					return checked(std::nullopt); // deleted by retention meanwhile
				if (entries[i]->type != EntryType::Directory) {
					onRefuse_(std::string(common::kLatestName) + " -> " + target,
						  "folder " + paths[i] + " is not a real folder");
					return checked(std::nullopt);
				}
			}
			if (!entries[3])
				return checked(std::nullopt);
			RemoteEntry file = *entries[3];
			file.name = id.fileName();
			EntryVerdict verdict = checkDayEntry(id.dayPath(), file, maxFileSize_);
			if (verdict.kind != EntryVerdict::Kind::Accept) {
				onRefuse_(std::string(common::kLatestName) + " -> " + target, verdict.reason);
				return checked(std::nullopt);
			}
			checked(PlannedFrame{ id, file.size, file.mtime });
		});
		linked(*id);
	});
}

void SyncPlanner::startBackfill(const std::optional<FrameId> &watermark, const std::string &today, DayHandler onDay)
{
	started_ = true;
	watermark_ = watermark;
	wDay_ = watermark ? watermark->dayPath() : std::string();
	today_ = validDay(today) ? today : std::string();
	onDay_ = std::move(onDay);
	if (!watermark) {
		discover("", 0);
		// A camera that runs has frames from today and yesterday: list those days now,
		// without waiting for the listings of years and months to name them.
		if (!today_.empty()) {
			addDay(dayPathOf(dayNumber(today_) - 1));
			addDay(today_);
		}
		return;
	}
	// The days up to today can be listed at once; latest.jpg settles the range.
	if (!today_.empty() && today_ >= wDay_ && dayNumber(today_) - dayNumber(wDay_) < kMaxGuessedDays)
		for (std::int64_t d = dayNumber(wDay_); d <= dayNumber(today_); ++d)
			addDay(dayPathOf(d));
}

void SyncPlanner::setNewestDay(const std::optional<std::string> &day)
{
	if (!started_ || (day && !validDay(*day)))
		return;
	if (day)
		addDay(*day);
	if (!watermark_)
		return; // the listing of years and months finds the days
	if (!day) {
		// Without latest.jpg, nothing says how far the store goes.
		discover("", 0);
		return;
	}
	const std::string last = std::max({ *day, today_, wDay_ });
	if (dayNumber(last) - dayNumber(wDay_) >= kMaxGuessedDays) {
		discover("", 0);
		return;
	}
	for (std::int64_t d = dayNumber(wDay_); d <= dayNumber(last); ++d)
		addDay(dayPathOf(d));
	daysKnown_ = true;
}

void SyncPlanner::addDay(const std::string &dayPath)
{
	if (days_.emplace(dayPath, DayState::Waiting).second)
		waiting_.insert(dayPath);
}

void SyncPlanner::listFolder(const std::string &path, int level)
{
	// The watermark's own year, month and day bound each level from below; a folder after
	// it on one level is listed in full below.
	std::string from;
	if (!wDay_.empty()) {
		if (level == 0)
			from = wDay_.substr(0, 4);
		else if (level == 1 && path == wDay_.substr(0, 4))
			from = wDay_.substr(5, 2);
		else if (level == 2 && path == wDay_.substr(0, 7))
			from = wDay_.substr(8, 2);
	}
	++discovering_;
	++foldersListed_;
	remote_.requestList(path, [this, path, level, from](std::optional<std::vector<RemoteEntry>> entries) {
		--discovering_;
		std::vector<std::string> names;
		for (const RemoteEntry &e : entries ? *entries : std::vector<RemoteEntry>{}) {
			EntryVerdict v = checkFolderEntry(static_cast<FolderLevel>(level), e);
			if (v.kind == EntryVerdict::Kind::Refuse)
				onRefuse_((path.empty() ? "" : path + "/") + e.name, v.reason);
			else if (v.kind == EntryVerdict::Kind::Accept && e.name >= from)
				names.push_back(e.name);
		}
		// A folder listed twice is one folder.
		std::sort(names.begin(), names.end());
		names.erase(std::unique(names.begin(), names.end()), names.end());
		for (const std::string &name : names) {
			const std::string child = path.empty() ? name : path + "/" + name;
			if (level == 2)
				addDay(child);
			else
				discover(child, level + 1);
		}
		if (discovering_ == 0 && toDiscover_.empty())
			daysKnown_ = true;
	});
}

void SyncPlanner::discover(const std::string &path, int level)
{
	// Queued: poll() starts it, with the day listings, under one bound of folders in flight.
	toDiscover_.emplace_back(path, level);
}

void SyncPlanner::poll(std::size_t planned)
{
	while (!toDiscover_.empty() && listing_ + discovering_ < kListsInFlight) {
		auto [path, level] = toDiscover_.front();
		toDiscover_.pop_front();
		listFolder(path, level);
	}
	while (!waiting_.empty() && listing_ + discovering_ < kListsInFlight && planned < kMaxFramesAhead) {
		const std::string day = *waiting_.begin();
		waiting_.erase(waiting_.begin());
		listDay(day);
	}
}

void SyncPlanner::listDay(const std::string &dayPath)
{
	days_[dayPath] = DayState::Listing;
	++listing_;
	++foldersListed_;
	// A day reached by its name, not through the listings of its year and month, must still
	// be under real folders only: a year "2026" that is a symlink to / would lead outside the
	// store. The lstats go out with the listing, in the same round trip.
	struct Day {
		std::string path;
		bool foldersOk = true;
		int answers = 2;
		std::optional<std::vector<RemoteEntry>> entries;
	};
	auto day = std::make_shared<Day>();
	day->path = dayPath;
	auto finish = [this, day] {
		if (--day->answers > 0)
			return;
		--listing_;
		days_[day->path] = DayState::Listed;
		// Its listing may have been read before the mark was (the two run side by side): a
		// frame that appeared in between would be missing from a day confirmed whole.
		if (relist_.erase(day->path)) {
			days_[day->path] = DayState::Waiting;
			waiting_.insert(day->path);
		}
		std::vector<PlannedFrame> frames;
		for (const RemoteEntry &e : day->foldersOk && day->entries ? *day->entries : std::vector<RemoteEntry>{}) {
			EntryVerdict v = checkDayEntry(day->path, e, maxFileSize_);
			if (v.kind == EntryVerdict::Kind::Refuse)
				onRefuse_(day->path + "/" + e.name, v.reason);
			else if (v.kind == EntryVerdict::Kind::Accept &&
				 (!watermark_ || *v.frame > *watermark_ || fullDays_.count(day->path)))
				frames.push_back({ *v.frame, e.size, e.mtime });
		}
		std::sort(frames.begin(), frames.end(), [](const PlannedFrame &a, const PlannedFrame &b) { return a.id < b.id; });
		mergeDuplicates(day->path, frames);
		onDay_(day->path, std::move(frames));
	};
	std::vector<std::string> folders{ dayPath.substr(0, 4), dayPath.substr(0, 7), dayPath };
	remote_.requestLstat(folders, [this, day, folders, finish](std::vector<std::optional<RemoteEntry>> entries) {
		for (std::size_t i = 0; i < entries.size(); ++i)
			if (entries[i] && entries[i]->type != EntryType::Directory && day->foldersOk) {
				day->foldersOk = false;
				onRefuse_(folders[i], "not a real folder (" + day->path + " is not listed)");
			}
		finish();
	});
	remote_.requestList(dayPath, [day, finish](std::optional<std::vector<RemoteEntry>> entries) {
		day->entries = std::move(entries);
		finish();
	});
}

void SyncPlanner::findOutOfOrderDays(std::function<void(std::vector<common::OutOfOrderDay>)> found)
{
	// Not counted in foldersListed(): that counts the layout's folders a round walks.
	outOfOrderPending_ = true;
	remote_.requestList(common::kOutOfOrderFolder, [this, found = std::move(found)](
							       std::optional<std::vector<RemoteEntry>> entries) {
		outOfOrderPending_ = false;
		std::vector<common::OutOfOrderDay> days;
		for (const RemoteEntry &e : entries ? *entries : std::vector<RemoteEntry>{}) {
			std::string reason;
			auto day = checkOutOfOrderEntry(e, reason);
			if (!day) {
				if (!reason.empty())
					onRefuse_(std::string(common::kOutOfOrderFolder) + "/" + e.name, reason);
				continue;
			}
			if (days.size() >= kMaxOutOfOrderDays) {
				onRefuse_(std::string(common::kOutOfOrderFolder) + "/" + e.name,
					  "more than " + std::to_string(kMaxOutOfOrderDays) + " out-of-order days; left for a later round");
				continue;
			}
			days.push_back(*day);
		}
		std::sort(days.begin(), days.end());
		for (const common::OutOfOrderDay &d : days) {
			if (!fullDays_.insert(d.dayPath).second)
				continue;
			// A day listed, or being listed, before the mark was read is listed again, in full
			// and after it: what a viewer confirms whole by a token must include every frame
			// that was there when the token was.
			auto it = days_.find(d.dayPath);
			if (it != days_.end() && it->second == DayState::Listed) {
				it->second = DayState::Waiting;
				waiting_.insert(d.dayPath);
			} else if (it != days_.end() && it->second == DayState::Listing) {
				relist_.insert(d.dayPath);
			} else {
				addDay(d.dayPath);
			}
		}
		found(std::move(days));
	});
}

bool SyncPlanner::listedInFull(const std::string &dayPath) const
{
	auto it = days_.find(dayPath);
	return fullDays_.count(dayPath) && it != days_.end() && it->second == DayState::Listed;
}

bool SyncPlanner::complete() const
{
	return started_ && !outOfOrderPending_ && daysKnown_ && discovering_ == 0 && toDiscover_.empty() && waiting_.empty() && listing_ == 0;
}

std::optional<std::string> SyncPlanner::listedThrough() const
{
	if (!started_ || !daysKnown_ || discovering_ > 0 || !toDiscover_.empty())
		return std::nullopt;
	std::optional<std::string> through;
	for (const auto &[day, state] : days_) {
		if (state != DayState::Listed)
			break;
		through = day;
	}
	return through;
}

void SyncPlanner::mergeDuplicates(const std::string &dayPath, std::vector<PlannedFrame> &frames)
{
	// A name listed twice (a broken or hostile server) is fetched once: two fetches of one
	// frame would share its ".part". Two sizes for one name cannot both be right, so that
	// frame waits for a later round's listing.
	std::vector<PlannedFrame> merged;
	for (std::size_t i = 0; i < frames.size();) {
		std::size_t j = i + 1;
		bool sameSize = true;
		while (j < frames.size() && frames[j].id == frames[i].id) {
			sameSize &= frames[j].size == frames[i].size;
			++j;
		}
		if (sameSize)
			merged.push_back(frames[i]);
		else
			onRefuse_(dayPath + "/" + frames[i].id.fileName(),
				  "listed " + std::to_string(j - i) + " times with different sizes; left for a later round");
		i = j;
	}
	frames = std::move(merged);
}

std::optional<PlannedFrame> SyncPlanner::newest()
{
	std::optional<PlannedFrame> out;
	bool done = false;
	findNewest([](const std::optional<FrameId> &) {},
		   [&](std::optional<PlannedFrame> frame) {
			   out = std::move(frame);
			   done = true;
		   });
	while (!done)
		remote_.pump();
	return out;
}

std::vector<PlannedFrame> SyncPlanner::backfill(const std::optional<FrameId> &watermark, const std::string &today,
						const std::optional<std::string> &newestDay)
{
	std::vector<PlannedFrame> frames;
	startBackfill(watermark, today, [&](const std::string &, std::vector<PlannedFrame> day) {
		frames.insert(frames.end(), day.begin(), day.end());
	});
	setNewestDay(newestDay);
	for (;;) {
		poll(0);
		if (complete())
			break;
		remote_.pump();
	}
	std::sort(frames.begin(), frames.end(), [](const PlannedFrame &a, const PlannedFrame &b) { return a.id < b.id; });
	return frames;
}

} // namespace lingercam::pull
