/* uri: the canonical URI of the current connection. */
#include "../shell/remote.h"
#include "../shell/shell.h"

static int uri_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    fprintf(sh->out, "%s\n", shell_uri(sh));
    return 0;
}

const struct cmd_def cmd_uri = {
    .name = "uri", .group = "host", .summary = "print the hypervisor canonical URI",
    .flags = CMD_LOCAL, .target_opt = -1, .run = uri_run,
};
