/* migrate.h: the shell side of the supervisor's migration commands
 * (supervisor.h: migrate-out, migrate-in, migrate-cancel, finish).
 *
 * One connection to RUN/NAME/sup.sock carries the request (with the image
 * descriptor as SCM_RIGHTS when the URI is "fd"), the PROGRESS frames and
 * the final answer.  While it waits, SIGINT, SIGTERM and SIGHUP are taken
 * through a signalfd: Ctrl-C of an outgoing migration sends migrate-cancel
 * (the guest runs on as it was) and the call fails with "operation
 * canceled"; of an incoming one, it drops the connection (the supervisor
 * destroys the half-restored emulator).  Used by save, managed save,
 * snapshots with memory, and live migration. */
#ifndef DOMSH_MIGRATE_H
#define DOMSH_MIGRATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "../base/err.h"
#include "../store/store.h"

/* progress of one migration: a bar on a terminal, else a line per 25 % */
struct rt_progress {
    const char *label;       /* "Save", "Restore", ... ; NULL: draw nothing */
    FILE *out;
    int last;                /* last percentage drawn, -1 before any */
};

struct rt_mig {
    const char *uri;         /* "fd", "unix:/PATH", "tcp:HOST:PORT" */
    int fd;                  /* with "fd": the open image, positioned */
    const char *flags;       /* words after the URI ("resume why=snapshot", "paused") */
    struct rt_progress *progress;   /* may be NULL */
};

/* migrate the running domain NAME out (supervisor `migrate-out`) */
int rt_migrate_out(struct store *st, const char *name, const struct rt_mig *m, struct err **e);
/* feed the domain started with START_INCOMING (supervisor `migrate-in`) */
int rt_migrate_in(struct store *st, const char *name, const struct rt_mig *m, struct err **e);
/* quit the emulator after a completed migrate-out: "saved" | "migrated" */
int rt_migrate_finish(struct store *st, const char *name, const char *reason, struct err **e);

/* SIGINT, SIGTERM and SIGHUP blocked and taken through the signalfd
 * returned (-1 if none could be made), *old the mask to give back */
int rt_signals_take(sigset_t *old);
/* did one come (each one read) */
bool rt_signals_came(int sig);
/* the signalfd closed (a signal taken is consumed, not replayed), the mask back */
void rt_signals_give_back(int sig, const sigset_t *old);

/* draw transferred/total (total 0: unknown); done: the final 100 % */
void rt_progress_draw(struct rt_progress *p, long long transferred, long long total, bool done);

#endif
