// SPDX-License-Identifier: BSD-2-Clause
// lingercam-pull: the pull daemon's program; the work is in lingercam_pull.
#include "pull/pull_cli.h"

int main(int argc, char **argv)
{
	return lingercam::pull::runPullCli(argc, argv);
}
