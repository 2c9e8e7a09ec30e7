// SPDX-License-Identifier: BSD-2-Clause
// Reading pull.toml, and active hours.
#include <cstdlib>

#include <gtest/gtest.h>

#include "common/error.h"
#include "pull/pull_config.h"

using namespace lingercam;
using namespace std::chrono_literals;

namespace {

class APullConfig : public ::testing::Test {
protected:
	void SetUp() override
	{
		::setenv("HOME", "/home/viewer", 1);
		::setenv("XDG_DATA_HOME", "/data", 1);
	}
	void TearDown() override { ::unsetenv("XDG_DATA_HOME"); }
};

TEST_F(APullConfig, HasADefaultForEveryKey)
{
	auto c = pull::parsePullConfig("[[source]]\n", "pull.toml");
	EXPECT_EQ(c.interval, 10min);
	EXPECT_EQ(c.activeHours.text(), "06:00-22:00");
	EXPECT_EQ(c.mode, pull::PullMode::Mirror);
	EXPECT_EQ(c.maxFileSize, 64u << 20);
	ASSERT_EQ(c.sources.size(), 1u);
	const auto &s = c.sources[0];
	EXPECT_EQ(s.name, "capturepi");
	EXPECT_EQ(s.ssh.host, "capturepi");
	EXPECT_EQ(s.ssh.port, 0) << "port from ssh config or 22";
	EXPECT_TRUE(s.ssh.identities.empty()) << "ssh-agent and default keys";
	EXPECT_EQ(s.ssh.hostKeyPolicy, pull::HostKeyPolicy::Strict);
	EXPECT_EQ(s.remoteStore, ".local/share/lingercam/store");
	EXPECT_EQ(s.localStore, "/data/lingercam/mirror/capturepi");
	EXPECT_NE(s.ssh.ciphers.find("aes128-gcm@openssh.com"), std::string::npos);
}

TEST_F(APullConfig, ReadsEveryKey)
{
	auto c = pull::parsePullConfig(R"(
interval = "5m"
active_hours = "always"
mode = "latest"
max_file_size = "8M"
connect_timeout = "3s"
io_timeout = 20
retries = 5
retry_backoff = "1s"
[[source]]
name = "garden"
host = "gardencam"
port = 2222
user = "pi"
identity = "~/.ssh/id_garden"
known_hosts = "/etc/lingercam/known_hosts"
host_key_policy = "accept-new"
remote_store = "/srv/store"
local_store = "~/frames/garden"
ssh_config = "none"
[[source]]
name = "door"
host = "doorcam"
)",
				       "pull.toml");
	EXPECT_EQ(c.interval, 5min);
	EXPECT_TRUE(c.activeHours.always());
	EXPECT_EQ(c.mode, pull::PullMode::Latest);
	EXPECT_EQ(c.maxFileSize, 8u << 20);
	EXPECT_EQ(c.retries, 5u);
	ASSERT_EQ(c.sources.size(), 2u);
	const auto &g = c.sources[0];
	EXPECT_EQ(g.ssh.port, 2222);
	EXPECT_EQ(g.ssh.user, "pi");
	EXPECT_EQ(g.ssh.identities, std::vector<std::string>{ "/home/viewer/.ssh/id_garden" });
	EXPECT_EQ(g.ssh.hostKeyPolicy, pull::HostKeyPolicy::AcceptNew);
	EXPECT_EQ(g.ssh.sshConfig, "none");
	EXPECT_EQ(g.ssh.connectTimeout, 3s);
	EXPECT_EQ(g.ssh.ioTimeout, 20s);
	EXPECT_EQ(g.localStore, "/home/viewer/frames/garden");
	EXPECT_EQ(c.sources[1].localStore, "/data/lingercam/mirror/door");
}

