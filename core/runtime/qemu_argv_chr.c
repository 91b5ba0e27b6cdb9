/* qemu_argv_chr.c: <serial>, <parallel> and <console> -> -chardev +
 * -device.  Every chardev type of the format maps to its QEMU backend;
 * supervised pty chardevs become unix server sockets in the run dir that
 * the supervisor bridges to its own PTYs (QEMU's pty backend drops output
 * while nobody holds the slave: runtime.md 1.3).  The <console> is
 * libvirt's compat alias of serial 0 (or serial 0 itself when there is no
 * <serial>). */
#include "qemu_argv_priv.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ISA_SERIAL 4
#define MAX_ISA_PARALLEL 3

enum chr_kind { CHR_SERIAL, CHR_PARALLEL };

struct chr_slot {
    const struct dnode *node, *console;
    enum chr_kind kind;
    size_t idx;               /* alias number: serial<idx>, parallel<idx> */
};

struct chr_slots {
    struct chr_slot v[64];
    size_t n;
};

static const char *const kind_names[] = {"serial", "parallel"};

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static const char *chr_type(const struct dnode *n)
{
    const char *t = dnode_attr(n, "type");
    return t ? t : "pty";
}

static int add_slot(struct chr_slots *s, struct err **e, struct chr_slot slot)
{
    if (s->n == sizeof(s->v) / sizeof(s->v[0]))
        return err_set(e, ERR_UNSUPPORTED, "too many character devices (at most 64)");
    s->v[s->n++] = slot;
    return 0;
}

static int add_consoles(const struct dnode *devs, struct chr_slots *s, size_t nserial,
                        struct err **e)
{
    const struct dnode *c;
    for (size_t i = 0; (c = dnode_nth(devs, "console", i)); i++) {
        const char *tt = dnode_attr(dnode_child(c, "target"), "type");
        if (tt && !is(tt, "serial")) {
            return err_set(e, ERR_UNSUPPORTED,
                           "console target type '%s' is not supported by the qemu backend", tt);
        } else if (i > 0) {
            return err_set(e, ERR_UNSUPPORTED, "the qemu backend supports one <console> "
                           "(the alias of serial 0)");
        } else if (nserial > 0) {
            s->v[0].console = c;           /* compat alias of serial 0 */
        } else if (add_slot(s, e, (struct chr_slot){c, c, CHR_SERIAL, 0}) < 0) {
            return -1;
        }
    }
    return 0;
}

static int collect(const struct dnode *dom, struct chr_slots *s, struct err **e)
{
    const struct dnode *devs = dnode_child(dom, "devices"), *n;
    size_t nserial = 0;
    s->n = 0;
    for (; (n = dnode_nth(devs, "serial", nserial)); nserial++)
        if (add_slot(s, e, (struct chr_slot){n, NULL, CHR_SERIAL, nserial}) < 0)
            return -1;
    if (add_consoles(devs, s, nserial, e) < 0)
        return -1;
    for (size_t i = 0; (n = dnode_nth(devs, "parallel", i)); i++)
        if (add_slot(s, e, (struct chr_slot){n, NULL, CHR_PARALLEL, i}) < 0)
            return -1;
    return 0;
}

static char *sock_path(const struct qemu_launch *l, const char *id)
{
    return xasprintf("%s/%s.sock", l->run_dir, id);
}

int qemu_check_sock_path(const char *path, struct err **e)
{
    if (strlen(path) > QEMU_SOCK_MAX)
        return err_set(e, ERR_UNSUPPORTED, "socket path '%s' is too long (%zu bytes, at most %d)",
                       path, strlen(path), QEMU_SOCK_MAX);
    return 0;
}

static const struct dnode *source_mode(const struct dnode *n, const char *mode)
{
    const struct dnode *s;
    for (size_t i = 0; (s = dnode_nth(n, "source", i)); i++) {
        const char *m = dnode_attr(s, "mode");
        if (is(m ? m : "connect", mode))
            return s;
    }
    return NULL;
}

static int need(struct qb *q, const char *what, const char *v, const char *type)
{
    if (v && *v)
        return 0;
    return err_set(q->e, ERR_INVALID, "character device type '%s' needs <source %s=...>",
                   type, what);
}

static int chr_net(struct qb *q, const struct dnode *n, const char *type, struct buf *b)
{
    const struct dnode *bind = source_mode(n, "bind"), *conn = source_mode(n, "connect");
    if (is(type, "udp")) {
        if (need(q, "service", dnode_attr(conn, "service"), type) < 0)
            return -1;
        kv(b, "host", dnode_attr(conn, "host") ? dnode_attr(conn, "host") : "");
        kv(b, "port", dnode_attr(conn, "service"));
        kv(b, "localaddr", dnode_attr(bind, "host") ? dnode_attr(bind, "host") : "");
        kv(b, "localport", dnode_attr(bind, "service") ? dnode_attr(bind, "service") : "0");
        return 0;
    }
    const struct dnode *s = bind ? bind : conn;
    if (is(type, "unix")) {
        if (need(q, "path", dnode_attr(s, "path"), type) < 0)
            return -1;
        kv(b, "path", dnode_attr(s, "path"));
    } else {
        if (need(q, "service", dnode_attr(s, "service"), type) < 0)
            return -1;
        kv(b, "host", dnode_attr(s, "host") ? dnode_attr(s, "host") : "");
        kv(b, "port", dnode_attr(s, "service"));
        if (is(dnode_attr(dnode_child(n, "protocol"), "type"), "telnet"))
            buf_add(b, ",telnet=on");
    }
    if (bind)
        buf_add(b, ",server=on,wait=off");
    return 0;
}

