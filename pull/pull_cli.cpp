// SPDX-License-Identifier: BSD-2-Clause
// lingercam-pull's command line: one function per subcommand (see pull_cli.h).
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "common/cli.h"
#include "common/coverage.h"
#include "common/daemon_cli.h"
#include "common/dbus_connection.h"
#include "common/doctor.h"
#include "common/error.h"
#include "common/host_probe.h"
#include "common/linger_check.h"
#include "common/logging.h"
#include "common/notifier.h"
#include "common/signal_watcher.h"
#include "common/store_layout.h"
#include "common/units.h"
#include "pull/progress_line.h"
#include "pull/pull_cli.h"
#include "pull/pull_client.h"
#include "pull/pull_config.h"
#include "pull/pull_dbus.h"
#include "pull/pull_doctor.h"
#include "pull/pull_service.h"
#include "pull/pull_status.h"

namespace lingercam::pull {

namespace {

/// The global options, given before or after the subcommand.
struct Overrides {
	std::string configPath;
	std::vector<std::string> sources;
	bool verbose = false;
};

PullConfig loadConfig(const Overrides &o, const std::string &mode = "")
{
	PullConfig config = loadPullConfig(o.configPath);
	if (!mode.empty())
		config.mode = mode == "latest" ? PullMode::Latest : PullMode::Mirror;
	if (!o.sources.empty()) {
		std::vector<SourceConfig> kept;
		for (const std::string &name : o.sources) {
			bool found = false;
			for (const SourceConfig &s : config.sources)
				if (s.name == name) {
					kept.push_back(s);
					found = true;
				}
			if (!found)
				throw common::ConfigError("--source " + name + ": no [[source]] of that name in " +
							  (config.file.empty() ? defaultConfigPath().string() : config.file));
		}
		config.sources = std::move(kept);
	}
	if (config.sources.empty())
		throw common::ConfigError("no [[source]] configured in " +
					  (config.file.empty() ? defaultConfigPath().string() + " (missing)" : config.file));
	return config;
}

int cmdCheckConfig(const Overrides &o)
{
	const PullConfig c = loadConfig(o);
	char percent[32];
	std::snprintf(percent, sizeof percent, "%g%%", c.minFree.percent);
	std::vector<std::pair<std::string, std::string>> settings{
		{ "interval", common::formatDuration(c.interval) },
		{ "active_hours", c.activeHours.text() },
		{ "mode", modeName(c.mode) },
		{ "max_file_size", common::formatBytes(c.maxFileSize) },
		{ "min_free", c.minFree.percent > 0 ? percent : common::formatBytes(c.minFree.bytes) },
		{ "connect_timeout", common::formatDuration(c.connectTimeout) },
		{ "io_timeout", common::formatDuration(c.ioTimeout) },
		{ "round_timeout", common::formatDuration(c.roundTimeout) },
		{ "retries", std::to_string(c.retries) },
	};
	for (const SourceConfig &s : c.sources)
		settings.emplace_back(
			"source " + s.name,
			"host=" + s.ssh.host + " port=" + (s.ssh.port ? std::to_string(s.ssh.port) : "(ssh config)") +
				" user=" + (s.ssh.user.empty() ? "(ssh config)" : s.ssh.user) + " identity=" +
				(s.ssh.identities.empty() ? "(ssh-agent, default keys)" : s.ssh.identities.front()) +
				" known_hosts=" + (s.ssh.knownHosts.empty() ? "~/.ssh/known_hosts" : s.ssh.knownHosts) +
				" host_key_policy=" + (s.ssh.hostKeyPolicy == HostKeyPolicy::Strict ? "strict" : "accept-new") +
				" remote_store=" + s.remoteStore + " local_store=" + s.localStore.string());
	common::printSettings(std::cout, c.file, settings);
	return 0;
}

// `status`: the running daemon's API for a person; 3 (as systemctl status) when none runs.
int cmdStatus(const Overrides &o, bool syncNow)
{
	return common::runSessionBusClient("lingercam-pull", PullDbus::kBusName, "pull", [&](sdbus::IConnection &bus) {
		if (syncNow)
			requestSyncNow(bus);
		printPullStatus(std::cout, readPullApi(bus), std::chrono::system_clock::now());
		// Each mirror's last 24 hours up to its newest frame, read from disk; the mirrors are
		// the config's (a config that does not load leaves them out, said why).
		PullConfig config;
		try {
			config = loadConfig(o);
		} catch (const common::ConfigError &e) {
			std::cout << "  coverage:     unknown (" << e.what() << ")\n";
			return;
		}
		for (const SourceConfig &s : config.sources) {
			std::cout << "  " << s.name << " last 24 h: ";
			auto newest = common::readLatest(s.localStore);
			if (!newest) {
				std::cout << "no frames in " << s.localStore.string() << '\n';
				continue;
			}
			std::size_t unsynced = 0;
			const auto c = common::recentCoverage(s.localStore, newest->seconds + 1, std::chrono::hours(24), &unsynced);
			std::cout << common::describeCoverage(c, unsynced) << " (up to the newest frame pulled)\n";
		}
	});
}

int cmdDoctor(const Overrides &o)
{
	const PullConfig config = loadConfig(o);
	common::BusHostProbe host;
	std::optional<PullApiState> api;
	std::string why;
	if (auto bus = common::tryOpenBus(common::BusKind::Session, why)) {
		try {
			api = readPullApi(*bus);
		} catch (const sdbus::Error &) {
			// Not running: the last-round check says so.
		}
	}
	common::DoctorReport report =
		runPullDoctor(config, host, api, probeSshLogin, std::chrono::system_clock::now());
	report.print(std::cout);
	return report.exitStatus();
}

int cmdRun(const Overrides &o)
{
	common::Interrupt interrupt;
	common::SignalWatcher signals(interrupt); // before any other thread starts
	PullConfig config = loadConfig(o);
	if (const char *hang = std::getenv("LINGERCAM_TEST_PULL_HANG_AFTER"))
		config.testHangAfterFrames = std::strtoul(hang, nullptr, 10);
	// Said once at start, so the journal explains a service that dies at every logout.
	common::logLingerCheck(common::queryLinger(::getuid()), "pull.service");
	PullStatus status;
	common::SystemClock clock;
	common::Notifier notifier;
	PullService service(std::move(config), clock, interrupt, status, &notifier);
	common::BusHostProbe host;
	auto api = PullApi::startOnSessionBus(status, PullSchedule{ service.config().interval, service.config().activeHours },
					      interrupt, host);
	service.run();
	return 0;
}

int cmdOnce(const Overrides &o, const std::string &mode)
{
	common::Interrupt interrupt;
	common::SignalWatcher signals(interrupt);
	PullStatus status;
	common::SystemClock clock;
	PullService service(loadConfig(o, mode), clock, interrupt, status);
	std::unique_ptr<ProgressLine> progress;
	if (ProgressLine::wanted(stdout)) {
		progress = std::make_unique<ProgressLine>(stdout);
		service.setProgressCallback([&](const std::string &source, const RoundProgress &p) {
			progress->update(source, p);
		});
	}
	auto results = service.runRound();
	if (progress)
		progress->finish();
	bool ok = true;
	for (std::size_t i = 0; i < results.size(); ++i) {
		ok = ok && results[i].ok;
		// A round can end well with frames it could not fetch (warned above, one line each):
		// for a one-off run that is a failure to report.
		if (results[i].ok && results[i].backlog > 0) {
			common::logger("pull")->error("frames not fetched source={} count={} (see the warnings above; the next "
						      "round tries again)",
						      service.config().sources[i].name, results[i].backlog);
			ok = false;
		}
	}
	return ok ? 0 : 1;
}

} // namespace

int runPullCli(int argc, char **argv)
{
	Overrides o;
	common::DaemonCli cli("lingercam-pull",
			      std::string("lingercam-pull: fetches a camera host's frames over SSH/SFTP into a local mirror: "
					  "the newest first, then every frame it missed.\n\nConfig: $XDG_CONFIG_HOME/"
					  "lingercam/pull.toml (default ~/.config/lingercam/pull.toml), one [[source]] per "
					  "camera.\nMirror: <local_store>/") +
				      common::kFramePathPattern + " (UTC) and " + common::kLatestName + ", as on the camera.",
			      o.configPath, o.verbose);
	cli.app().add_option("--source", o.sources, "Only this [[source]] (repeatable)")->option_text("NAME");

	cli.add("run",
		"Run the daemon: a round every interval within active hours (SIGTERM/SIGINT end the round, keeping what "
		"arrived, and exit 0)",
		[&] { return cmdRun(o); });
	std::string mode;
	cli.add("once", "One round now, ignoring active hours; exit 1 if a source failed or frames could not be fetched",
		[&] { return cmdOnce(o, mode); })
		->add_option("--mode", mode, "mirror or latest (overrides 'mode')")
		->check(CLI::IsMember({ "mirror", "latest" }));
	cli.add("check-config", "Validate the config and print the effective settings", [&] { return cmdCheckConfig(o); });
	bool syncNow = false;
	cli.add("status",
		"Show the running daemon's state (from its D-Bus API, org.lingercam.Pull1 on the session bus); exit 3 if "
		"none runs",
		[&] { return cmdStatus(o, syncNow); })
		->add_flag("--sync-now", syncNow, "Ask it for a round now first (SyncNow)");
	cli.add("doctor",
		"Check lingering, the unit, the last round, disk space, clock sync and ssh to each source, and say what to "
		"fix (exit 1 if any fails)",
		[&] { return cmdDoctor(o); });
	return cli.run(argc, argv, "pull");
}

} // namespace lingercam::pull
