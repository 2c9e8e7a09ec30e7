#pragma once

namespace lingercam::capture {

/// `lingercam-capture`: parses the command line, runs the subcommand, and maps what escapes
/// to an exit status systemd understands (78 bad config, 69 no camera, 1 other failure).
int runCaptureCli(int argc, char **argv);

} // namespace lingercam::capture
