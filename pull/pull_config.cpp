// SPDX-License-Identifier: BSD-2-Clause
// Reading pull.toml (see pull_config.h).
#include "pull_config.h"

#include <cstdlib>
#include <set>

#include <toml++/toml.h>

#include "common/config_reader.h"
#include "common/error.h"
#include "common/paths.h"
#include "round_limits.h"

namespace lingercam::pull {

namespace {

using common::ConfigError;
using common::ConfigReader;
using namespace std::chrono_literals;

bool validSourceName(const std::string &name)
{
	if (name.empty() || name.size() > 64 || name.front() == '.' || name.front() == '-')
		return false;
	for (char c : name)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
			return false;
	return true;
}

SourceConfig readSource(ConfigReader &r, const PullConfig &top, std::size_t index)
{
	SourceConfig s;
	s.ssh.host = r.string("host").value_or("capturepi");
	if (s.ssh.host.empty() || s.ssh.host.find_first_of(" \t\n") != std::string::npos)
		r.fail("host", "must be a host name, address or ssh config alias");
	s.name = r.string("name").value_or(index == 0 ? s.ssh.host : s.ssh.host + "-" + std::to_string(index + 1));
	if (!validSourceName(s.name))
		r.fail("name", "must be 1-64 letters, digits, '-', '_' or '.', not starting with '.' or '-'");
	if (auto port = r.integer("port", 1, 65535))
		s.ssh.port = static_cast<int>(*port);
	s.ssh.user = r.string("user").value_or("");
	if (auto identity = r.path("identity"); identity && !identity->empty())
		s.ssh.identities.push_back(identity->string());
	if (auto kh = r.path("known_hosts"); kh && !kh->empty())
		s.ssh.knownHosts = kh->string();
	if (auto cfg = r.path("ssh_config", { "none" }); cfg && !cfg->empty())
		s.ssh.sshConfig = cfg->string();
	s.ssh.hostKeyPolicy = r.choice("host_key_policy", { "strict", "accept-new" }).value_or("strict") == "accept-new"
				      ? HostKeyPolicy::AcceptNew
				      : HostKeyPolicy::Strict;
	s.remoteStore = r.string("remote_store").value_or(kDefaultRemoteStore);
	if (s.remoteStore.empty())
		r.fail("remote_store", "must not be empty");
	if (auto local = r.path("local_store"); local && !local->empty())
		s.localStore = *local;
	else
		s.localStore = defaultLocalStore(s.name);
	s.ssh.ciphers = kDefaultCiphers;
	s.ssh.connectTimeout = top.connectTimeout;
	s.ssh.ioTimeout = top.ioTimeout;
	r.finish();
	return s;
}

PullConfig readConfig(const toml::table &table, const std::string &file)
{
	PullConfig c;
	c.file = file;
	ConfigReader r(table, file);
	c.interval = r.duration("interval", 1s, std::chrono::hours(24)).value_or(c.interval);
	if (auto hours = r.string("active_hours")) {
		auto parsed = ActiveHours::parse(*hours);
		if (!parsed)
			r.fail("active_hours", "must be \"HH:MM-HH:MM\" in local time (e.g. \"06:00-22:00\"), or \"always\"");
		c.activeHours = *parsed;
	}
	c.mode = r.choice("mode", { "mirror", "latest" }).value_or("mirror") == "latest" ? PullMode::Latest
											  : PullMode::Mirror;
	if (auto floor = r.spaceFloor("min_free"))
		c.minFree = *floor;
	if (auto bytes = r.bytes("max_file_size")) {
		if (*bytes < 1024)
			r.fail("max_file_size", "must be at least 1K");
		c.maxFileSize = *bytes;
	}
	c.connectTimeout = r.duration("connect_timeout", 1s, std::chrono::hours(1)).value_or(c.connectTimeout);
	c.ioTimeout = r.duration("io_timeout", 1s, std::chrono::hours(1)).value_or(c.ioTimeout);
	c.roundTimeout = r.duration("round_timeout", 1s, std::chrono::hours(24)).value_or(c.roundTimeout);
	if (c.roundTimeout <= c.ioTimeout)
		r.fail("round_timeout", "must be longer than io_timeout (" + configDuration(c.ioTimeout) +
						"): a round waits io_timeout for a single answer");
	c.retries = static_cast<unsigned>(r.integer("retries", 0, 100).value_or(c.retries));
	c.retryBackoff = r.duration("retry_backoff", 0ms, std::chrono::hours(1)).value_or(c.retryBackoff);
	c.gallery = r.boolean("gallery").value_or(c.gallery);
	std::string ciphers = r.string("ciphers").value_or(kDefaultCiphers);

	std::set<std::string> names;
	std::set<std::string> locals;
	std::size_t index = 0;
	for (ConfigReader &source : r.tables("source")) {
		SourceConfig s = readSource(source, c, index++);
		s.ssh.ciphers = ciphers;
		if (!names.insert(s.name).second)
			source.fail("name", "another [[source]] is already called \"" + s.name + "\"");
		std::string normal = s.localStore.lexically_normal().string();
		while (normal.size() > 1 && normal.back() == '/')
			normal.pop_back();
		if (!locals.insert(normal).second)
			source.fail("local_store", "another [[source]] already mirrors into " + s.localStore.string());
		c.sources.push_back(std::move(s));
	}
	r.finish();
	return c;
}

} // namespace

std::filesystem::path defaultConfigPath()
{
	return common::xdgConfigHome() / "lingercam" / "pull.toml";
}

std::filesystem::path defaultLocalStore(const std::string &sourceName)
{
	return common::xdgDataHome() / "lingercam" / "mirror" / sourceName;
}

PullConfig loadPullConfig(const std::string &path)
{
	if (path.empty()) {
		std::filesystem::path def = defaultConfigPath();
		std::error_code ec;
		if (!std::filesystem::exists(def, ec)) {
			PullConfig c;
			return c;
		}
		return readConfig(ConfigReader::parseFile(def.string()), def.string());
	}
	return readConfig(ConfigReader::parseFile(path), path);
}

PullConfig parsePullConfig(const std::string &text, const std::string &file)
{
	return readConfig(ConfigReader::parseString(text, file), file);
}

std::string modeName(PullMode mode)
{
	return mode == PullMode::Latest ? "latest" : "mirror";
}

} // namespace lingercam::pull
