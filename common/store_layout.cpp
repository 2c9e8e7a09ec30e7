// SPDX-License-Identifier: BSD-2-Clause
// The store layout: frame names and day folders (see store_layout.h).
#include "store_layout.h"

#include <cstdio>

namespace lingercam::common {

namespace {

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
	return stem() + ".jpg";
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
	Civil c = toCivil(seconds);
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%04d:%02u:%02u %02u:%02u:%02u", c.year, c.month, c.day, c.hour, c.minute,
		      c.second);
	return buf;
}

std::string FrameId::iso() const
{
	Civil c = toCivil(seconds);
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02uZ", c.year, c.month, c.day, c.hour, c.minute,
		      c.second);
	return buf;
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
	if (!name.ends_with(".jpg"))
		return std::nullopt;
	name.remove_suffix(4);
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
	return "out-of-order " + fileName();
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
	constexpr std::string_view prefix = "out-of-order ";
	if (!line.starts_with(prefix))
		return std::nullopt;
	return parseOutOfOrderFileName(line.substr(prefix.size()));
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

} // namespace lingercam::common
