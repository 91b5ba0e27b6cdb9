/* qemu_argv_dev.c: interfaces (-netdev + NIC -device), inputs, graphics
 * (VNC on a unix socket in the run dir unless a TCP port or listen address
 * is asked for; SDL), video, sound (all on `-audiodev none,id=audio1`) and
 * host devices (usb-host, vfio-pci). */
#include "qemu_argv_priv.h"

#include <stdlib.h>
#include <string.h>

static const char *attr_or(const struct dnode *n, const char *name, const char *dflt)
{
    const char *v = dnode_attr(n, name);
    return v ? v : dflt;
}

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

bool qb_needs_usb(const struct dnode *dom)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *k = devs->kids[i];
        if ((is(k->name, "disk") && is(qemu_disk_bus(k), "usb"))
            || (is(k->name, "input") && is(dnode_attr(k, "bus"), "usb"))
            || (is(k->name, "hostdev") && is(dnode_attr(k, "type"), "usb")))
            return true;
    }
    return false;
}

/* ---- interfaces ---- */

const char *qemu_nic_device(const char *model)
{
    static const char *const same[] = {
        "e1000", "e1000e", "rtl8139", "ne2k_pci", "ne2k_isa", "pcnet", "i82551",
        "i82557b", "i82559er", "vmxnet3", "virtio-net-pci", NULL,
    };
    if (!model)
        return "rtl8139";
    if (strcmp(model, "virtio") == 0)
        return "virtio-net-pci";
    for (size_t i = 0; same[i]; i++)
        if (strcmp(model, same[i]) == 0)
            return same[i];
    return NULL;
}

const char *qemu_network_bridge(const char *network)
{
    return is(network, "default") ? "virbr0" : NULL;
}

/* "A:P", with an IPv6 address in brackets as QEMU wants it */
static char *host_port(const char *addr, const char *port)
{
    bool v6 = strchr(addr, ':') && addr[0] != '[';
    return xasprintf("%s%s%s:%s", v6 ? "[" : "", addr, v6 ? "]" : "", port);
}

static int net_socket(struct qb *q, const struct dnode *n, const char *key, struct buf *b)
{
    const struct dnode *s = dnode_child(n, "source");
    const char *port = dnode_attr(s, "port");
    if (!port)
        return err_set(q->e, ERR_INVALID, "interface type '%s' needs <source port=...>",
                       dnode_attr(n, "type"));
    const char *addr = attr_or(s, "address", is(key, "mcast") ? "230.0.0.1" : "");
    if (strchr(addr, ':'))     /* QEMU 7.2 parses "A:P" with the first ':' */
        return err_set(q->e, ERR_UNSUPPORTED, "interface type '%s': QEMU's socket network "
                       "cannot use the IPv6 address '%s'", dnode_attr(n, "type"), addr);
    kvf(b, key, "%s:%s", addr, port);
    return 0;
}

static int net_backend(struct qb *q, const struct dnode *n, size_t i, struct buf *b)
{
    const char *type = attr_or(n, "type", "user");
    const struct dnode *src = dnode_child(n, "source");
    const char *br = NULL;
    buf_add(b, is(type, "user") ? "user"
             : is(type, "ethernet") ? "tap"
             : is(type, "bridge") || is(type, "network") ? "bridge" : "socket");
    buf_printf(b, ",id=hostnet%zu", i);
    if (is(type, "user"))
        return 0;
    if (is(type, "ethernet")) {
        const char *ifname = dnode_attr(dnode_child(n, "target"), "dev");
        if (ifname)
            kv(b, "ifname", ifname);
        kv(b, "script", attr_or(dnode_child(n, "script"), "path", "/etc/qemu-ifup"));
        buf_add(b, ",downscript=no");
        return 0;
    }
    if (is(type, "network") && !(br = qemu_network_bridge(dnode_attr(src, "network"))))
        return err_set(q->e, ERR_UNSUPPORTED, "interface %zu: network '%s' is unknown "
                       "(domsh has no network driver: only 'default' = bridge virbr0)",
                       i, attr_or(src, "network", ""));
    if (is(type, "bridge") && !(br = dnode_attr(src, "bridge")))
        return err_set(q->e, ERR_INVALID, "interface %zu: type 'bridge' needs <source bridge=...>", i);
    if (br) {
        kv(b, "br", br);
        return 0;
    }
    if (is(type, "mcast"))
        return net_socket(q, n, "mcast", b);
    if (is(type, "server"))
        return net_socket(q, n, "listen", b);
    if (is(type, "client"))
        return net_socket(q, n, "connect", b);
    return err_set(q->e, ERR_UNSUPPORTED, "interface type '%s' is not supported by the qemu backend",
                   type);
}

