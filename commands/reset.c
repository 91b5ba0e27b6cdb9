/* reset: reset a domain (hard reset, like the reset button) (through the domain's supervisor). */
#include "../core/runtime/backend.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { RESET_OPT_DOMAIN };

static const struct opt_def reset_opts[] = {
    [RESET_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "domain", .help = "domain name, id or uuid",
                         .complete = comp_domains, .complete_flags = ST_ACTIVE},
};

static int reset_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (backend_call(sh->store, BOP_RESET, a->dom_name, e) < 0)
        return -1;
    shell_info(sh, "Domain '%s' was reset", a->dom_name);
    return 0;
}

const struct cmd_def cmd_reset = {
    .name = "reset", .group = "domain", .summary = "reset a domain (hard reset, like the reset button)",
    .opts = reset_opts, .nopts = NOPTS(reset_opts), .flags = CMD_READ_WRITE,
    .target_opt = RESET_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = reset_run,
};
