/* Placeholder until the simulate command lands; replaced by its implementation. */
#include <stdio.h>

#include "cli.h"

int ff_cmd_simulate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "footfall simulate: not built yet\n");
	return 1;
}
