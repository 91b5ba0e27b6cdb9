/* detach-device: remove the device an XML fragment describes.  A device
 * matches when it has every attribute and child the fragment gives; when
 * several match, the error lists their selectors. */
#include "devcmd.h"

#include <stdlib.h>
#include <string.h>

#include "../core/base/buf.h"

enum {
    DT_OPT_DOMAIN,
    DT_OPT_FILE,
    DT_OPT_DRY_RUN,
    DT_OPT_CONFIG,
    DT_OPT_LIVE,
    DT_OPT_CURRENT,
    DT_OPT_PERSISTENT,
};

struct dt_ctx {
    const char *file;
    const struct dnode *frag;
};

static int ambiguous(struct dnode **found, size_t n, const char *file, struct err **e)
{
    struct buf b = {0};
    for (size_t i = 0; i < n; i++) {
        AUTOFREE char *sel = dev_selector(found[i]);
        buf_printf(&b, "%s%s", i ? ", " : "", sel);
    }
    err_set(e, ERR_INVALID, "%zu devices match %s (%s): use device-rm with a selector", n, file,
            buf_str(&b));
    buf_free(&b);
    return -1;
}

static int edit_detach(struct dnode *dom, void *ctx, struct err **e)
{
    const struct dt_ctx *c = ctx;
    struct dnode **found;
    size_t n;
    dev_match(dom, c->frag, &found, &n);
    int rc = 0;
    if (n == 0)
        rc = err_set(e, ERR_NOT_FOUND, "no <%s> of the domain matches %s", c->frag->name, c->file);
    else if (n > 1)
        rc = ambiguous(found, n, c->file, e);
    else
        dnode_remove(found[0]);
    free(found);
    return rc;
}

/* the fragment as written: only what it gives is matched, so a partial
 * fragment (<disk><target dev='vdb'/></disk>) is enough */
static int run_detach_device(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, DT_OPT_FILE);
    struct dnode *frag = dev_fragment_load(file, NULL, e);
    if (!frag)
        return -1;
    struct dt_ctx c = {file, frag};
    AUTOFREE char *summary = xasprintf("detach-device %s", file);
    AUTOFREE char *fail = xasprintf("failed to detach device from %s: ", file);
    struct devcmd_req r = {.scope_opt = DT_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = edit_detach, .ctx = &c,
                           .dry_run = args_bool(a, DT_OPT_DRY_RUN), .fail = fail,
                           .done = "Device detached successfully"};
    int rc = devcmd_run(sh, a, &r, e);
    dnode_free(frag);
    return rc < 0 ? -1 : 0;
}

static const struct opt_def detach_device_opts[] = {
    [DT_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    DEVCMD_FILE_OPT(DT_OPT_FILE),
    DEVCMD_DRY_RUN_OPT(DT_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(DT_OPT_CONFIG),
};

const struct cmd_def cmd_detach_device = {
    .name = "detach-device",
    .group = "device",
    .summary = "detach device described by an XML file",
    .desc = "Remove the one device that has every attribute and child the fragment gives "
            "(a partial fragment such as <disk><target dev='vdb'/></disk> is enough). "
            "Without a scope option the running domain is changed (like virsh).",
    .opts = detach_device_opts,
    .nopts = NOPTS(detach_device_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = DT_OPT_DOMAIN,
    .run = run_detach_device,
};