TEST_F(APullConfig, RejectsUnknownKeysNamingFileLineAndKey)
{
	try {
		pull::parsePullConfig("interval = \"10m\"\n[[source]]\nhost = \"a\"\ncolour = \"blue\"\n", "/etc/pull.toml");
		FAIL() << "no error";
	} catch (const common::ConfigError &e) {
		std::string what = e.what();
		EXPECT_NE(what.find("/etc/pull.toml"), std::string::npos) << what;
		EXPECT_NE(what.find("colour"), std::string::npos) << what;
	}
}

TEST_F(APullConfig, RejectsBadValues)
{
	for (const char *text : { "active_hours = \"6-22\"\n", "mode = \"fast\"\n", "[[source]]\nport = 70000\n",
				  "[[source]]\nhost_key_policy = \"no\"\n", "[[source]]\nname = \"../x\"\n",
				  "[[source]]\nidentity = \"relative/key\"\n", "[[source]]\nname = \"a\"\n[[source]]\nname = \"a\"\n",
				  "interval = \"0s\"\n",
				  "[[source]]\nname = \"a\"\nlocal_store = \"/m\"\n[[source]]\nname = \"b\"\nlocal_store = \"/m/\"\n" })
		EXPECT_THROW(pull::parsePullConfig(text, "pull.toml"), common::ConfigError) << text;
}

// Every path key follows the rule of both config files (common/paths.h): absolute, or from
// the home folder as ~/ or $HOME/; a relative one is refused naming file, line and key.
TEST_F(APullConfig, TakesPathsByTheRuleOfBothConfigFiles)
{
	auto c = pull::parsePullConfig("[[source]]\nidentity = \"$HOME/.ssh/id_garden\"\nknown_hosts = \"~/.ssh/kh\"\n"
				       "ssh_config = \"$HOME/.ssh/config\"\nlocal_store = \"$HOME/frames\"\n",
				       "pull.toml");
	const auto &s = c.sources.at(0);
	EXPECT_EQ(s.ssh.identities, std::vector<std::string>{ "/home/viewer/.ssh/id_garden" });
	EXPECT_EQ(s.ssh.knownHosts, "/home/viewer/.ssh/kh");
	EXPECT_EQ(s.ssh.sshConfig, "/home/viewer/.ssh/config");
	EXPECT_EQ(s.localStore, "/home/viewer/frames");
	for (const char *key : { "identity", "known_hosts", "ssh_config", "local_store" }) {
		try {
			pull::parsePullConfig(std::string("[[source]]\nname = \"a\"\n") + key + " = \"frames\"\n", "/etc/pull.toml");
			ADD_FAILURE() << key << ": no error";
		} catch (const common::ConfigError &e) {
			const std::string expected = "/etc/pull.toml:3: key 'source[0]." + std::string(key) +
						     "': expected an absolute path or one starting with ~/ or $HOME/";
			EXPECT_TRUE(std::string(e.what()).starts_with(expected)) << e.what();
		}
	}
}

TEST(AnActiveHoursWindow, FollowsTheSeedsCronSixToTwentyOne)
{
	auto h = *pull::ActiveHours::parse("06:00-22:00");
	EXPECT_FALSE(h.containsMinute(5 * 60 + 59));
	EXPECT_TRUE(h.containsMinute(6 * 60));
	EXPECT_TRUE(h.containsMinute(21 * 60 + 50));
	EXPECT_FALSE(h.containsMinute(22 * 60));
}

TEST(AnActiveHoursWindow, MayWrapMidnight)
{
	auto h = *pull::ActiveHours::parse("22:00-06:00");
	EXPECT_TRUE(h.containsMinute(23 * 60));
	EXPECT_TRUE(h.containsMinute(60));
	EXPECT_FALSE(h.containsMinute(12 * 60));
}

TEST(AnActiveHoursWindow, IsAlwaysOpenWhenEmptyOrAlways)
{
	EXPECT_TRUE(pull::ActiveHours::parse("")->always());
	EXPECT_TRUE(pull::ActiveHours::parse("always")->always());
	for (const char *bad : { "06:00", "6:00-22:00", "06:00-06:00", "25:00-26:00", "06:60-07:00" })
		EXPECT_FALSE(pull::ActiveHours::parse(bad)) << bad;
}

} // namespace
