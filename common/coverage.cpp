// SPDX-License-Identifier: MIT
// How much of a stretch of time has frames: one slot per expected frame, and the gaps.
#include "coverage.h"

#include <algorithm>

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

} // namespace lingercam::common
