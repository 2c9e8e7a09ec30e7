#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lingercam::common {

/// Identity of a frame in the store: its UTC second and a sequence number that only two
/// frames in the same second need (0 means none: 20261123T193800Z.jpg, 1 gives
/// 20261123T193800Z-1.jpg).
struct FrameId {
	std::int64_t seconds = 0; ///< UTC seconds since the epoch
	unsigned seq = 0;

	auto operator<=>(const FrameId &) const = default;

	/// "20261123T193800Z" or "20261123T193800Z-1".
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

/// Parses "20261123T193800Z" or "20261123T193800Z-12". Strict: exact digits, a real date
/// and time, sequence 1..999 without leading zeros. Anything else is nullopt.
std::optional<FrameId> parseFrameStem(std::string_view stem);
/// Parses a frame file name ("<stem>.jpg"), strictly.
std::optional<FrameId> parseFrameFileName(std::string_view name);
/// Parses a store-relative path "YYYY/MM/DD/<stem>.jpg" whose folders match the name.
std::optional<FrameId> parseFrameRelativePath(std::string_view path);

/// "YYYY" (1970..9999), "MM" (01..12), "DD" (01..31): the store's folder names.
bool isYearName(std::string_view name);
bool isMonthName(std::string_view name);
bool isDayName(std::string_view name);

/// UTC calendar conversion without the C library's time zone state.
std::int64_t daysFromCivil(int year, unsigned month, unsigned day);
void civilFromDays(std::int64_t days, int &year, unsigned &month, unsigned &day);

} // namespace lingercam::common
