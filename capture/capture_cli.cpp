// SPDX-License-Identifier: BSD-2-Clause
// lingercam-capture's command line: one function per subcommand (see capture_cli.h).
#include "capture_cli.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "capture_client.h"
#include "capture_config.h"
#include "capture_dbus.h"
#include "capture_doctor.h"
#include "capture_service.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/coverage.h"
#include "common/daemon_cli.h"
#include "common/dbus_connection.h"
#include "common/error.h"
#include "common/host_probe.h"
#include "common/linger_check.h"
#include "common/logging.h"
#include "common/notifier.h"
#include "common/paths.h"
#include "common/signal_watcher.h"
#include "common/store.h"
#include "common/units.h"
#include "libcamera_source.h"
#include "source_factory.h"

namespace lingercam::capture {

namespace {

constexpr int kExitUnavailable = 69; // EX_UNAVAILABLE: no camera

struct Overrides {
	std::string configPath;
	std::string source;
	std::string store;
	std::string interval;
	bool verbose = false;
};

CaptureConfig loadConfig(const Overrides &o)
{
	const bool explicitFile = !o.configPath.empty();
	CaptureConfig config = loadCaptureConfig(explicitFile ? std::filesystem::path(o.configPath)
							      : defaultCaptureConfigPath(),
						 explicitFile);
	if (!o.source.empty())
		config.source = *parseSourceKind(o.source);
	if (!o.store.empty())
		config.store = common::expandHome(o.store); // relative to the working folder, as any argument
	if (!o.interval.empty()) {
		auto interval = common::parseDuration(o.interval);
		if (!interval || *interval < std::chrono::seconds(1))
			throw common::ConfigError("--interval: expected a duration of at least 1s (\"60\", \"30s\", \"5m\"), "
						  "got \"" + o.interval + "\"");
		config.interval = *interval;
	}
	return config;
}

void quietLibcamera(bool verbose)
{
	// libcamera logs INFO lines to stderr by default; keep them for -v.
	::setenv("LIBCAMERA_LOG_LEVELS", verbose ? "*:INFO" : "*:WARN", 0);
}

int cmdRun(const Overrides &o)
{
	common::Interrupt interrupt;
	common::SignalWatcher signals(interrupt); // before any other thread
	CaptureConfig config = loadConfig(o);
	quietLibcamera(o.verbose);
	// Said once at start, so the journal explains a service that dies at every logout.
	common::logLingerCheck(common::queryLinger(::getuid()), "capture.service");
	common::SystemClock clock;
	common::Notifier notifier;
	// A year of frames on an SD card can take longer to index than TimeoutStartSec=:
	// say every few seconds that start-up is progressing.
	auto lastExtend = clock.monotonicNow();
	common::Store store(config.store, {}, [&](std::size_t frames) {
		if (clock.monotonicNow() - lastExtend < std::chrono::seconds(5))
			return;
		lastExtend = clock.monotonicNow();
		notifier.extendStartTimeout(std::chrono::seconds(30));
		notifier.status("indexing the store: " + std::to_string(frames) + " frames so far");
	});
	common::BusHostProbe host;
	CaptureService service(config, makeFrameSource(config, clock), store, clock, interrupt, &notifier, &host);
	// Up before READY (sent by run()), so an active unit always has its API.
	auto api = CaptureApi::startOnSessionBus(service.status(), config.store.string(), interrupt, host);
	service.run();
	return 0;
}

/// The daemon's interval in whole seconds, or none from a daemon that does not say.
std::optional<std::chrono::seconds> configuredInterval(const CaptureApiState &state)
{
	if (state.intervalMs == 0)
		return std::nullopt;
	return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(state.intervalMs));
}

int cmdStatus(bool captureNow)
{
	return common::runSessionBusClient("lingercam-capture", CaptureDbus::kBusName, "capture",
					   [&](sdbus::IConnection &bus) {
						   if (captureNow)
							   requestCaptureNow(bus);
						   const auto now = std::chrono::system_clock::now();
						   const CaptureApiState state = readCaptureApi(bus);
						   printCaptureStatus(std::cout, state, now);
						   // Read from the store itself: two day folders.
						   std::size_t unsynced = 0;
						   const auto coverage = common::recentCoverage(
							   state.storePath,
							   std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 1,
							   std::chrono::hours(24), &unsynced, configuredInterval(state));
						   std::cout << "  last 24 h:    " << common::describeCoverage(coverage, unsynced) << '\n';
					   });
}

int cmdDoctor(const Overrides &o)
{
	CaptureConfig config = loadConfig(o);
	common::BusHostProbe host;
	common::DoctorReport report = runCaptureDoctor(config, host, std::chrono::system_clock::now());
	report.print(std::cout);
	return report.exitStatus();
}

int cmdOnce(const Overrides &o)
{
	CaptureConfig config = loadConfig(o);
	quietLibcamera(o.verbose);
	common::SystemClock clock;
	common::Interrupt interrupt;
	common::Store store(config.store);
	common::BusHostProbe host;
	CaptureService service(config, makeFrameSource(config, clock), store, clock, interrupt, nullptr, &host);
	common::FrameId id = service.captureOne();
	std::cout << store.pathOf(id).string() << '\n';
	return 0;
}

int cmdCameras(const Overrides &o)
{
	quietLibcamera(o.verbose);
	std::vector<std::string> cameras = LibcameraSource::listCameras();
	if (cameras.empty()) {
		std::cerr << "no camera found: libcamera lists none (is a camera connected and enabled, and may this user "
			     "open /dev/video* and /dev/media*, e.g. as a member of group video?)\n";
		return kExitUnavailable;
	}
	for (const std::string &line : cameras)
		std::cout << line << '\n';
	return 0;
}

int cmdCheckConfig(const Overrides &o)
{
	const CaptureConfig c = loadConfig(o);
	const auto &r = c.retention;
	const std::string maxBytes = r.maxBytes ? common::formatBytes(r.maxBytes) : "off";
	const std::string minFree = r.minFreeBytes ? common::formatBytes(r.minFreeBytes)
						   : std::to_string(static_cast<int>(r.minFreePercent)) + "%";
	const std::string maxAge =
		r.maxAge.count() ? common::formatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(r.maxAge))
				 : "off";
	common::printSettings(std::cout, c.origin,
			      { { "store", c.store.string() },
				{ "interval", common::formatDuration(c.interval) },
				{ "source", std::string(sourceName(c.source)) },
				{ "image", std::to_string(c.width) + "x" + std::to_string(c.height) + " quality " +
						   std::to_string(c.quality) },
				{ "retention", "max_bytes " + maxBytes + ", min_free " + minFree + ", max_age " + maxAge } });
	return 0;
}

} // namespace

