/* Placeholder until the demo command lands; replaced by its implementation. */
#include <stdio.h>

#include "cli.h"

int ff_cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "footfall demo: not built yet\n");
	return 1;
}
