// SPDX-License-Identifier: BSD-2-Clause
// lingercam-capture: the capture daemon's program; the work is in lingercam_capture.
#include "capture/capture_cli.h"

int main(int argc, char **argv)
{
	return lingercam::capture::runCaptureCli(argc, argv);
}
