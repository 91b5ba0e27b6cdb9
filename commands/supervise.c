/* supervise: hidden; `start` execs `domsh supervise SPEC --sync-fd N` in
 * the double-forked process that becomes the domain's supervisor (when the
 * static domsh-supervisor is missing); the spec comes on the socket N. */
#include "../core/supervisor/entry.h"
#include "../shell/shell.h"

enum { SUPERVISE_OPT_SPEC, SUPERVISE_OPT_SYNC_FD };

static const struct opt_def supervise_opts[] = {
    [SUPERVISE_OPT_SPEC] = {.name = "spec", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                            .argname = "file", .help = "where the launch spec is kept (RUN/NAME/launch)"},
    [SUPERVISE_OPT_SYNC_FD] = {.name = "sync-fd", .kind = OPT_INT, .flags = OPT_REQUIRED,
                               .argname = "fd", .help = "socket the launch spec comes on and the answer goes to"},
};

static int supervise_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    long long fd;
    if (args_int(a, SUPERVISE_OPT_SYNC_FD, &fd, e) < 0)
        return -1;
    if (supervisor_main(args_str(a, SUPERVISE_OPT_SPEC), (int)fd) != 0)
        return err_set(e, ERR_BACKEND, "the supervisor failed (see the domain log)");
    return 0;
}

const struct cmd_def cmd_supervise = {
    .name = "supervise", .group = "internal",
    .summary = "run the supervisor of one domain (started by start)",
    .opts = supervise_opts, .nopts = NOPTS(supervise_opts),
    .flags = CMD_NOSTORE | CMD_HIDDEN, .target_opt = -1, .run = supervise_run,
};
