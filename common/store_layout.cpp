// SPDX-License-Identifier: BSD-2-Clause
// The store layout: frame names and day folders (see store_layout.h).
#include "store_layout.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

namespace lingercam::common {

// Every name of the layout, spelled once.
const std::string_view kUnsyncedMarker = "-unsynced";
const char kFramePathPattern[] = "YYYY/MM/DD/YYYYMMDDTHHMMSSZ.jpg";
const char kLatestName[] = "latest.jpg";
const char kPulledName[] = ".pulled";
const char kOutOfOrderFolder[] = ".out-of-order";

namespace {

constexpr std::string_view kFrameExtension = ".jpg";
constexpr std::string_view kTempSuffix = ".tmp";
constexpr std::string_view kPartSuffix = ".part";
constexpr std::string_view kOutOfOrderLinePrefix = "out-of-order ";

struct Civil {
	int year;
	unsigned month, day, hour, minute, second;
};

Civil toCivil(std::int64_t seconds)
{
	std::int64_t days = seconds / 86400;
	std::int64_t rem = seconds % 86400;
	if (rem < 0) {
		rem += 86400;
		--days;
	}
	Civil c{};
	civilFromDays(days, c.year, c.month, c.day);
	c.hour = static_cast<unsigned>(rem / 3600);
	c.minute = static_cast<unsigned>(rem % 3600 / 60);
	c.second = static_cast<unsigned>(rem % 60);
	return c;
}

/// The date with \a dateSeparator, \a between, the time with ':', then \a suffix.
std::string formatCivil(std::int64_t seconds, char dateSeparator, char between, const char *suffix)
{
	const Civil c = toCivil(seconds);
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%04d%c%02u%c%02u%c%02u:%02u:%02u%s", c.year, dateSeparator, c.month,
		      dateSeparator, c.day, between, c.hour, c.minute, c.second, suffix);
	return buf;
}

bool digits(std::string_view s, std::size_t pos, std::size_t count, unsigned &out)
{
	out = 0;
	for (std::size_t i = pos; i < pos + count; ++i) {
		if (i >= s.size() || s[i] < '0' || s[i] > '9')
			return false;
		out = out * 10 + static_cast<unsigned>(s[i] - '0');
	}
	return true;
}

unsigned daysInMonth(int year, unsigned month)
{
	static const unsigned kDays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : kDays[month - 1];
}

} // namespace

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t daysFromCivil(int year, unsigned month, unsigned day)
{
	year -= month <= 2;
	const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(year - era * 400);
	const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t days, int &year, unsigned &month, unsigned &day)
{
	days += 719468;
	const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(days - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	day = doy - (153 * mp + 2) / 5 + 1;
	month = mp < 10 ? mp + 3 : mp - 9;
	year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2));
}

std::string FrameId::stem() const
{
	Civil c = toCivil(seconds);
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%04d%02u%02uT%02u%02u%02uZ", c.year, c.month, c.day, c.hour, c.minute,
		      c.second);
	// Appended in place: `buf + ("-" + ...)` inserts at the front of a temporary, which
	// g++ 12 at -O2 misreads as an overlapping copy (-Wrestrict).
	std::string out(buf);
	if (seq) {
		out += '-';
		out += std::to_string(seq);
	}
	if (unsynced)
		out += kUnsyncedMarker;
	return out;
}

std::string FrameId::fileName() const
{
	return stem().append(kFrameExtension);
}

std::string FrameId::dayPath() const
{
	Civil c = toCivil(seconds);
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%04d/%02u/%02u", c.year, c.month, c.day);
	return buf;
}

std::string FrameId::relativePath() const
{
	return dayPath() + "/" + fileName();
}

std::string FrameId::exifTime() const
{
	return formatCivil(seconds, ':', ' ', ""); // "2026:11:23 19:38:00"
}

std::string FrameId::iso() const
{
	return formatCivil(seconds, '-', 'T', "Z"); // "2026-11-23T19:38:00Z"
}

