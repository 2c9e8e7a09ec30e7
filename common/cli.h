// SPDX-License-Identifier: BSD-2-Clause
// What both programs' command lines share: exit statuses, error words, check-config's output.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace lingercam::common {

/// Runs one subcommand and maps what escapes it to an exit status systemd understands, said
/// in the same words by both programs on the logger \a logger: a ConfigError is "bad
/// configuration: ..." and 78 (the units' RestartPreventExitStatus), anything else is the
/// error's own text and 1.
int runSubcommand(const std::string &logger, const std::function<int()> &command);

/// check-config's output, alike for both programs: "config: FILE is valid" (or the built-in
/// defaults), then one "key: value" line per setting, the keys aligned.
void printSettings(std::ostream &out, const std::string &origin,
		   const std::vector<std::pair<std::string, std::string>> &settings);

/// "lingercam-capture 0.1.0": what --version prints.
std::string versionText(const std::string &program);

} // namespace lingercam::common
