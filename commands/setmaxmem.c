/* setmaxmem: change the maximum memory, <memory> (config only: a running
 * guest cannot change its maximum). */
#include "devcmd.h"

#include <stdio.h>

enum {
    SX_OPT_DOMAIN,
    SX_OPT_SIZE,
    SX_OPT_CONFIG,
    SX_OPT_LIVE,
    SX_OPT_CURRENT,
    SX_OPT_PERSISTENT,
};

static int edit_setmaxmem(struct dnode *dom, void *ctx, struct err **e)
{
    unsigned long long kib = *(unsigned long long *)ctx;
    struct dnode *m = dnode_child(dom, "memory");
    if (!m)
        return err_set(e, ERR_INVALID, "domain has no <memory>");
    char num[32];
    snprintf(num, sizeof(num), "%llu", kib);
    dnode_set_text(m, num);
    dnode_set_attr(m, "unit", "KiB");
    /* like libvirt: the current memory never exceeds the new maximum */
    struct dnode *cm = dnode_child(dom, "currentMemory");
    if (cm && dom_current_memory_kib(dom) > kib) {
        dnode_set_text(cm, num);
        dnode_set_attr(cm, "unit", "KiB");
    }
    return 0;
}

static int run_setmaxmem(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long kib = 0;
    if (args_size_kib(a, SX_OPT_SIZE, &kib, e) < 0)
        return -1;
    if (kib == 0)
        return err_set(e, ERR_ARGS, "invalid memory size 0: give a size above zero");
    AUTOFREE char *summary = xasprintf("setmaxmem %llu KiB", kib);
    struct devcmd_req r = {.scope_opt = SX_OPT_CONFIG, .def = SCOPE_DEFAULT_CURRENT,
                           .refuse_live = "resize the maximum memory", .summary = summary,
                           .edit = edit_setmaxmem, .ctx = &kib};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def setmaxmem_opts[] = {
    [SX_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [SX_OPT_SIZE] = {"size", OPT_STRING, OPT_REQUIRED, "size",
                     "new maximum memory size, as scaled integer (default KiB)"},
    DEVCMD_SCOPE_OPTS(SX_OPT_CONFIG),
};

const struct cmd_def cmd_setmaxmem = {
    .name = "setmaxmem",
    .group = "domain",
    .summary = "change maximum memory limit",
    .desc = "Change the maximum memory of the domain's config; the current memory is "
            "lowered to it when above. Without a scope option: the config of a shut off "
            "domain (a running domain cannot change its maximum).",
    .opts = setmaxmem_opts,
    .nopts = NOPTS(setmaxmem_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = SX_OPT_DOMAIN,
    .run = run_setmaxmem,
};
