#include "pull/pull_cli.h"

int main(int argc, char **argv)
{
	return lingercam::pull::runPullCli(argc, argv);
}
