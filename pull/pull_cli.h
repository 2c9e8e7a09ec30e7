// SPDX-License-Identifier: BSD-2-Clause
// lingercam-pull's command line, called by main().
#pragma once

namespace lingercam::pull {

/// `lingercam-pull`: parses the command line, runs the subcommand, and maps what escapes to
/// an exit status systemd understands (78 bad config, 3 status with no daemon, 1 failure).
int runPullCli(int argc, char **argv);

} // namespace lingercam::pull
