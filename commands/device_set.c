/* device-set: change one device by KEY=VALUE schema paths, e.g.
 *   device-set demo disk/vda source.file=/img.qcow2 driver.type=qcow2
 * VALUE "" removes the setting.  The result is checked like define;
 * --dry-run prints the diff and writes nothing. */
#include "devcmd.h"

#include "../core/base/buf.h"

enum {
    SET_OPT_DOMAIN,
    SET_OPT_SELECTOR,
    SET_OPT_DRY_RUN,
    SET_OPT_CONFIG,
    SET_OPT_LIVE,
    SET_OPT_CURRENT,
    SET_OPT_PERSISTENT,
    SET_OPT_ASSIGN,
};

struct set_ctx {
    const char *selector;
    const struct strv *assign;
};

static int edit_set(struct dnode *dom, void *ctx, struct err **e)
{
    const struct set_ctx *c = ctx;
    struct dnode *d = dev_find(dom, c->selector, e);
    if (!d)
        return -1;
    for (size_t i = 0; i < c->assign->n; i++)
        if (dev_assign(d, c->assign->v[i], e) < 0)
            return -1;
    return 0;
}

/* "device-set disk/vda k=v k2=v2" for the history */
static char *summary_of(const char *cmd, const char *what, const struct strv *assign)
{
    struct buf b = {0};
    buf_printf(&b, "%s %s", cmd, what);
    for (size_t i = 0; i < assign->n; i++)
        buf_printf(&b, " %s", assign->v[i]);
    return buf_steal(&b);
}

static int run_device_set(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct set_ctx c = {args_str(a, SET_OPT_SELECTOR), &a->argv};
    if (a->argv.n == 0)
        return err_set(e, ERR_ARGS, "nothing to set: give KEY=VALUE (TAB lists the keys)");
    AUTOFREE char *summary = summary_of("device-set", c.selector, &a->argv);
    AUTOFREE char *done = xasprintf("Device '%s' updated", c.selector);
    struct devcmd_req r = {.scope_opt = SET_OPT_CONFIG, .def = SCOPE_DEFAULT_CONFIG,
                           .summary = summary, .edit = edit_set, .ctx = &c,
                           .dry_run = args_bool(a, SET_OPT_DRY_RUN), .done = done};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def device_set_opts[] = {
    [SET_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [SET_OPT_SELECTOR] = {"selector", OPT_STRING, OPT_REQUIRED, "selector",
                          "the device: disk/vda, interface/0, graphics/vnc ...",
                          .complete = comp_selectors},
    DEVCMD_DRY_RUN_OPT(SET_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(SET_OPT_CONFIG),
    [SET_OPT_ASSIGN] = {"settings", OPT_ARGV, 0, "KEY=VALUE",
                        "schema paths to set (source.file=/x, target.bus=virtio, port=5901); "
                        "KEY= removes",
                        .complete = comp_dev_assign, .complete_flags = SET_OPT_SELECTOR},
};

const struct cmd_def cmd_device_set = {
    .name = "device-set",
    .group = "device",
    .summary = "change a device by KEY=VALUE",
    .desc = "Set attributes and elements of one device by schema path. The keys are those "
            "of the format for that device type. Without a scope option the config is "
            "changed; --live changes what the running domain can change (media).",
    .opts = device_set_opts,
    .nopts = NOPTS(device_set_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = SET_OPT_DOMAIN,
    .run = run_device_set,
};
