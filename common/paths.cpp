// SPDX-License-Identifier: BSD-2-Clause
// Where lingercam's files are: the XDG folders, the home folder, and paths in config files.
#include "paths.h"

#include <cstdlib>

namespace lingercam::common {

namespace {

std::filesystem::path xdgDir(const char *variable, const char *fallback)
{
	if (const char *v = std::getenv(variable); v && *v == '/')
		return v;
	return homeDir() / fallback;
}

} // namespace

std::filesystem::path homeDir()
{
	const char *home = std::getenv("HOME");
	return home && *home ? std::filesystem::path(home) : std::filesystem::path("/");
}

std::filesystem::path xdgConfigHome()
{
	return xdgDir("XDG_CONFIG_HOME", ".config");
}

std::filesystem::path xdgDataHome()
{
	return xdgDir("XDG_DATA_HOME", ".local/share");
}

std::filesystem::path expandHome(std::string_view text)
{
	for (std::string_view home : { std::string_view("~"), std::string_view("$HOME") }) {
		if (text == home)
			return homeDir();
		if (text.starts_with(home) && text.size() > home.size() && text[home.size()] == '/')
			return homeDir() / text.substr(home.size() + 1);
	}
	return text;
}

std::optional<std::filesystem::path> configFilePath(std::string_view text)
{
	std::filesystem::path path = expandHome(text);
	if (!path.is_absolute())
		return std::nullopt;
	return path;
}

} // namespace lingercam::common
