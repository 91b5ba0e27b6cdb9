/* shutdown: gracefully shut down a domain (ACPI power button) (through the domain's supervisor). */
#include "../core/runtime/backend.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SHUTDOWN_OPT_DOMAIN };

static const struct opt_def shutdown_opts[] = {
    [SHUTDOWN_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "domain", .help = "domain name, id or uuid",
                         .complete = comp_domains, .complete_flags = ST_ACTIVE},
};

static int shutdown_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (backend_call(sh->store, BOP_SHUTDOWN, a->dom_name, e) < 0)
        return -1;
    shell_info(sh, "Domain '%s' is being shutdown", a->dom_name);
    return 0;
}

const struct cmd_def cmd_shutdown = {
    .name = "shutdown", .group = "domain", .summary = "gracefully shut down a domain (ACPI power button)",
    .opts = shutdown_opts, .nopts = NOPTS(shutdown_opts), .flags = CMD_READ_WRITE,
    .target_opt = SHUTDOWN_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = shutdown_run,
};
