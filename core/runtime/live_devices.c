/* live_devices.c: the hypervisor side of live device changes.  The live XML
 * before and after the edit are compared; what differs becomes QMP
 * commands sent through the domain's supervisor (the only QMP client):
 *   new disk        blockdev-add (storage, format) + device_add
 *   removed disk    device_del, then blockdev-del once the guest let go
 *   cdrom/floppy    blockdev-change-medium / eject
 *   new interface   netdev_add + device_add;  removed: device_del + netdev_del
 *   currentMemory   balloon
 * Anything else cannot change on a running domain and is refused before a
 * single command is sent.  Device ids follow the QEMU command line built
 * by qemu_argv (virtio-disk1, net0/hostnet0); interfaces get an <alias>
 * in the live XML so ids stay right after earlier hot-plugs. */
#include "live_devices.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend.h"
#include "qemu_argv_priv.h"
#include "../base/buf.h"
#include "../base/proto.h"
#include "../devices/devices.h"
#include "../xml/domain.h"
#include "../xml/schema.h"

#define LIVE_TIMEOUT_MS 15000
#define RELEASE_WAIT_MS 10000

struct live {
    const char *name;
    char *sock;
    bool q35;
};

static int qmp_run(struct live *l, struct buf *json, struct err **e)
{
    AUTOFREE char *cmd = xasprintf("qmp %s", buf_str(json));
    buf_free(json);
    return sup_request(l->sock, cmd, LIVE_TIMEOUT_MS, NULL, e);
}

static void json_kv(struct buf *b, const char *key, const char *value)
{
    buf_printf(b, "%s\"%s\": ", b->s[b->len - 1] == '{' ? "" : ", ", key);
    buf_add_json_str(b, value);
}

/* {"execute": CMD, "arguments": {   -- the caller adds pairs and closes with "}}" */
static void json_start(struct buf *b, const char *cmd)
{
    buf_printf(b, "{\"execute\": \"%s\", \"arguments\": {", cmd);
}

static int qmp_simple(struct live *l, const char *cmd, const char *key, const char *value,
                      struct err **e)
{
    struct buf b = {0};
    json_start(&b, cmd);
    json_kv(&b, key, value);
    buf_add(&b, "}}");
    return qmp_run(l, &b, e);
}

/* retry CMD KEY=VALUE until QEMU accepts it: a device_del completes only
 * when the guest has released the device */
