// SPDX-License-Identifier: BSD-2-Clause
// The checks of `doctor` that both daemons share, and the report a person reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "clock.h"
#include "coverage.h"
#include "host_probe.h"
#include "store.h"

namespace lingercam::common {

/// One line of `doctor`: what was checked, what was found, and what to do about it.
struct Finding {
	enum class Level { Ok, Warn, Fail };
	Level level = Level::Ok;
	std::string check;  ///< "lingering", "unit", "last frame", ...
	std::string detail; ///< what was found, for a person
	std::string fix;    ///< what to do; empty for Ok
};

/// The findings of one `doctor` run, printed for a person.
class DoctorReport {
public:
	void add(Finding finding) { findings_.push_back(std::move(finding)); }
	const std::vector<Finding> &findings() const { return findings_; }
	/// The finding for \a check, if any (for tests).
	const Finding *find(const std::string &check) const;
	/// 0 when nothing failed (warnings allowed), 1 otherwise.
	int exitStatus() const;
	/// "ok    lingering: ...", "FAIL  unit: ...", each failure or warning followed by "fix: ...".
	void print(std::ostream &out) const;

private:
	std::vector<Finding> findings_;
};

/// The checks both daemons share.
Finding checkLinger(const LingerStatus &status, const std::string &unit);
Finding checkUnit(const UserUnitState &state, const std::string &unit);
Finding checkClock(const TimeSyncStatus &status);
/// \a minFree: what the retention policy keeps free (0: none); below it is a warning, below
/// kDiskSpaceFloor a failure (the next frame may not fit).
Finding checkDiskSpace(const std::optional<DiskSpace> &space, const std::filesystem::path &folder,
		       std::uint64_t minFree);
/// Fresh when \a last is within two intervals and half a minute of \a now.
Finding checkAge(const std::string &check, const std::string &what, std::optional<Clock::WallTime> last,
		 Clock::WallTime now, std::chrono::milliseconds interval, const std::string &fix);

/// Warns when \a coverage holds less than kCoverageFloor of its expected frames, saying
/// what usually causes it (\a causes).
Finding checkCoverage(const Coverage &coverage, std::size_t unsynced, const std::string &what,
		      const std::string &causes);
inline constexpr double kCoverageFloor = 0.95;

inline constexpr std::uint64_t kDiskSpaceFloor = 16ull << 20;

/// statvfs of \a folder, nullopt when it cannot be opened.
std::optional<DiskSpace> diskSpaceOf(const std::filesystem::path &folder);

/// The bytes a retention policy keeps free on a file system of \a total bytes.
std::uint64_t minFreeBytes(const RetentionPolicy &policy, std::uint64_t total);

} // namespace lingercam::common
