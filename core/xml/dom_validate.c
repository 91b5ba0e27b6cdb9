/* dom_validate.c: the semantic rules libvirt applies on define (the
 * schema check in dom_parse.c already vouched for names, enums and number
 * syntax).  Each failure is one line naming the file, line and element. */
#include "dom_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int need_attr(const struct dnode *n, const char *attr, struct dctx *c)
{
    if (dnode_attr(n, attr))
        return 0;
    return dom_fail(c, ERR_INVALID, n, "missing required attribute '%s'", attr);
}

static const char *disk_source(const struct dnode *d)
{
    const struct dnode *s = dnode_child(d, "source");
    const char *p = dnode_attr(s, "file");
    return p ? p : dnode_attr(s, "dev");
}

static int disk_validate(const struct dnode *d, struct dctx *c)
{
    const struct dnode *t = dnode_child(d, "target");
    const char *dev = dnode_attr(t, "dev"), *device = dnode_attr(d, "device");
    const char *bus = dnode_attr(t, "bus");
    if (!dev)
        return dom_fail(c, ERR_INVALID, d, "missing target information for device '%s'",
                        disk_source(d) ? disk_source(d) : "(no source)");
    if (!disk_source(d) && eq(device, "disk"))
        return dom_fail(c, ERR_INVALID, d, "missing source information for device '%s'", dev);
    if (eq(device, "disk") && strncmp(dev, "fd", 2) == 0)
        return dom_fail(c, ERR_INVALID, t, "internal error: Invalid harddisk device name: %s", dev);
    if (eq(device, "floppy") && strncmp(dev, "fd", 2) != 0)
        return dom_fail(c, ERR_INVALID, t, "invalid floppy device name '%s' (expected fda, fdb, ...)", dev);
    if (eq(device, "floppy") != eq(bus, "fdc"))
        return dom_fail(c, ERR_INVALID, t, "bus '%s' is not valid for a %s", bus,
                        eq(device, "floppy") ? "floppy disk" : device);
    if (dom_disk_index(dev) < 0 && !dnode_child(d, "address"))
        return dom_fail(c, ERR_INVALID, t, "unknown disk name '%s' (expected hdX, sdX, vdX, xvdX, fdX "
                        "or ubdX)", dev);
    const struct dnode *enc = dnode_child(d, "encryption");
    for (size_t i = 0; enc && i < enc->nkids; i++)
        if (need_attr(enc->kids[i], "type", c) < 0)
            return -1;
    return 0;
}

/* a numeric port must fit TCP/UDP (a service name is left to the host) */
static bool port_fits(const char *s)
{
    if (!s || !*s || s[strspn(s, "0123456789")] != '\0')
        return true;
    return strlen(s) <= 5 && strtoul(s, NULL, 10) <= 65535;
}

static int ports_validate(const struct dnode *d, const char *attr, struct dctx *c)
{
    for (size_t i = 0; i < d->nkids; i++) {
        const struct dnode *s = d->kids[i];
        if (strcmp(s->name, "source") == 0 && !port_fits(dnode_attr(s, attr)))
            return dom_fail(c, ERR_INVALID, s, "%s '%s' is not a port (0-65535)", attr,
                            dnode_attr(s, attr));
    }
    return 0;
}

static int interface_validate(const struct dnode *d, struct dctx *c)
{
    const char *type = dnode_attr(d, "type");
    const struct dnode *src = dnode_child(d, "source");
    if ((eq(type, "network") || eq(type, "bridge")) && !dnode_attr(src, type))
        return dom_fail(c, ERR_INVALID, d, "interface type '%s' needs <source %s='...'/>", type, type);
    if (eq(type, "mcast") || eq(type, "server") || eq(type, "client")) {
        if (!dnode_attr(src, "port"))
            return dom_fail(c, ERR_INVALID, src ? src : d, "interface type '%s' needs a source 'port'", type);
        if (!eq(type, "server") && !dnode_attr(src, "address"))
            return dom_fail(c, ERR_INVALID, src, "interface type '%s' needs a source 'address'", type);
    }
    if (ports_validate(d, "port", c) < 0)
        return -1;
    const struct dnode *mac = dnode_child(d, "mac");
    const char *m = dnode_attr(mac, "address");
    if (m && strtoul(m, NULL, 16) & 1)
        return dom_fail(c, ERR_INVALID, mac, "expected a unicast MAC address, found multicast '%s'", m);
    return 0;
}

/* a <source> with attr set (a udp device sends to its connect source) */
static const struct dnode *source_with(const struct dnode *d, const char *attr)
{
    bool udp = eq(dnode_attr(d, "type"), "udp");
    for (size_t i = 0; i < d->nkids; i++) {
        const struct dnode *s = d->kids[i];
        if (strcmp(s->name, "source") == 0 && dnode_attr(s, attr) &&
            !(udp && eq(dnode_attr(s, "mode"), "bind")))
            return s;
    }
    return NULL;
}

