/* Placeholder until the eval command lands; replaced by its implementation. */
#include <stdio.h>

#include "cli.h"

int ff_cmd_eval(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "footfall eval: not built yet\n");
	return 1;
}
