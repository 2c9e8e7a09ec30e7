// SPDX-License-Identifier: BSD-2-Clause
// Where lingercam's files are: the XDG folders, the home folder, and paths in config files.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace lingercam::common {

/// $HOME, or "/" when it is unset or empty.
std::filesystem::path homeDir();
/// $XDG_CONFIG_HOME when it holds an absolute path, else $HOME/.config.
std::filesystem::path xdgConfigHome();
/// $XDG_DATA_HOME when it holds an absolute path, else $HOME/.local/share.
std::filesystem::path xdgDataHome();

/// "~", "~/x", "$HOME" and "$HOME/x" with the home folder (homeDir()) in place of "~" and
/// "$HOME"; any other text as it is.
std::filesystem::path expandHome(std::string_view text);

/// A path in a config file: absolute, or starting with "~/" or "$HOME/" (expandHome()).
/// nullopt for a relative path: relative to what would differ between the service (systemd
/// starts it in the home folder) and a shell (its working folder, for check-config or
/// once), so the file would not mean one place.
std::optional<std::filesystem::path> configFilePath(std::string_view text);

} // namespace lingercam::common
