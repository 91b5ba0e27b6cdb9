/* backend_qemu.c: the qemu backend: qemu_argv.c builds the command line
 * and checks the host; the supervisor runs it. */
#include "backend.h"

#include <string.h>

#include "../base/buf.h"
#include "../xml/domain.h"

/* a VNC password never goes on the command line: QMP sets it before `cont` */
static void vnc_password(const struct dnode *dom, struct strv *qmp_pre)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "graphics"); i++) {
        const struct dnode *g = dnode_nth(devs, "graphics", i);
        const char *pw = dnode_attr(g, "passwd");
        const char *type = dnode_attr(g, "type");
        if (!pw || !type || strcmp(type, "vnc") != 0)
            continue;
        struct buf b = {0};
        buf_add(&b, "{\"execute\": \"set_password\", \"arguments\": "
                    "{\"protocol\": \"vnc\", \"password\": ");
        buf_add_json_str(&b, pw);
        buf_add(&b, "}}");
        strv_push_take(qmp_pre, buf_steal(&b));
    }
}

static int qemu_argv(const struct dnode *dom, const struct qemu_launch *l, struct strv *argv,
                     struct strv *qmp_pre, struct err **e)
{
    if (qemu_build_argv(dom, l, argv, e) < 0)
        return -1;
    vnc_password(dom, qmp_pre);
    return 0;
}

/* the builder without a host: socket paths under a short stand-in run
 * directory (a real one too long for a unix address is the host's fault,
 * reported at start) */
static int qemu_check_shape(const struct dnode *dom, struct err **e)
{
    const struct qemu_launch l = { .run_dir = "/run/domsh/shape",
                                   .qmp_path = "/run/domsh/shape/qmp.sock", .supervised = true };
    if (qemu_check_os(dom, e) < 0)
        return -1;
    struct strv argv = {0};
    int rc = qemu_build_argv(dom, &l, &argv, e);
    strv_free(&argv);
    return rc;
}

const struct backend_ops backend_qemu = {
    .name = "qemu",
    .host_check = qemu_host_check,
    .build_argv = qemu_argv,
    .check_shape = qemu_check_shape,
    .op = SUPERVISED_OPS,
};
