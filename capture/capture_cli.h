// SPDX-License-Identifier: BSD-2-Clause
// lingercam-capture's command line, called by main().
#pragma once

namespace lingercam::capture {

/// `lingercam-capture`: parses the command line, runs the subcommand, and maps what escapes
/// to an exit status systemd understands (78 bad config, 69 no camera, 1 other failure).
int runCaptureCli(int argc, char **argv);

} // namespace lingercam::capture
