// SPDX-License-Identifier: BSD-2-Clause
// `lingercam-capture doctor`: its checks, camera access included (see capture_doctor.h).
#include "capture_doctor.h"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "common/host_probe.h"
#include "common/linger_check.h"

namespace lingercam::capture {

namespace {

constexpr const char *kUnit = "capture.service";

bool inGroup(const char *name)
{
	const struct group *g = ::getgrnam(name);
	if (!g)
		return false;
	if (::getegid() == g->gr_gid)
		return true;
	int n = ::getgroups(0, nullptr);
	if (n <= 0)
		return false;
	std::vector<gid_t> groups(static_cast<std::size_t>(n));
	n = ::getgroups(n, groups.data());
	return n > 0 && std::find(groups.begin(), groups.begin() + n, g->gr_gid) != groups.begin() + n;
}

} // namespace

common::Finding checkCameraAccess(SourceKind source, const std::filesystem::path &devDir)
{
	common::Finding f{ common::Finding::Level::Ok, "camera access", "", "" };
	if (source == SourceKind::TestPattern) {
		f.detail = "source is testpattern: no camera needed";
		return f;
	}
	std::vector<std::string> nodes;
	std::vector<std::string> denied;
	std::error_code ec;
	for (const auto &entry : std::filesystem::directory_iterator(devDir, ec)) {
		const std::string name = entry.path().filename().string();
		if (!name.starts_with("media") && !name.starts_with("video"))
			continue;
		nodes.push_back(entry.path().string());
		if (::access(entry.path().c_str(), R_OK | W_OK) != 0)
			denied.push_back(entry.path().string());
	}
	std::sort(nodes.begin(), nodes.end());
	std::sort(denied.begin(), denied.end());
	const std::string user = common::userName(::getuid());
	if (nodes.empty()) {
		f.level = common::Finding::Level::Fail;
		f.detail = "no camera device nodes (" + devDir.string() + "/media*, video*)";
		f.fix = "connect and enable the camera (Raspberry Pi: camera_auto_detect=1 in /boot/firmware/config.txt, "
			"reboot); `lingercam-capture cameras` lists what libcamera sees";
	} else if (!denied.empty()) {
		f.level = common::Finding::Level::Fail;
		f.detail = "this user may not open " + denied.front() +
			   (denied.size() > 1 ? " and " + std::to_string(denied.size() - 1) + " more" : std::string()) +
			   (inGroup("video") ? "" : " (not in group video)");
		f.fix = "sudo usermod -aG video " + user + ", then log out and in (or reboot) and restart: "
			"systemctl --user restart capture";
	} else {
		f.detail = std::to_string(nodes.size()) + " camera device nodes, all readable and writable";
	}
	return f;
}

common::DoctorReport runCaptureDoctor(const CaptureConfig &config, common::HostProbe &host,
				      common::Clock::WallTime now, const std::filesystem::path &devDir)
{
	common::DoctorReport report;
	report.add(common::checkLinger(host.linger(), kUnit));
	report.add(common::checkUnit(host.userUnit(kUnit), kUnit));

	std::optional<common::Clock::WallTime> last;
	if (auto frame = common::readLatest(config.store))
		last = common::Clock::WallTime(std::chrono::seconds(frame->seconds));
	report.add(common::checkAge("last frame", "newest frame in " + config.store.string(), last, now, config.interval,
				    "journalctl --user -u capture -n 50   says why (camera, store); "
				    "systemctl --user status capture"));

	auto space = common::diskSpaceOf(config.store);
	report.add(common::checkDiskSpace(space, config.store,
					  space ? common::minFreeBytes(config.retention, space->total) : 0));
	std::size_t unsynced = 0;
	const auto coverage = common::recentCoverage(
		config.store, std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 1,
		std::chrono::hours(24), &unsynced,
		std::chrono::duration_cast<std::chrono::seconds>(config.interval));
	report.add(common::checkCoverage(
		coverage, unsynced, "the last 24 hours of " + config.store.string(),
		"what usually causes gaps: lingering off (the service stops at logout: loginctl enable-linger), the "
		"camera lost (journalctl --user -u capture | grep camera), the disk low (df -h " +
			config.store.string() + "), the host powered off"));
	report.add(common::checkClock(host.timeSync()));
	report.add(checkCameraAccess(config.source, devDir));
	return report;
}

} // namespace lingercam::capture
