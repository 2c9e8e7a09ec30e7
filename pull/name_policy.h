// SPDX-License-Identifier: BSD-2-Clause
// What pull accepts of a camera host's names: store-layout names only, no path from the remote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/store_layout.h"
#include "remote_store.h"

namespace lingercam::pull {

/// What pull makes of one entry a remote folder listing returned. The remote host is not
/// trusted: only the store layout's folder and frame names, as real folders and regular
/// files of bounded size, are accepted; local paths are always rebuilt from the parsed
/// FrameId, never from a remote string.
struct EntryVerdict {
	enum class Kind {
		Accept, ///< a folder to descend into, or a frame to fetch
		Ignore, ///< ".", "..", dot files (work in progress and state by the layout's rules)
		Refuse, ///< anything else: log it, never touch it
	};
	Kind kind = Kind::Refuse;
	std::string reason;             ///< for Refuse
	std::optional<common::FrameId> frame; ///< for an accepted frame
};

enum class FolderLevel { Root, Year, Month };

/// Longest name accepted anywhere (a frame name is at most 33 characters).
inline constexpr std::size_t kMaxRemoteName = 64;

/// Entries of the root (years), a year (months) or a month (days).
EntryVerdict checkFolderEntry(FolderLevel level, const RemoteEntry &entry);
/// Entries of the day folder \a dayPath ("YYYY/MM/DD").
EntryVerdict checkDayEntry(const std::string &dayPath, const RemoteEntry &entry, std::uint64_t maxFileSize);
/// An entry of the camera's ".out-of-order" folder: an empty regular file named
/// "<YYYY-MM-DD>.<token>". nullopt with \a reason empty: ignored (".", ".."); with a reason:
/// refused.
std::optional<common::OutOfOrderDay> checkOutOfOrderEntry(const RemoteEntry &entry, std::string &reason);
/// The target of latest.jpg: must be "YYYY/MM/DD/<frame>.jpg", relative, inside the store.
std::optional<common::FrameId> checkLatestTarget(std::string_view target, std::string &reason);

} // namespace lingercam::pull
