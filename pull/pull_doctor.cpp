// SPDX-License-Identifier: BSD-2-Clause
// `lingercam-pull doctor`: its checks, SSH logins included (see pull_doctor.h).
#include "pull_doctor.h"

#include "common/host_probe.h"
#include "common/store_layout.h"
#include "sftp_channel.h"
#include "sftp_remote_store.h"
#include "sftp_replies.h"
#include "ssh_channel_transport.h"
#include "ssh_connection.h"
#include "ssh_error.h"

namespace lingercam::pull {

namespace {

constexpr const char *kUnit = "pull.service";

/// The mirror, or the nearest folder above it that exists (before the first round).
std::filesystem::path existingFolder(std::filesystem::path p)
{
	std::error_code ec;
	while (!p.empty() && !std::filesystem::is_directory(p, ec) && p != p.parent_path())
		p = p.parent_path();
	return p.empty() ? std::filesystem::path("/") : p;
}

common::Finding checkLastRound(const PullConfig &config, const std::optional<PullApiState> &api,
			       std::chrono::system_clock::time_point now)
{
	using Level = common::Finding::Level;
	if (!api)
		return { Level::Fail, "last round", "no lingercam-pull serves org.lingercam.Pull1 on this user's session bus",
			 "systemctl --user status pull; journalctl --user -u pull -n 50" };
	if (api->state == "failed")
		return { Level::Fail, "last round", "the last round failed: " + api->lastRoundResult,
			 "lingercam-pull once -v   shows the whole exchange; see also the ssh check below" };
	if (api->lastRound == 0 && !config.activeHours.contains(now))
		return { Level::Ok, "last round", "none yet: outside active hours (" + config.activeHours.text() + ")", "" };
	std::optional<std::chrono::system_clock::time_point> last;
	if (api->lastRound)
		last = std::chrono::system_clock::time_point(std::chrono::microseconds(api->lastRound));
	common::Finding f = common::checkAge("last round", "last round", last, now, config.interval,
					     "journalctl --user -u pull -n 50   says why; lingercam-pull status");
	// Rounds pause outside active hours: an old last round is expected then.
	if (f.level == Level::Fail && last && !config.activeHours.contains(now)) {
		f.level = Level::Ok;
		f.detail += ", as expected outside active hours (" + config.activeHours.text() + ")";
		f.fix.clear();
	}
	return f;
}

} // namespace

std::string probeSshLogin(const SourceConfig &source, std::string &detail)
{
	try {
		auto connection = std::make_unique<SshConnection>(source.ssh);
		detail = connection->peer() + ", cipher " + connection->cipher();
		// A login alone does not show that a round can run: a key paired for SFTP only
		// (lingercam-install --pair) runs what its authorized_keys line says, and the store
		// must be where remote_store says. So SFTP starts and looks at the store, as a round does.
		try {
			auto sftp = std::make_unique<SftpChannel>(
				std::make_unique<SshChannelTransport>(std::move(connection), source.ssh.ioTimeout),
				source.ssh.ioTimeout);
			sftp->start();
			SftpRemoteStore store(std::move(sftp), source.remoteStore, FetchTuning{});
			const std::string latest = common::kLatestName;
			if (auto link = store.readLink(latest)) {
				detail += "; SFTP: " + source.remoteStore + "/" + latest + " -> " + sftp::safeText(*link);
			} else if (store.lstatMany({ "" }).front()) {
				detail += "; SFTP: " + source.remoteStore + " has no " + latest + " yet";
			} else {
				return "logged in to " + detail + ", but the camera host has no remote_store " + source.remoteStore +
				       " (is lingercam-capture running there?)";
			}
		} catch (const SshError &e) {
			return "logged in to " + detail + ", but SFTP failed: " + e.what();
		}
		return "";
	} catch (const SshError &e) {
		return e.what();
	} catch (const std::exception &e) {
		return e.what();
	}
}

common::DoctorReport runPullDoctor(const PullConfig &config, common::HostProbe &host,
				   const std::optional<PullApiState> &api, const SshProbe &ssh,
				   std::chrono::system_clock::time_point now)
{
	using Level = common::Finding::Level;
	common::DoctorReport report;
	report.add(common::checkLinger(host.linger(), kUnit));
	report.add(common::checkUnit(host.userUnit(kUnit), kUnit));
	report.add(checkLastRound(config, api, now));
	for (const SourceConfig &source : config.sources) {
		const std::filesystem::path folder = existingFolder(source.localStore);
		common::Finding space = common::checkDiskSpace(common::diskSpaceOf(folder), folder, 0);
		space.check = "disk space (" + source.name + ")";
		report.add(space);
	}
	for (const SourceConfig &source : config.sources) {
		// Up to the newest frame pulled: outside active hours the mirror lags, and the last
		// round's age is a check of its own.
		auto newest = common::readLatest(source.localStore);
		if (!newest)
			continue;
		std::size_t unsynced = 0;
		const auto coverage = common::recentCoverage(source.localStore, newest->seconds + 1, std::chrono::hours(24),
							     &unsynced);
		common::Finding f = common::checkCoverage(
			coverage, unsynced, "the 24 hours before the newest frame of " + source.name,
			"what usually causes gaps: frames the camera never took (lingercam-capture doctor on the camera "
			"host: lingering off, the camera lost, its disk low), or frames deleted there before pull fetched "
			"them (its retention; a link down for longer than the camera keeps frames)");
		f.check = "coverage (" + source.name + ")";
		report.add(f);
	}
	report.add(common::checkClock(host.timeSync()));
	for (const SourceConfig &source : config.sources) {
		std::string detail;
		const std::string error = ssh(source, detail);
		const std::string target = (source.ssh.user.empty() ? "" : source.ssh.user + "@") + source.ssh.host;
		if (error.empty()) {
			report.add({ Level::Ok, "ssh (" + source.name + ")", "logged in to " + detail, "" });
			continue;
		}
		std::string port; // appended, not ":" + to_string(): g++ 12 -O3 sees a false -Wrestrict there
		if (source.ssh.port > 0)
			port.append(":").append(std::to_string(source.ssh.port));
		const std::string fix = "lingercam-install pull --pair " + target + port +
					"   gives pull a key of its own for SFTP alone and records the host key; or by "
					"hand: ssh " +
					target + " true   must work without a password or prompt (this user's public key "
						 "in the camera host's ~/.ssh/authorized_keys, its host key in "
						 "~/.ssh/known_hosts)";
		report.add({ Level::Fail, "ssh (" + source.name + ")", "cannot log in to " + target + ": " + error, fix });
	}
	return report;
}

} // namespace lingercam::pull