static int net_one(struct qb *q, const struct dnode *n, size_t i)
{
    const char *model = dnode_attr(dnode_child(n, "model"), "type");
    const char *drv = qemu_nic_device(model);
    if (!drv)
        return err_set(q->e, ERR_UNSUPPORTED,
                       "interface %zu: model '%s' is not supported by the qemu backend", i, model);
    struct buf b = {0};
    if (net_backend(q, n, i, &b) < 0) {
        buf_free(&b);
        return -1;
    }
    qb_opt_take(q, "-netdev", buf_steal(&b));
    buf_printf(&b, "%s,netdev=hostnet%zu,id=net%zu", drv, i, i);
    const char *mac = dnode_attr(dnode_child(n, "mac"), "address");
    if (mac)
        kv(&b, "mac", mac);
    unsigned boot = qb_bootindex(q, n);
    if (boot && !is(drv, "ne2k_isa"))
        buf_printf(&b, ",bootindex=%u", boot);
    qb_opt_take(q, "-device", buf_steal(&b));
    return 0;
}

/* ONE for every device of KIND, in order, until one fails */
static int each_dev(struct qb *q, const char *kind,
                    int (*one)(struct qb *q, const struct dnode *dev, size_t i))
{
    const struct dnode *d;
    for (size_t i = 0; (d = qb_dev(q, kind, i)); i++)
        if (one(q, d, i) < 0)
            return -1;
    return 0;
}

int qb_nets(struct qb *q)
{
    return each_dev(q, "interface", net_one);
}

/* ---- input ---- */

int qb_inputs(struct qb *q)
{
    const struct dnode *n;
    for (size_t i = 0; (n = qb_dev(q, "input", i)); i++) {
        const char *type = attr_or(n, "type", "mouse"), *bus = attr_or(n, "bus", "ps2");
        if (is(bus, "usb"))
            qb_opt_take(q, "-device", xasprintf("%s,bus=usb.0,id=input%zu",
                                                is(type, "tablet") ? "usb-tablet"
                                                : is(type, "keyboard") ? "usb-kbd" : "usb-mouse", i));
        else if (!is(bus, "ps2"))
            return err_set(q->e, ERR_UNSUPPORTED,
                           "input bus '%s' is not supported by the qemu backend", bus);
        else if (is(type, "tablet"))
            return err_set(q->e, ERR_UNSUPPORTED, "input type 'tablet' needs bus 'usb' (ps2 has "
                           "a mouse and a keyboard)");
    }
    return 0;
}

/* ---- graphics and video ---- */

static int vnc_arg(struct qb *q, const struct dnode *g)
{
    const char *port = dnode_attr(g, "port"), *listen = dnode_attr(g, "listen");
    if (!listen)    /* libvirt's <listen type='address' address=...> child */
        listen = dnode_attr(dnode_child(g, "listen"), "address");
    long p = port ? strtol(port, NULL, 10) : -1;
    bool autoport = is(dnode_attr(g, "autoport"), "yes") || p == -1;
    struct buf b = {0};
    if (!autoport) {
        if (p < 5900 || p > 65535)
            return err_set(q->e, ERR_INVALID, "graphics vnc port %ld is outside 5900-65535", p);
        AUTOFREE char *disp = xasprintf("%ld", p - 5900);
        AUTOFREE char *hp = host_port(listen ? listen : "127.0.0.1", disp);
        kv(&b, "vnc", hp);
    } else if (listen) {
        AUTOFREE char *hp = host_port(listen, "0");
        kv(&b, "vnc", hp);
        buf_add(&b, ",to=99");    /* QEMU takes the first free display: autoport */
    } else {
        kvf(&b, "vnc", "unix:%s/%s", q->l->run_dir, QEMU_VNC_SOCK);
    }
    if (dnode_attr(g, "passwd"))
        buf_add(&b, ",password=on");
    buf_add(&b, ",audiodev=audio1");
    qb_opt_take(q, "-vnc", xstrdup(buf_str(&b) + strlen("vnc=")));
    buf_free(&b);
    if (dnode_attr(g, "keymap"))
        qb_opt_take(q, "-k", xstrdup(dnode_attr(g, "keymap")));
    return 0;
}

static int video_args(struct qb *q)
{
    static const char *const map[][2] = {
        {"vga", "VGA"}, {"cirrus", "cirrus-vga"}, {"vmvga", "vmware-svga"}, {"qxl", "qxl-vga"},
    };
    const struct dnode *v;
    for (size_t i = 0; (v = qb_dev(q, "video", i)); i++) {
        const char *model = attr_or(dnode_child(v, "model"), "type", "cirrus");
        const char *drv = NULL;
        for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
            if (is(model, map[k][0]))
                drv = map[k][1];
        if (!drv)
            return err_set(q->e, ERR_UNSUPPORTED,
                           "video model '%s' is not supported by the qemu backend", model);
        qb_opt_take(q, "-device", xasprintf("%s,id=video%zu", drv, i));
    }
    if (!qb_dev(q, "video", 0))
        qb_opt_take(q, "-device", xstrdup("VGA,id=video0"));
    return 0;
}

