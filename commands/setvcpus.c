/* setvcpus: change the number of virtual CPUs, <vcpu> (the 0.7.1 format
 * has one count, so --maximum and the plain count are the same value;
 * vCPU hot-plug is not done: a running domain changes at next boot). */
#include "devcmd.h"

#include <stdio.h>

enum {
    SV_OPT_DOMAIN,
    SV_OPT_COUNT,
    SV_OPT_MAXIMUM,
    SV_OPT_CONFIG,
    SV_OPT_LIVE,
    SV_OPT_CURRENT,
    SV_OPT_PERSISTENT,
};

static int edit_setvcpus(struct dnode *dom, void *ctx, struct err **e)
{
    char num[32];
    snprintf(num, sizeof(num), "%llu", *(unsigned long long *)ctx);
    struct dnode *v = dnode_child(dom, "vcpu");
    if (!v)
        v = dnode_insert_ordered(dom, schema_root(), dnode_new("vcpu"));
    dnode_set_text(v, num);
    return 0;
}

static int run_setvcpus(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long count = 0;
    if (args_uint(a, SV_OPT_COUNT, &count, e) < 0)
        return -1;
    if (count == 0 || count > 4096)
        return err_set(e, ERR_ARGS, "invalid vcpu count %llu: expected 1 to 4096", count);
    AUTOFREE char *summary = xasprintf("setvcpus %llu", count);
    struct devcmd_req r = {.scope_opt = SV_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .refuse_live = "change the vcpus", .summary = summary,
                           .edit = edit_setvcpus, .ctx = &count};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def setvcpus_opts[] = {
    [SV_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [SV_OPT_COUNT] = {"count", OPT_INT, OPT_REQUIRED, "count", "number of virtual CPUs"},
    [SV_OPT_MAXIMUM] = {"maximum", OPT_BOOL, 0, NULL,
                        "set the maximum (the same <vcpu> value in this format)"},
    DEVCMD_SCOPE_OPTS(SV_OPT_CONFIG),
};

const struct cmd_def cmd_setvcpus = {
    .name = "setvcpus",
    .group = "domain",
    .summary = "change number of virtual CPUs",
    .desc = "Change <vcpu> in the config. vCPU hot-plug is not supported, so a running "
            "domain needs --config (the change applies at next boot).",
    .opts = setvcpus_opts,
    .nopts = NOPTS(setvcpus_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = SV_OPT_DOMAIN,
    .run = run_setvcpus,
};
