/* dom_device.c: per-device defaults (libvirt's inactive parse) and
 * dom_parse_device for device fragments (attach-device and friends). */
#include "dom_priv.h"
#include "xml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool has_prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static void remove_children(struct dnode *n, const char *name)
{
    for (size_t i = n->nkids; i-- > 0;)
        if (strcmp(n->kids[i]->name, name) == 0)
            dnode_remove(n->kids[i]);
}

/* keep only the listed attributes; drop the element when none is left */
static void keep_attrs(struct dnode *n, const char *const *keep)
{
    for (size_t i = n->nattrs; i-- > 0;) {
        bool ok = false;
        for (const char *const *k = keep; *k && !ok; k++)
            ok = strcmp(*k, n->attrs[i].name) == 0;
        if (!ok)
            dnode_set_attr(n, n->attrs[i].name, NULL);
    }
    if (n->nattrs == 0 && n->nkids == 0)
        dnode_remove(n);
}

static const char *bus_from_target(const char *dev, const char *device)
{
    if (eq(device, "floppy"))
        return "fdc";
    static const char *const map[][2] = {{"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"},
                                         {"xvd", "xen"}, {"ubd", "uml"}};
    for (size_t i = 0; dev && i < sizeof(map) / sizeof(map[0]); i++)
        if (has_prefix(dev, map[i][0]))
            return map[i][1];
    return "ide";
}

static void disk_defaults(struct dnode *d)
{
    if (!dnode_attr(d, "type"))
        dnode_set_attr(d, "type", "file");
    if (!dnode_attr(d, "device"))
        dnode_set_attr(d, "device", "disk");
    const char *type = dnode_attr(d, "type"), *device = dnode_attr(d, "device");
    struct dnode *src = dnode_child(d, "source");
    if (src)   /* libvirt reads only the attribute that matches the type */
        keep_attrs(src, (const char *const[]){eq(type, "block") ? "dev" : "file", NULL});
    if (!dnode_child(d, "source") && eq(type, "block") && !eq(device, "disk"))
        dnode_set_attr(d, "type", "file");    /* an empty drive has no block device */
    struct dnode *t = dnode_child(d, "target");
    if (t && !dnode_attr(t, "bus"))
        dnode_set_attr(t, "bus", bus_from_target(dnode_attr(t, "dev"), device));
    if (eq(device, "cdrom") && !dnode_child(d, "readonly"))
        dnode_add(d, "readonly");
}

static void mac_normalise(struct dnode *mac)
{
    const char *s = dnode_attr(mac, "address");
    unsigned v[6];
    char out[18];
    if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return;
    snprintf(out, sizeof(out), "%02x:%02x:%02x:%02x:%02x:%02x", v[0] & 0xff, v[1] & 0xff,
             v[2] & 0xff, v[3] & 0xff, v[4] & 0xff, v[5] & 0xff);
    dnode_set_attr(mac, "address", out);
}

static void interface_defaults(struct dnode *d, bool live)
{
    if (!dnode_attr(d, "type"))
        dnode_set_attr(d, "type", "user");
    struct dnode *mac = dnode_child(d, "mac");
    if (!mac || !dnode_attr(mac, "address")) {
        char m[18];
        mac_generate(m);
        dnode_set_attr(mac ? mac : dnode_add(d, "mac"), "address", m);
    } else {
        mac_normalise(mac);
    }
    /* names libvirt generates itself are not kept in the config */
    struct dnode *t = dnode_child(d, "target");
    const char *dev = dnode_attr(t, "dev");
    if (!live && (has_prefix(dev, "vnet") || has_prefix(dev, "macvtap") || has_prefix(dev, "macvlan")))
        keep_attrs(t, (const char *const[]){NULL});
}

/* which <source> attributes each chardev type reads */
static const char *const *chr_source_attrs(const char *type)
{
    static const char *const path[] = {"path", NULL}, *const net[] = {"mode", "host", "service", NULL},
                             *const unix_[] = {"mode", "path", NULL}, *const none[] = {NULL};
    if (eq(type, "tcp") || eq(type, "udp"))
        return net;
    if (eq(type, "unix"))
        return unix_;
    if (eq(type, "file") || eq(type, "dev") || eq(type, "pipe"))
        return path;
    return none;    /* pty (live path only), stdio, vc, null */
}

static const char *const *chr_source_keep(const char *type, bool live)
{
    static const char *const pty_live[] = {"path", NULL};
    return live && eq(type, "pty") ? pty_live : chr_source_attrs(type);
}

