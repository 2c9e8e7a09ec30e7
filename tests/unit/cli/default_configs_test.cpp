// SPDX-License-Identifier: BSD-2-Clause
// The commented default configs that lingercam-install writes are the config reference (and
// the source of the section 5 man pages): they list every key each program knows, and, with
// every key uncommented, each is a valid config.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "support/program.h"
#include "support/temp_dir.h"

using namespace lingercam;
namespace fs = std::filesystem;

namespace {

using Result = test::ProgramResult;

Result run(const std::string &program, const std::string &args)
{
	return test::runProgram(program, args);
}

std::string slurp(const fs::path &file)
{
	std::ifstream in(file);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

/// The keys of each table ("" for the top) in a default config, commented ("#key = ...") or set.
std::map<std::string, std::set<std::string>> keysIn(const std::string &text)
{
	std::map<std::string, std::set<std::string>> keys;
	std::string table;
	std::istringstream lines(text);
	const std::regex header(R"(^\[\[?([a-z_]+)\]\]?.*)"), key(R"(^#?([a-z_]+) = .*)");
	for (std::string line; std::getline(lines, line);) {
		std::smatch m;
		if (std::regex_match(line, m, header))
			table = m[1];
		else if (std::regex_match(line, m, key))
			keys[table].insert(m[1]);
	}
	return keys;
}

/// The keys \a program knows in \a table, from its own words: the "unknown key" error lists them.
std::set<std::string> knownKeys(const std::string &program, const std::string &tableHeader, const fs::path &dir)
{
	const fs::path file = dir / "probe.toml";
	std::ofstream(file) << tableHeader << "\nzz_not_a_key = 1\n";
	const Result r = run(program, "-c " + file.string() + " check-config");
	EXPECT_EQ(r.status, 78) << r.output;
	const std::string marker = "(known keys here: ";
	const auto at = r.output.find(marker);
	EXPECT_NE(at, std::string::npos) << r.output;
	std::set<std::string> keys;
	if (at == std::string::npos)
		return keys;
	std::istringstream list(r.output.substr(at + marker.size(), r.output.find(')', at) - at - marker.size()));
	for (std::string k; std::getline(list, k, ',');)
		keys.insert(k.substr(k.find_first_not_of(' ')));
	return keys;
}

void expectEveryKnownKeyListed(const std::string &program, const fs::path &defaults,
			       const std::map<std::string, std::string> &tables)
{
	test::TempDir dir;
	const auto listed = keysIn(slurp(defaults));
	for (const auto &[table, header] : tables) {
		const std::set<std::string> known = knownKeys(program, header, dir.path());
		EXPECT_FALSE(known.empty()) << table;
		for (const std::string &k : known) {
			// The top level names its tables among its keys.
			if (table.empty() && tables.count(k))
				continue;
			EXPECT_TRUE(listed.count(table) && listed.at(table).count(k))
				<< defaults << " does not list " << (table.empty() ? "" : table + ".") << k
				<< ", which " << program << " knows";
		}
		if (!listed.count(table))
			continue;
		for (const std::string &k : listed.at(table)) {
			EXPECT_TRUE(known.count(k)) << defaults << " lists " << k << ", which " << program
						    << " does not know in [" << table << "]";
		}
	}
}

void expectValidUncommented(const std::string &program, const fs::path &defaults)
{
	test::TempDir dir;
	const fs::path file = dir / "all.toml";
	std::ofstream(file) << std::regex_replace(slurp(defaults), std::regex(R"((^|\n)#([a-z_]+ = ))"), "$1$2");
	const Result r = run(program, "-c " + file.string() + " check-config");
	EXPECT_EQ(r.status, 0) << defaults << " with every key uncommented: " << r.output;
	EXPECT_NE(r.output.find("is valid"), std::string::npos) << r.output;
}

const fs::path kSource = LINGERCAM_SOURCE_DIR;

} // namespace

TEST(TheDefaultCaptureConfig, ListsEveryKeyCaptureKnowsAndIsValidWithAllUncommented)
{
	expectEveryKnownKeyListed("capture/lingercam-capture", kSource / "systemd/capture.toml",
				  { { "", "" },
				    { "image", "[image]" },
				    { "camera", "[camera]" },
				    { "testpattern", "[testpattern]" },
				    { "retention", "[retention]" } });
	expectValidUncommented("capture/lingercam-capture", kSource / "systemd/capture.toml");
}

TEST(TheDefaultPullConfig, ListsEveryKeyPullKnowsAndIsValidWithAllUncommented)
{
	expectEveryKnownKeyListed("pull/lingercam-pull", kSource / "systemd/pull.toml",
				  { { "", "" }, { "source", "[[source]]\nhost = \"a\"" } });
	expectValidUncommented("pull/lingercam-pull", kSource / "systemd/pull.toml");
}
