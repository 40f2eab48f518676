/*
 * main.c - entry point of the offline `footfall` program: dispatches to the
 * subcommand named by the first argument.
 */
#include <stdio.h>
#include <string.h>

#include <footfall/footfall.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"count", ff_cmd_count, "count people in a depth or stereo recording"},
    {"simulate", ff_cmd_simulate, "render synthetic scenes with ground truth"},
    {"eval", ff_cmd_eval, "score the engine against ground truth"},
    {"bench", ff_cmd_bench, "measure the engine's speed and memory"},
    {"disparity", ff_cmd_disparity, "disparity of a rectified stereo pair (PFM)"},
    {"demo", ff_cmd_demo, "simulate the demo scene and count it"},
};

static void usage(FILE *to)
{
	fprintf(to, "usage: footfall COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\n'footfall COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("footfall %s\n", FF_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "footfall: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
