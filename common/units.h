// SPDX-License-Identifier: BSD-2-Clause
// Durations, byte sizes and times, parsed from configs and printed for people.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lingercam::common {

/// Parses "90", "90s", "15m", "2h", "30d", "1h30m", "500ms" into a duration.
/// A bare number means seconds. Returns nullopt on anything else.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

/// Parses "1048576", "500K", "20M", "1.5G", "2GiB", "1T" (powers of 1024) into bytes.
std::optional<std::uint64_t> parseBytes(std::string_view text);

/// "1h 2m 3s" style, for log lines and status.
std::string formatDuration(std::chrono::milliseconds d);
/// A duration the way the config files write it ("60s", "250ms", "1h"), for messages that
/// name the key to change.
std::string configDuration(std::chrono::milliseconds d);

/// "1.5 MiB" style.
std::string formatBytes(std::uint64_t bytes);

/// "2026-11-23 20:38:00 CET": a UTC time as this host's clock shows it (TZ, /etc/localtime).
std::string formatLocalTime(std::int64_t utcSeconds);

/// Appends \a item to the list in \a list, with \a separator before it unless the list is
/// empty ("a,b" + "c" -> "a,b,c"). Appending in place also keeps clear of g++ 12's
/// false -Wrestrict on `"," + std::string(...)` at -O2/-O3.
void appendListItem(std::string &list, std::string_view separator, std::string_view item);

} // namespace lingercam::common
