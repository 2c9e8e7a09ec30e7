// SPDX-License-Identifier: BSD-2-Clause
// Durations, byte sizes and times, parsed and printed (see units.h).
#include "units.h"

#include <ctime>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace lingercam::common {

namespace {

std::optional<double> leadingNumber(std::string_view &text)
{
	std::size_t end = 0;
	while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
		++end;
	if (end == 0)
		return std::nullopt;
	double value = 0;
	auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, value);
	if (ec != std::errc() || ptr != text.data() + end)
		return std::nullopt;
	text.remove_prefix(end);
	return value;
}

} // namespace

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text)
{
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
		text.remove_suffix(1);
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
		text.remove_prefix(1);
	if (text.empty())
		return std::nullopt;

	double totalMs = 0;
	bool first = true;
	while (!text.empty()) {
		auto number = leadingNumber(text);
		if (!number)
			return std::nullopt;
		double unitMs = 1000;
		if (text.empty()) {
			if (!first)
				return std::nullopt; // "1h30" is ambiguous
		} else if (text.starts_with("ms")) {
			unitMs = 1;
			text.remove_prefix(2);
		} else {
			switch (text.front()) {
			case 's': unitMs = 1000; break;
			case 'm': unitMs = 60e3; break;
			case 'h': unitMs = 3600e3; break;
			case 'd': unitMs = 86400e3; break;
			case 'w': unitMs = 7 * 86400e3; break;
			default: return std::nullopt;
			}
			text.remove_prefix(1);
		}
		totalMs += *number * unitMs;
		first = false;
	}
	if (!std::isfinite(totalMs) || totalMs > 1e15)
		return std::nullopt;
	return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(totalMs)));
}

std::optional<std::uint64_t> parseBytes(std::string_view text)
{
	auto number = leadingNumber(text);
	if (!number)
		return std::nullopt;
	double scale = 1;
	if (!text.empty()) {
		switch (std::toupper(static_cast<unsigned char>(text.front()))) {
		case 'B': scale = 1; break;
		case 'K': scale = 1024.0; break;
		case 'M': scale = 1024.0 * 1024; break;
		case 'G': scale = 1024.0 * 1024 * 1024; break;
		case 'T': scale = 1024.0 * 1024 * 1024 * 1024; break;
		default: return std::nullopt;
		}
		text.remove_prefix(1);
		if (text == "iB" || text == "ib" || text == "B" || text == "b")
			text = {};
		if (!text.empty())
			return std::nullopt;
	}
	double bytes = *number * scale;
	if (!std::isfinite(bytes) || bytes > 1.8e19)
		return std::nullopt;
	return static_cast<std::uint64_t>(std::llround(bytes));
}

void appendListItem(std::string &list, std::string_view separator, std::string_view item)
{
	if (!list.empty())
		list += separator;
	list += item;
}

std::string formatDuration(std::chrono::milliseconds d)
{
	auto ms = d.count();
	if (ms < 0)
		return std::string("-").append(formatDuration(std::chrono::milliseconds(-ms)));
	if (ms < 1000)
		return std::to_string(ms) + "ms";
	if (ms < 60000) {
		char buf[32];
		std::snprintf(buf, sizeof(buf), "%.1fs", static_cast<double>(ms) / 1000);
		return buf;
	}
	auto s = ms / 1000;
	std::string out;
	if (s >= 86400)
		out += std::to_string(s / 86400) + "d";
	if (s % 86400 >= 3600)
		out += std::to_string(s % 86400 / 3600) + "h";
	if (s % 3600 >= 60)
		out += std::to_string(s % 3600 / 60) + "m";
	if (s % 60)
		out += std::to_string(s % 60) + "s";
	return out;
}

std::string formatBytes(std::uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double value = static_cast<double>(bytes);
	int unit = 0;
	while (value >= 1024 && unit < 4) {
		value /= 1024;
		++unit;
	}
	char buf[32];
	if (unit == 0)
		std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
	else
		std::snprintf(buf, sizeof(buf), "%.1f %s", value, units[unit]);
	return buf;
}

std::string configDuration(std::chrono::milliseconds d)
{
	const auto ms = d.count();
	if (ms % 1000)
		return std::to_string(ms) + "ms";
	if (ms % 60000 || ms == 0)
		return std::to_string(ms / 1000) + "s";
	if (ms % 3600000)
		return std::to_string(ms / 60000) + "m";
	return std::to_string(ms / 3600000) + "h";
}

std::string formatLocalTime(std::int64_t utcSeconds)
{
	const std::time_t t = static_cast<std::time_t>(utcSeconds);
	std::tm tm{};
	::localtime_r(&t, &tm);
	char buf[64];
	std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm);
	return buf;
}

} // namespace lingercam::common