static int qmp_until_ok(struct live *l, const char *cmd, const char *key, const char *value,
                        struct err **e)
{
    for (int waited = 0;; waited += 100) {
        struct err *tmp = NULL;
        if (qmp_simple(l, cmd, key, value, &tmp) == 0)
            return 0;
        if (waited >= RELEASE_WAIT_MS) {
            err_set(e, ERR_BACKEND, "the guest did not release '%s' within %d s: %s", value,
                    RELEASE_WAIT_MS / 1000, tmp && tmp->msg ? tmp->msg : "");
            err_free(tmp);
            return -1;
        }
        err_free(tmp);
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
}

static const char *disk_source(const struct dnode *d)
{
    const char *f = dev_get(d, "source.file");
    return f ? f : dev_get(d, "source.dev");
}

static const char *disk_format(const struct dnode *d)
{
    const char *t = dev_get(d, "driver.type");
    return !t || strcmp(t, "aio") == 0 || strcmp(t, "iso") == 0 ? "raw" : t;
}

char *rt_disk_alias(bool q35, const struct dnode *d)
{
    const char *bus = qemu_disk_bus(d);
    int i = qemu_disk_index(dev_get(d, "target.dev"));
    if (i < 0)
        return NULL;
    if (strcmp(bus, "virtio") == 0)
        return xasprintf("virtio-disk%d", i);
    if (strcmp(bus, "ide") == 0)
        return q35 ? xasprintf("ide0-%d-0", i) : xasprintf("ide0-%d-%d", i / 2, i % 2);
    if (strcmp(bus, "scsi") == 0)
        return xasprintf("scsi%d-0-%d-0", i / 7, i % 7);
    if (strcmp(bus, "usb") == 0)
        return xasprintf("usb-disk%d", i);
    if (strcmp(bus, "fdc") == 0)
        return xasprintf("fdc0-0-%d", i);
    return NULL;
}

static char *disk_alias(const struct live *l, const struct dnode *d)
{
    return rt_disk_alias(l->q35, d);
}

static int disk_plug(struct live *l, const struct dnode *d, struct err **e)
{
    const char *target = dev_get(d, "target.dev"), *src = disk_source(d);
    AUTOFREE char *alias = disk_alias(l, d);
    const char *type = dnode_attr(d, "type");
    struct buf b = {0};
    json_start(&b, "blockdev-add");
    json_kv(&b, "driver", type && strcmp(type, "block") == 0 ? "host_device" : "file");
    json_kv(&b, "filename", src);
    buf_printf(&b, ", \"node-name\": \"drive-%s-storage\", \"auto-read-only\": true}}", alias);
    if (qmp_run(l, &b, e) < 0)
        return -1;
    json_start(&b, "blockdev-add");
    json_kv(&b, "driver", disk_format(d));
    buf_printf(&b, ", \"node-name\": \"drive-%s-format\", \"file\": \"drive-%s-storage\", "
               "\"read-only\": %s}}", alias, alias, dev_get(d, "readonly") ? "true" : "false");
    AUTOFREE char *storage = xasprintf("drive-%s-storage", alias);
    AUTOFREE char *format = xasprintf("drive-%s-format", alias);
    if (qmp_run(l, &b, e) < 0)
        goto undo_storage;
    json_start(&b, "device_add");
    buf_printf(&b, "\"driver\": \"virtio-blk-pci\", \"drive\": \"%s\", \"id\": \"%s\"}}", format,
               alias);
    if (qmp_run(l, &b, e) == 0)
        return 0;
    qmp_simple(l, "blockdev-del", "node-name", format, NULL);
undo_storage:
    qmp_simple(l, "blockdev-del", "node-name", storage, NULL);
    err_prefix(e, "hot-plug of disk '%s': ", target);
    return -1;
}

static int disk_unplug(struct live *l, const struct dnode *d, struct err **e)
{
    AUTOFREE char *alias = disk_alias(l, d);
    AUTOFREE char *storage = xasprintf("drive-%s-storage", alias);
    AUTOFREE char *format = xasprintf("drive-%s-format", alias);
    if (qmp_simple(l, "device_del", "id", alias, e) < 0 ||
        qmp_until_ok(l, "blockdev-del", "node-name", format, e) < 0)
        return -1;
    return qmp_simple(l, "blockdev-del", "node-name", storage, e);
}

static int disk_media(struct live *l, const struct dnode *d, struct err **e)
{
    AUTOFREE char *alias = disk_alias(l, d);
    const char *src = disk_source(d);
    struct buf b = {0};
    if (!src) {
        json_start(&b, "eject");
        json_kv(&b, "id", alias);
        buf_add(&b, ", \"force\": true}}");
        return qmp_run(l, &b, e);
    }
    json_start(&b, "blockdev-change-medium");
    json_kv(&b, "id", alias);
    json_kv(&b, "filename", src);
    json_kv(&b, "format", disk_format(d));
    buf_add(&b, "}}");
    return qmp_run(l, &b, e);
}

/* ---- interfaces ---- */

static const char *iface_alias(const struct dnode *n)
{
    return dnode_attr(dnode_child(n, "alias"), "name");
}

static const char *iface_mac(const struct dnode *n)
{
    return dev_get(n, "mac.address");
}

static void json_netdev_backend(struct buf *b, const struct dnode *n, struct err **e)
{
    const char *type = dnode_attr(n, "type");
    type = type ? type : "user";
    if (strcmp(type, "user") == 0) {
        json_kv(b, "type", "user");
    } else if (strcmp(type, "bridge") == 0 || strcmp(type, "network") == 0) {
        const char *br = strcmp(type, "bridge") == 0 ? dev_get(n, "source.bridge")
                                                    : qemu_network_bridge(dev_get(n, "source.network"));
        if (!br) {
            err_set(e, ERR_UNSUPPORTED, "network '%s' is unknown (only 'default' = virbr0)",
                    dev_get(n, "source.network"));
            return;
        }
        json_kv(b, "type", "bridge");
        json_kv(b, "br", br);
    } else if (strcmp(type, "ethernet") == 0) {
        const char *script = dev_get(n, "script.path");
        json_kv(b, "type", "tap");
        json_kv(b, "script", script ? script : "/etc/qemu-ifup");
        json_kv(b, "downscript", "no");
        if (dev_get(n, "target.dev"))
            json_kv(b, "ifname", dev_get(n, "target.dev"));
    } else {
        const char *addr = dev_get(n, "source.address"), *port = dev_get(n, "source.port");
        const char *key = strcmp(type, "mcast") == 0    ? "mcast"
                          : strcmp(type, "server") == 0 ? "listen"
                                                        : "connect";
        AUTOFREE char *where = xasprintf("%s:%s", addr ? addr : "", port ? port : "");
        json_kv(b, "type", "socket");
        json_kv(b, key, where);
    }
}

static int iface_plug(struct live *l, const struct dnode *n, struct err **e)
{
    const char *alias = iface_alias(n);
    AUTOFREE char *netdev = xasprintf("host%s", alias);
    const char *drv = qemu_nic_device(dev_get(n, "model.type"));
    if (!drv)
        return err_set(e, ERR_UNSUPPORTED, "NIC model '%s' is not supported by the qemu backend",
                       dev_get(n, "model.type"));
    struct buf b = {0};
    json_start(&b, "netdev_add");
    json_netdev_backend(&b, n, e);
    if (e && *e) {
        buf_free(&b);
        return -1;
    }
    json_kv(&b, "id", netdev);
    buf_add(&b, "}}");
    if (qmp_run(l, &b, e) < 0)
        return -1;
    json_start(&b, "device_add");
    json_kv(&b, "driver", drv);
    json_kv(&b, "netdev", netdev);
    json_kv(&b, "id", alias);
    json_kv(&b, "mac", iface_mac(n));
    buf_add(&b, "}}");
    if (qmp_run(l, &b, e) == 0)
        return 0;
    qmp_simple(l, "netdev_del", "id", netdev, NULL);
    return -1;
}

static int iface_unplug(struct live *l, const struct dnode *n, struct err **e)
{
    const char *alias = iface_alias(n);
    AUTOFREE char *netdev = xasprintf("host%s", alias);
    if (qmp_simple(l, "device_del", "id", alias, e) < 0)
        return -1;
    return qmp_until_ok(l, "netdev_del", "id", netdev, e);
}

/* ---- what changed ---- */

/* boot-time interfaces are net<i> (qemu_argv); new ones get the next free
 * number; the alias is kept in the live XML for later changes */
static void pin_aliases(struct dnode *before, struct dnode *after)
{
    const struct schema_elem *se = schema_find("domain/devices/interface");
    struct dnode *bd = dev_container(before), *ad = dev_container(after);
    long next = 0;
    for (size_t i = 0, k = 0; bd && i < bd->nkids; i++) {
        struct dnode *n = bd->kids[i];
        if (strcmp(n->name, "interface") != 0)
            continue;
        if (!iface_alias(n)) {
            AUTOFREE char *a = xasprintf("net%zu", k);
            dnode_set_attr(dnode_insert_ordered(n, se, dnode_new("alias")), "name", a);
        }
        long num = strtol(iface_alias(n) + 3, NULL, 10);
        next = num + 1 > next ? num + 1 : next;
        k++;
    }
    for (size_t i = 0; ad && i < ad->nkids; i++) {
        struct dnode *n = ad->kids[i], *old = NULL;
        if (strcmp(n->name, "interface") != 0 || iface_alias(n))
            continue;
        for (size_t j = 0; bd && j < bd->nkids && !old; j++)
            if (strcmp(bd->kids[j]->name, "interface") == 0 && iface_mac(n) &&
                iface_mac(bd->kids[j]) && strcasecmp(iface_mac(n), iface_mac(bd->kids[j])) == 0)
                old = bd->kids[j];
        AUTOFREE char *a = old ? xstrdup(iface_alias(old)) : xasprintf("net%ld", next++);
        dnode_set_attr(dnode_insert_ordered(n, se, dnode_new("alias")), "name", a);
    }
}

/* the domain without what can change live, as text */
static char *rest_of(const struct dnode *dom)
{
    struct dnode *c = dnode_clone(dom);
    struct dnode *devs = dev_container(c);
    for (size_t i = devs ? devs->nkids : 0; i-- > 0;)
        if (strcmp(devs->kids[i]->name, "disk") == 0 ||
            strcmp(devs->kids[i]->name, "interface") == 0)
            dnode_remove(devs->kids[i]);
    struct dnode *cm = dnode_child(c, "currentMemory");
    if (cm)
        dnode_remove(cm);
    char *s = dom_format(c, DOM_FMT_SECURE);
    dnode_free(c);
    return s;
}

static char *node_text(const struct dnode *n, bool without_source)
{
    struct dnode *c = dnode_clone(n);
    struct dnode *s = without_source ? dnode_child(c, "source") : NULL;
    if (s)
        dnode_remove(s);
    char *t = dom_format_node(c, DOM_FMT_SECURE);
    dnode_free(c);
    return t;
}

/* same device in OTHER: disks by target, interfaces by MAC */
static struct dnode *counterpart(const struct dnode *other, const struct dnode *d)
{
    bool disk = strcmp(d->name, "disk") == 0;
    const char *key = disk ? "target.dev" : "mac.address";
    const char *want = dev_get(d, key);
    struct dnode *devs = dev_container(other);
    for (size_t i = 0; want && devs && i < devs->nkids; i++) {
        const char *v = strcmp(devs->kids[i]->name, d->name) == 0 ? dev_get(devs->kids[i], key)
                                                                   : NULL;
        if (v && strcasecmp(v, want) == 0)
            return devs->kids[i];
    }
    return NULL;
}

enum op_kind { OP_UNPLUG, OP_PLUG, OP_MEDIA };

struct op {
    enum op_kind kind;
    const struct dnode *dev;
};

struct plan {
    struct op ops[32];
    size_t n;
    bool balloon;
};

static bool is_removable(const struct dnode *d)
{
    const char *k = dnode_attr(d, "device");
    return k && (strcmp(k, "cdrom") == 0 || strcmp(k, "floppy") == 0);
}

static int check_pluggable(const struct live *l, const struct dnode *d, struct err **e)
{
    if (strcmp(d->name, "interface") == 0)
        return 0;
    const char *bus = qemu_disk_bus(d);
    if (strcmp(bus, "virtio") != 0)
        return err_set(e, ERR_UNSUPPORTED,
                       "disk '%s' is on bus '%s', which cannot be hot-plugged (use bus virtio, "
                       "or --config)",
                       dev_get(d, "target.dev"), bus);
    if (!disk_source(d))
        return err_set(e, ERR_INVALID, "disk '%s' has no source to hot-plug",
                       dev_get(d, "target.dev"));
    return 0;
}

static int add_op(struct plan *p, enum op_kind k, const struct dnode *d, struct err **e)
{
    if (p->n == sizeof(p->ops) / sizeof(p->ops[0]))
        return err_set(e, ERR_UNSUPPORTED, "too many live device changes at once");
    p->ops[p->n++] = (struct op){k, d};
    return 0;
}

/* a device present in both: only a removable disk's medium may differ */
static int plan_changed(struct plan *p, const struct dnode *b, const struct dnode *a,
                        struct err **e)
{
    AUTOFREE char *tb = node_text(b, false);
    AUTOFREE char *ta = node_text(a, false);
    if (strcmp(tb, ta) == 0)
        return 0;
    AUTOFREE char *sb = node_text(b, true);
    AUTOFREE char *sa = node_text(a, true);
    if (strcmp(a->name, "disk") == 0 && is_removable(a) && strcmp(sb, sa) == 0)
        return add_op(p, OP_MEDIA, a, e);
    AUTOFREE char *sel = dev_selector(a);
    return err_set(e, ERR_UNSUPPORTED,
                   "device '%s' cannot be changed on a running domain (only the medium of a "
                   "cdrom or floppy): use --config",
                   sel);
}

static int plan_kind(struct plan *p, const struct live *l, const struct dnode *before,
                     const struct dnode *after, const char *kind, struct err **e)
{
    const struct dnode *bd = dev_container(before), *ad = dev_container(after);
    for (size_t i = 0; bd && i < bd->nkids; i++) {
        const struct dnode *b = bd->kids[i];
        if (strcmp(b->name, kind) != 0)
            continue;
        const struct dnode *a = counterpart(after, b);
        if (!a && ((check_pluggable(l, b, e) < 0) || add_op(p, OP_UNPLUG, b, e) < 0))
            return -1;
        if (a && plan_changed(p, b, a, e) < 0)
            return -1;
    }
    for (size_t i = 0; ad && i < ad->nkids; i++) {
        const struct dnode *a = ad->kids[i];
        if (strcmp(a->name, kind) == 0 && !counterpart(before, a) &&
            (check_pluggable(l, a, e) < 0 || add_op(p, OP_PLUG, a, e) < 0))
            return -1;
    }
    return 0;
}

static int make_plan(struct plan *p, const struct live *l, const struct dnode *before,
                     const struct dnode *after, struct err **e)
{
    AUTOFREE char *rb = rest_of(before);
    AUTOFREE char *ra = rest_of(after);
    if (strcmp(rb, ra) != 0)
        return err_set(e, ERR_UNSUPPORTED,
                       "this change cannot be made to running domain '%s': only disks, "
                       "interfaces, removable media and the current memory change live; use "
                       "--config",
                       l->name);
    p->balloon = dom_current_memory_kib(before) != dom_current_memory_kib(after);
    if (plan_kind(p, l, before, after, "disk", e) < 0 ||
        plan_kind(p, l, before, after, "interface", e) < 0)
        return -1;
    return 0;
}

static int run_op(struct live *l, const struct op *o, struct err **e)
{
    bool disk = strcmp(o->dev->name, "disk") == 0;
    switch (o->kind) {
    case OP_UNPLUG: return disk ? disk_unplug(l, o->dev, e) : iface_unplug(l, o->dev, e);
    case OP_PLUG: return disk ? disk_plug(l, o->dev, e) : iface_plug(l, o->dev, e);
    case OP_MEDIA: return disk_media(l, o->dev, e);
    }
    return 0;
}

static int run_balloon(struct live *l, const struct dnode *after, struct err **e)
{
    struct buf b = {0};
    json_start(&b, "balloon");
    buf_printf(&b, "\"value\": %llu}}", dom_current_memory_kib(after) * 1024ULL);
    return qmp_run(l, &b, e);
}

int rt_live_sync(struct store *st, const char *name, struct dnode *before, struct dnode *after,
                 struct err **e)
{
    const char *machine = dnode_attr(dnode_path(after, "os/type"), "machine");
    struct live l = {name, rt_sock_path(st, name),
                     machine && strstr(machine, "q35")};
    struct plan p = {0};
    pin_aliases(before, after);
    int rc = make_plan(&p, &l, before, after, e);
    for (size_t i = 0; rc == 0 && i < p.n; i++)
        rc = run_op(&l, &p.ops[i], e);
    if (rc == 0 && p.balloon)
        rc = run_balloon(&l, after, e);
    free(l.sock);
    return rc;
}
