/* Placeholder until the disparity command lands; replaced by its implementation. */
#include <stdio.h>

#include "cli.h"

int ff_cmd_disparity(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "footfall disparity: not built yet\n");
	return 1;
}