static int chardev_defaults(struct dnode *d, struct dctx *c)
{
    size_t nsrc = dnode_count(d, "source");
    if (nsrc > (eq(dnode_attr(d, "type"), "udp") ? 2u : 1u))
        return dom_fail(c, ERR_INVALID, d, "only %s <source> element%s allowed for a %s character device",
                        eq(dnode_attr(d, "type"), "udp") ? "two" : "one",
                        eq(dnode_attr(d, "type"), "udp") ? "s are" : " is",
                        dnode_attr(d, "type") ? dnode_attr(d, "type") : "pty");
    if (!dnode_attr(d, "type"))
        dnode_set_attr(d, "type", "pty");
    const char *type = dnode_attr(d, "type");
    dnode_set_attr(d, "tty", NULL);    /* never read: the live parse derives it */
    bool sock = eq(type, "tcp") || eq(type, "udp") || eq(type, "unix");
    for (size_t i = d->nkids; i-- > 0;) {
        struct dnode *s = d->kids[i];
        if (strcmp(s->name, "source") != 0)
            continue;
        if (sock && !dnode_attr(s, "mode"))
            dnode_set_attr(s, "mode", "connect");
        keep_attrs(s, chr_source_keep(type, c->live));
    }
    if (!eq(type, "tcp"))
        remove_children(d, "protocol");
    else if (!dnode_attr(dnode_ensure(d, "protocol"), "type"))
        dnode_set_attr(dnode_child(d, "protocol"), "type", "raw");
    return 0;
}

static void input_defaults(struct dnode *d, bool hvm)
{
    if (dnode_attr(d, "bus"))
        return;
    dnode_set_attr(d, "bus", !hvm ? "xen" : eq(dnode_attr(d, "type"), "tablet") ? "usb" : "ps2");
}

static void vnc_defaults(struct dnode *g, bool live)
{
    /* listening on a unix socket or nowhere: no TCP port at all */
    const char *ltype = dnode_attr(dnode_child(g, "listen"), "type");
    if (eq(ltype, "socket") || eq(ltype, "none")) {
        dnode_set_attr(g, "port", NULL);
        dnode_set_attr(g, "autoport", NULL);
        return;
    }
    const char *port = dnode_attr(g, "port"), *autoport = dnode_attr(g, "autoport");
    long p = port ? strtol(port, NULL, 10) : 0;
    bool autop = !port || p == -1;
    if (autoport)
        autop = eq(autoport, "yes");
    if (autop && !(live && p > 0))    /* a running guest keeps the port it got */
        dnode_set_attr(g, "port", "-1");
    else if (!autop && (p == 0 || p == -1))
        dnode_set_attr(g, "port", NULL);
    dnode_set_attr(g, "autoport", autop ? "yes" : "no");
    struct dnode *l = dnode_child(g, "listen");
    const char *la = dnode_attr(g, "listen");
    if (!la && l && eq(dnode_attr(l, "type"), "address") && dnode_attr(l, "address"))
        dnode_set_attr(g, "listen", dnode_attr(l, "address"));
    else if (la && !l) {
        l = dnode_add(g, "listen");
        dnode_set_attr(l, "type", "address");
        dnode_set_attr(l, "address", la);
    }
}

static void set_num(struct dnode *n, const char *attr, int base, const char *fmt, bool always)
{
    unsigned long long v = 0;
    const char *s = dnode_attr(n, attr);
    if (!s && !always)
        return;
    if (s && !dom_parse_ull(s, base, &v))
        return;    /* dom_validate reports it */
    char out[32];
    snprintf(out, sizeof(out), fmt, v);
    dnode_set_attr(n, attr, out);
}

static void hostdev_defaults(struct dnode *d)
{
    if (!dnode_attr(d, "mode"))
        dnode_set_attr(d, "mode", "subsystem");    /* the only mode of the format */
    struct dnode *src = dnode_child(d, "source");
    if (!src)
        return;
    bool pci = eq(dnode_attr(d, "type"), "pci");
    set_num(dnode_child(src, "vendor"), "id", 0, "0x%04llx", false);
    set_num(dnode_child(src, "product"), "id", 0, "0x%04llx", false);
    struct dnode *a = dnode_child(src, "address");
    if (!a)
        return;
    if (pci) {
        set_num(a, "domain", 0, "0x%04llx", true);
        set_num(a, "bus", 0, "0x%02llx", true);
        set_num(a, "slot", 0, "0x%02llx", true);
        set_num(a, "function", 0, "0x%llx", true);
    } else {
        set_num(a, "bus", 0, "%llu", false);
        set_num(a, "device", 0, "%llu", false);
    }
}

