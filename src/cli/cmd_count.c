/* Placeholder until the count command lands; replaced by its implementation. */
#include <stdio.h>

#include "cli.h"

int ff_cmd_count(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "footfall count: not built yet\n");
	return 1;
}
