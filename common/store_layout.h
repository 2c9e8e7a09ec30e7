// SPDX-License-Identifier: BSD-2-Clause
// The store layout: frame names (UTC time, sequence, unsynced mark) and day folders.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lingercam::common {

/// Identity of a frame in the store: its UTC second, a sequence number that only two
/// frames in the same second need (0 means none: 20261123T193800Z.jpg, 1 gives
/// 20261123T193800Z-1.jpg), and whether the clock that named it was known not to be
/// synchronized (20261123T193800Z-unsynced.jpg, 20261123T193800Z-1-unsynced.jpg).
struct FrameId {
	std::int64_t seconds = 0; ///< UTC seconds since the epoch, as the camera's clock read them
	unsigned seq = 0;
	bool unsynced = false; ///< named by a clock timedate1 said was not synchronized

	auto operator<=>(const FrameId &) const = default;

	/// "20261123T193800Z", "20261123T193800Z-1", "20261123T193800Z-unsynced".
	std::string stem() const;
	/// "20261123T193800Z.jpg".
	std::string fileName() const;
	/// "2026/11/23".
	std::string dayPath() const;
	/// "2026/11/23/20261123T193800Z.jpg".
	std::string relativePath() const;
	/// "2026:11:23 19:38:00" as EXIF writes times.
	std::string exifTime() const;
	/// "2026-11-23T19:38:00Z".
	std::string iso() const;
};

inline constexpr std::size_t kMaxFrameSeq = 999;
/// What ends the stem of a frame taken while the clock was not synchronized.
inline constexpr std::string_view kUnsyncedMarker = "-unsynced";

/// Parses "20261123T193800Z", "20261123T193800Z-12" or either with "-unsynced" after it.
/// Strict: exact digits, a real date and time, sequence 1..999 without leading zeros.
/// Anything else is nullopt.
std::optional<FrameId> parseFrameStem(std::string_view stem);
/// Parses a frame file name ("<stem>.jpg"), strictly.
std::optional<FrameId> parseFrameFileName(std::string_view name);
/// Parses a store-relative path "YYYY/MM/DD/<stem>.jpg" whose folders match the name.
std::optional<FrameId> parseFrameRelativePath(std::string_view path);

/// "YYYY" (1970..9999), "MM" (01..12), "DD" (01..31): the store's folder names.
bool isYearName(std::string_view name);
bool isMonthName(std::string_view name);
bool isDayName(std::string_view name);

/// The store's record of days that hold frames out of time order (a clock that stepped
/// back, or one that was not synchronized): one empty file per day in this folder, named
/// "<YYYY-MM-DD>.<token>", the token new each time the day gains such a frame. A viewer
/// lists these days in full, whatever its watermark, and confirms each one it holds whole
/// with a line "out-of-order <YYYY-MM-DD>.<token>" in its confirmation file.
inline constexpr const char *kOutOfOrderFolder = ".out-of-order";

struct OutOfOrderDay {
	std::string dayPath; ///< "YYYY/MM/DD"
	std::string token;   ///< 8 lowercase hex digits

	auto operator<=>(const OutOfOrderDay &) const = default;
	/// "2026-11-23.3fa2b1c0": its file name, and what a confirmation line names.
	std::string fileName() const;
	/// "out-of-order 2026-11-23.3fa2b1c0".
	std::string confirmationLine() const;
};

/// Parses "<YYYY-MM-DD>.<8 hex digits>" strictly (a real date, lowercase hex).
std::optional<OutOfOrderDay> parseOutOfOrderFileName(std::string_view name);
/// Parses "out-of-order <YYYY-MM-DD>.<token>".
std::optional<OutOfOrderDay> parseOutOfOrderConfirmation(std::string_view line);

/// UTC calendar conversion without the C library's time zone state.
std::int64_t daysFromCivil(int year, unsigned month, unsigned day);
void civilFromDays(std::int64_t days, int &year, unsigned &month, unsigned &day);

} // namespace lingercam::common
