/* setmem: change the current (balloon) memory, <currentMemory>. */
#include "devcmd.h"

#include <stdio.h>

enum {
    SM_OPT_DOMAIN,
    SM_OPT_SIZE,
    SM_OPT_CONFIG,
    SM_OPT_LIVE,
    SM_OPT_CURRENT,
    SM_OPT_PERSISTENT,
};

static void set_kib(struct dnode *dom, const char *elem, unsigned long long kib)
{
    struct dnode *m = dnode_child(dom, elem);
    if (!m)
        m = dnode_insert_ordered(dom, schema_root(), dnode_new(elem));
    char num[32];
    snprintf(num, sizeof(num), "%llu", kib);
    dnode_set_text(m, num);
    dnode_set_attr(m, "unit", "KiB");
}

static int edit_setmem(struct dnode *dom, void *ctx, struct err **e)
{
    unsigned long long kib = *(unsigned long long *)ctx;
    if (kib > dom_memory_kib(dom))
        return err_set(e, ERR_INVALID, "cannot set memory higher than max memory (%llu KiB)",
                       dom_memory_kib(dom));
    set_kib(dom, "currentMemory", kib);
    return 0;
}

static int run_setmem(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long kib = 0;
    if (args_size_kib(a, SM_OPT_SIZE, &kib, e) < 0)
        return -1;
    if (kib == 0)
        return err_set(e, ERR_ARGS, "invalid memory size 0: give a size above zero");
    AUTOFREE char *summary = xasprintf("setmem %llu KiB", kib);
    struct devcmd_req r = {.scope_opt = SM_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = edit_setmem, .ctx = &kib};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def setmem_opts[] = {
    [SM_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [SM_OPT_SIZE] = {"size", OPT_STRING, OPT_REQUIRED, "size",
                     "new memory size, as scaled integer (default KiB)"},
    DEVCMD_SCOPE_OPTS(SM_OPT_CONFIG),
};

const struct cmd_def cmd_setmem = {
    .name = "setmem",
    .group = "domain",
    .summary = "change memory allocation",
    .desc = "Change the current memory of the domain (at most its maximum memory). "
            "Without a scope option the running domain is ballooned (like virsh).",
    .opts = setmem_opts,
    .nopts = NOPTS(setmem_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = SM_OPT_DOMAIN,
    .run = run_setmem,
};
