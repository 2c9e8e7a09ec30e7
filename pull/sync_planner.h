#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/frame_name.h"

namespace lingercam::pull {

class RemoteStore;

/// A frame the remote store has, as its listing described it.
struct PlannedFrame {
	common::FrameId id;
	std::uint64_t size = 0;
	std::int64_t mtime = 0;
};

/// Decides what a round fetches: the newest frame through latest.jpg (one readlink, one
/// lstat round trip), then every frame newer than the watermark, listing only the year,
/// month and day folders from the watermark's day on, so the cost follows what was missed
/// and never the size of the store. Everything outside the layout is refused through the
/// handler and never fetched.
class SyncPlanner {
public:
	/// \a path is the camera host's, raw: the handler escapes it before logging it.
	using RefusalHandler = std::function<void(const std::string &path, const std::string &reason)>;

	SyncPlanner(RemoteStore &remote, std::uint64_t maxFileSize, RefusalHandler onRefuse);

	/// The frame latest.jpg points at, if it is a valid frame inside the store.
	std::optional<PlannedFrame> newest();
	/// Every frame newer than \a watermark (all when none), oldest first.
	std::vector<PlannedFrame> backfill(const std::optional<common::FrameId> &watermark);

	/// Folders listed so far (root, years, months, days).
	std::size_t foldersListed() const { return foldersListed_; }

private:
	std::vector<std::string> subfolders(const std::string &path, int level, const std::string &from);
	void mergeDuplicates(const std::string &dayPath, std::vector<PlannedFrame> &frames);

	RemoteStore &remote_;
	std::uint64_t maxFileSize_;
	RefusalHandler onRefuse_;
	std::size_t foldersListed_ = 0;
};

} // namespace lingercam::pull
