/* connect: switch the shell to another store (URI).  The new store is
 * opened first, so a bad URI leaves the current connection in place. */
#include "../shell/shell.h"

#include <stdlib.h>

#include "../completion/completers.h"
#include "../shell/remote.h"

enum { CONNECT_OPT_NAME, CONNECT_OPT_READONLY };

static const struct opt_def connect_opts[] = {
    [CONNECT_OPT_NAME] = { "name", OPT_STRING, OPT_EMPTY_OK, "uri",
                           "connection URI (\"\" or none: the default URI)",
                           .complete = comp_uris },
    [CONNECT_OPT_READONLY] = { "readonly", OPT_BOOL, 0, NULL,
                               "read-only: refuse every command that changes anything" },
};

static int run_connect(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (shell_set_uri(sh, args_str(a, CONNECT_OPT_NAME), true, e) < 0)
        return -1;
    if (args_bool(a, CONNECT_OPT_READONLY))
        sh->readonly = true;
    return 0;
}

const struct cmd_def cmd_connect = {
    .name = "connect",
    .group = "shell",
    .summary = "(re)connect to a store",
    .desc = "Close the current connection and open URI instead: qemu:///system, "
            "qemu:///session, test:///default, or a remote host over OpenSSH: "
            "qemu+ssh://[USER@]HOST[:PORT]/system (or /session), "
            "test+ssh://[USER@]HOST[:PORT]/default, with ?keyfile=F, no_verify=1, "
            "no_tty=1, domsh=PATH.  Without a URI the default is "
            "used ($DOMSH_DEFAULT_URI, else qemu:///system for root and "
            "qemu:///session for others).",
    .opts = connect_opts,
    .nopts = NOPTS(connect_opts),
    .flags = CMD_NOSTORE | CMD_LOCAL,
    .target_opt = -1,
    .run = run_connect,
};
