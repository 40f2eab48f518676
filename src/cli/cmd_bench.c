/* Placeholder until the bench command lands; replaced by its implementation. */
#include <stdio.h>

#include "cli.h"

int ff_cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "footfall bench: not built yet\n");
	return 1;
}