std::optional<FrameId> parseFrameStem(std::string_view s)
{
	// YYYYMMDDTHHMMSSZ[-N][-unsynced]
	const bool unsynced = s.ends_with(kUnsyncedMarker);
	if (unsynced)
		s.remove_suffix(kUnsyncedMarker.size());
	if (s.size() < 16 || s.size() > 20 || s[8] != 'T' || s[15] != 'Z')
		return std::nullopt;
	unsigned year, month, day, hour, minute, second;
	if (!digits(s, 0, 4, year) || !digits(s, 4, 2, month) || !digits(s, 6, 2, day) || !digits(s, 9, 2, hour) ||
	    !digits(s, 11, 2, minute) || !digits(s, 13, 2, second))
		return std::nullopt;
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(static_cast<int>(year), month) ||
	    hour > 23 || minute > 59 || second > 59)
		return std::nullopt;
	FrameId id;
	id.unsynced = unsynced;
	id.seconds = daysFromCivil(static_cast<int>(year), month, day) * 86400 + hour * 3600 + minute * 60 + second;
	if (s.size() > 16) {
		if (s[16] != '-' || s.size() < 18 || s[17] == '0')
			return std::nullopt;
		unsigned seq;
		if (!digits(s, 17, s.size() - 17, seq) || seq > kMaxFrameSeq)
			return std::nullopt;
		id.seq = seq;
	}
	return id;
}

std::optional<FrameId> parseFrameFileName(std::string_view name)
{
	if (!name.ends_with(kFrameExtension))
		return std::nullopt;
	name.remove_suffix(kFrameExtension.size());
	return parseFrameStem(name);
}

std::optional<FrameId> parseFrameRelativePath(std::string_view path)
{
	// YYYY/MM/DD/<name>
	if (path.size() < 11 || path[4] != '/' || path[7] != '/' || path[10] != '/')
		return std::nullopt;
	auto id = parseFrameFileName(path.substr(11));
	if (!id || id->dayPath() != path.substr(0, 10))
		return std::nullopt;
	return id;
}

std::string OutOfOrderDay::fileName() const
{
	std::string out = dayPath;
	for (char &c : out)
		if (c == '/')
			c = '-';
	return out + "." + token;
}

std::string OutOfOrderDay::confirmationLine() const
{
	return std::string(kOutOfOrderLinePrefix) + fileName();
}

std::optional<OutOfOrderDay> parseOutOfOrderFileName(std::string_view name)
{
	// YYYY-MM-DD.xxxxxxxx
	if (name.size() != 19 || name[4] != '-' || name[7] != '-' || name[10] != '.')
		return std::nullopt;
	unsigned year, month, day;
	if (!digits(name, 0, 4, year) || !digits(name, 5, 2, month) || !digits(name, 8, 2, day) || year < 1970 ||
	    month < 1 || month > 12 || day < 1 || day > daysInMonth(static_cast<int>(year), month))
		return std::nullopt;
	for (char c : name.substr(11))
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return std::nullopt;
	OutOfOrderDay d;
	d.dayPath = std::string(name.substr(0, 4)) + "/" + std::string(name.substr(5, 2)) + "/" +
		    std::string(name.substr(8, 2));
	d.token = std::string(name.substr(11));
	return d;
}

std::optional<OutOfOrderDay> parseOutOfOrderConfirmation(std::string_view line)
{
	if (!line.starts_with(kOutOfOrderLinePrefix))
		return std::nullopt;
	return parseOutOfOrderFileName(line.substr(kOutOfOrderLinePrefix.size()));
}

bool isYearName(std::string_view name)
{
	unsigned v;
	return name.size() == 4 && digits(name, 0, 4, v) && v >= 1970;
}

bool isMonthName(std::string_view name)
{
	unsigned v;
	return name.size() == 2 && digits(name, 0, 2, v) && v >= 1 && v <= 12;
}

bool isDayName(std::string_view name)
{
	unsigned v;
	return name.size() == 2 && digits(name, 0, 2, v) && v >= 1 && v <= 31;
}

std::string confirmationName(std::string_view viewer)
{
	std::string name = kPulledName;
	name += '.';
	name += viewer;
	return name;
}

