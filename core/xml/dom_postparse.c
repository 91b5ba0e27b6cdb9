/* dom_postparse.c: the defaults libvirt fills in when a domain is defined
 * (an "inactive" parse), so that our output equals libvirt's for the same
 * input: uuid, memory in KiB, currentMemory, vcpu, boot hd, on_* actions,
 * clock utc, then per device (dom_device.c), then the serial/console
 * aliasing of HVM guests.  Live-only data (id, tty, pty paths) is dropped,
 * as libvirt ignores it on define, unless the definition is a running
 * one (dom_load_live). */
#include "dom_priv.h"

#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* bytes per unit, as libvirt's virScaleInteger (case-insensitive: b, bytes;
 * k, KiB = 1024; KB = 1000; ... up to E); 0 when unknown */
static unsigned long long unit_scale(const char *u)
{
    if (strcasecmp(u, "b") == 0 || strcasecmp(u, "byte") == 0 || strcasecmp(u, "bytes") == 0)
        return 1;
    const char *p = strchr("kmgtpe", u[0] | 0x20);
    if (!u[0] || !p)
        return 0;
    unsigned long long base;
    if (!u[1] || strcasecmp(u + 1, "ib") == 0)
        base = 1024;
    else if ((u[1] | 0x20) == 'b' && !u[2])
        base = 1000;
    else
        return 0;
    unsigned long long s = 1;
    for (int i = 0; i <= p - "kmgtpe"; i++)
        s *= base;
    return s;
}

/* memory element -> KiB, rounded up; libvirt caps the size in bytes at
 * LLONG_MAX */
static int memory_kib(struct dnode *m, struct dctx *c, unsigned long long *kib)
{
    const char *unit = dnode_attr(m, "unit");
    if (!unit)
        unit = "KiB";
    unsigned long long scale = unit_scale(unit);
    if (!scale)
        return dom_fail(c, ERR_SCHEMA, m, "unknown memory unit '%s' (use b, KiB, MiB, GiB, TiB, KB, MB, ...)",
                        unit);
    unsigned long long v = strtoull(dnode_text(m), NULL, 10);
    if (v > (unsigned long long)LLONG_MAX / scale)
        return dom_fail(c, ERR_INVALID, m, "memory size too large: %s %s", dnode_text(m), unit);
    *kib = (v * scale + 1023) / 1024;    /* v * scale <= LLONG_MAX: no overflow */
    return 0;
}

static void set_kib(struct dnode *m, unsigned long long kib)
{
    char num[32];
    snprintf(num, sizeof(num), "%llu", kib);
    dnode_set_text(m, num);
    dnode_set_attr(m, "unit", "KiB");
}

static int memory_defaults(struct dnode *dom, struct dctx *c)
{
    struct dnode *m = dnode_child(dom, "memory");
    unsigned long long max = 0, cur = 0;
    if (!m)
        return 0;      /* dom_validate reports it */
    if (memory_kib(m, c, &max) < 0)
        return -1;
    set_kib(m, max);
    struct dnode *cm = dnode_child(dom, "currentMemory");
    if (cm && memory_kib(cm, c, &cur) < 0)
        return -1;
    if (!cm)
        cm = dnode_add(dom, "currentMemory");
    /* libvirt: absent, zero or above the maximum means "the maximum" */
    set_kib(cm, cur == 0 || cur > max ? max : cur);
    return 0;
}

static void text_default(struct dnode *dom, const char *name, const char *value)
{
    if (!dnode_child(dom, name))
        dnode_set_text(dnode_add(dom, name), value);
}

static void uuid_default(struct dnode *dom)
{
    struct dnode *u = dnode_child(dom, "uuid");
    char s[37];
    unsigned char raw[16];
    if (u && uuid_parse(dnode_text(u), raw)) {
        uuid_format(raw, s);
    } else {
        if (!u)
            u = dnode_add(dom, "uuid");
        uuid_generate(s);
    }
    dnode_set_text(u, s);
}

static void os_defaults(struct dnode *dom)
{
    struct dnode *os = dnode_child(dom, "os");
    /* with a host bootloader libvirt leaves the boot order empty */
    if (os && dom_is_hvm(dom) && !dnode_child(os, "boot") && !dnode_child(dom, "bootloader"))
        dnode_set_attr(dnode_add(os, "boot"), "dev", "hd");
    struct dnode *clock = dnode_ensure(dom, "clock");
    if (!dnode_attr(clock, "offset"))
        dnode_set_attr(clock, "offset", "utc");
}

/* serial and parallel ports without a number get "highest so far + 1",
 * counting every port of that kind (libvirt's rule); consoles get 0 */
