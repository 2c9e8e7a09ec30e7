// SPDX-License-Identifier: BSD-2-Clause
// How much of a stretch of time has frames: one slot per expected frame, and the gaps.
#include "coverage.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "error.h"
#include "store_layout.h"
#include "units.h"

namespace lingercam::common {

Coverage::Coverage(const std::vector<std::int64_t> &frameTimes, std::int64_t from, std::int64_t to,
		   std::chrono::seconds interval, std::int64_t now)
	: from_(from), now_(now), interval_(std::max(interval, std::chrono::seconds(1)))
{
	const std::int64_t step = interval_.count();
	present_.assign(to > from ? static_cast<std::size_t>((to - from + step - 1) / step) : 0, false);
	for (std::int64_t t : frameTimes)
		if (t >= from && t < to)
			present_[static_cast<std::size_t>((t - from) / step)] = true;
	for (std::size_t i = 0; i < present_.size(); ++i) {
		if (future(i))
			break;
		++expected_;
		found_ += present_[i];
	}
}

std::vector<Coverage::Gap> Coverage::longestGaps(std::size_t n) const
{
	std::vector<Gap> gaps;
	const std::int64_t step = interval_.count();
	for (std::size_t i = 0; i < expected_;) {
		if (present_[i]) {
			++i;
			continue;
		}
		std::size_t j = i;
		while (j < expected_ && !present_[j])
			++j;
		gaps.push_back({ from_ + static_cast<std::int64_t>(i) * step, from_ + static_cast<std::int64_t>(j) * step, j - i });
		i = j;
	}
	std::stable_sort(gaps.begin(), gaps.end(), [](const Gap &a, const Gap &b) { return a.slots > b.slots; });
	if (gaps.size() > n)
		gaps.resize(n);
	return gaps;
}

std::chrono::seconds inferInterval(std::vector<std::int64_t> times, std::chrono::seconds fallback)
{
	std::sort(times.begin(), times.end());
	times.erase(std::unique(times.begin(), times.end()), times.end());
	if (times.size() < 3)
		return fallback;
	std::vector<std::int64_t> gaps;
	for (std::size_t i = 1; i < times.size(); ++i)
		gaps.push_back(times[i] - times[i - 1]);
	std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
	return std::chrono::seconds(std::max<std::int64_t>(1, gaps[gaps.size() / 2]));
}

std::string groupDigits(std::size_t n)
{
	std::string digits = std::to_string(n), out;
	for (std::size_t i = 0; i < digits.size(); ++i) {
		if (i && (digits.size() - i) % 3 == 0)
			out += ',';
		out += digits[i];
	}
	return out;
}

std::optional<std::int64_t> oldestFrameTime(const std::filesystem::path &root)
{
	// The first day folder, then the first frame in it: four listings.
	const UniqueFd rootFd = openFolderIfAny(root);
	std::optional<std::int64_t> oldest;
	if (!rootFd)
		return oldest;
	try {
		forEachDay(rootFd.get(), [&](const std::string &dayPath, int dayFd) {
			for (const FrameId &id : readDay(dayFd, dayPath).frames)
				if (!id.unsynced && !oldest)
					oldest = id.seconds;
			return false;
		});
	} catch (const SystemError &) {
	}
	return oldest;
}

Coverage recentCoverage(const std::filesystem::path &root, std::int64_t end, std::chrono::seconds window,
			std::size_t *unsynced, std::optional<std::chrono::seconds> known)
{
	// Nothing is missing from before the first frame: a camera set up an hour ago has an
	// hour to cover, not a day.
	std::int64_t from = end - window.count();
	if (auto oldest = oldestFrameTime(root))
		from = std::max(from, *oldest);
	std::vector<std::int64_t> times;
	std::size_t marked = 0;
	const UniqueFd rootFd = openFolderIfAny(root);
	for (std::int64_t day = from - (from % 86400 + 86400) % 86400; rootFd && day < end; day += 86400) {
		for (const FrameId &id : readDayAt(rootFd.get(), FrameId{ day }.dayPath()).frames) {
			if (id.seconds < from || id.seconds >= end)
				continue;
			if (id.unsynced)
				++marked;
			else
				times.push_back(id.seconds);
		}
	}
	if (unsynced)
		*unsynced = marked;
	const auto interval =
		known ? std::max(*known, std::chrono::seconds(1)) : inferInterval(times, std::chrono::seconds(60));
	// Slots aligned to the interval, as capture's are: the window starts at the first slot in it.
	const std::int64_t step = interval.count();
	const std::int64_t start = from + ((step - from % step) % step + step) % step;
	return Coverage(times, start, end, interval, end);
}

std::string describeCoverage(const Coverage &c, std::size_t unsynced)
{
	char percent[32];
	std::snprintf(percent, sizeof percent, "%.1f %%", c.ratio() * 100);
	std::string text = groupDigits(c.found()) + " of " + groupDigits(c.expected()) + " frames (" + percent +
			   "), one every " + formatDuration(std::chrono::milliseconds(c.interval()));
	if (unsynced)
		text += ", and " + groupDigits(unsynced) + " named by an unsynchronized clock";
	const auto gaps = c.longestGaps(3);
	for (std::size_t i = 0; i < gaps.size(); ++i)
		text += (i ? "; " : "; longest gaps: ") + formatLocalTime(gaps[i].start).substr(0, 16) +
			formatLocalTime(gaps[i].start).substr(19) + ", " +
			formatDuration(std::chrono::milliseconds((gaps[i].end - gaps[i].start) * 1000));
	return text;
}

} // namespace lingercam::common
