/* backend_test.c: the test backend (test:///default).  The "emulator" is
 * `domsh fake-guest` (fakeguest.h) speaking QMP on RUN/NAME/qmp.sock and
 * serving each console device on the socket QEMU would use, so the
 * supervisor, console and lifecycle code under test is the real one. */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../xml/domain.h"
#include "fakeguest.h"
#include "live_devices.h"

#define FG_DEVS_MAX 8

static int test_host_check(const struct dnode *dom, struct err **e)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    size_t n = devs ? dnode_count(devs, "serial") + dnode_count(devs, "parallel") +
                          dnode_count(devs, "console")
                    : 0;
    if (n > FG_DEVS_MAX)
        return err_set(e, ERR_UNSUPPORTED,
                       "the test backend runs at most %d character devices, domain '%s' has %zu",
                       FG_DEVS_MAX, dom_name(dom), n);
    return 0;
}

/* the disks' qdev ids, so the fake guest's query-blockstats names them as
 * QEMU would, and their files (query-block, disk snapshots) */
static void push_disks(const struct dnode *dom, struct strv *argv)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    const char *machine = dnode_attr(dnode_path(dom, "os/type"), "machine");
    struct buf b = {0}, f = {0};
    size_t n = 0;
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const struct dnode *d = dnode_nth(devs, "disk", i);
        AUTOFREE char *alias = rt_disk_alias(machine && strstr(machine, "q35"), d);
        const char *file = dnode_attr(dnode_child(d, "source"), "file");
        if (!alias)
            continue;
        buf_printf(&b, "%s%s", b.len ? "," : "", alias);
        buf_add(&f, n++ ? "," : "");
        for (const char *c = file ? file : ""; *c; c++)    /* QEMU's way: ',' as ",," */
            buf_add(&f, *c == ',' ? ",," : (char[]){ *c, '\0' });
    }
    if (b.len) {
        strv_push(argv, "--disks");
        strv_push(argv, buf_str(&b));
    }
    if (f.len) {                 /* (none at all: no file disk) */
        strv_push(argv, "--disk-files");
        strv_push(argv, buf_str(&f));
    }
    buf_free(&b);
    buf_free(&f);
}

static int test_argv(const struct dnode *dom, const struct qemu_launch *l, struct strv *argv,
                     struct strv *qmp_pre, struct err **e)
{
    char *exe = self_exe(e);
    if (!exe)
        return -1;
    struct qemu_chardev_list cl = {0};
    if (qemu_list_chardevs(dom, l, &cl, e) < 0) {
        free(exe);
        return -1;
    }
    strv_push_take(argv, exe);
    strv_push(argv, "-q");
    strv_push(argv, "fake-guest");
    strv_push(argv, "--name");
    strv_push(argv, dom_name(dom));
    strv_push(argv, "--qmp");
    strv_push(argv, l->qmp_path);
    strv_push(argv, "--memory");
    strv_push_take(argv, xasprintf("%llu", dom_current_memory_kib(dom)));
    push_disks(dom, argv);
    if (l->incoming)
        strv_push(argv, "--incoming");
    for (size_t i = 0; i < cl.n; i++)
        strv_push(argv, cl.v[i].sock_path);
    qemu_chardev_list_free(&cl);
    return 0;
}

const struct backend_ops backend_test = {
    .name = "test",
    .host_check = test_host_check,
    .build_argv = test_argv,
    .op = SUPERVISED_OPS,
};
