/* hostname: the host's name. */
#include <limits.h>
#include <unistd.h>

#include "../shell/shell.h"

static int hostname_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    char name[HOST_NAME_MAX + 1];
    if (gethostname(name, sizeof(name)) < 0)
        return err_sys(e, ERR_IO, "cannot get the host name");
    name[HOST_NAME_MAX] = '\0';
    fprintf(sh->out, "%s\n", name);
    return 0;
}

const struct cmd_def cmd_hostname = {
    .name = "hostname", .group = "host", .summary = "print the hypervisor hostname",
    .target_opt = -1, .run = hostname_run,
};
