/* qemu_argv.c: the QEMU 7.2 command line for a domain: the machine part
 * (accelerator, name, memory, CPUs, boot, clock, monitor, lifecycle) and
 * the order of the device parts (qemu_argv_disk.c, _dev.c, _chr.c).
 * Mapping and ids follow libvirt (runtime.md section 1.2), so QMP output
 * names the devices the way virsh users know them. */
#include "qemu_argv_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../xml/domain.h"

void qb_arg(struct qb *q, const char *s)
{
    strv_push(q->argv, s);
}

void qb_argf(struct qb *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strv_push_take(q->argv, xvasprintf(fmt, ap));
    va_end(ap);
}

void qb_opt_take(struct qb *q, const char *opt, char *value)
{
    strv_push(q->argv, opt);
    strv_push_take(q->argv, value);
}

char *qemu_escape(const char *value)
{
    struct buf b = {0};
    buf_add(&b, "");
    for (const char *p = value; *p; p++) {
        if (*p == ',')
            buf_addc(&b, ',');
        buf_addc(&b, *p);
    }
    return buf_steal(&b);
}

void kv(struct buf *b, const char *key, const char *value)
{
    AUTOFREE char *esc = qemu_escape(value);
    buf_printf(b, "%s%s=%s", b->len ? "," : "", key, esc);
}

void kvf(struct buf *b, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    AUTOFREE char *v = xvasprintf(fmt, ap);
    va_end(ap);
    kv(b, key, v);
}

const struct dnode *qb_dev(const struct qb *q, const char *kind, size_t i)
{
    return dnode_nth(dnode_child(q->dom, "devices"), kind, i);
}

unsigned qb_bootindex(const struct qb *q, const struct dnode *dev)
{
    const char *order = dnode_attr(dnode_child(dev, "boot"), "order");
    if (order)
        return (unsigned)strtoul(order, NULL, 10);
    for (size_t i = 0; i < q->nboot; i++)
        if (q->boot_dev[i] == dev)
            return (unsigned)i + 1;
    return 0;
}

/* <boot dev='hd|cdrom|fd|network'> -> the first device of that kind */
static const struct dnode *boot_target(const struct qb *q, const char *dev)
{
    if (strcmp(dev, "network") == 0)
        return qb_dev(q, "interface", 0);
    const char *want = strcmp(dev, "fd") == 0 ? "floppy"
                     : strcmp(dev, "cdrom") == 0 ? "cdrom" : "disk";
    for (size_t i = 0; i < q->ndisk; i++)
        if (strcmp(qemu_disk_device(q->disk[i]), want) == 0)
            return q->disk[i];
    return NULL;
}

static void resolve_boot(struct qb *q)
{
    const struct dnode *os = dnode_child(q->dom, "os");
    const struct dnode *b;
    for (size_t i = 0; (b = dnode_nth(os, "boot", i)) && q->nboot < QB_MAX_BOOT; i++) {
        const struct dnode *t = boot_target(q, dnode_attr(b, "dev") ? dnode_attr(b, "dev") : "hd");
        bool dup = false;
        for (size_t k = 0; k < q->nboot; k++)
            dup |= q->boot_dev[k] == t;
        if (t && !dup)
            q->boot_dev[q->nboot++] = t;
    }
}

const char *qemu_emulator(const struct dnode *dom)
{
    const char *em = dnode_path_text(dom, "devices/emulator");
    if (em && *em)
        return em;
    const char *arch = dnode_attr(dnode_path(dom, "os/type"), "arch");
    if (arch && (strcmp(arch, "i686") == 0 || strcmp(arch, "i386") == 0))
        return "/usr/bin/qemu-system-i386";
    return "/usr/bin/qemu-system-x86_64";
}

static bool has_pcspk(const struct dnode *dom)
{
    const struct dnode *s;
    for (size_t i = 0; (s = dnode_nth(dnode_child(dom, "devices"), "sound", i)); i++)
        if (strcmp(dnode_attr(s, "model") ? dnode_attr(s, "model") : "", "pcspk") == 0)
            return true;
    return false;
}