static void chardev_ports(struct dnode *devs, const char *kind)
{
    long max = -1;
    for (size_t i = 0; i < devs->nkids; i++) {
        const char *p = dnode_attr(dnode_child(devs->kids[i], "target"), "port");
        if (strcmp(devs->kids[i]->name, kind) == 0 && p && strtol(p, NULL, 10) > max)
            max = strtol(p, NULL, 10);
    }
    for (size_t i = 0; i < devs->nkids; i++) {
        struct dnode *d = devs->kids[i];
        if (strcmp(d->name, kind) != 0)
            continue;
        struct dnode *t = dnode_ensure(d, "target");
        if (dnode_attr(t, "port"))
            continue;
        char num[24];
        snprintf(num, sizeof(num), "%ld", strcmp(kind, "console") == 0 ? 0 : ++max);
        dnode_set_attr(t, "port", num);
    }
}

/* a console that is "the serial port" is formatted as a copy of it */
static struct dnode *console_alias(const struct dnode *serial)
{
    struct dnode *c = dnode_clone(serial);
    free(c->name);
    c->name = xstrdup("console");
    c->se = schema_find("domain/devices/console");
    struct dnode *t = dnode_child(c, "target");
    for (size_t i = 0; t && i < t->nkids; i++)
        if (strcmp(t->kids[i]->name, "model") == 0)
            dnode_remove(t->kids[i--]);
    if (t) {
        AUTOFREE char *port = xstrdup(dnode_attr(t, "port") ? dnode_attr(t, "port") : "0");
        while (t->nattrs)
            dnode_set_attr(t, t->attrs[0].name, NULL);
        dnode_set_attr(t, "type", "serial");
        dnode_set_attr(t, "port", port);
        t->se = schema_find("domain/devices/console/target");
    }
    for (size_t i = 0; i < c->nkids; i++)
        if (strcmp(c->kids[i]->name, "source") == 0 || strcmp(c->kids[i]->name, "protocol") == 0)
            c->kids[i]->se = schema_child(c->se, c->kids[i]->name);
    return c;
}

static bool serial_like(const struct dnode *console)
{
    const char *tt = dnode_attr(dnode_child(console, "target"), "type");
    return !tt || strcmp(tt, "serial") == 0;
}

/* libvirt's virDomainDefAddConsoleCompat for HVM guests */
static void console_compat(struct dnode *devs, const struct dnode *dom)
{
    if (!dom_is_hvm(dom))
        return;
    struct dnode *con = dnode_child(devs, "console");
    struct dnode *ser = dnode_child(devs, "serial");
    if (con && serial_like(con)) {
        if (!ser) {
            ser = dnode_clone(con);
            free(ser->name);
            ser->name = xstrdup("serial");
            ser->se = schema_find("domain/devices/serial");
            struct dnode *t = dnode_ensure(ser, "target");
            dnode_set_attr(t, "type", NULL);
            dnode_set_attr(t, "port", "0");
            for (size_t i = 0; i < ser->nkids; i++)
                ser->kids[i]->se = schema_child(ser->se, ser->kids[i]->name);
            dnode_insert(devs, dnode_index(con), ser);
        }
        size_t at = dnode_index(con);
        dnode_remove(con);
        dnode_insert(devs, at, console_alias(ser));
    } else if (ser) {
        size_t at = con ? dnode_index(con) : dnode_index(ser) + 1;
        dnode_insert(devs, at, console_alias(ser));
    }
}

/* libvirt derives a running pty console's tty= from its source path (it
 * never reads tty=), which also covers the console copied from serial 0 */
static void console_ttys(struct dnode *devs)
{
    for (size_t i = 0; i < devs->nkids; i++) {
        struct dnode *d = devs->kids[i];
        const char *type = dnode_attr(d, "type");
        const char *path = dnode_attr(dnode_child(d, "source"), "path");
        if (strcmp(d->name, "console") == 0 && type && strcmp(type, "pty") == 0 && path)
            dnode_set_attr(d, "tty", path);
    }
}

static int devices_defaults(struct dnode *dom, struct dctx *c)
{
    struct dnode *devs = dnode_child(dom, "devices");
    if (!devs)
        return 0;
    for (size_t i = 0; i < devs->nkids; i++)
        if (dom_device_defaults(devs->kids[i], dom, c) < 0)
            return -1;
    chardev_ports(devs, "serial");
    chardev_ports(devs, "parallel");
    chardev_ports(devs, "console");
    console_compat(devs, dom);
    if (c->live)
        console_ttys(devs);
    return 0;
}

int dom_postparse_ctx(struct dnode *dom, struct dctx *c)
{
    if (!c->live)
        dnode_set_attr(dom, "id", NULL);
    dom_rules_rewrite(dom);    /* libvirt's spellings first: the defaults read them */
    uuid_default(dom);
    if (memory_defaults(dom, c) < 0)
        return -1;
    text_default(dom, "vcpu", "1");
    os_defaults(dom);
    text_default(dom, "on_poweroff", "destroy");
    text_default(dom, "on_reboot", "restart");
    text_default(dom, "on_crash", "destroy");
    if (devices_defaults(dom, c) < 0)
        return -1;
    dom_assign_schema(dom);
    return 0;
}

int dom_postparse(struct dnode *dom, struct err **e)
{
    struct dctx c = {.e = e};
    return dom_postparse_ctx(dom, &c);
}
