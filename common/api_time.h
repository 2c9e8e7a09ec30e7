// SPDX-License-Identifier: BSD-2-Clause
// Times in the D-Bus APIs: microseconds since the epoch, and how a person reads them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lingercam::common {

/// Times in the D-Bus APIs: microseconds since the Unix epoch, 0 meaning none (as systemd's
/// own D-Bus timestamps).
std::uint64_t apiTime(std::chrono::system_clock::time_point t);

/// An API time for a person: "2026-11-24T21:40:00Z (12s ago)", "... (in 48s)", "... (now)";
/// "-" for none.
std::string describeApiTime(std::uint64_t usec, std::chrono::system_clock::time_point now);

} // namespace lingercam::common
