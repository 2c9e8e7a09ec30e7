// SPDX-License-Identifier: BSD-2-Clause
// The window of the day in which scheduled rounds run, "06:00-22:00".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lingercam::pull {

/// The local-time window in which scheduled rounds run, "06:00-22:00" (end excluded; a
/// window may wrap midnight, "22:00-06:00"). Empty or "always" means all day.
class ActiveHours {
public:
	/// All day.
	ActiveHours() = default;
	/// nullopt for text that is neither "HH:MM-HH:MM", "always" nor empty.
	static std::optional<ActiveHours> parse(std::string_view text);

	bool always() const { return always_; }
	/// Whether the local time of \a t (in the process's time zone) is inside the window.
	bool contains(std::chrono::system_clock::time_point t) const;
	/// Same, for minutes since local midnight.
	bool containsMinute(int minuteOfDay) const;
	std::string text() const;

private:
	bool always_ = true;
	int start_ = 0; ///< minutes since midnight
	int end_ = 0;
};

} // namespace lingercam::pull
