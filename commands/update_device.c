/* update-device: replace a device by the one in an XML fragment file.
 * The device to replace is found by identity: disk target, interface MAC,
 * graphics type, else the only device of its kind. */
#include "devcmd.h"

#include <string.h>

enum {
    UD_OPT_DOMAIN,
    UD_OPT_FILE,
    UD_OPT_DRY_RUN,
    UD_OPT_CONFIG,
    UD_OPT_LIVE,
    UD_OPT_CURRENT,
    UD_OPT_PERSISTENT,
};

struct ud_ctx {
    const char *file;
    const char *text;
    const struct dnode *raw;    /* as written: no MAC drawn for it */
};

static int edit_update(struct dnode *dom, void *ctx, struct err **e)
{
    const struct ud_ctx *c = ctx;
    struct dnode *old = dev_match_update(dom, c->raw, e);
    struct dnode *d = old ? dom_parse_device(c->text, strlen(c->text), c->file, dom, e) : NULL;
    if (!d)
        return -1;
    const char *mac = dev_get(old, "mac.address");
    if (strcmp(d->name, "interface") == 0 && !dev_get(c->raw, "mac.address") && mac &&
        dev_set(d, "mac.address", mac, e) < 0) {
        dnode_free(d);
        return -1;
    }
    struct dnode *parent = old->parent;
    dnode_insert(parent, dnode_index(old), d);
    dnode_remove(old);
    return 0;
}

static int run_update_device(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, UD_OPT_FILE);
    AUTOFREE char *text = NULL;
    struct dnode *raw = dev_fragment_load(file, &text, e);
    if (!raw)
        return -1;
    struct ud_ctx c = {file, text, raw};
    AUTOFREE char *summary = xasprintf("update-device %s", file);
    AUTOFREE char *fail = xasprintf("failed to update device from %s: ", file);
    struct devcmd_req r = {.scope_opt = UD_OPT_CONFIG, .def = SCOPE_DEFAULT_CURRENT,
                           .summary = summary, .edit = edit_update, .ctx = &c,
                           .dry_run = args_bool(a, UD_OPT_DRY_RUN), .fail = fail,
                           .done = "Device updated successfully"};
    int rc = devcmd_run(sh, a, &r, e);
    dnode_free(raw);
    return rc < 0 ? -1 : 0;
}

static const struct opt_def update_device_opts[] = {
    [UD_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    DEVCMD_FILE_OPT(UD_OPT_FILE),
    DEVCMD_DRY_RUN_OPT(UD_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(UD_OPT_CONFIG),
};

const struct cmd_def cmd_update_device = {
    .name = "update-device",
    .group = "device",
    .summary = "update device from an XML file",
    .desc = "Replace a device by the one in the fragment: disks by target, interfaces by "
            "MAC, graphics by type, other kinds when the domain has only one. Without a "
            "scope option: the running domain if it runs, else the config.",
    .opts = update_device_opts,
    .nopts = NOPTS(update_device_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = UD_OPT_DOMAIN,
    .run = run_update_device,
};