bool isConfirmationName(std::string_view name)
{
	if (name == kPulledName)
		return true;
	const std::string prefix = confirmationName("");
	return name.size() > prefix.size() && name.starts_with(prefix) && !name.ends_with(kTempSuffix);
}

std::string confirmationTempName(std::string_view name)
{
	std::string out{ name };
	out += kTempSuffix;
	return out;
}

std::string tempName(std::string_view name)
{
	// Appended in place, not "." + name: g++ 12 misreads that as an overlapping copy
	// (-Wrestrict) at -O2 and above.
	std::string out = ".";
	out += name;
	out += kTempSuffix;
	return out;
}

bool isTempName(std::string_view name)
{
	return name.ends_with(kTempSuffix) && name.front() == '.';
}

std::string partName(const FrameId &id)
{
	std::string out = ".";
	out += id.fileName();
	out += kPartSuffix;
	return out;
}

std::optional<FrameId> parsePartName(std::string_view name)
{
	if (!name.starts_with('.') || !name.ends_with(kPartSuffix))
		return std::nullopt;
	return parseFrameFileName(name.substr(1, name.size() - 1 - kPartSuffix.size()));
}

Confirmation parseConfirmation(std::string_view content)
{
	Confirmation c;
	std::size_t at = 0;
	for (bool isFirst = true; at < content.size(); isFirst = false) {
		std::size_t end = content.find('\n', at);
		if (end == std::string_view::npos)
			end = content.size();
		std::string_view line = content.substr(at, end - at);
		at = end + 1;
		while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
			line.remove_suffix(1);
		if (isFirst)
			c.firstLine = line;
		else if (auto day = parseOutOfOrderConfirmation(line))
			c.wholeDays[day->dayPath].insert(day->token);
	}
	c.watermark = parseFrameStem(c.firstLine);
	return c;
}

std::string formatConfirmation(const FrameId &watermark, const std::vector<OutOfOrderDay> &wholeDays)
{
	std::string text = watermark.stem() + "\n";
	for (const OutOfOrderDay &day : wholeDays)
		text += day.confirmationLine() + "\n";
	return text;
}

std::optional<Confirmation> readConfirmation(int dirFd, const std::string &name)
{
	bool exists = false;
	const std::string content = readSmallFile(dirFd, name, exists);
	if (!exists)
		return std::nullopt;
	return parseConfirmation(content);
}

void writeConfirmation(int dirFd, const std::string &name, const FrameId &watermark,
		       const std::vector<OutOfOrderDay> &wholeDays, const std::string &what)
{
	const std::string text = formatConfirmation(watermark, wholeDays);
	writeFileAtomic(dirFd, name, std::span(reinterpret_cast<const std::uint8_t *>(text.data()), text.size()), what);
}

namespace {

std::optional<FrameId> readLatestAt(int dirFd, const char *path)
{
	char buf[256];
	const ssize_t n = ::readlinkat(dirFd, path, buf, sizeof(buf));
	// A target that fills the buffer may be cut short: no frame's path is that long.
	if (n <= 0 || static_cast<std::size_t>(n) >= sizeof(buf))
		return std::nullopt;
	return parseFrameRelativePath(std::string_view(buf, static_cast<std::size_t>(n)));
}

} // namespace

std::optional<FrameId> readLatest(int rootFd)
{
	return readLatestAt(rootFd, kLatestName);
}

std::optional<FrameId> readLatest(const std::filesystem::path &root)
{
	return readLatestAt(AT_FDCWD, (root / kLatestName).c_str());
}

void writeLatest(int rootFd, const FrameId &id, const std::string &root)
{
	replaceSymlink(rootFd, kLatestName, id.relativePath(), root + "/" + kLatestName);
}

