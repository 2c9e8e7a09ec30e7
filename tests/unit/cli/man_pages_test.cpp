// SPDX-License-Identifier: BSD-2-Clause
// The man pages (docs/man) say what --help says: every option and subcommand of each
// program's help, and every key of its default config, is in its page.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "support/program.h"

namespace fs = std::filesystem;
using namespace lingercam;

namespace {

std::string output(const std::string &cmd)
{
	FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
	std::string out;
	char buf[512];
	while (std::size_t n = std::fread(buf, 1, sizeof buf, p))
		out.append(buf, n);
	::pclose(p);
	return out;
}

/// The page as text: roff's escapes and font changes taken out (\- is -, \fB is nothing).
std::string pageText(const fs::path &page)
{
	std::ifstream in(page);
	std::ostringstream s;
	s << in.rdbuf();
	std::string text = std::regex_replace(s.str(), std::regex(R"(\\f[BIRP])"), "");
	text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
	return std::regex_replace(text, std::regex(R"(\\e)"), "\\");
}

/// Each "--option" and subcommand name in \a help.
std::vector<std::string> namesIn(const std::string &help)
{
	std::vector<std::string> names;
	std::istringstream lines(help);
	bool subcommands = false;
	const std::regex option(R"(^  (?:-[a-zA-Z], ?)?(--[a-z-]+).*)"), subcommand(R"(^  ([a-z][a-z-]+) .*)");
	for (std::string line; std::getline(lines, line);) {
		std::smatch m;
		if (line == "Subcommands:")
			subcommands = true;
		else if (std::regex_match(line, m, option))
			names.push_back(m[1]);
		else if (subcommands && std::regex_match(line, m, subcommand))
			names.push_back(m[1]);
	}
	return names;
}

const fs::path kMan = LINGERCAM_MAN_DIR;

void expectPageHasHelp(const std::string &page, const std::string &helpCommand)
{
	ASSERT_TRUE(fs::exists(kMan / page)) << kMan / page;
	const std::string text = pageText(kMan / page);
	const std::string help = output(helpCommand + " --help");
	const auto names = namesIn(help);
	EXPECT_GE(names.size(), 4u) << help;
	for (const std::string &n : names)
		EXPECT_NE(text.find(n), std::string::npos) << page << " lacks " << n << " from " << helpCommand << " --help";
}

} // namespace

TEST(TheManPages, SayEveryOptionAndSubcommandOfEachProgramsHelp)
{
	expectPageHasHelp("lingercam-capture.1", test::programCommand("capture/lingercam-capture"));
	expectPageHasHelp("lingercam-pull.1", test::programCommand("pull/lingercam-pull"));
	expectPageHasHelp("lingercam-install.1", std::string(LINGERCAM_SOURCE_DIR) + "/systemd/install.sh");
	// A subcommand's own option, from that subcommand's --help.
	EXPECT_NE(pageText(kMan / "lingercam-pull.1").find("--sync-now"), std::string::npos);
	EXPECT_NE(pageText(kMan / "lingercam-capture.1").find("--capture-now"), std::string::npos);
}

TEST(TheManPages, DescribeEveryKeyOfTheDefaultConfigs)
{
	for (const std::string name : { "capture", "pull" }) {
		const std::string text = pageText(kMan / ("lingercam-" + name + ".toml.5"));
		std::ifstream defaults(std::string(LINGERCAM_SOURCE_DIR) + "/systemd/" + name + ".toml");
		const std::regex key(R"(^#?([a-z_]+) = .*)");
		int keys = 0;
		for (std::string line; std::getline(defaults, line);) {
			std::smatch m;
			if (!std::regex_match(line, m, key))
				continue;
			++keys;
			EXPECT_NE(text.find(std::string(m[1]) + " ="), std::string::npos)
				<< "lingercam-" << name << ".toml.5 lacks " << m[1];
		}
		EXPECT_GE(keys, 10) << name;
	}
}
