/* runtime.h: live state of domains, read by list/domstate/dominfo and
 * written by the supervisor.
 *
 * core/runtime/ owns running domains from the shell side: backends, QEMU
 * argv and host checks, spawning the supervisor, talking to it on
 * sup.sock, the console client and live device changes.  It may call
 * core/devices, core/store, core/xml and core/base; never the supervisor
 * (a program of its own, reached through RUN/NAME/ files and sup.sock).
 *  RUN/NAME/status is key=value lines:
 *   state=running|paused|shutdown|crashed|...   reason=booted|user|...
 *   id=N  sup_pid=P  sup_start=TICKS  qemu_pid=Q  boot_id=UUID  since=EPOCH
 * A status whose supervisor is gone (dead pid, other boot, reused pid)
 * reads as shut off (crashed); rt_status_repair cleans it under the
 * domain lock, rt_status_read never writes. */
#ifndef DOMSH_RUNTIME_H
#define DOMSH_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../base/rundir.h"
#include "../store/store.h"

struct dom_status {
    enum dom_state state;
    char reason[32];      /* "booted", "user", "crashed", "unknown", ... */
    int id;               /* -1 when not running */
    pid_t sup_pid, qemu_pid;
    unsigned long long cpu_time_ns;     /* 0 when unknown */
    unsigned long long used_mem_kib;    /* 0 when unknown */
    bool stale;           /* the status file lies: its supervisor is gone */
};


/* the version ("7.2.9") of the qemu-system-x86_64 on PATH, probed once per
 * binary (cached in RUN/.qemu-version); false when there is none */
bool rt_qemu_version(struct store *st, char *out, size_t size);

/* store_open (root NULL) or store_open_at(root), with the backend's shape
 * rules attached (store.h check_shape): how every shell opens its store */
struct store *rt_store_open(const char *uri, const char *root, struct err **e);

/* State of NAME, a pure read: RUN/NAME/status, believed only while its
 * supervisor lives and answers on sup.sock (one round trip).  No lock,
 * nothing written: completion, list and the read-only commands use it.
 * A status whose supervisor is gone reads "shut off (crashed)" with
 * out->stale set.  Never fails for an unknown name: it is simply shut off. */
int rt_status_read(struct store *st, const char *name, struct dom_status *out, struct err **e);
/* rt_status_read, then, when the status is stale, the explicit repair:
 * take the domain lock (skipped when another shell holds it), read again,
 * and if still stale leave "shut off (crashed)" in RUN/NAME for a
 * persistent domain, nothing for a transient one.  For commands about to
 * act on the domain (the dispatcher's state check, start, destroy, the
 * config-change engine). */
int rt_status_repair(struct store *st, const char *name, struct dom_status *out,
                     struct err **e);
/* the name callers used before the read/repair split: the repairing one */
static inline int rt_status(struct store *st, const char *name, struct dom_status *out,
                            struct err **e)
{
    return rt_status_repair(st, name, out, e);
}
/* the last resort of destroy when the supervisor does not answer: SIGKILL
 * it (the pid of the status file, checked against its start time and
 * boot); the guest dies with it.  RUN/NAME then says "shut off
 * (destroyed)".  The caller holds the domain lock. */
int rt_kill_supervisor(struct store *st, const char *name, struct err **e);
/* NAME runs (a pure read: rt_status_read) */
bool rt_active(struct store *st, const char *name);
/* RUN/NAME/live.xml, the running definition (caller frees) */
char *rt_live_path(const struct store *st, const char *name);

/* names in RUN/ (a domain that runs or ran since boot), sorted; no status read */
int rt_list_run(struct store *st, struct strv *names, struct err **e);
/* names of domains with live state (running/paused/...), including
 * transient ones, sorted; a pure read (rt_status_read) */
int rt_list_active(struct store *st, struct strv *names, struct err **e);


/* where the running domain NAME's VNC server listens, as QEMU reported it
 * (RUN/NAME/vnc.display): TCP host and display number (port - 5900), or
 * a unix socket path (*display = -1).  ERR_NOT_FOUND "Failed to get VNC
 * port. Is this domain using VNC?" when it has none. */
struct rt_vnc {
    char host[128];
    int display;
    char unix_path[256];
};
int rt_vnc_display(struct store *st, const char *name, struct rt_vnc *out, struct err **e);

#endif
