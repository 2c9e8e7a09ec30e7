#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "common/dbus_connection.h"
#include "common/error.h"
#include "common/host_probe.h"
#include "common/linger_check.h"
#include "common/logging.h"
#include "common/notifier.h"
#include "common/signal_watcher.h"
#include "common/units.h"
#include "pull/progress_line.h"
#include "pull/pull_client.h"
#include "pull/pull_config.h"
#include "pull/pull_dbus.h"
#include "pull/pull_doctor.h"
#include "pull/pull_service.h"
#include "pull/pull_status.h"
#include "pull/pull_cli.h"

namespace lingercam::pull {

namespace {

PullConfig loadConfig(const std::string &path, const std::vector<std::string> &only, const std::string &mode)
{
	PullConfig config = loadPullConfig(path);
	if (!mode.empty())
		config.mode = mode == "latest" ? PullMode::Latest : PullMode::Mirror;
	if (!only.empty()) {
		std::vector<SourceConfig> kept;
		for (const std::string &name : only) {
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

void printConfig(const PullConfig &c)
{
	std::printf("config: %s\n", c.file.empty() ? "(built-in defaults)" : c.file.c_str());
	char percent[32];
	std::snprintf(percent, sizeof percent, "%g%%", c.minFree.percent);
	const std::string minFree = c.minFree.percent > 0 ? percent : common::formatBytes(c.minFree.bytes);
	std::printf("interval=%s active_hours=%s mode=%s max_file_size=%s min_free=%s connect_timeout=%s io_timeout=%s "
		    "round_timeout=%s retries=%u\n",
		    common::formatDuration(c.interval).c_str(), c.activeHours.text().c_str(), modeName(c.mode).c_str(),
		    common::formatBytes(c.maxFileSize).c_str(), minFree.c_str(), common::formatDuration(c.connectTimeout).c_str(),
		    common::formatDuration(c.ioTimeout).c_str(), common::formatDuration(c.roundTimeout).c_str(), c.retries);
	for (const SourceConfig &s : c.sources)
		std::printf("source %s: host=%s port=%s user=%s identity=%s known_hosts=%s host_key_policy=%s "
			    "remote_store=%s local_store=%s\n",
			    s.name.c_str(), s.ssh.host.c_str(), s.ssh.port ? std::to_string(s.ssh.port).c_str() : "(ssh config)",
			    s.ssh.user.empty() ? "(ssh config)" : s.ssh.user.c_str(),
			    s.ssh.identities.empty() ? "(ssh-agent, default keys)" : s.ssh.identities.front().c_str(),
			    s.ssh.knownHosts.empty() ? "~/.ssh/known_hosts" : s.ssh.knownHosts.c_str(),
			    s.ssh.hostKeyPolicy == HostKeyPolicy::Strict ? "strict" : "accept-new",
			    s.remoteStore.c_str(), s.localStore.c_str());
}

// `status`: the running daemon's API for a person; 3 (as systemctl status) when none runs.
int showStatus(bool syncNow)
{
	return common::runSessionBusClient("lingercam-pull", PullDbus::kBusName, "pull", [&](sdbus::IConnection &bus) {
		if (syncNow)
			requestSyncNow(bus);
		printPullStatus(std::cout, readPullApi(bus), std::chrono::system_clock::now());
	});
}

int runDoctor(const PullConfig &config)
{
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

} // namespace

int runPullCli(int argc, char **argv)
{
	CLI::App app{ "lingercam-pull: fetches a camera host's frames over SFTP into a local mirror" };
	app.require_subcommand(1);
	std::string configPath;
	std::vector<std::string> sources;
	bool verbose = false;
	app.add_option("--config", configPath, "config file (default $XDG_CONFIG_HOME/lingercam/pull.toml)");
	app.add_option("--source", sources, "only this [[source]] (repeatable)");
	app.add_flag("-v,--verbose", verbose, "debug logging");
	std::string mode;
	auto *run = app.add_subcommand("run", "the daemon: a round every interval within active hours");
	auto *once = app.add_subcommand("once", "one round now, ignoring active hours; exit 1 if a source failed "
						"or frames could not be fetched");
	once->add_option("--mode", mode, "mirror or latest (overrides the config)")->check(CLI::IsMember({ "mirror", "latest" }));
	auto *check = app.add_subcommand("check-config", "read the config, print it and exit");
	bool syncNow = false;
	auto *statusCmd = app.add_subcommand("status", "the running daemon's state (its D-Bus API, org.lingercam.Pull1 "
						     "on the session bus); exit 3 if none runs");
	statusCmd->add_flag("--sync-now", syncNow, "ask it for a round now first (SyncNow)");
	auto *doctor = app.add_subcommand("doctor", "check lingering, the unit, the last round, disk space, clock sync "
						    "and ssh to each source, and say what to fix (exit 1 if any fails)");
	CLI11_PARSE(app, argc, argv);

	common::setupLogging({ verbose, std::nullopt, "lingercam-pull" });
	auto log = common::logger("pull");
	try {
		if (check->parsed()) {
			PullConfig config = loadConfig(configPath, sources, "");
			printConfig(config);
			std::printf("config ok\n");
			return 0;
		}
		if (statusCmd->parsed())
			return showStatus(syncNow);
		if (doctor->parsed())
			return runDoctor(loadConfig(configPath, sources, ""));
		common::Interrupt interrupt;
		common::SignalWatcher signals(interrupt); // before any other thread starts
		PullConfig config = loadConfig(configPath, sources, mode);
		if (const char *hang = std::getenv("LINGERCAM_TEST_PULL_HANG_AFTER"))
			config.testHangAfterFrames = std::strtoul(hang, nullptr, 10);
		PullStatus status;
		PullService service(std::move(config), interrupt, status);
		if (run->parsed()) {
			// Said once at start, so the journal explains a service that dies at every logout.
			common::logLingerCheck(common::queryLinger(::getuid()), "pull.service");
			common::BusHostProbe host;
			auto api = PullApi::startOnSessionBus(
				status, PullSchedule{ service.config().interval, service.config().activeHours }, interrupt,
				host);
			common::SystemClock clock;
			common::Notifier notifier;
			service.run(clock, notifier);
			return 0;
		}
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
			// A round can end well with frames it could not fetch (warned above, one line
			// each): for a one-off run that is a failure to report.
			if (results[i].ok && results[i].backlog > 0) {
				log->error("frames not fetched source={} count={} (see the warnings above; the next round "
					   "tries again)",
					   service.config().sources[i].name, results[i].backlog);
				ok = false;
			}
		}
		return ok ? 0 : 1;
	} catch (const common::ConfigError &e) {
		log->error("configuration error: {}", e.what());
		return common::kExitConfig;
	} catch (const std::exception &e) {
		log->error("fatal: {}", e.what());
		return 1;
	}
}

} // namespace lingercam::pull
