// SPDX-License-Identifier: BSD-2-Clause
// The command line both daemons are built on: common options, one function per subcommand.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace lingercam::common {

/// A daemon's command line: its description, -c/--config, -v/--verbose and --version, then
/// exactly one subcommand (global options may follow it), each run by a function of its own.
/// The program adds its own options to app() and its subcommands with add().
class DaemonCli {
public:
	/// \a program ("lingercam-capture") names it in --help, --version and the journal.
	DaemonCli(std::string program, const std::string &description, std::string &configPath, bool &verbose);

	CLI::App &app() { return app_; }
	/// Adds subcommand \a name, run by \a run when it is given; its own options go on the
	/// returned subcommand.
	CLI::App *add(const std::string &name, const std::string &help, std::function<int()> run);
	/// Parses, sets up logging and runs the subcommand given through runSubcommand() on the
	/// logger \a logger; returns its exit status (a usage error: CLI11's, after printing it).
	int run(int argc, char **argv, const std::string &logger);

private:
	struct Subcommand {
		CLI::App *app;
		std::function<int()> run;
	};

	std::string program_;
	CLI::App app_;
	bool &verbose_;
	std::vector<Subcommand> subcommands_;
};

} // namespace lingercam::common
