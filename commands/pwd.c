/* pwd: print the shell's working directory. */
#include "../shell/shell.h"

#include <errno.h>
#include <unistd.h>

static int run_pwd(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    AUTOFREE char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return err_sys(e, ERR_IO, "cannot get the current directory");
    fprintf(sh->out, "%s\n", cwd);
    return 0;
}

const struct cmd_def cmd_pwd = {
    .name = "pwd",
    .group = "shell",
    .summary = "print the current directory",
    .desc = "Print the current working directory of the shell.",
    .flags = CMD_NOSTORE | CMD_LOCAL,
    .target_opt = -1,
    .run = run_pwd,
};
