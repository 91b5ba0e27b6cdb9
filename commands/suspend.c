/* suspend: suspend (pause) a running domain (through the domain's supervisor). */
#include "../core/runtime/backend.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SUSPEND_OPT_DOMAIN };

static const struct opt_def suspend_opts[] = {
    [SUSPEND_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "domain", .help = "domain name, id or uuid",
                         .complete = comp_domains, .complete_flags = ST_RUNNING},
};

static int suspend_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (backend_call(sh->store, BOP_SUSPEND, a->dom_name, e) < 0)
        return -1;
    shell_info(sh, "Domain '%s' suspended", a->dom_name);
    return 0;
}

const struct cmd_def cmd_suspend = {
    .name = "suspend", .group = "domain", .summary = "suspend (pause) a running domain",
    .opts = suspend_opts, .nopts = NOPTS(suspend_opts), .flags = CMD_READ_WRITE,
    .target_opt = SUSPEND_OPT_DOMAIN, .target_states = ST_RUNNING, .run = suspend_run,
};
