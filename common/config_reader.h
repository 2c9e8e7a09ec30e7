// SPDX-License-Identifier: BSD-2-Clause
// Typed, checked reading of a TOML config file, errors naming file, line and key.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace lingercam::common {

/// Free space to keep on a file system: a size, or a percentage of the file system.
struct SpaceFloor {
	std::uint64_t bytes = 0;
	double percent = 0;
	/// The floor in bytes on a file system of \a total bytes.
	std::uint64_t of(std::uint64_t total) const
	{
		return std::max<std::uint64_t>(bytes, static_cast<std::uint64_t>(percent / 100.0 * static_cast<double>(total)));
	}
};

/// Typed, checked access to one TOML table of a config file. Every getter records the key as
/// known; finish() then rejects any key nobody asked for. Every error is a ConfigError whose
/// message names the file, the line, the key and what is accepted.
class ConfigReader {
public:
	/// The largest config file read: a few hundred lines are a large config.
	static constexpr std::size_t kMaxFileSize = 1 << 20;

	/// Reads and parses \a path; throws ConfigError for an unreadable, empty or oversized
	/// file, a folder or anything else that is not a regular file, or invalid TOML.
	static toml::table parseFile(const std::string &path);
	static toml::table parseString(std::string_view text, const std::string &path);

	ConfigReader(const toml::table &table, std::string file, std::string tableName = {});

	std::optional<std::string> string(std::string_view key);
	std::optional<std::string> choice(std::string_view key, std::initializer_list<std::string_view> allowed);
	std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
	std::optional<double> number(std::string_view key, double min, double max);
	std::optional<bool> boolean(std::string_view key);
	/// An integer (seconds) or a string such as "90s", "10m", "1h30m".
	std::optional<std::chrono::milliseconds> duration(std::string_view key, std::chrono::milliseconds min,
							  std::chrono::milliseconds max);
	/// An integer (bytes) or a string such as "500M", "20GiB".
	std::optional<std::uint64_t> bytes(std::string_view key);
	/// A percentage from "0%" to "99%", or a size as for bytes().
	std::optional<SpaceFloor> spaceFloor(std::string_view key);
	/// A path on this host, by the one rule of both config files (paths.h: configFilePath):
	/// absolute, or starting with "~/" or "$HOME/"; a relative one is an error. An empty
	/// string gives an empty path (the caller's default), and each of \a keywords (such as
	/// "none") comes back as it is.
	std::optional<std::filesystem::path> path(std::string_view key, std::initializer_list<std::string_view> keywords = {});
	/// A sub-table; absent gives an empty one.
	ConfigReader table(std::string_view key);
	/// An array of tables ([[key]]).
	std::vector<ConfigReader> tables(std::string_view key);

	/// Throws ConfigError naming the first key no getter asked for.
	void finish() const;

	const std::string &file() const { return file_; }
	/// "FILE:LINE: key 'k'" for messages about a value that was read fine but is inconsistent.
	std::string where(std::string_view key) const;
	[[noreturn]] void fail(std::string_view key, const std::string &message) const;

private:
	const toml::node *lookup(std::string_view key);
	[[noreturn]] void wrongType(std::string_view key, const toml::node &node, std::string_view expected) const;

	const toml::table *table_;
	std::string file_;
	std::string tableName_;
	std::set<std::string, std::less<>> known_;
	static const toml::table kEmpty;
};

} // namespace lingercam::common
