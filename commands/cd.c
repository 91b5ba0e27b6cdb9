/* cd: change the shell's working directory.  CMD_INTERACTIVE_ONLY: the
 * dispatcher refuses it in scripts and one-shot commands, as virsh does. */
#include "../shell/shell.h"

#include <stdlib.h>
#include <unistd.h>

#include "../completion/completers.h"

enum { CD_OPT_DIR };

static const struct opt_def cd_opts[] = {
    [CD_OPT_DIR] = { "dir", OPT_STRING, OPT_LOCAL_PATH, "directory",
                     "directory to switch to (default: $HOME, else /)",
                     .complete = comp_files, .complete_flags = COMP_FILES_DIRS },
};

static int run_cd(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *dir = args_str(a, CD_OPT_DIR);
    if (!dir) {
        dir = getenv("HOME");
        if (!dir || !*dir)
            dir = "/";
    }
    if (chdir(dir) < 0)
        return err_sys(e, ERR_NOT_FOUND, "cannot change to directory '%s'", dir);
    return 0;
}

const struct cmd_def cmd_cd = {
    .name = "cd",
    .group = "shell",
    .summary = "change the current directory",
    .desc = "Change the working directory of the shell, to $HOME when no "
            "directory is given.  Only valid in interactive mode.",
    .opts = cd_opts,
    .nopts = NOPTS(cd_opts),
    .flags = CMD_NOSTORE | CMD_LOCAL | CMD_INTERACTIVE_ONLY,
    .target_opt = -1,
    .run = run_cd,
};
