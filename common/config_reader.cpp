// SPDX-License-Identifier: BSD-2-Clause
// Typed, checked reading of a TOML config file (see config_reader.h).
#include "config_reader.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "paths.h"
#include "units.h"

namespace lingercam::common {

const toml::table ConfigReader::kEmpty;

namespace {

std::string describe(const toml::node &node)
{
	std::ostringstream out;
	switch (node.type()) {
	case toml::node_type::string: out << '"' << *node.value<std::string>() << '"'; break;
	case toml::node_type::table: out << "a table"; break;
	case toml::node_type::array: out << "an array"; break;
	case toml::node_type::integer: out << *node.value<std::int64_t>(); break;
	case toml::node_type::floating_point: out << *node.value<double>(); break;
	case toml::node_type::boolean: out << (*node.value<bool>() ? "true" : "false"); break;
	default: out << "a date/time"; break;
	}
	return out.str();
}

} // namespace

toml::table ConfigReader::parseFile(const std::string &path)
{
	// Whatever sits at the path: a folder, a FIFO, a device or a runaway file gets a clear
	// error, and no more than kMaxFileSize is ever read.
	const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		throw ConfigError(path + ": cannot read config file: " + std::strerror(errno));
	struct Closer {
		int fd;
		~Closer() { ::close(fd); }
	} closer{ fd };
	struct stat st {};
	if (::fstat(fd, &st) != 0)
		throw ConfigError(path + ": cannot read config file: " + std::strerror(errno));
	if (S_ISDIR(st.st_mode))
		throw ConfigError(path + ": is a folder, not a config file");
	if (!S_ISREG(st.st_mode))
		throw ConfigError(path + ": is not a regular file (a FIFO, socket or device), so not a config file");
	if (st.st_size == 0)
		throw ConfigError(path + ": the config file is empty (0 bytes; a file cut short by a power loss looks "
					 "like this): write the settings, or delete it to use the defaults");
	if (st.st_size > static_cast<off_t>(kMaxFileSize))
		throw ConfigError(path + ": the config file is " + std::to_string(st.st_size) +
				  " bytes, more than a config can be (" + std::to_string(kMaxFileSize) + ")");
	std::string content(static_cast<std::size_t>(st.st_size), '\0');
	std::size_t done = 0;
	while (done < content.size()) {
		const ssize_t n = ::read(fd, content.data() + done, content.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw ConfigError(path + ": cannot read config file: " + std::strerror(errno));
		if (n == 0)
			break;
		done += static_cast<std::size_t>(n);
	}
	content.resize(done);
	return parseString(content, path);
}

toml::table ConfigReader::parseString(std::string_view text, const std::string &path)
{
	try {
		return toml::parse(text, path);
	} catch (const toml::parse_error &e) {
		std::ostringstream msg;
		msg << path << ':' << e.source().begin.line << ':' << e.source().begin.column
		    << ": invalid TOML: " << e.description();
		throw ConfigError(msg.str());
	}
}

ConfigReader::ConfigReader(const toml::table &table, std::string file, std::string tableName)
	: table_(&table), file_(std::move(file)), tableName_(std::move(tableName))
{
}

std::string ConfigReader::where(std::string_view key) const
{
	std::ostringstream out;
	out << file_;
	if (const toml::node *node = table_->get(key))
		out << ':' << node->source().begin.line;
	else if (table_->source().begin.line)
		out << ':' << table_->source().begin.line;
	out << ": key '";
	if (!tableName_.empty())
		out << tableName_ << '.';
	out << key << '\'';
	return out.str();
}

void ConfigReader::fail(std::string_view key, const std::string &message) const
{
	throw ConfigError(where(key) + ": " + message);
}

void ConfigReader::wrongType(std::string_view key, const toml::node &node, std::string_view expected) const
{
	fail(key, "expected " + std::string(expected) + ", got " + describe(node));
}

const toml::node *ConfigReader::lookup(std::string_view key)
{
	known_.emplace(key);
	return table_->get(key);
}

std::optional<std::string> ConfigReader::string(std::string_view key)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	if (auto value = node->value_exact<std::string>())
		return *value;
	wrongType(key, *node, "a string");
}

std::optional<std::string> ConfigReader::choice(std::string_view key, std::initializer_list<std::string_view> allowed)
{
	auto value = string(key);
	if (!value)
		return std::nullopt;
	std::string list;
	for (std::string_view option : allowed) {
		if (*value == option)
			return value;
		list += (list.empty() ? "\"" : ", \"") + std::string(option) + "\"";
	}
	fail(key, "expected one of " + list + ", got \"" + *value + "\"");
}

std::optional<std::int64_t> ConfigReader::integer(std::string_view key, std::int64_t min, std::int64_t max)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	auto value = node->value_exact<std::int64_t>();
	if (!value)
		wrongType(key, *node, "an integer");
	if (*value < min || *value > max)
		fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
				  ", got " + std::to_string(*value));
	return value;
}

