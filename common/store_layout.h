// SPDX-License-Identifier: BSD-2-Clause
// The store layout: frame names (UTC time, sequence, unsynced mark) and day folders.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fs_util.h"

namespace lingercam::common {

/// The store layout, the contract between capture and pull (README "The store"): how frames,
/// day folders, latest.jpg, the confirmation files, the out-of-order marks and the work in
/// progress are named, read and written. Every name of the layout is spelled in
/// store_layout.cpp and nowhere else; the rest of the code uses the constants and functions
/// below.
///
/// <store>/YYYY/MM/DD/<frame>.jpg    frames (FrameId)
/// <store>/latest.jpg -> <frame>     the frame taken last (readLatest, writeLatest)
/// <store>/.pulled[.<viewer>]        what a viewer holds (readConfirmation, writeConfirmation)
/// <store>/.out-of-order/<day>.<token>  days holding frames out of time order (OutOfOrderDay)
/// .<name>.tmp, .<frame>.part        work in progress, never a frame (tempName, partName)

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
/// What ends the stem of a frame taken while the clock was not synchronized: "-unsynced".
extern const std::string_view kUnsyncedMarker;
/// "YYYY/MM/DD/YYYYMMDDTHHMMSSZ.jpg": how a frame's path reads, for help texts and messages.
extern const char kFramePathPattern[];

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

/// "latest.jpg": a relative symlink to the frame taken last, replaced atomically.
extern const char kLatestName[];
/// ".pulled": a mirror's own watermark (pull's local store), and the confirmation file of
/// pull before each viewer had its own (still read: one viewer among the others).
extern const char kPulledName[];

/// Each viewer's confirmation file on the camera host: ".pulled.<viewer>", holding the
/// newest frame time that viewer holds with nothing missing before it. Its temporary file
/// is ".pulled.<viewer>.tmp", so viewers never write each other's files.
std::string confirmationName(std::string_view viewer);
/// The temporary file of confirmation file \a name: ".pulled.<viewer>.tmp" (the name is hidden
/// already), renamed over it once written.
std::string confirmationTempName(std::string_view name);
/// ".pulled" or ".pulled.<viewer>" (not a temporary file).
bool isConfirmationName(std::string_view name);

/// ".<name>.tmp": a file being written, renamed to \a name once complete (a frame, the
/// latest.jpg symlink, a confirmation file). One left by a crash is never a frame.
std::string tempName(std::string_view name);
bool isTempName(std::string_view name);
/// ".<frame>.jpg.part": a frame pull is fetching into its mirror's day folder.
std::string partName(const FrameId &id);
/// The frame a ".part" name is for.
std::optional<FrameId> parsePartName(std::string_view name);

/// The store's record of days that hold frames out of time order (a clock that stepped
/// back, or one that was not synchronized): one empty file per day in this folder, named
/// "<YYYY-MM-DD>.<token>", the token new each time the day gains such a frame. A viewer
/// lists these days in full, whatever its watermark, and confirms each one it holds whole
/// with a line "out-of-order <YYYY-MM-DD>.<token>" in its confirmation file.
extern const char kOutOfOrderFolder[];

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

/// A confirmation file (".pulled", ".pulled.<viewer>"): its first line is the watermark;
/// one "out-of-order <day>.<token>" line follows per out-of-order day the viewer holds
/// whole. Other lines (a newer pull's) are skipped. Trailing spaces and '\r' end no line.
struct Confirmation {
	std::string firstLine;            ///< as written, trimmed: what a warning quotes
	std::optional<FrameId> watermark; ///< the first line as a frame time
	/// Out-of-order days held whole: day path -> the tokens confirmed.
	std::map<std::string, std::set<std::string>> wholeDays;
};
Confirmation parseConfirmation(std::string_view content);
/// The text of a confirmation file: the watermark, then a line per day in \a wholeDays.
std::string formatConfirmation(const FrameId &watermark, const std::vector<OutOfOrderDay> &wholeDays = {});
/// Reads \a name below \a dirFd; nullopt when it does not exist. Throws SystemError when it
/// cannot be read.
std::optional<Confirmation> readConfirmation(int dirFd, const std::string &name);
/// Writes \a name below \a dirFd atomically (writeFileAtomic); \a what names it in errors.
void writeConfirmation(int dirFd, const std::string &name, const FrameId &watermark,
		       const std::vector<OutOfOrderDay> &wholeDays, const std::string &what);

/// The frame latest.jpg below \a rootFd points at (one readlink), if it points at one.
std::optional<FrameId> readLatest(int rootFd);
/// The same for the store at \a root, opening nothing (doctor and status change nothing).
std::optional<FrameId> readLatest(const std::filesystem::path &root);
/// Points latest.jpg below \a rootFd at \a id: a new symlink renamed over the old one, then
/// the folder fsynced. \a root names the store in errors.
void writeLatest(int rootFd, const FrameId &id, const std::string &root);

/// The names in a folder (not "." and ".."), in no order. Throws SystemError. The one
/// listing every walk of a store uses.
std::vector<std::string> listFolder(int dirFd);
/// \a path opened as a folder, or an empty UniqueFd when it cannot be (no store yet).
UniqueFd openFolderIfAny(const std::filesystem::path &path);

/// Calls \a onDay for each day folder below \a rootFd, oldest first, with its path
/// ("YYYY/MM/DD") and the folder open; it returns false to stop the walk. Year, month and
/// day folders are those whose names fit the layout; an entry so named that is not a
/// folder is passed over. Throws SystemError when a folder cannot be opened or listed.
void forEachDay(int rootFd, const std::function<bool(const std::string &dayPath, int dayFd)> &onDay);

/// What one day folder holds, by name.
struct DayFolder {
	std::vector<FrameId> frames;        ///< regular files named as frames of this day, sorted
	std::vector<FrameId> parts;         ///< ".<frame>.part" files, sorted
	std::vector<std::string> leftovers; ///< ".<name>.tmp": work in progress a crash left
	std::vector<std::string> others;    ///< visible names that are no frame of this day
};
/// Lists the day folder \a dayFd, whose path is \a dayPath. Throws SystemError.
DayFolder readDay(int dayFd, const std::string &dayPath);
/// The same for \a dayPath below \a rootFd; empty when it cannot be opened or listed.
DayFolder readDayAt(int rootFd, const std::string &dayPath);

/// UTC calendar conversion without the C library's time zone state.
std::int64_t daysFromCivil(int year, unsigned month, unsigned day);
void civilFromDays(std::int64_t days, int &year, unsigned &month, unsigned &day);

} // namespace lingercam::common
