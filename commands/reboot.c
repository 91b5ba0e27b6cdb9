/* reboot: reboot a domain (ACPI power button, then restart in place) (through the domain's supervisor). */
#include "../core/runtime/backend.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { REBOOT_OPT_DOMAIN };

static const struct opt_def reboot_opts[] = {
    [REBOOT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "domain", .help = "domain name, id or uuid",
                         .complete = comp_domains, .complete_flags = ST_ACTIVE},
};

static int reboot_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (backend_call(sh->store, BOP_REBOOT, a->dom_name, e) < 0)
        return -1;
    shell_info(sh, "Domain '%s' is being rebooted", a->dom_name);
    return 0;
}

const struct cmd_def cmd_reboot = {
    .name = "reboot", .group = "domain", .summary = "reboot a domain (ACPI power button, then restart in place)",
    .opts = reboot_opts, .nopts = NOPTS(reboot_opts), .flags = CMD_READ_WRITE,
    .target_opt = REBOOT_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = reboot_run,
};