std::optional<double> ConfigReader::number(std::string_view key, double min, double max)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	auto value = node->value<double>(); // integers convert
	if (!value || !(node->is_integer() || node->is_floating_point()))
		wrongType(key, *node, "a number");
	if (!(*value >= min && *value <= max)) {
		std::ostringstream msg;
		msg << "expected a number from " << min << " to " << max << ", got " << *value;
		fail(key, msg.str());
	}
	return value;
}

std::optional<bool> ConfigReader::boolean(std::string_view key)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	if (auto value = node->value_exact<bool>())
		return *value;
	wrongType(key, *node, "true or false");
}

std::optional<std::chrono::milliseconds> ConfigReader::duration(std::string_view key, std::chrono::milliseconds min,
								std::chrono::milliseconds max)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	std::optional<std::chrono::milliseconds> value;
	if (auto seconds = node->value_exact<std::int64_t>()) {
		if (*seconds >= 0 && *seconds < 1'000'000'000'000)
			value = std::chrono::seconds(*seconds);
	} else if (auto text = node->value_exact<std::string>()) {
		value = parseDuration(*text);
	}
	const std::string accepted = "a duration (seconds as an integer, or a string like \"30s\", \"10m\", \"1h30m\") from " +
				     formatDuration(min) + " to " + formatDuration(max);
	if (!value)
		fail(key, "expected " + accepted + ", got " + describe(*node));
	if (*value < min || *value > max)
		fail(key, "expected " + accepted + ", got " + describe(*node));
	return value;
}

std::optional<std::uint64_t> ConfigReader::bytes(std::string_view key)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	if (auto n = node->value_exact<std::int64_t>(); n && *n >= 0)
		return static_cast<std::uint64_t>(*n);
	if (auto text = node->value_exact<std::string>())
		if (auto value = parseBytes(*text))
			return value;
	fail(key, "expected a size (bytes as an integer, or a string like \"500M\", \"20G\"), got " + describe(*node));
}

std::optional<SpaceFloor> ConfigReader::spaceFloor(std::string_view key)
{
	const toml::node *node = lookup(key);
	if (!node)
		return std::nullopt;
	auto text = node->value_exact<std::string>();
	if (text && !text->empty() && text->back() == '%') {
		char *end = nullptr;
		const double pct = std::strtod(text->c_str(), &end);
		if (end != text->c_str() + text->size() - 1 || !(pct >= 0 && pct < 100))
			fail(key, "expected a percentage from \"0%\" to \"99%\" or a size like \"2G\", got \"" + *text + "\"");
		return SpaceFloor{ 0, pct };
	}
	if (auto n = node->value_exact<std::int64_t>(); n && *n >= 0)
		return SpaceFloor{ static_cast<std::uint64_t>(*n), 0 };
	if (text)
		if (auto value = parseBytes(*text))
			return SpaceFloor{ *value, 0 };
	fail(key, "expected a percentage like \"5%\" or a size like \"2G\", got " + describe(*node));
}

std::optional<std::filesystem::path> ConfigReader::path(std::string_view key,
							std::initializer_list<std::string_view> keywords)
{
	auto text = string(key);
	if (!text || text->empty() || std::find(keywords.begin(), keywords.end(), *text) != keywords.end())
		return text;
	if (auto path = configFilePath(*text))
		return path;
	const std::string expected = "expected an absolute path or one starting with ~/ or $HOME/ (a relative one "
				     "would depend on the folder the program is started from)";
	fail(key, expected + ", got \"" + *text + "\"");
}

ConfigReader ConfigReader::table(std::string_view key)
{
	const toml::node *node = lookup(key);
	std::string name = tableName_.empty() ? std::string(key) : tableName_ + "." + std::string(key);
	if (!node)
		return ConfigReader(kEmpty, file_, name);
	if (const toml::table *t = node->as_table())
		return ConfigReader(*t, file_, name);
	wrongType(key, *node, "a table [" + name + "]");
}

std::vector<ConfigReader> ConfigReader::tables(std::string_view key)
{
	std::vector<ConfigReader> out;
	const toml::node *node = lookup(key);
	if (!node)
		return out;
	const toml::array *array = node->as_array();
	if (!array)
		wrongType(key, *node, "an array of tables [[" + std::string(key) + "]]");
	std::size_t index = 0;
	for (const toml::node &element : *array) {
		const toml::table *t = element.as_table();
		if (!t)
			wrongType(key, element, "an array of tables [[" + std::string(key) + "]]");
		out.emplace_back(*t, file_, std::string(key) + "[" + std::to_string(index++) + "]");
	}
	return out;
}

void ConfigReader::finish() const
{
	for (const auto &[key, node] : *table_) {
		if (known_.count(key.str()))
			continue;
		std::string knownList;
		for (const std::string &k : known_)
			knownList += (knownList.empty() ? "" : ", ") + k;
		std::ostringstream msg;
		msg << file_ << ':' << node.source().begin.line << ": unknown key '";
		if (!tableName_.empty())
			msg << tableName_ << '.';
		msg << key.str() << "'";
		if (!knownList.empty())
			msg << " (known keys here: " << knownList << ")";
		throw ConfigError(msg.str());
	}
}

} // namespace lingercam::common
