/* backend.c: backend selection, the central unsupported-operation check,
 * and the lifecycle operations shared by supervised backends (each one a
 * command over RUN/NAME/sup.sock). */
#include "backend.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/proto.h"
#include "runtime.h"

#define OP_TIMEOUT_MS 15000
/* the supervisor answers destroy after SIGTERM + 1 s + SIGKILL (graceful:
 * 10 s); past these it is taken as wedged and killed itself */
#define DESTROY_TIMEOUT_MS 10000
#define DESTROY_GRACEFUL_TIMEOUT_MS 20000

static const char *const op_names[BOP_LAST] = {
    [BOP_SHUTDOWN] = "shutdown", [BOP_REBOOT] = "reboot", [BOP_RESET] = "reset",
    [BOP_DESTROY] = "destroy", [BOP_DESTROY_GRACEFUL] = "destroy-graceful",
    [BOP_SUSPEND] = "suspend", [BOP_RESUME] = "resume",
};

const char *backend_op_name(enum backend_op op)
{
    return op < BOP_LAST ? op_names[op] : "?";
}

const struct backend_ops *backend_for(const struct store *st)
{
    return st->driver == DRIVER_TEST ? &backend_test : &backend_qemu;
}

int backend_call(struct store *st, enum backend_op op, const char *name, struct err **e)
{
    const struct backend_ops *b = backend_for(st);
    if (op >= BOP_LAST || !b->op[op])
        return err_set(e, ERR_UNSUPPORTED, "operation '%s' is not supported by the %s backend",
                       backend_op_name(op), b->name);
    if (b->op[op](st, name, e) == 0)
        return 0;
    /* virsh's two lines: what failed, then why */
    err_prefix(e, "Failed to %s domain '%s'\nerror: ",
               op == BOP_DESTROY_GRACEFUL ? "destroy" : backend_op_name(op), name);
    return -1;
}

char *rt_sock_path(const struct store *st, const char *name)
{
    return xasprintf("%s/%s/" RUNF_SUP_SOCK, st->run_dir, name);
}

static int sup_op(struct store *st, const char *name, const char *cmd, int timeout_ms,
                  struct err **e)
{
    AUTOFREE char *sock = rt_sock_path(st, name);
    return sup_request(sock, cmd, timeout_ms, NULL, e);
}

int sup_op_shutdown(struct store *st, const char *name, struct err **e)
{
    return sup_op(st, name, "shutdown", OP_TIMEOUT_MS, e);
}

int sup_op_reboot(struct store *st, const char *name, struct err **e)
{
    return sup_op(st, name, "reboot", OP_TIMEOUT_MS, e);
}

int sup_op_reset(struct store *st, const char *name, struct err **e)
{
    return sup_op(st, name, "reset", OP_TIMEOUT_MS, e);
}

/* destroy works even when the supervisor is wedged (stopped, stuck): one
 * that does not answer in time is killed, and the guest with it */
static int destroy_op(struct store *st, const char *name, const char *cmd, int timeout_ms,
                      struct err **e)
{
    struct err *why = NULL;
    if (sup_op(st, name, cmd, timeout_ms, &why) == 0)
        return 0;
    bool wedged = why->code == ERR_TIMEOUT;
    if (!wedged && e && !*e)
        *e = steal_ptr(&why);
    err_free(why);
    return wedged ? rt_kill_supervisor(st, name, e) : -1;
}

int sup_op_destroy(struct store *st, const char *name, struct err **e)
{
    return destroy_op(st, name, "destroy", DESTROY_TIMEOUT_MS, e);
}

int sup_op_destroy_graceful(struct store *st, const char *name, struct err **e)
{
    return destroy_op(st, name, "destroy-graceful", DESTROY_GRACEFUL_TIMEOUT_MS, e);
}

int sup_op_suspend(struct store *st, const char *name, struct err **e)
{
    return sup_op(st, name, "suspend", OP_TIMEOUT_MS, e);
}

int sup_op_resume(struct store *st, const char *name, struct err **e)
{
    return sup_op(st, name, "resume", OP_TIMEOUT_MS, e);
}

void rt_clean(const struct store *st, const char *name)
{
    AUTOFREE char *dir = xasprintf("%s/%s", st->run_dir, name);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))       /* RUN/NAME holds only flat files and sockets */
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            unlinkat(dirfd(d), de->d_name, 0);
    closedir(d);
    rmdir(dir);
}

char *self_exe(struct err **e)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) {
        err_sys(e, ERR_INTERNAL, "cannot find the domsh binary");
        return NULL;
    }
    buf[n] = '\0';
    return xstrdup(buf);
}
