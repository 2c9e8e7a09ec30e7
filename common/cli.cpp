// SPDX-License-Identifier: BSD-2-Clause
// What both programs' command lines share: exit statuses, error words, check-config's output.
#include "cli.h"

#include <algorithm>
#include <ostream>

#include <spdlog/spdlog.h>

#include "error.h"
#include "lingercam_version.h"
#include "logging.h"

namespace lingercam::common {

int runSubcommand(const std::string &logger, const std::function<int()> &command)
{
	try {
		return command();
	} catch (const ConfigError &e) {
		common::logger(logger)->error("bad configuration: {}", e.what());
		return kExitConfig;
	} catch (const std::exception &e) {
		common::logger(logger)->error("{}", e.what());
		return 1;
	}
}

void printSettings(std::ostream &out, const std::string &origin,
		   const std::vector<std::pair<std::string, std::string>> &settings)
{
	out << "config: " << (origin.empty() ? "(built-in defaults)" : origin) << " is valid\n";
	std::size_t width = 0;
	for (const auto &[key, value] : settings)
		width = std::max(width, key.size());
	for (const auto &[key, value] : settings)
		out << key << ':' << std::string(width - key.size() + 1, ' ') << value << '\n';
}

std::string versionText(const std::string &program)
{
	return program + " " + kVersion;
}

} // namespace lingercam::common
