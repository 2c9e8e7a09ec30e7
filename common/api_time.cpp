// SPDX-License-Identifier: BSD-2-Clause
// Times in the D-Bus APIs (see api_time.h).
#include "api_time.h"

#include "store_layout.h"
#include "units.h"

namespace lingercam::common {

std::uint64_t apiTime(std::chrono::system_clock::time_point t)
{
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
	return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

std::string describeApiTime(std::uint64_t usec, std::chrono::system_clock::time_point now)
{
	if (usec == 0)
		return "-";
	const auto seconds = static_cast<std::int64_t>(usec / 1'000'000u);
	const std::chrono::system_clock::time_point t{ std::chrono::seconds(seconds) };
	const auto delta = std::chrono::duration_cast<std::chrono::seconds>(t - now);
	const auto rounded = delta.count() < 0 ? -delta : delta;
	const std::string iso = FrameId{ seconds, 0 }.iso();
	if (rounded.count() == 0)
		return iso + " (now)";
	// Whole seconds: "12s", "5m3s".
	const std::string amount = rounded.count() < 60 ? std::to_string(rounded.count()) + "s"
							: formatDuration(std::chrono::milliseconds(rounded));
	return iso + (delta.count() < 0 ? " (" + amount + " ago)" : " (in " + amount + ")");
}

} // namespace lingercam::common