static int chardev_validate(const struct dnode *d, struct dctx *c)
{
    const char *type = dnode_attr(d, "type");
    if (ports_validate(d, "service", c) < 0)
        return -1;
    if (eq(type, "tcp") && !source_with(d, "host"))
        return dom_fail(c, ERR_INVALID, d, "missing source host for a tcp character device");
    if ((eq(type, "tcp") || eq(type, "udp")) && !source_with(d, "service"))
        return dom_fail(c, ERR_INVALID, d, "missing source service for a %s character device%s", type,
                        eq(type, "udp") ? " (its connect source)" : "");
    if ((eq(type, "unix") || eq(type, "file") || eq(type, "dev") || eq(type, "pipe")) &&
        !source_with(d, "path"))
        return dom_fail(c, ERR_INVALID, d, "missing source path for a %s character device", type);
    return 0;
}

static int input_validate(const struct dnode *d, const struct dnode *dom, struct dctx *c)
{
    if (need_attr(d, "type", c) < 0)
        return -1;
    const char *type = dnode_attr(d, "type"), *bus = dnode_attr(d, "bus");
    bool hvm = !dom || dom_is_hvm(dom), pointer = !eq(type, "tablet");
    if (hvm && eq(bus, "xen"))
        return dom_fail(c, ERR_INVALID, d, "unsupported input bus 'xen' for an hvm guest");
    if (hvm && eq(bus, "ps2") && !pointer)
        return dom_fail(c, ERR_INVALID, d, "the ps2 bus does not support a %s", type);
    if (!hvm && !eq(bus, "xen"))
        return dom_fail(c, ERR_INVALID, d, "unsupported input bus '%s' for a paravirtualized guest", bus);
    if (!hvm && !pointer)
        return dom_fail(c, ERR_INVALID, d, "the xen bus does not support a %s", type);
    return 0;
}

static int graphics_validate(const struct dnode *d, struct dctx *c)
{
    if (need_attr(d, "type", c) < 0)
        return -1;
    /* a TCP port or -1 (allocate); the schema only checks it is an integer */
    const char *port = dnode_attr(d, "port");
    long pv = port ? strtol(port, NULL, 10) : 0;
    if (port && (pv < -1 || pv > 65535))
        return dom_fail(c, ERR_INVALID, d, "graphics port '%s' is not a TCP port (-1 or 0-65535)",
                        port);
    const struct dnode *l = dnode_child(d, "listen");
    const char *la = dnode_attr(d, "listen"), *addr = dnode_attr(l, "address");
    if (la && l && eq(dnode_attr(l, "type"), "address") && addr && !eq(la, addr))
        return dom_fail(c, ERR_INVALID, d, "listen '%s' does not match the address '%s' of the first "
                        "<listen>", la, addr);
    return 0;
}

static int pci_range(const struct dnode *a, const char *attr, unsigned long long max, struct dctx *c)
{
    unsigned long long v = 0;
    const char *s = dnode_attr(a, attr);
    if (s && !dom_parse_ull(s, 0, &v))
        return dom_fail(c, ERR_INVALID, a, "invalid PCI address %s='%s'", attr, s);
    if (v > max)
        return dom_fail(c, ERR_INVALID, a, "invalid PCI address %s='%s', must be <= 0x%llx", attr, s, max);
    return 0;
}

static int hostdev_validate(const struct dnode *d, struct dctx *c)
{
    if (need_attr(d, "type", c) < 0)
        return -1;
    const struct dnode *src = dnode_child(d, "source");
    const struct dnode *a = dnode_child(src, "address");
    if (eq(dnode_attr(d, "type"), "pci")) {
        if (pci_range(a, "domain", 0xffff, c) < 0 || pci_range(a, "bus", 0xff, c) < 0 ||
            pci_range(a, "slot", 0x1f, c) < 0 || pci_range(a, "function", 7, c) < 0)
            return -1;
        return 0;
    }
    bool ven = dnode_child(src, "vendor") != NULL, prod = dnode_child(src, "product") != NULL;
    if (ven != prod)
        return dom_fail(c, ERR_INVALID, src, "a USB device needs both <vendor> and <product>");
    if ((ven && need_attr(dnode_child(src, "vendor"), "id", c) < 0) ||
        (prod && need_attr(dnode_child(src, "product"), "id", c) < 0))
        return -1;
    if (a && (need_attr(a, "bus", c) < 0 || need_attr(a, "device", c) < 0))
        return -1;
    return 0;
}

int dom_device_validate(const struct dnode *dev, const struct dnode *dom, struct dctx *c)
{
    const char *k = dev->name;
    if (strcmp(k, "disk") == 0)
        return disk_validate(dev, c);
    if (strcmp(k, "interface") == 0)
        return interface_validate(dev, c);
    if (strcmp(k, "serial") == 0 || strcmp(k, "parallel") == 0 || strcmp(k, "console") == 0)
        return chardev_validate(dev, c);
    if (strcmp(k, "input") == 0)
        return input_validate(dev, dom, c);
    if (strcmp(k, "graphics") == 0)
        return graphics_validate(dev, c);
    if (strcmp(k, "sound") == 0)
        return need_attr(dev, "model", c);
    if (strcmp(k, "hostdev") == 0)
        return hostdev_validate(dev, c);
    return 0;
}