int runCaptureCli(int argc, char **argv)
{
	Overrides o;
	common::DaemonCli cli("lingercam-capture",
			      std::string("lingercam-capture: takes a still every interval into a timestamped local store, "
					  "whatever the network does.\n\nConfig: $XDG_CONFIG_HOME/lingercam/capture.toml "
					  "(default ~/.config/lingercam/capture.toml); every key has a default, flags "
					  "override it.\nStore: <store>/") +
				      common::kFramePathPattern + " (UTC) and " + common::kLatestName + ".",
			      o.configPath, o.verbose);
	CLI::App &app = cli.app();
	app.add_option("--source", o.source, "Camera: libcamera (a real camera) or testpattern (no hardware)")
		->check(CLI::IsMember({ "libcamera", "testpattern" }));
	app.add_option("--store", o.store, "Store folder (overrides 'store')")->option_text("DIR");
	app.add_option("--interval", o.interval, "Time between stills, at least 1s: 60, 30s, 5m (overrides 'interval')")
		->option_text("DURATION");

	// A camera that cannot be used is EX_UNAVAILABLE, said on the camera logger.
	auto camera = [](std::function<int()> command) {
		return [command = std::move(command)] {
			try {
				return command();
			} catch (const CameraError &e) {
				common::logger("camera")->error("{}", e.what());
				return kExitUnavailable;
			}
		};
	};
	cli.add("run",
		"Run the daemon: one still per interval, aligned to the wall clock (SIGTERM/SIGINT finish the frame in "
		"progress and exit 0)",
		camera([&] { return cmdRun(o); }));
	cli.add("once", "Take one still now and print its path", camera([&] { return cmdOnce(o); }));
	cli.add("cameras", "List the cameras libcamera sees (exit 69 if none)", camera([&] { return cmdCameras(o); }));
	cli.add("check-config", "Validate the config and print the effective settings", [&] { return cmdCheckConfig(o); });
	bool captureNow = false;
	cli.add("status",
		"Show the running daemon's state (from its D-Bus API, org.lingercam.Capture1 on the session bus); exit 3 "
		"if none runs",
		[&] { return cmdStatus(captureNow); })
		->add_flag("--capture-now", captureNow, "Ask it to take a still now first (CaptureNow)");
	cli.add("doctor",
		"Check lingering, the unit, the last frame's age, disk space, clock sync and camera access, and say what "
		"to fix (exit 1 if any fails)",
		[&] { return cmdDoctor(o); });
	return cli.run(argc, argv, "capture");
}

} // namespace lingercam::capture