static int build_machine(struct qb *q)
{
    const char *type = dom_type(q->dom);
    struct buf b = {0};
    kv(&b, "type", q->machine);
    buf_add(&b, ",usb=off");
    if (!dnode_path(q->dom, "features/acpi"))
        buf_add(&b, ",acpi=off");
    if (has_pcspk(q->dom))
        buf_add(&b, ",pcspk-audiodev=audio1");
    /* "type=" is the implied key: drop it for the familiar "-machine pc,..." */
    qb_opt_take(q, "-machine", xstrdup(buf_str(&b) + strlen("type=")));
    buf_free(&b);
    if (type && strcmp(type, "kvm") == 0)
        qb_opt_take(q, "-accel", xstrdup("kvm"));
    else if (type && strcmp(type, "qemu") == 0)
        qb_opt_take(q, "-accel", xstrdup("tcg"));
    else
        return err_set(q->e, ERR_UNSUPPORTED,
                       "domain type '%s' is not supported by the qemu backend",
                       type ? type : "");
    return 0;
}

/* -m takes MiB; round up like libvirt so the guest never gets less */
static void build_memory(struct qb *q)
{
    unsigned long long kib = dom_memory_kib(q->dom);
    qb_opt_take(q, "-m", xasprintf("%llu", (kib + 1023) / 1024));
    if (dnode_path(q->dom, "memoryBacking/hugepages")) {
        qb_arg(q, "-mem-prealloc");
        qb_opt_take(q, "-mem-path", xstrdup("/dev/hugepages"));
    }
    unsigned n = dom_vcpus(q->dom);
    if (n == 0)
        n = 1;
    qb_opt_take(q, "-smp", xasprintf("%u,sockets=%u,cores=1,threads=1", n, n));
}

static int build_monitor(struct qb *q)
{
    if (qemu_check_sock_path(q->l->qmp_path, q->e) < 0)
        return -1;
    struct buf b = {0};
    buf_add(&b, "socket,id=charmonitor");
    kv(&b, "path", q->l->qmp_path);
    buf_add(&b, ",server=on,wait=off");
    qb_opt_take(q, "-chardev", buf_steal(&b));
    qb_opt_take(q, "-mon", xstrdup("chardev=charmonitor,id=monitor,mode=control"));
    return 0;
}

static void build_clock_lifecycle(struct qb *q)
{
    const char *off = dnode_attr(dnode_child(q->dom, "clock"), "offset");
    if (dnode_attr(dnode_child(q->dom, "clock"), "timezone"))
        off = "localtime";
    qb_opt_take(q, "-rtc", xasprintf("base=%s", off && strcmp(off, "localtime") == 0
                                                  ? "localtime" : "utc"));
    qb_arg(q, "-no-shutdown");
    const char *reboot = dnode_path_text(q->dom, "on_reboot");
    if (reboot && (strcmp(reboot, "destroy") == 0 || strcmp(reboot, "preserve") == 0))
        qb_opt_take(q, "-action", xstrdup("reboot=shutdown"));
}

/* -kernel/-initrd/-append/-bios take the whole value literally (no
 * keyval parsing), so they are passed unescaped */
