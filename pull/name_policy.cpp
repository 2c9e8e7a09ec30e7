// SPDX-License-Identifier: BSD-2-Clause
// What pull accepts of a camera host's names (see name_policy.h).
#include "name_policy.h"

namespace lingercam::pull {

using common::FrameId;

namespace {

EntryVerdict refuse(std::string reason)
{
	return { EntryVerdict::Kind::Refuse, std::move(reason), std::nullopt };
}

EntryVerdict ignore()
{
	return { EntryVerdict::Kind::Ignore, {}, std::nullopt };
}

/// Names no store ever contains, whatever the folder: checked before anything else.
std::optional<std::string> hostileName(std::string_view name)
{
	if (name.empty())
		return "empty name";
	if (name.size() > kMaxRemoteName)
		return "over-long name (" + std::to_string(name.size()) + " bytes)";
	for (unsigned char c : name) {
		if (c == '/')
			return "name contains '/'";
		if (c < 0x20 || c == 0x7f)
			return "name contains control characters";
	}
	return std::nullopt;
}

std::string typeProblem(EntryType type)
{
	switch (type) {
	case EntryType::Symlink: return "symlink";
	case EntryType::Directory: return "a folder, not a regular file";
	case EntryType::Other: return "not a regular file (device, socket or fifo)";
	case EntryType::Regular: break;
	}
	return "a regular file, not a folder";
}

/// What every store folder does with ".", "..", a hostile name and a hidden name (work in
/// progress, confirmations); nullopt for the names the folder's own rules decide.
std::optional<EntryVerdict> hiddenOrHostile(const RemoteEntry &entry)
{
	if (entry.name == "." || entry.name == "..")
		return ignore();
	if (auto hostile = hostileName(entry.name))
		return refuse(*hostile);
	if (entry.name.front() == '.')
		return ignore();
	return std::nullopt;
}

} // namespace

EntryVerdict checkFolderEntry(FolderLevel level, const RemoteEntry &entry)
{
	if (auto verdict = hiddenOrHostile(entry))
		return *verdict;
	if (level == FolderLevel::Root && entry.name == common::kLatestName)
		return ignore(); // read through readlink, never listed
	bool layoutName = level == FolderLevel::Root    ? common::isYearName(entry.name)
			  : level == FolderLevel::Year ? common::isMonthName(entry.name)
						       : common::isDayName(entry.name);
	if (!layoutName)
		return refuse("not part of the store layout");
	if (entry.type != EntryType::Directory)
		return refuse(entry.type == EntryType::Symlink ? "symlink where a folder belongs"
							       : "not a folder");
	return { EntryVerdict::Kind::Accept, {}, std::nullopt };
}

EntryVerdict checkDayEntry(const std::string &dayPath, const RemoteEntry &entry, std::uint64_t maxFileSize)
{
	if (auto verdict = hiddenOrHostile(entry))
		return *verdict;
	auto id = common::parseFrameFileName(entry.name);
	if (!id)
		return refuse("not a frame name");
	if (id->dayPath() != dayPath)
		return refuse("frame of another day (" + id->dayPath() + ")");
	if (entry.type != EntryType::Regular)
		return refuse(typeProblem(entry.type));
	if (entry.size > maxFileSize)
		return refuse("file of " + std::to_string(entry.size) + " bytes is over max_file_size=" +
			      std::to_string(maxFileSize));
	if (entry.size == 0)
		return refuse("empty file");
	return { EntryVerdict::Kind::Accept, {}, id };
}

std::optional<common::OutOfOrderDay> checkOutOfOrderEntry(const RemoteEntry &entry, std::string &reason)
{
	reason.clear();
	if (entry.name == "." || entry.name == "..")
		return std::nullopt;
	if (auto hostile = hostileName(entry.name)) {
		reason = *hostile;
		return std::nullopt;
	}
	auto day = common::parseOutOfOrderFileName(entry.name);
	if (!day)
		reason = "not <YYYY-MM-DD>.<token>";
	else if (entry.type != EntryType::Regular)
		reason = typeProblem(entry.type);
	else if (entry.size != 0)
		reason = "not empty";
	return reason.empty() ? day : std::nullopt;
}

std::optional<FrameId> checkLatestTarget(std::string_view target, std::string &reason)
{
	if (auto hostile = target.size() > 80 ? std::optional<std::string>("over-long target") : std::nullopt) {
		reason = *hostile;
		return std::nullopt;
	}
	for (unsigned char c : target)
		if (c < 0x20 || c == 0x7f) {
			reason = "target contains control characters";
			return std::nullopt;
		}
	if (!target.empty() && target.front() == '/') {
		reason = "absolute target, outside the store";
		return std::nullopt;
	}
	// parseFrameRelativePath accepts exactly YYYY/MM/DD/<name>.jpg: no "..", no "./", no
	// extra components.
	auto id = common::parseFrameRelativePath(target);
	if (!id)
		reason = std::string("target is not ") + common::kFramePathPattern + " inside the store";
	return id;
}

} // namespace lingercam::pull
