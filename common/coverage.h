// SPDX-License-Identifier: BSD-2-Clause
// How much of a stretch of time has frames: one slot per expected frame, and the gaps.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lingercam::common {

/// The slots of [from, to) at one frame per interval, and which of them hold a frame: what
/// the gallery's coverage strip draws and `status` reports, so that missing frames (the
/// lingering bug, a lost camera, a full disk) show at a glance.
class Coverage {
public:
	/// Slot i is [from + i x interval, from + (i+1) x interval); it is present when a frame's
	/// time (UTC seconds, any order) falls in it. Slots at or after \a now are in the future.
	Coverage(const std::vector<std::int64_t> &frameTimes, std::int64_t from, std::int64_t to,
		 std::chrono::seconds interval, std::int64_t now);

	struct Gap {
		std::int64_t start = 0; ///< first missing slot's start
		std::int64_t end = 0;   ///< the end of the last missing slot
		std::size_t slots = 0;
	};

	std::int64_t from() const { return from_; }
	std::chrono::seconds interval() const { return interval_; }
	std::size_t slots() const { return present_.size(); }
	bool present(std::size_t slot) const { return present_[slot]; }
	bool future(std::size_t slot) const { return from_ + static_cast<std::int64_t>(slot) * interval_.count() >= now_; }
	/// Slots past, present and missing alike (the future ones are not expected yet).
	std::size_t expected() const { return expected_; }
	std::size_t found() const { return found_; }
	/// found / expected (1 when nothing is expected).
	double ratio() const { return expected_ ? static_cast<double>(found_) / static_cast<double>(expected_) : 1.0; }
	/// The \a n longest runs of missing past slots, longest first.
	std::vector<Gap> longestGaps(std::size_t n) const;

private:
	std::int64_t from_, now_;
	std::chrono::seconds interval_;
	std::vector<bool> present_;
	std::size_t expected_ = 0, found_ = 0;
};

/// The interval frames were taken at: the median gap between consecutive frame times (sorted,
/// duplicates passed over), at least 1 s; \a fallback with fewer than three frames.
std::chrono::seconds inferInterval(std::vector<std::int64_t> times, std::chrono::seconds fallback);

/// The coverage of the \a window before \a end in the store (or mirror) at \a root, from the
/// day folders that window touches (two at most for a day: the cost of `status`), starting
/// no earlier than the store's oldest frame. Frames named "-unsynced" are counted in
/// \a unsynced, not in the slots (their times say nothing). The slots are \a interval apart
/// when it is known (capture's configuration), else inferred from the frames: a camera that
/// falls behind its interval then shows as gaps, not as a slower schedule.
Coverage recentCoverage(const std::filesystem::path &root, std::int64_t end, std::chrono::seconds window,
			std::size_t *unsynced = nullptr, std::optional<std::chrono::seconds> interval = std::nullopt);

/// "1,377 of 1,440 frames (95.6 %), one every 1m; longest gaps: 2026-11-23 12:03 CET, 54m; ..."
std::string describeCoverage(const Coverage &c, std::size_t unsynced = 0);

/// "1,377" (thousands separated, as a person reads counts).
std::string groupDigits(std::size_t n);

} // namespace lingercam::common
