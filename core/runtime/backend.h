/* backend.h: hypervisor backends, selected by store->driver.
 *
 * A backend says how to run a domain (host checks, the emulator's argv and
 * the QMP commands to run before `cont`) and how to act on a running one.
 * Both backends here share the supervisor: the qemu backend runs
 * qemu-system-*, the test backend runs `domsh fake-guest`, and everything
 * else (files, sockets, locks, console, lifecycle) is the same code.
 *
 * A NULL slot means "this backend cannot do that": backend_call() reports
 * it once, centrally, as ERR_UNSUPPORTED. */
#ifndef DOMSH_BACKEND_H
#define DOMSH_BACKEND_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../base/mem.h"
#include "qemu_argv.h"
#include "../store/store.h"
#include "../xml/tree.h"

enum backend_op {
    BOP_SHUTDOWN,
    BOP_REBOOT,
    BOP_RESET,
    BOP_DESTROY,
    BOP_DESTROY_GRACEFUL,
    BOP_SUSPEND,
    BOP_RESUME,
    BOP_LAST
};

typedef int (*backend_op_fn)(struct store *st, const char *name, struct err **e);

struct backend_ops {
    const char *name;                        /* "qemu", "test" */
    /* what this host cannot run: one precise line, nothing written */
    int (*host_check)(const struct dnode *dom, struct err **e);
    /* emulator argv (argv[0] absolute) and QMP commands to run before `cont` */
    int (*build_argv)(const struct dnode *dom, const struct qemu_launch *l, struct strv *argv,
                      struct strv *qmp_pre, struct err **e);
    /* what build_argv would refuse on any host, at define (store.h) */
    int (*check_shape)(const struct dnode *dom, struct err **e);
    backend_op_fn op[BOP_LAST];              /* NULL: unsupported */
};

extern const struct backend_ops backend_qemu;
extern const struct backend_ops backend_test;

const struct backend_ops *backend_for(const struct store *st);
const char *backend_op_name(enum backend_op op);   /* "shutdown", ... */

/* run op on the running domain NAME; a NULL slot is ERR_UNSUPPORTED;
 * a failure reads "Failed to OP domain 'NAME'" + "error: why" */
int backend_call(struct store *st, enum backend_op op, const char *name, struct err **e);

#define START_PAUSED 0x1u
#define START_TRANSIENT 0x2u
/* the emulator waits for its state (QEMU `-incoming defer`, launch item
 * `incoming 1`): backend_start returns with the domain "paused (incoming)";
 * the caller then sends `migrate-in` (rt_migrate_in, migrate.h) */
#define START_INCOMING 0x4u

/* start DOM (validated) as NAME: host check, RUN/NAME, ptys, live.xml,
 * launch spec, supervisor (double fork) and its answer.  The caller holds
 * the domain lock and checked that it is not running.  On failure nothing
 * is left in RUN/NAME.  *id gets the domain id. */
int backend_start(struct store *st, const struct dnode *dom, unsigned flags, int *id,
                  struct err **e);
/* the same for the defined domain NAME, whose XML is read and checked
 * while its supervisor is being started (what `start` runs) */
int backend_start_defined(struct store *st, const char *name, unsigned flags, int *id,
                          struct err **e);

/* a supervisor started ahead of its launch spec (its exec and set-up run
 * while the shell parses): backend_start_early hands it the spec and
 * waits for its answer; backend_early_drop lets it go unused (it exits).
 * Both take the pair over. */
struct sup_early {
    int sock;                /* our end of the sync socket, or -1 */
    pid_t middle;            /* the child between fork and setsid + fork, to reap */
};
int backend_spawn_early(const struct store *st, const char *name, struct sup_early *pre,
                        struct err **e);
int backend_start_early(struct store *st, const struct dnode *dom, unsigned flags, int *id,
                        struct sup_early *pre, struct err **e);
void backend_early_drop(struct sup_early *pre);

/* the operations every supervised backend shares (sup.sock commands) */
int sup_op_shutdown(struct store *st, const char *name, struct err **e);
int sup_op_reboot(struct store *st, const char *name, struct err **e);
int sup_op_reset(struct store *st, const char *name, struct err **e);
int sup_op_destroy(struct store *st, const char *name, struct err **e);
int sup_op_destroy_graceful(struct store *st, const char *name, struct err **e);
int sup_op_suspend(struct store *st, const char *name, struct err **e);
int sup_op_resume(struct store *st, const char *name, struct err **e);

/* the op table of a supervised backend */
#define SUPERVISED_OPS                                                                  \
    {                                                                                   \
        [BOP_SHUTDOWN] = sup_op_shutdown, [BOP_REBOOT] = sup_op_reboot,                 \
        [BOP_RESET] = sup_op_reset, [BOP_DESTROY] = sup_op_destroy,                     \
        [BOP_DESTROY_GRACEFUL] = sup_op_destroy_graceful, [BOP_SUSPEND] = sup_op_suspend, \
        [BOP_RESUME] = sup_op_resume,                                                   \
    }

/* RUN/NAME/sup.sock (caller frees) */
char *rt_sock_path(const struct store *st, const char *name);
/* remove RUN/NAME and everything in it (stale or failed start) */
void rt_clean(const struct store *st, const char *name);
/* the absolute path of the running domsh binary (caller frees) */
char *self_exe(struct err **e);

#endif