int dom_device_defaults(struct dnode *dev, const struct dnode *dom, struct dctx *c)
{
    const char *k = dev->name;
    if (strcmp(k, "disk") == 0)
        disk_defaults(dev);
    else if (strcmp(k, "interface") == 0)
        interface_defaults(dev, c->live);
    else if (strcmp(k, "serial") == 0 || strcmp(k, "parallel") == 0 || strcmp(k, "console") == 0)
        return chardev_defaults(dev, c);
    else if (strcmp(k, "input") == 0)
        input_defaults(dev, !dom || dom_is_hvm(dom));
    else if (strcmp(k, "graphics") == 0 && eq(dnode_attr(dev, "type"), "vnc"))
        vnc_defaults(dev, c->live);
    else if (strcmp(k, "hostdev") == 0)
        hostdev_defaults(dev);
    return 0;
}

static bool ifname_used(const struct dnode *devs, const char *name)
{
    for (size_t i = 0; i < devs->nkids; i++)
        if (strcmp(devs->kids[i]->name, "interface") == 0 &&
            eq(dnode_attr(dnode_child(devs->kids[i], "target"), "dev"), name))
            return true;
    return false;
}

void dom_test_ifnames(struct dnode *dom)
{
    struct dnode *devs = dnode_child(dom, "devices");
    int next = 0;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        struct dnode *d = devs->kids[i];
        if (strcmp(d->name, "interface") != 0 || dnode_attr(dnode_child(d, "target"), "dev"))
            continue;
        char name[32];
        do
            snprintf(name, sizeof(name), "testnet%d", next++);
        while (ifname_used(devs, name));
        dnode_set_attr(dnode_ensure(d, "target"), "dev", name);
    }
    dom_assign_schema(dom);
}

/* the next free port of a chardev kind in dom */
static void fragment_port(struct dnode *dev, const struct dnode *dom)
{
    bool chr = strcmp(dev->name, "serial") == 0 || strcmp(dev->name, "parallel") == 0;
    if (!chr && strcmp(dev->name, "console") != 0)
        return;
    struct dnode *t = dnode_ensure(dev, "target");
    t->se = schema_child(dev->se, "target");
    if (dnode_attr(t, "port"))
        return;
    long max = -1;
    const struct dnode *devs = dom ? dnode_child(dom, "devices") : NULL;
    for (size_t i = 0; chr && devs && i < devs->nkids; i++) {
        const char *p = dnode_attr(dnode_child(devs->kids[i], "target"), "port");
        if (strcmp(devs->kids[i]->name, dev->name) == 0 && p && strtol(p, NULL, 10) > max)
            max = strtol(p, NULL, 10);
    }
    char num[24];
    snprintf(num, sizeof(num), "%ld", chr ? max + 1 : 0);
    dnode_set_attr(t, "port", num);
}

struct dnode *dom_parse_fragment(const char *xml, size_t len, const char *label,
                                 struct err **e)
{
    label = label ? label : "(device)";
    if (len > DOM_MAX_XML) {
        dom_err(e, ERR_XML, "%s: document too large", label);
        return NULL;
    }
    struct dnode *dev = xml_parse(xml, len, label, e);
    if (!dev)
        return NULL;
    AUTOFREE char *path = xasprintf("domain/devices/%s", dev->name);
    const struct schema_elem *se = schema_find(path);
    if (!se || !(se->flags & SE_DEVICE)) {
        dom_err(e, ERR_SCHEMA, "%s:%d: <%s> is not a device (expected one of disk, interface, "
                "serial, parallel, console, input, graphics, sound, hostdev)", label, dev->line,
                dev->name);
        dnode_free(dev);
        return NULL;
    }
    return dev;
}

struct dnode *dom_parse_device(const char *xml, size_t len, const char *label,
                               const struct dnode *dom, struct err **e)
{
    struct dctx c = {.label = label ? label : "(device)", .e = e};
    struct dnode *dev = dom_parse_fragment(xml, len, c.label, e);
    if (!dev)
        return NULL;
    AUTOFREE char *path = xasprintf("domain/devices/%s", dev->name);
    const struct schema_elem *se = schema_find(path);
    if (dom_schema_check(c.label, dev, se, e) < 0 || dom_rules_check(dev, &c) < 0)
        goto fail;
    dom_rules_rewrite(dev);
    if (dom_device_defaults(dev, dom, &c) < 0)
        goto fail;
    fragment_port(dev, dom);
    dom_assign_schema(dev);
    if (dom_device_validate(dev, dom, &c) < 0 || dom_rules_check(dev, &c) < 0)
        goto fail;
    return dev;
fail:
    dnode_free(dev);
    return NULL;
}
