// SPDX-License-Identifier: BSD-2-Clause
// The config reader: typed values, unknown keys, and errors that name file, line and key.
#include <fstream>

#include <gtest/gtest.h>

#include "common/config_reader.h"
#include "common/error.h"
#include "support/temp_dir.h"

using namespace lingercam;
using namespace std::chrono_literals;
using common::ConfigError;
using common::ConfigReader;

namespace {

std::string errorOf(const std::function<void()> &f)
{
	try {
		f();
	} catch (const ConfigError &e) {
		return e.what();
	}
	return "(no error)";
}

} // namespace

TEST(AConfigReader, NamesFileLineAndKeyOfAnUnknownKey)
{
	auto table = ConfigReader::parseString("interval = 60\n\n[image]\nwidht = 640\n", "capture.toml");
	std::string msg = errorOf([&] {
		ConfigReader root(table, "capture.toml");
		root.duration("interval", 1s, 1h);
		ConfigReader image = root.table("image");
		image.integer("width", 1, 10);
		image.finish();
	});
	EXPECT_NE(msg.find("capture.toml:4"), std::string::npos) << msg;
	EXPECT_NE(msg.find("unknown key 'image.widht'"), std::string::npos) << msg;
	EXPECT_NE(msg.find("width"), std::string::npos) << "lists the known keys: " << msg;
}

TEST(AConfigReader, NamesTheKeyAndTheExpectedTypeOfAWrongType)
{
	auto table = ConfigReader::parseString("a = 1\nquality = \"high\"\n", "f.toml");
	std::string msg = errorOf([&] { ConfigReader(table, "f.toml").integer("quality", 1, 100); });
	EXPECT_EQ(msg, "f.toml:2: key 'quality': expected an integer, got \"high\"");
}

TEST(AConfigReader, NamesTheRangeOfAnOutOfRangeValue)
{
	auto table = ConfigReader::parseString("quality = 101\ninterval = \"0s\"\n", "f.toml");
	EXPECT_EQ(errorOf([&] { ConfigReader(table, "f.toml").integer("quality", 1, 100); }),
		  "f.toml:1: key 'quality': expected an integer from 1 to 100, got 101");
	std::string msg = errorOf([&] { ConfigReader(table, "f.toml").duration("interval", 1s, 1h); });
	EXPECT_NE(msg.find("f.toml:2: key 'interval'"), std::string::npos) << msg;
	EXPECT_NE(msg.find("from 1.0s"), std::string::npos) << msg;
}

TEST(AConfigReader, NamesFileLineAndColumnOfInvalidToml)
{
	std::string msg = errorOf([] { ConfigReader::parseString("a = 1\nb = [1, 2\n", "bad.toml"); });
	EXPECT_NE(msg.find("bad.toml:"), std::string::npos) << msg;
	EXPECT_NE(msg.find("invalid TOML"), std::string::npos) << msg;
}

TEST(AConfigReader, NamesTheFileThatCannotBeRead)
{
	std::string msg = errorOf([] { ConfigReader::parseFile("/nonexistent/lingercam.toml"); });
	EXPECT_EQ(msg, "/nonexistent/lingercam.toml: cannot read config file: No such file or directory");
}

TEST(AConfigReader, TakesDurationsAndSizesAsNumbersOrStrings)
{
	auto table = ConfigReader::parseString("a = 90\nb = \"10m\"\nc = 1024\nd = \"2G\"\n", "f.toml");
	ConfigReader r(table, "f.toml");
	EXPECT_EQ(r.duration("a", 1s, 1h), 90s);
	EXPECT_EQ(r.duration("b", 1s, 1h), 10min);
	EXPECT_EQ(r.bytes("c"), 1024u);
	EXPECT_EQ(r.bytes("d"), 2ull << 30);
	EXPECT_NO_THROW(r.finish());
}

// Both config files take paths by this one rule (common/paths.h).
TEST(AConfigReader, TakesAPathAbsoluteOrFromTheHomeFolderAndNamesTheKeyOfARelativeOne)
{
	const char *saved = std::getenv("HOME");
	const std::string savedHome = saved ? saved : "";
	::setenv("HOME", "/home/viewer", 1);
	auto table = ConfigReader::parseString("a = \"/srv/frames\"\nb = \"~/frames\"\nc = \"$HOME/frames\"\nd = \"~\"\n"
					       "e = \"\"\nf = \"none\"\ng = \"frames\"\nh = \"./frames\"\ni = \"~pi/frames\"\n"
					       "j = \"$HOMEfolder/frames\"\n",
					       "pull.toml");
	ConfigReader r(table, "pull.toml");
	EXPECT_EQ(r.path("a"), std::filesystem::path("/srv/frames"));
	EXPECT_EQ(r.path("b"), std::filesystem::path("/home/viewer/frames"));
	EXPECT_EQ(r.path("c"), std::filesystem::path("/home/viewer/frames"));
	EXPECT_EQ(r.path("d"), std::filesystem::path("/home/viewer"));
	EXPECT_EQ(r.path("e"), std::filesystem::path()) << "empty: the caller's default";
	EXPECT_EQ(r.path("f", { "none" }), std::filesystem::path("none"));
	EXPECT_EQ(r.path("missing"), std::nullopt);
	EXPECT_EQ(errorOf([&] { r.path("g"); }),
		  "pull.toml:7: key 'g': expected an absolute path or one starting with ~/ or $HOME/ (a relative one "
		  "would depend on the folder the program is started from), got \"frames\"");
	for (const char *key : { "f", "h", "i", "j" })
		EXPECT_NE(errorOf([&] { r.path(key); }).find("key '" + std::string(key) + "': expected an absolute path"),
			  std::string::npos)
			<< key;
	if (saved)
		::setenv("HOME", savedHome.c_str(), 1);
	else
		::unsetenv("HOME");
}
