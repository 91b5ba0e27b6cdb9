/* device-rm: remove the device a selector names. */
#include "devcmd.h"

enum {
    RM_OPT_DOMAIN,
    RM_OPT_SELECTOR,
    RM_OPT_DRY_RUN,
    RM_OPT_CONFIG,
    RM_OPT_LIVE,
    RM_OPT_CURRENT,
    RM_OPT_PERSISTENT,
};

static int edit_rm(struct dnode *dom, void *ctx, struct err **e)
{
    struct dnode *d = dev_find(dom, ctx, e);
    if (!d)
        return -1;
    dnode_remove(d);
    return 0;
}

static int run_device_rm(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *sel = args_str(a, RM_OPT_SELECTOR);
    AUTOFREE char *summary = xasprintf("device-rm %s", sel);
    AUTOFREE char *done = xasprintf("Device '%s' removed", sel);
    struct devcmd_req r = {.scope_opt = RM_OPT_CONFIG, .def = SCOPE_DEFAULT_CONFIG,
                           .summary = summary, .edit = edit_rm, .ctx = (void *)sel,
                           .dry_run = args_bool(a, RM_OPT_DRY_RUN), .done = done};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def device_rm_opts[] = {
    [RM_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [RM_OPT_SELECTOR] = {"selector", OPT_STRING, OPT_REQUIRED, "selector",
                         "the device: disk/vdb, interface/1 ...", .complete = comp_selectors},
    DEVCMD_DRY_RUN_OPT(RM_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(RM_OPT_CONFIG),
};

const struct cmd_def cmd_device_rm = {
    .name = "device-rm",
    .group = "device",
    .summary = "remove a device by selector",
    .desc = "Remove the device a selector names (see device-list). Without a scope option "
            "the config is changed; --live unplugs disks and interfaces.",
    .opts = device_rm_opts,
    .nopts = NOPTS(device_rm_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = RM_OPT_DOMAIN,
    .run = run_device_rm,
};
