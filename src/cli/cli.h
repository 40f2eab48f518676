/*
 * cli.h - the subcommands of the offline `footfall` program.
 *
 * Each subcommand lives in its own file (cmd_NAME.c), parses its own options
 * and returns the process exit status: 0 success, 1 bad input or failure,
 * 2 wrong usage. Messages go to stderr, results to stdout or files.
 */
#ifndef FOOTFALL_CLI_H
#define FOOTFALL_CLI_H

int ff_cmd_count(int argc, char **argv);
int ff_cmd_simulate(int argc, char **argv);
int ff_cmd_eval(int argc, char **argv);
int ff_cmd_bench(int argc, char **argv);
int ff_cmd_disparity(int argc, char **argv);
int ff_cmd_demo(int argc, char **argv);

#endif
