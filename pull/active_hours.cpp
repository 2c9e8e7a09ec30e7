// SPDX-License-Identifier: BSD-2-Clause
// The window of the day in which scheduled rounds run (see active_hours.h).
#include "active_hours.h"

#include <cstdio>
#include <ctime>

namespace lingercam::pull {

namespace {

std::optional<int> parseClock(std::string_view s)
{
	if (s.size() != 5 || s[2] != ':')
		return std::nullopt;
	for (std::size_t i : { 0u, 1u, 3u, 4u })
		if (s[i] < '0' || s[i] > '9')
			return std::nullopt;
	int hour = (s[0] - '0') * 10 + (s[1] - '0');
	int minute = (s[3] - '0') * 10 + (s[4] - '0');
	if (minute > 59 || hour > 24 || (hour == 24 && minute != 0))
		return std::nullopt;
	return hour * 60 + minute;
}

} // namespace

std::optional<ActiveHours> ActiveHours::parse(std::string_view text)
{
	if (text.empty() || text == "always")
		return ActiveHours();
	std::size_t dash = text.find('-');
	if (dash == std::string_view::npos)
		return std::nullopt;
	auto start = parseClock(text.substr(0, dash));
	auto end = parseClock(text.substr(dash + 1));
	if (!start || !end || *start == *end)
		return std::nullopt;
	ActiveHours h;
	h.always_ = false;
	h.start_ = *start % 1440;
	h.end_ = *end == 1440 ? 1440 : *end;
	return h;
}

bool ActiveHours::containsMinute(int minute) const
{
	if (always_)
		return true;
	if (start_ < end_)
		return minute >= start_ && minute < end_;
	return minute >= start_ || minute < end_; // wraps midnight
}

bool ActiveHours::contains(std::chrono::system_clock::time_point t) const
{
	if (always_)
		return true;
	std::time_t tt = std::chrono::system_clock::to_time_t(t);
	std::tm local{};
	localtime_r(&tt, &local);
	return containsMinute(local.tm_hour * 60 + local.tm_min);
}

std::string ActiveHours::text() const
{
	if (always_)
		return "always";
	char buf[48];
	std::snprintf(buf, sizeof(buf), "%02d:%02d-%02d:%02d", start_ / 60, start_ % 60, end_ / 60, end_ % 60);
	return buf;
}

} // namespace lingercam::pull
