// SPDX-License-Identifier: BSD-2-Clause
// The command line both daemons are built on (see daemon_cli.h).
#include "daemon_cli.h"

#include <utility>

#include "cli.h"
#include "logging.h"

namespace lingercam::common {

DaemonCli::DaemonCli(std::string program, const std::string &description, std::string &configPath, bool &verbose)
	: program_(std::move(program)), app_(description, program_), verbose_(verbose)
{
	app_.require_subcommand(1);
	app_.fallthrough(); // global options after the subcommand too
	app_.add_option("-c,--config", configPath, "Config file (TOML); must exist when given")->option_text("FILE");
}

CLI::App *DaemonCli::add(const std::string &name, const std::string &help, std::function<int()> run)
{
	CLI::App *sub = app_.add_subcommand(name, help);
	subcommands_.push_back({ sub, std::move(run) });
	return sub;
}

int DaemonCli::run(int argc, char **argv, const std::string &logger)
{
	// Added last, so that --help lists them after the program's own options, as before.
	app_.add_flag("-v,--verbose", verbose_, "Debug logging");
	app_.set_version_flag("--version", versionText(program_));
	try {
		app_.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		return app_.exit(e);
	}
	setupLogging({ verbose_, std::nullopt, program_ });
	return runSubcommand(logger, [&] {
		for (const Subcommand &sub : subcommands_)
			if (*sub.app)
				return sub.run();
		return 2; // require_subcommand(1): not reached
	});
}

} // namespace lingercam::common