namespace {

struct DirCloser {
	void operator()(DIR *d) const { ::closedir(d); }
};

/// Calls \a onEntry with each entry's name and dirent type (DT_UNKNOWN where the file
/// system does not say), not "." and "..".
void forEachEntry(int dirFd, const std::function<void(std::string_view name, unsigned char type)> &onEntry)
{
	// A descriptor of its own: fdopendir takes it over, and closedir closes it.
	int fd = ::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	throwErrnoIf(fd < 0, "open folder to list");
	DIR *raw = ::fdopendir(fd);
	if (!raw) {
		int err = errno;
		::close(fd);
		throw SystemError("list folder", err);
	}
	std::unique_ptr<DIR, DirCloser> dir(raw);
	for (;;) {
		errno = 0;
		const dirent *e = ::readdir(dir.get());
		if (!e) {
			throwErrnoIf(errno != 0, "list folder");
			return;
		}
		const std::string_view name(e->d_name);
		if (name != "." && name != "..")
			onEntry(name, e->d_type);
	}
}

/// The names in \a dirFd that \a valid accepts, sorted.
std::vector<std::string> sortedNames(int dirFd, bool (*valid)(std::string_view))
{
	std::vector<std::string> names;
	forEachEntry(dirFd, [&](std::string_view name, unsigned char) {
		if (valid(name))
			names.emplace_back(name);
	});
	std::sort(names.begin(), names.end());
	return names;
}

/// \a name below \a dirFd opened as a folder; an empty UniqueFd when it is not one (a file,
/// or gone meanwhile). Throws SystemError for anything else.
UniqueFd openSubfolder(int dirFd, const std::string &name, const std::string &path)
{
	UniqueFd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd && errno != ENOTDIR && errno != ENOENT)
		throw SystemError("open folder " + path, errno);
	return fd;
}

bool isRegular(int dirFd, std::string_view name, unsigned char type)
{
	if (type != DT_UNKNOWN)
		return type == DT_REG;
	struct stat st;
	return ::fstatat(dirFd, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

} // namespace

std::vector<std::string> listFolder(int dirFd)
{
	std::vector<std::string> names;
	forEachEntry(dirFd, [&](std::string_view name, unsigned char) { names.emplace_back(name); });
	return names;
}

UniqueFd openFolderIfAny(const std::filesystem::path &path)
{
	return UniqueFd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

void forEachDay(int rootFd, const std::function<bool(const std::string &dayPath, int dayFd)> &onDay)
{
	for (const std::string &year : sortedNames(rootFd, isYearName)) {
		UniqueFd yearFd = openSubfolder(rootFd, year, year);
		if (!yearFd)
			continue;
		for (const std::string &month : sortedNames(yearFd.get(), isMonthName)) {
			const std::string monthPath = year + "/" + month;
			UniqueFd monthFd = openSubfolder(yearFd.get(), month, monthPath);
			if (!monthFd)
				continue;
			for (const std::string &day : sortedNames(monthFd.get(), isDayName)) {
				const std::string dayPath = monthPath + "/" + day;
				UniqueFd dayFd = openSubfolder(monthFd.get(), day, dayPath);
				if (dayFd && !onDay(dayPath, dayFd.get()))
					return;
			}
		}
	}
}

DayFolder readDay(int dayFd, const std::string &dayPath)
{
	DayFolder folder;
	forEachEntry(dayFd, [&](std::string_view name, unsigned char type) {
		if (name.front() == '.') {
			if (isTempName(name))
				folder.leftovers.emplace_back(name);
			else if (auto id = parsePartName(name); id && id->dayPath() == dayPath)
				folder.parts.push_back(*id);
			return;
		}
		auto id = parseFrameFileName(name);
		if (id && id->dayPath() == dayPath && isRegular(dayFd, name, type))
			folder.frames.push_back(*id);
		else
			folder.others.emplace_back(name);
	});
	std::sort(folder.frames.begin(), folder.frames.end());
	std::sort(folder.parts.begin(), folder.parts.end());
	return folder;
}

DayFolder readDayAt(int rootFd, const std::string &dayPath)
{
	UniqueFd fd(::openat(rootFd, dayPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd)
		return {};
	try {
		return readDay(fd.get(), dayPath);
	} catch (const SystemError &) {
		return {};
	}
}

} // namespace lingercam::common
