/* resume: resume a suspended domain (through the domain's supervisor). */
#include "../core/runtime/backend.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { RESUME_OPT_DOMAIN };

static const struct opt_def resume_opts[] = {
    [RESUME_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "domain", .help = "domain name, id or uuid",
                         .complete = comp_domains, .complete_flags = ST_PAUSED},
};

static int resume_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (backend_call(sh->store, BOP_RESUME, a->dom_name, e) < 0)
        return -1;
    shell_info(sh, "Domain '%s' resumed", a->dom_name);
    return 0;
}

const struct cmd_def cmd_resume = {
    .name = "resume", .group = "domain", .summary = "resume a suspended domain",
    .opts = resume_opts, .nopts = NOPTS(resume_opts), .flags = CMD_READ_WRITE,
    .target_opt = RESUME_OPT_DOMAIN, .target_states = ST_PAUSED, .run = resume_run,
};
