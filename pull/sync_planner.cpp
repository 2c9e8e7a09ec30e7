#include "sync_planner.h"

#include <algorithm>

#include "name_policy.h"
#include "remote_store.h"

namespace lingercam::pull {

using common::FrameId;

SyncPlanner::SyncPlanner(RemoteStore &remote, std::uint64_t maxFileSize, RefusalHandler onRefuse)
	: remote_(remote), maxFileSize_(maxFileSize), onRefuse_(std::move(onRefuse))
{
}

std::optional<PlannedFrame> SyncPlanner::newest()
{
	auto target = remote_.readLink("latest.jpg");
	if (!target)
		return std::nullopt;
	std::string reason;
	auto id = checkLatestTarget(*target, reason);
	if (!id) {
		onRefuse_("latest.jpg -> " + *target, reason);
		return std::nullopt;
	}
	// Each folder on the way must be a real folder: a year "2026" that is a symlink to /
	// would otherwise lead outside the store.
	const std::string day = id->dayPath();
	const std::vector<std::string> paths{ day.substr(0, 4), day.substr(0, 7), day, id->relativePath() };
	auto entries = remote_.lstatMany(paths);
	for (std::size_t i = 0; i < 3; ++i) {
		if (!entries[i])
			return std::nullopt; // deleted by retention meanwhile
		if (entries[i]->type != EntryType::Directory) {
			onRefuse_("latest.jpg -> " + *target, "folder " + paths[i] + " is not a real folder");
			return std::nullopt;
		}
	}
	if (!entries[3])
		return std::nullopt;
	RemoteEntry file = *entries[3];
	file.name = id->fileName();
	EntryVerdict verdict = checkDayEntry(day, file, maxFileSize_);
	if (verdict.kind != EntryVerdict::Kind::Accept) {
		onRefuse_("latest.jpg -> " + *target, verdict.reason);
		return std::nullopt;
	}
	return PlannedFrame{ *id, file.size, file.mtime };
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

std::vector<std::string> SyncPlanner::subfolders(const std::string &path, int level, const std::string &from)
{
	++foldersListed_;
	auto entries = remote_.list(path);
	std::vector<std::string> out;
	if (!entries)
		return out;
	for (const RemoteEntry &e : *entries) {
		EntryVerdict v = checkFolderEntry(static_cast<FolderLevel>(level), e);
		if (v.kind == EntryVerdict::Kind::Refuse)
			onRefuse_((path.empty() ? "" : path + "/") + e.name, v.reason);
		else if (v.kind == EntryVerdict::Kind::Accept && e.name >= from)
			out.push_back(e.name);
	}
	// A folder listed twice is one folder.
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

std::vector<PlannedFrame> SyncPlanner::backfill(const std::optional<FrameId> &watermark)
{
	// The watermark's own year, month and day bound each level from below; a folder after
	// it on one level is listed in full below.
	std::string wDay = watermark ? watermark->dayPath() : std::string();
	std::string wYear = watermark ? wDay.substr(0, 4) : std::string();
	std::string wMonth = watermark ? wDay.substr(5, 2) : std::string();
	std::string wDayOnly = watermark ? wDay.substr(8, 2) : std::string();

	std::vector<PlannedFrame> frames;
	for (const std::string &year : subfolders("", 0, wYear)) {
		bool sameYear = year == wYear;
		for (const std::string &month : subfolders(year, 1, sameYear ? wMonth : "")) {
			bool sameMonth = sameYear && month == wMonth;
			const std::string monthPath = year + "/" + month;
			for (const std::string &day : subfolders(monthPath, 2, sameMonth ? wDayOnly : "")) {
				const std::string dayPath = monthPath + "/" + day;
				++foldersListed_;
				auto entries = remote_.list(dayPath);
				if (!entries)
					continue;
				std::vector<PlannedFrame> dayFrames;
				for (const RemoteEntry &e : *entries) {
					EntryVerdict v = checkDayEntry(dayPath, e, maxFileSize_);
					if (v.kind == EntryVerdict::Kind::Refuse)
						onRefuse_(dayPath + "/" + e.name, v.reason);
					else if (v.kind == EntryVerdict::Kind::Accept && (!watermark || *v.frame > *watermark))
						dayFrames.push_back({ *v.frame, e.size, e.mtime });
				}
				std::sort(dayFrames.begin(), dayFrames.end(),
					  [](const PlannedFrame &a, const PlannedFrame &b) { return a.id < b.id; });
				mergeDuplicates(dayPath, dayFrames);
				frames.insert(frames.end(), dayFrames.begin(), dayFrames.end());
			}
		}
	}
	return frames;
}

} // namespace lingercam::pull
