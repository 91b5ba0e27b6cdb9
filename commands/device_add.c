/* device-add: a new device of TYPE from KEY=VALUE schema paths, e.g.
 *   device-add demo disk source.file=/d.img target.dev=vdb
 * Defaults (bus, MAC) are filled like define; the result is checked. */
#include "devcmd.h"

#include "../core/base/buf.h"

enum {
    ADD_OPT_DOMAIN,
    ADD_OPT_TYPE,
    ADD_OPT_DRY_RUN,
    ADD_OPT_CONFIG,
    ADD_OPT_LIVE,
    ADD_OPT_CURRENT,
    ADD_OPT_PERSISTENT,
    ADD_OPT_ASSIGN,
};

struct add_opts {
    const char *kind;
    const struct strv *assign;
};

static struct dnode *build_from_keys(const void *opts, struct err **e)
{
    const struct add_opts *o = opts;
    if (!dev_kind_known(o->kind)) {
        err_set(e, ERR_ARGS, "unknown device type '%s'", o->kind);
        return NULL;
    }
    struct dnode *d = dnode_new(o->kind);
    for (size_t i = 0; i < o->assign->n; i++)
        if (dev_assign(d, o->assign->v[i], e) < 0) {
            dnode_free(d);
            return NULL;
        }
    return d;
}

static int run_device_add(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct add_opts o = {args_str(a, ADD_OPT_TYPE), &a->argv};
    struct dev_new n = {build_from_keys, &o, NULL, NULL};
    struct buf b = {0};
    buf_printf(&b, "device-add %s", o.kind);
    for (size_t i = 0; i < a->argv.n; i++)
        buf_printf(&b, " %s", a->argv.v[i]);
    AUTOFREE char *summary = buf_steal(&b);
    struct devcmd_req r = {.scope_opt = ADD_OPT_CONFIG, .def = SCOPE_DEFAULT_CONFIG,
                           .summary = summary, .edit = dev_new_edit, .ctx = &n,
                           .dry_run = args_bool(a, ADD_OPT_DRY_RUN)};
    int rc = devcmd_run(sh, a, &r, e);
    if (rc == 0)             /* the selector is known once inserted */
        shell_info(sh, "Device '%s' added", n.selector);
    dev_new_free(&n);
    return rc < 0 ? -1 : 0;
}

static const struct opt_def device_add_opts[] = {
    [ADD_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [ADD_OPT_TYPE] = {"type", OPT_STRING, OPT_REQUIRED, "type",
                      "device type: disk, interface, serial, graphics ...",
                      .complete = comp_dev_kinds},
    DEVCMD_DRY_RUN_OPT(ADD_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(ADD_OPT_CONFIG),
    [ADD_OPT_ASSIGN] = {"settings", OPT_ARGV, 0, "KEY=VALUE",
                        "schema paths of the new device (type=file source.file=/x ...)",
                        .complete = comp_dev_assign, .complete_flags = ADD_OPT_TYPE},
};

const struct cmd_def cmd_device_add = {
    .name = "device-add",
    .group = "device",
    .summary = "add a device from KEY=VALUE settings",
    .desc = "Build a device of TYPE from schema paths and add it; defaults are filled and "
            "the result is checked like define. Without a scope option the config is "
            "changed; --live hot-plugs disks and interfaces.",
    .opts = device_add_opts,
    .nopts = NOPTS(device_add_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = ADD_OPT_DOMAIN,
    .run = run_device_add,
};