/* the -chardev value for one character device */
static int chr_backend(struct qb *q, const struct chr_slot *s, const char *id, struct buf *b)
{
    const char *type = chr_type(s->node);
    const char *path = dnode_attr(dnode_child(s->node, "source"), "path");
    if (is(type, "pty") && q->l->supervised) {
        AUTOFREE char *p = sock_path(q->l, id);
        if (qemu_check_sock_path(p, q->e) < 0)
            return -1;
        buf_printf(b, "socket,id=%s", id);
        kv(b, "path", p);
        buf_add(b, ",server=off");   /* the supervisor listens (supervisor_launch.c) */
        return 0;
    }
    static const char *const simple[][2] = {
        {"pty", "pty"}, {"vc", "vc"}, {"null", "null"}, {"stdio", "stdio"},
        {"file", "file"}, {"pipe", "pipe"}, {"dev", "serial"},
        {"tcp", "socket"}, {"unix", "socket"}, {"udp", "udp"},
    };
    const char *backend = NULL;
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
        if (is(type, simple[i][0]))
            backend = simple[i][1];
    if (!backend)
        return err_set(q->e, ERR_UNSUPPORTED, "character device type '%s' is not supported "
                       "by the qemu backend", type);
    if (is(type, "dev") && s->kind == CHR_PARALLEL)
        backend = "parallel";
    buf_printf(b, "%s,id=%s", backend, id);
    if (is(type, "stdio"))
        buf_add(b, ",signal=off");
    if (is(type, "file") || is(type, "pipe") || is(type, "dev")) {
        if (need(q, "path", path, type) < 0)
            return -1;
        kv(b, "path", path);
    }
    if (is(backend, "socket") || is(backend, "udp"))
        return chr_net(q, s->node, type, b);
    return 0;
}

static int chr_frontend(struct qb *q, const struct chr_slot *s, const char *id,
                        const char *alias)
{
    const char *port = dnode_attr(dnode_child(s->node, "target"), "port");
    unsigned long idx = port ? strtoul(port, NULL, 10) : s->idx;
    unsigned long max = s->kind == CHR_SERIAL ? MAX_ISA_SERIAL : MAX_ISA_PARALLEL;
    if (idx >= max)
        return err_set(q->e, ERR_UNSUPPORTED, "%s port %lu: the machine has %s ports 0-%lu",
                       kind_names[s->kind], idx, kind_names[s->kind], max - 1);
    qb_opt_take(q, "-device", xasprintf("%s,chardev=%s,id=%s,index=%lu",
                                        s->kind == CHR_SERIAL ? "isa-serial" : "isa-parallel",
                                        id, alias, idx));
    return 0;
}

int qb_chardevs(struct qb *q)
{
    struct chr_slots s;
    if (collect(q->dom, &s, q->e) < 0)
        return -1;
    for (size_t i = 0; i < s.n; i++) {
        AUTOFREE char *alias = xasprintf("%s%zu", kind_names[s.v[i].kind], s.v[i].idx);
        AUTOFREE char *id = xasprintf("char%s", alias);
        struct buf b = {0};
        if (chr_backend(q, &s.v[i], id, &b) < 0) {
            buf_free(&b);
            return -1;
        }
        qb_opt_take(q, "-chardev", buf_steal(&b));
        if (chr_frontend(q, &s.v[i], id, alias) < 0)
            return -1;
    }
    return 0;
}

int qemu_list_chardevs(const struct dnode *dom, const struct qemu_launch *l,
                       struct qemu_chardev_list *out, struct err **e)
{
    struct chr_slots s;
    out->v = NULL;
    out->n = 0;
    if (!l->supervised)
        return 0;
    if (collect(dom, &s, e) < 0)
        return -1;
    out->v = xcalloc(s.n ? s.n : 1, sizeof(*out->v));
    for (size_t i = 0; i < s.n; i++) {
        if (!is(chr_type(s.v[i].node), "pty"))
            continue;
        struct qemu_chardev *c = &out->v[out->n++];
        c->alias = xasprintf("%s%zu", kind_names[s.v[i].kind], s.v[i].idx);
        c->chardev_id = xasprintf("char%s", c->alias);
        c->sock_path = sock_path(l, c->chardev_id);
        c->node = s.v[i].node;
        c->console = s.v[i].console;
    }
    return 0;
}

void qemu_chardev_list_free(struct qemu_chardev_list *cl)
{
    for (size_t i = 0; i < cl->n; i++) {
        free(cl->v[i].alias);
        free(cl->v[i].chardev_id);
        free(cl->v[i].sock_path);
    }
    free(cl->v);
    cl->v = NULL;
    cl->n = 0;
}
