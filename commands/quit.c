/* quit (alias exit): leave the shell (the rest of the line is not run). */
#include "../shell/shell.h"

static const char *const quit_aliases[] = { "exit", NULL };

static int run_quit(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    sh->quit = true;
    return 0;
}

const struct cmd_def cmd_quit = {
    .name = "quit",
    .aliases = quit_aliases,
    .group = "shell",
    .summary = "quit this interactive terminal",
    .desc = "Leave the shell with exit status 0 (exit is the same command); "
            "the commands after it on the same line are not run.",
    .flags = CMD_NOSTORE | CMD_LOCAL,
    .target_opt = -1,
    .run = run_quit,
};
