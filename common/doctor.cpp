// SPDX-License-Identifier: BSD-2-Clause
// The checks of `doctor` that both daemons share (see doctor.h).
#include "doctor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ostream>

#include "error.h"
#include "fs_util.h"
#include "units.h"

namespace lingercam::common {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

const Finding *DoctorReport::find(const std::string &check) const
{
	auto it = std::find_if(findings_.begin(), findings_.end(), [&](const Finding &f) { return f.check == check; });
	return it == findings_.end() ? nullptr : &*it;
}

int DoctorReport::exitStatus() const
{
	return std::any_of(findings_.begin(), findings_.end(), [](const Finding &f) { return f.level == Finding::Level::Fail; })
		       ? 1
		       : 0;
}

void DoctorReport::print(std::ostream &out) const
{
	std::size_t fails = 0;
	std::size_t warns = 0;
	for (const Finding &f : findings_) {
		const char *tag = f.level == Finding::Level::Ok ? "ok  " : f.level == Finding::Level::Warn ? "WARN" : "FAIL";
		out << tag << "  " << f.check << ": " << f.detail << '\n';
		if (f.level != Finding::Level::Ok && !f.fix.empty())
			out << "      fix: " << f.fix << '\n';
		fails += f.level == Finding::Level::Fail;
		warns += f.level == Finding::Level::Warn;
	}
	out << (fails ? "doctor: " + std::to_string(fails) + " problem(s) to fix" : std::string("doctor: all good"))
	    << (warns ? ", " + std::to_string(warns) + " warning(s)" : std::string()) << '\n';
}

Finding checkLinger(const LingerStatus &status, const std::string &unit)
{
	Finding f{ Finding::Level::Ok, "lingering", "", "" };
	switch (status.state) {
	case LingerStatus::State::Yes:
		f.detail = "user " + status.user + " lingers: " + unit + " runs with nobody logged in and starts at boot";
		break;
	case LingerStatus::State::No:
		f.level = Finding::Level::Fail;
		f.detail = "user " + status.user + " does not linger: " + unit +
			   " stops about 10 s after the last session ends and does not start at boot";
		f.fix = "loginctl enable-linger " + status.user + "   (or: sudo loginctl enable-linger " + status.user + ")";
		break;
	case LingerStatus::State::Unknown:
		f.level = Finding::Level::Warn;
		f.detail = "cannot tell: " + status.detail;
		f.fix = "loginctl show-user " + status.user + " -p Linger   should say Linger=yes";
		break;
	}
	return f;
}

Finding checkUnit(const UserUnitState &state, const std::string &unit)
{
	std::string name = unit;
	if (auto dot = name.rfind(".service"); dot != std::string::npos)
		name.erase(dot);
	Finding f{ Finding::Level::Ok, "unit", "", "" };
	if (!state.known()) {
		f.level = Finding::Level::Fail;
		f.detail = "cannot ask the user's systemd about " + unit + ": " + state.detail;
		f.fix = "run this as the service's user in a login session (or with XDG_RUNTIME_DIR=/run/user/$(id -u)); "
			"lingering keeps the user's systemd running";
		return f;
	}
	if (state.loadState != "loaded") {
		f.level = Finding::Level::Fail;
		f.detail = unit + " is " + state.loadState + " in the user's systemd";
		f.fix = "lingercam-install " + name + "   (writes ~/.config/systemd/user/" + unit + ")";
		return f;
	}
	f.detail = unit + " is " + state.unitFileState + " and " + state.activeState + " (" + state.subState + ")";
	if (!state.active()) {
		f.level = Finding::Level::Fail;
		f.fix = "journalctl --user -u " + name + " -n 50   to see why; then systemctl --user restart " + name;
	} else if (!state.enabled()) {
		f.level = Finding::Level::Fail;
		f.detail += ": it will not start at boot";
		f.fix = "systemctl --user enable " + name;
	}
	return f;
}

Finding checkClock(const TimeSyncStatus &status)
{
	Finding f{ Finding::Level::Ok, "clock", "", "" };
	if (!status.synchronized) {
		f.level = Finding::Level::Warn;
		f.detail = "cannot tell whether the clock is synchronized: " + status.detail;
		f.fix = "timedatectl status   should say 'System clock synchronized: yes'";
	} else if (*status.synchronized) {
		f.detail = "system clock synchronized (NTP)";
	} else {
		f.level = Finding::Level::Warn;
		f.detail = std::string("system clock not synchronized") +
			   (status.ntpEnabled && !*status.ntpEnabled ? " and no NTP service enabled" : "") +
			   ": frame names carry the wall-clock time, which may be wrong (a Pi has no RTC)";
		f.fix = "sudo timedatectl set-ntp true; check the network reaches an NTP server (timedatectl timesync-status)";
	}
	return f;
}

Finding checkDiskSpace(const std::optional<DiskSpace> &space, const std::filesystem::path &folder,
		       std::uint64_t minFree)
{
	Finding f{ Finding::Level::Ok, "disk space", "", "" };
	if (!space) {
		f.level = Finding::Level::Fail;
		f.detail = "cannot read " + folder.string();
		f.fix = "check the store path in the config, and that the folder exists and belongs to this user";
		return f;
	}
	f.detail = formatBytes(space->available) + " free of " + formatBytes(space->total) + " at " + folder.string();
	if (space->available < kDiskSpaceFloor) {
		f.level = Finding::Level::Fail;
		f.fix = "free space on that file system, or point the store at a bigger one";
	} else if (space->available < minFree) {
		f.level = Finding::Level::Warn;
		f.detail += " (below the " + formatBytes(minFree) + " retention keeps free: old frames are being deleted)";
		f.fix = "free space, or lower [retention] min_free";
	}
	return f;
}

Finding checkCoverage(const Coverage &coverage, std::size_t unsynced, const std::string &what,
		      const std::string &causes)
{
	Finding f;
	f.check = "coverage";
	f.detail = what + ": " + describeCoverage(coverage, unsynced);
	if (coverage.expected() > 0 && coverage.ratio() < kCoverageFloor) {
		f.level = Finding::Level::Warn;
		f.detail = what + " holds less than 95 % of its frames: " + describeCoverage(coverage, unsynced);
		f.fix = causes;
	}
	return f;
}

Finding checkAge(const std::string &check, const std::string &what, std::optional<Clock::WallTime> last,
		 Clock::WallTime now, milliseconds interval, const std::string &fix)
{
	Finding f{ Finding::Level::Ok, check, "", "" };
	if (!last) {
		f.level = Finding::Level::Fail;
		f.detail = "no " + what + " yet";
		f.fix = fix;
		return f;
	}
	const milliseconds age = duration_cast<milliseconds>(now - *last);
	const milliseconds fresh = 2 * interval + std::chrono::seconds(30);
	if (age < -std::chrono::minutes(1)) {
		f.level = Finding::Level::Warn;
		f.detail = "the " + what + " is " + formatDuration(-age) + " in the future: the clock was stepped back";
		f.fix = "check the clock (timedatectl)";
	} else if (age > fresh) {
		f.level = Finding::Level::Fail;
		f.detail = "the " + what + " is " + formatDuration(age) + " old (expected one every " +
			   formatDuration(interval) + ")";
		f.fix = fix;
	} else {
		f.detail = "the " + what + " is " + formatDuration(std::max(age, milliseconds(0))) + " old";
	}
	return f;
}

std::optional<DiskSpace> diskSpaceOf(const std::filesystem::path &folder)
{
	UniqueFd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd)
		return std::nullopt;
	try {
		return statDiskSpace(fd.get());
	} catch (const SystemError &) {
		return std::nullopt;
	}
}

std::uint64_t minFreeBytes(const RetentionPolicy &policy, std::uint64_t total)
{
	auto fromPercent = static_cast<std::uint64_t>(static_cast<double>(total) * policy.minFreePercent / 100.0);
	return std::max(policy.minFreeBytes, fromPercent);
}

} // namespace lingercam::common
