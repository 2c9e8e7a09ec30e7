// SPDX-License-Identifier: BSD-2-Clause
// The two programs' command lines behave alike: every global option works before or after
// the subcommand, --version is the project's, and the same problem is said the same way.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "lingercam_version.h"
#include "support/program.h"
#include "support/temp_dir.h"

using namespace lingercam;

namespace {

using Result = test::ProgramResult;

Result run(const std::string &program, const std::string &args)
{
	return test::runProgram(program, args);
}

/// Drops the timestamp a log line starts with, so two runs compare equal.
std::string withoutTimes(std::string text)
{
	for (std::size_t at = 0; (at = text.find("2026-", at)) != std::string::npos;)
		text.erase(at, 24);
	return text;
}

class BothPrograms : public ::testing::Test {
protected:
	BothPrograms()
	{
		std::ofstream(dir / "capture.toml") << "store = \"" << (dir / "store").string()
						    << "\"\nsource = \"testpattern\"\n";
		std::ofstream(dir / "pull.toml") << "[[source]]\nname = \"garden\"\nhost = \"camera\"\nremote_store = \"/s\"\n"
						 << "local_store = \"" << (dir / "mirror").string() << "\"\n"
						 << "[[source]]\nname = \"door\"\nhost = \"door\"\nremote_store = \"/s\"\n"
						 << "local_store = \"" << (dir / "mirror2").string() << "\"\n";
	}

	/// The same command with \a globals before and after the subcommand: same status, same words.
	void expectEitherSide(const std::string &program, const std::string &globals, const std::string &command)
	{
		const Result before = run(program, globals + " " + command);
		const Result after = run(program, command + " " + globals);
		EXPECT_EQ(before.status, after.status) << program << " " << globals << " / " << command << "\n"
						       << before.output << "\n---\n" << after.output;
		EXPECT_EQ(withoutTimes(before.output), withoutTimes(after.output)) << program << " " << globals;
		EXPECT_NE(before.status, 109) << "CLI11's 'extra arguments': " << before.output;
	}

	test::TempDir dir;
	const std::string capture = "capture/lingercam-capture";
	const std::string pull = "pull/lingercam-pull";
};

} // namespace

TEST_F(BothPrograms, TakeEveryGlobalOptionBeforeOrAfterTheSubcommand)
{
	const std::string cc = (dir / "capture.toml").string(), pc = (dir / "pull.toml").string();
	for (const std::string &globals :
	     { "--config " + cc, "-c " + cc, "--config " + cc + " --store " + (dir / "other").string(),
	       "--config " + cc + " --interval 30s", "--config " + cc + " --source testpattern",
	       "--config " + cc + " -v", "--config " + (dir / "missing.toml").string() })
		expectEitherSide(capture, globals, "check-config");
	for (const std::string &globals : { "--config " + pc, "-c " + pc, "--config " + pc + " --source door",
					    "--config " + pc + " --source door --source garden", "--config " + pc + " -v",
					    "--config " + pc + " --source nowhere", "--config " + (dir / "missing.toml").string() })
		expectEitherSide(pull, globals, "check-config");
	// The option took effect, wherever it stood.
	const Result door = run(pull, "check-config --config " + pc + " --source door");
	EXPECT_EQ(door.status, 0) << door.output;
	EXPECT_NE(door.output.find("source door:"), std::string::npos) << door.output;
	EXPECT_EQ(door.output.find("source garden:"), std::string::npos) << door.output;
	const Result every = run(capture, "check-config --config " + cc + " --interval 30s");
	EXPECT_NE(every.output.find("interval:  30.0s"), std::string::npos) << every.output;
}

TEST_F(BothPrograms, PrintTheProjectVersion)
{
	EXPECT_EQ(run(capture, "--version").output, std::string("lingercam-capture ") + kVersion + "\n");
	EXPECT_EQ(run(pull, "--version").output, std::string("lingercam-pull ") + kVersion + "\n");
}

TEST_F(BothPrograms, SayABadConfigTheSameWayWithExit78)
{
	std::ofstream(dir / "bad.toml") << "interval = true\n";
	for (const std::string &program : { capture, pull }) {
		const Result r = run(program, "check-config --config " + (dir / "bad.toml").string());
		EXPECT_EQ(r.status, 78) << r.output;
		EXPECT_NE(r.output.find("bad configuration: " + (dir / "bad.toml").string() + ":1: key 'interval'"),
			  std::string::npos)
			<< program << ": " << r.output;
	}
}

TEST_F(BothPrograms, PrintCheckConfigInOneStyle)
{
	for (const auto &[program, config] : { std::pair(capture, dir / "capture.toml"), std::pair(pull, dir / "pull.toml") }) {
		const Result r = run(program, "check-config --config " + config.string());
		ASSERT_EQ(r.status, 0) << r.output;
		EXPECT_EQ(r.output.rfind("config: " + config.string() + " is valid\n", 0), 0u) << r.output;
		EXPECT_NE(r.output.find("\ninterval:"), std::string::npos) << r.output;
	}
}