static void build_boot(struct qb *q)
{
    const struct dnode *os = dnode_child(q->dom, "os");
    qb_opt_take(q, "-boot", xstrdup("strict=on"));
    static const char *const map[][2] = {
        {"kernel", "-kernel"}, {"initrd", "-initrd"}, {"cmdline", "-append"},
        {"loader", "-bios"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        const char *v = dnode_path_text(os, map[i][0]);
        if (v && *v)
            qb_opt_take(q, map[i][1], xstrdup(v));
    }
}

static void build_head(struct qb *q)
{
    qb_arg(q, qemu_emulator(q->dom));
    struct buf b = {0};
    kv(&b, "guest", dom_name(q->dom));
    buf_add(&b, ",debug-threads=on");
    qb_opt_take(q, "-name", buf_steal(&b));
    qb_arg(q, "-S");
}

static void build_tail(struct qb *q)
{
    /* a balloon unless <memballoon model='none'/>: setmem needs one */
    const char *balloon = dnode_attr(dnode_path(q->dom, "devices/memballoon"), "model");
    if (!balloon || strcmp(balloon, "none") != 0)
        qb_opt_take(q, "-device", xstrdup("virtio-balloon-pci,id=balloon0"));
    qb_opt_take(q, "-device", xstrdup("pvpanic,id=panic0"));
    if (q->l->incoming)          /* restore / incoming migration: migrate-incoming later */
        qb_opt_take(q, "-incoming", xstrdup("defer"));
}

static int build_all(struct qb *q)
{
    build_head(q);
    if (build_machine(q) < 0)
        return -1;
    build_memory(q);
    if (dom_uuid(q->dom))
        qb_opt_take(q, "-uuid", xstrdup(dom_uuid(q->dom)));
    qb_arg(q, "-no-user-config");
    qb_arg(q, "-nodefaults");
    if (build_monitor(q) < 0)
        return -1;
    build_clock_lifecycle(q);
    build_boot(q);
    qb_opt_take(q, "-audiodev", xstrdup("none,id=audio1"));
    if (qb_needs_usb(q->dom))
        qb_opt_take(q, "-device", xstrdup("qemu-xhci,id=usb,p2=15,p3=15"));
    if (qb_disks(q) < 0 || qb_nets(q) < 0 || qb_chardevs(q) < 0 || qb_inputs(q) < 0
        || qb_graphics(q) < 0 || qb_sounds(q) < 0 || qb_hostdevs(q) < 0)
        return -1;
    build_tail(q);
    return 0;
}

int qemu_build_argv(const struct dnode *dom, const struct qemu_launch *l,
                    struct strv *argv, struct err **e)
{
    struct qb q = {.dom = dom, .l = l, .argv = argv, .e = e};
    const char *m = dnode_attr(dnode_path(dom, "os/type"), "machine");
    q.machine = m && *m ? m : "pc";
    q.q35 = strcmp(q.machine, "q35") == 0 || strncmp(q.machine, "pc-q35", 6) == 0;
    q.disk = qemu_disk_order(dom, &q.ndisk);
    resolve_boot(&q);
    int rc = build_all(&q);
    if (rc < 0)
        strv_free(argv);
    free(q.disk);
    return rc;
}

void qemu_build_env(const struct dnode *dom, struct strv *env)
{
    const struct dnode *g;
    for (size_t i = 0; (g = dnode_nth(dnode_child(dom, "devices"), "graphics", i)); i++) {
        if (strcmp(dnode_attr(g, "type") ? dnode_attr(g, "type") : "", "sdl") != 0)
            continue;
        if (dnode_attr(g, "display"))
            strv_push_take(env, xasprintf("DISPLAY=%s", dnode_attr(g, "display")));
        if (dnode_attr(g, "xauth"))
            strv_push_take(env, xasprintf("XAUTHORITY=%s", dnode_attr(g, "xauth")));
    }
    const char *tz = dnode_attr(dnode_child(dom, "clock"), "timezone");
    if (tz)
        strv_push_take(env, xasprintf("TZ=%s", tz));
}

/* POSIX shell quoting: plain words stay as they are, anything else goes in
 * single quotes with ' written as '\'' */
static void shell_quote(struct buf *b, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                       "_@%+=:,./-", *p) != NULL;
    if (plain) {
        buf_add(b, s);
        return;
    }
    buf_addc(b, '\'');
    for (const char *p = s; *p; p++)
        buf_add(b, *p == '\'' ? "'\\''" : (char[]){*p, 0});
    buf_addc(b, '\'');
}

/* options that take no value (everything else we emit takes one) */
static bool is_flag(const char *arg)
{
    static const char *const flags[] = {
        "-S", "-no-user-config", "-nodefaults", "-no-shutdown", "-mem-prealloc", NULL,
    };
    for (size_t i = 0; flags[i]; i++)
        if (strcmp(arg, flags[i]) == 0)
            return true;
    return false;
}

char *qemu_argv_shell(const struct strv *env, const struct strv *argv, const char *sep)
{
    struct buf b = {0};
    buf_add(&b, "");
    for (size_t i = 0; env && i < env->n; i++) {
        shell_quote(&b, env->v[i]);
        buf_add(&b, sep);
    }
    bool value_next = false;    /* argv[i] is the value of the option before it */
    for (size_t i = 0; i < argv->n; i++) {
        if (i > 0)
            buf_add(&b, value_next ? " " : sep);
        shell_quote(&b, argv->v[i]);
        value_next = i > 0 && !value_next && !is_flag(argv->v[i]);
    }
    return buf_steal(&b);
}
