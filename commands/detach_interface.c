/* detach-interface: remove a network interface by type and, when several
 * match, by MAC (virsh's messages; ambiguity lists the selectors). */
#include "devcmd.h"

#include <string.h>
#include <strings.h>

#include "../core/base/buf.h"

enum {
    DI_OPT_DOMAIN,
    DI_OPT_TYPE,
    DI_OPT_MAC,
    DI_OPT_DRY_RUN,
    DI_OPT_CONFIG,
    DI_OPT_LIVE,
    DI_OPT_CURRENT,
    DI_OPT_PERSISTENT,
};

struct di_ctx {
    const char *type, *mac;
};

static bool iface_matches(const struct dnode *d, const struct di_ctx *c)
{
    const char *type = dnode_attr(d, "type");
    const char *mac = dev_get(d, "mac.address");
    return strcmp(d->name, "interface") == 0 && type && strcmp(type, c->type) == 0 &&
           (!c->mac || (mac && strcasecmp(mac, c->mac) == 0));
}

static int ambiguous(const struct dnode *devs, const struct di_ctx *c, size_t n,
                     struct err **e)
{
    struct buf b = {0};
    for (size_t i = 0; i < devs->nkids; i++)
        if (iface_matches(devs->kids[i], c)) {
            AUTOFREE char *sel = dev_selector(devs->kids[i]);
            buf_printf(&b, "%s%s", b.len ? ", " : "", sel);
        }
    if (c->mac)
        err_set(e, ERR_INVALID,
                "domain has multiple interfaces matching MAC address %s (%s): use device-rm "
                "with a selector",
                c->mac, buf_str(&b));
    else
        err_set(e, ERR_INVALID,
                "domain has %zu interfaces (%s): please specify which one to detach using --mac",
                n, buf_str(&b));
    buf_free(&b);
    return -1;
}

static int edit_detach(struct dnode *dom, void *ctx, struct err **e)
{
    const struct di_ctx *c = ctx;
    struct dnode *devs = dev_container(dom), *hit = NULL;
    size_t n = 0;
    for (size_t i = 0; devs && i < devs->nkids; i++)
        if (iface_matches(devs->kids[i], c)) {
            hit = hit ? hit : devs->kids[i];
            n++;
        }
    if (n > 1)
        return ambiguous(devs, c, n, e);
    if (!hit && c->mac)
        return err_set(e, ERR_NOT_FOUND, "no interface with MAC address %s was found", c->mac);
    if (!hit)
        return err_set(e, ERR_NOT_FOUND, "no interface found whose type is %s", c->type);
    dnode_remove(hit);
    return 0;
}

static int run_detach_interface(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct di_ctx c = {args_str(a, DI_OPT_TYPE), args_str(a, DI_OPT_MAC)};
    AUTOFREE char *summary = xasprintf("detach-interface %s%s%s", c.type, c.mac ? " " : "",
                                       c.mac ? c.mac : "");
    struct devcmd_req r = {.scope_opt = DI_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = edit_detach, .ctx = &c,
                           .dry_run = args_bool(a, DI_OPT_DRY_RUN),
                           .fail = "failed to detach interface: ",
                           .done = "Interface detached successfully"};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def detach_interface_opts[] = {
    [DI_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [DI_OPT_TYPE] = {"type", OPT_STRING, OPT_REQUIRED, "type", "network interface type",
                     .complete = comp_schema, .complete_flags = CS_IFACE_TYPE},
    [DI_OPT_MAC] = {"mac", OPT_STRING, OPT_NAMED, "mac", "MAC address",
                    .complete = comp_iface_macs},
    DEVCMD_DRY_RUN_OPT(DI_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(DI_OPT_CONFIG),
};

const struct cmd_def cmd_detach_interface = {
    .name = "detach-interface",
    .group = "device",
    .summary = "detach network interface",
    .desc = "Remove the interface of TYPE (and MAC, when several match). Without a "
            "scope option the running domain is changed (like virsh).",
    .opts = detach_interface_opts,
    .nopts = NOPTS(detach_interface_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = DI_OPT_DOMAIN,
    .run = run_detach_interface,
};