static unsigned long long num_attr(const struct dnode *n, const char *attr, int base)
{
    unsigned long long v = 0;
    dom_parse_ull(dnode_attr(n, attr), base, &v);
    return v;
}

/* a hostdev's identity, or NULL when its source names no device */
static char *hostdev_key(const struct dnode *d)
{
    const struct dnode *src = dnode_child(d, "source"), *a = dnode_child(src, "address");
    if (eq(dnode_attr(d, "type"), "pci"))
        return a ? xasprintf("pci %llx:%llx:%llx.%llx", num_attr(a, "domain", 0), num_attr(a, "bus", 0),
                             num_attr(a, "slot", 0), num_attr(a, "function", 0)) : NULL;
    const struct dnode *v = dnode_child(src, "vendor"), *p = dnode_child(src, "product");
    if (v && p)
        return xasprintf("usb id %llx:%llx", num_attr(v, "id", 0), num_attr(p, "id", 0));
    return a ? xasprintf("usb at %llu.%llu", num_attr(a, "bus", 0), num_attr(a, "device", 0)) : NULL;
}

static int duplicate_disk(const struct dnode *a, const struct dnode *b, struct dctx *c)
{
    const char *ta = dnode_attr(dnode_child(a, "target"), "dev");
    if (!eq(ta, dnode_attr(dnode_child(b, "target"), "dev")))
        return 0;
    return dom_fail(c, ERR_INVALID, b, "target '%s' duplicated for disk sources '%s' and '%s'", ta,
                    disk_source(a) ? disk_source(a) : "", disk_source(b) ? disk_source(b) : "");
}

static int duplicates(const struct dnode *devs, struct dctx *c)
{
    for (size_t i = 0; i < devs->nkids; i++) {
        const struct dnode *a = devs->kids[i];
        bool disk = strcmp(a->name, "disk") == 0;
        AUTOFREE char *ka = strcmp(a->name, "hostdev") == 0 ? hostdev_key(a) : NULL;
        if (!disk && !ka)
            continue;
        for (size_t j = i + 1; j < devs->nkids; j++) {
            const struct dnode *b = devs->kids[j];
            if (strcmp(a->name, b->name) != 0)
                continue;
            if (disk && duplicate_disk(a, b, c) < 0)
                return -1;
            AUTOFREE char *kb = ka ? hostdev_key(b) : NULL;
            if (kb && strcmp(ka, kb) == 0)
                return dom_fail(c, ERR_INVALID, b, "host device (%s) is already in the domain "
                                "configuration", kb);
        }
    }
    return 0;
}

static int consoles_validate(const struct dnode *devs, struct dctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (strcmp(d->name, "console") != 0 || n++ == 0)
            continue;
        const char *tt = dnode_attr(dnode_child(d, "target"), "type");
        if (!tt || eq(tt, "serial"))
            return dom_fail(c, ERR_INVALID, d, "only the first console can be a serial port "
                            "(give this one <target type='xen'/>)");
    }
    return 0;
}

static int domain_rules(const struct dnode *dom, struct dctx *c)
{
    if (need_attr(dom, "type", c) < 0)
        return -1;
    const struct dnode *name = dnode_child(dom, "name");
    struct err *ne = NULL;
    if (!dom_name_valid(dnode_text(name), &ne)) {
        dom_fail(c, ERR_INVALID, name, "%s", ne->msg);
        err_free(ne);
        return -1;
    }
    if (dom_memory_kib(dom) == 0)
        return dom_fail(c, ERR_INVALID, dnode_child(dom, "memory"), "memory size must be greater than 0");
    const struct dnode *vcpu = dnode_child(dom, "vcpu");
    unsigned long long nv = strtoull(dnode_text(vcpu), NULL, 10);
    if (vcpu && (nv == 0 || nv > 4294967295ULL))
        return dom_fail(c, ERR_INVALID, vcpu, "vcpu count '%s' must be between 1 and 4294967295",
                        dnode_text(vcpu));
    const struct dnode *os = dnode_child(dom, "os");
    for (size_t i = 0; os && i < os->nkids; i++)
        if (strcmp(os->kids[i]->name, "boot") == 0 && need_attr(os->kids[i], "dev", c) < 0)
            return -1;
    return 0;
}

int dom_validate_ctx(const struct dnode *dom, struct dctx *c)
{
    if (domain_rules(dom, c) < 0 || dom_rules_check(dom, c) < 0)
        return -1;
    const struct dnode *devs = dnode_child(dom, "devices");
    if (!devs)
        return 0;
    for (size_t i = 0; i < devs->nkids; i++)
        if (dom_device_validate(devs->kids[i], dom, c) < 0)
            return -1;
    if (duplicates(devs, c) < 0)
        return -1;
    return consoles_validate(devs, c);
}

int dom_validate(const struct dnode *dom, struct err **e)
{
    struct dctx c = {.e = e};
    return dom_validate_ctx(dom, &c);
}