int qb_graphics(struct qb *q)
{
    const struct dnode *g;
    bool sdl = false, vnc = false;
    for (size_t i = 0; (g = qb_dev(q, "graphics", i)); i++) {
        const char *type = attr_or(g, "type", "");
        if (is(type, "vnc") && vnc)
            return err_set(q->e, ERR_UNSUPPORTED, "the qemu backend supports one "
                           "<graphics type='vnc'>");
        if (is(type, "vnc") && (vnc = true) && vnc_arg(q, g) < 0)
            return -1;
        else if (is(type, "sdl") && !sdl) {
            qb_opt_take(q, "-display", xstrdup(is(dnode_attr(g, "fullscreen"), "yes")
                                               ? "sdl,full-screen=on" : "sdl"));
            sdl = true;
        } else if (!is(type, "vnc") && !is(type, "sdl"))
            return err_set(q->e, ERR_UNSUPPORTED,
                           "graphics type '%s' is not supported by the qemu backend", type);
    }
    if (!sdl)
        qb_opt_take(q, "-display", xstrdup("none"));
    if (qb_dev(q, "graphics", 0) || qb_dev(q, "video", 0))
        return video_args(q);
    return 0;
}

/* ---- sound ---- */

const char *qemu_sound_device(const char *model)
{
    static const char *const map[][2] = {
        {"es1370", "ES1370"}, {"sb16", "sb16"}, {"ac97", "AC97"}, {"pcspk", "pcspk"},
    };
    for (size_t k = 0; model && k < sizeof(map) / sizeof(map[0]); k++)
        if (is(model, map[k][0]))
            return map[k][1];
    return NULL;
}

int qb_sounds(struct qb *q)
{
    const struct dnode *s;
    for (size_t i = 0; (s = qb_dev(q, "sound", i)); i++) {
        const char *model = attr_or(s, "model", "");
        const char *drv = qemu_sound_device(model);
        if (!drv)
            return err_set(q->e, ERR_UNSUPPORTED,
                           "sound model '%s' is not supported by the qemu backend", model);
        if (!is(drv, "pcspk"))    /* pcspk: -machine pcspk-audiodev=audio1 */
            qb_opt_take(q, "-device", xasprintf("%s,id=sound%zu,audiodev=audio1", drv, i));
    }
    return 0;
}

/* ---- host devices ---- */

static unsigned long num(const struct dnode *n, const char *attr)
{
    return strtoul(attr_or(n, attr, "0"), NULL, 0);
}

static int hostdev_one(struct qb *q, const struct dnode *h, size_t i)
{
    const char *type = attr_or(h, "type", "");
    const struct dnode *src = dnode_child(h, "source");
    const struct dnode *addr = dnode_child(src, "address");
    if (is(type, "pci")) {
        if (!addr)
            return err_set(q->e, ERR_INVALID, "hostdev %zu: a PCI device needs <source><address>", i);
        qb_opt_take(q, "-device", xasprintf("vfio-pci,host=%04lx:%02lx:%02lx.%lx,id=hostdev%zu",
                                            num(addr, "domain"), num(addr, "bus"),
                                            num(addr, "slot"), num(addr, "function"), i));
    } else if (is(type, "usb")) {
        const struct dnode *ven = dnode_child(src, "vendor"), *prod = dnode_child(src, "product");
        if (ven && prod)
            qb_opt_take(q, "-device", xasprintf("usb-host,bus=usb.0,vendorid=0x%04lx,"
                                                "productid=0x%04lx,id=hostdev%zu",
                                                num(ven, "id"), num(prod, "id"), i));
        else if (addr)
            qb_opt_take(q, "-device", xasprintf("usb-host,bus=usb.0,hostbus=%lu,hostaddr=%lu,"
                                                "id=hostdev%zu", num(addr, "bus"),
                                                num(addr, "device"), i));
        else
            return err_set(q->e, ERR_INVALID, "hostdev %zu: a USB device needs <vendor> and "
                           "<product>, or <address>", i);
    } else {
        return err_set(q->e, ERR_UNSUPPORTED,
                       "hostdev type '%s' is not supported by the qemu backend", type);
    }
    return 0;
}

int qb_hostdevs(struct qb *q)
{
    return each_dev(q, "hostdev", hostdev_one);
}
