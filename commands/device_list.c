/* device-list: every device with its selector and its KEY=VALUE settings
 * (the keys device-set takes). */
#include "devcmd.h"

#include "../shell/out.h"

#include <string.h>

#include "../core/base/buf.h"

enum {
    DL_OPT_DOMAIN,
    DL_OPT_TYPE,
    DL_OPT_INACTIVE,
    DL_OPT_JSON,
};

/* "KEY=VALUE ..." of every key set on dev (JSON object when json) */
static char *describe(const struct dnode *dev, bool json)
{
    struct strv keys = {0};
    struct buf b = {0};
    dev_keys(dev->name, &keys, NULL);
    buf_add(&b, json ? "{" : "");
    size_t n = 0;
    for (size_t i = 0; i < keys.n; i++) {
        const char *v = dev_get(dev, keys.v[i]);
        if (!v)
            continue;
        if (json) {
            buf_add(&b, n++ ? ", " : "");
            buf_add_json_str(&b, keys.v[i]);
            buf_add(&b, ": ");
            buf_add_json_str(&b, v);
        } else {
            buf_printf(&b, "%s%s=%s", n++ ? " " : "", keys.v[i], v);
        }
    }
    buf_add(&b, json ? "}" : "");
    strv_free(&keys);
    return buf_steal(&b);
}

static void print_json(struct shell *sh, const struct dnode *devs, const char *kind)
{
    struct buf b = {0};
    size_t n = 0;
    buf_add(&b, "[");
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (!dev_is_device(d) || (kind && strcmp(kind, d->name) != 0))
            continue;
        AUTOFREE char *sel = dev_selector(d);
        AUTOFREE char *keys = describe(d, true);
        buf_add(&b, n++ ? ",\n {\"selector\": " : "\n {\"selector\": ");
        buf_add_json_str(&b, sel);
        buf_add(&b, ", \"type\": ");
        buf_add_json_str(&b, d->name);
        buf_printf(&b, ", \"keys\": %s}", keys);
    }
    buf_add(&b, n ? "\n]\n" : "]\n");
    fputs(buf_str(&b), sh->out);
    buf_free(&b);
}

static int run_device_list(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *kind = args_str(a, DL_OPT_TYPE);
    if (kind && !dev_kind_known(kind))
        return err_set(e, ERR_ARGS, "unknown device type '%s'", kind);
    struct dnode *dom = devcmd_load(sh, a->dom_name, args_bool(a, DL_OPT_INACTIVE), e);
    if (!dom)
        return -1;
    const struct dnode *devs = dev_container(dom);
    if (args_bool(a, DL_OPT_JSON)) {
        print_json(sh, devs, kind);
        dnode_free(dom);
        return 0;
    }
    static const char *const head[] = {"Selector", "Settings"};
    struct table t;
    table_init_full(&t, 2, head);
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (!dev_is_device(d) || (kind && strcmp(kind, d->name) != 0))
            continue;
        AUTOFREE char *sel = dev_selector(d);
        AUTOFREE char *desc = describe(d, false);
        const char *row[] = {sel, desc};
        table_add_row(&t, row, -1, COLOR_NONE);
    }
    table_print(&t, sh);
    table_free(&t);
    dnode_free(dom);
    return 0;
}

static const struct opt_def device_list_opts[] = {
    [DL_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [DL_OPT_TYPE] = {"type", OPT_STRING, 0, "type", "only devices of this type (disk, interface, ...)",
                     .complete = comp_dev_kinds},
    [DL_OPT_INACTIVE] = {"inactive", OPT_BOOL, 0, NULL,
                         "list the devices of the config, not of the running domain"},
    [DL_OPT_JSON] = {"json", OPT_BOOL, 0, NULL,
                     "print a JSON array of {selector, type, keys}"},
};

const struct cmd_def cmd_device_list = {
    .name = "device-list",
    .group = "device",
    .summary = "list devices with their selectors",
    .desc = "List the devices of the domain, each with the selector the device-* commands "
            "take (disk/vda, interface/0, graphics/vnc) and its KEY=VALUE settings.",
    .opts = device_list_opts,
    .nopts = NOPTS(device_list_opts),
    .target_opt = DL_OPT_DOMAIN,
    .run = run_device_list,
};
