#include "capture/capture_cli.h"

int main(int argc, char **argv)
{
	return lingercam::capture::runCaptureCli(argc, argv);
}
