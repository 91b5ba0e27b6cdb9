/* migrate_live.c: live migration to another store of this host
 * (migrate_live.h). */
#include "migrate_live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../xml/domain.h"
#include "backend.h"
#include "migjob.h"
#include "migrate_storage.h"
#include "runtime.h"
#include "save_priv.h"

/* the destination's half, in a child: migrate-in, then its error (if any)
 * on the pipe */
static void incoming_child(struct store *dst, const char *name, int fd, bool paused,
                           const struct rt_live_mig *o, int out)
{
    bool postcopy = o->postcopy;
    AUTOFREE char *flags = xasprintf("%sreason=migrated%s", paused ? "paused "
                                     : o->copy_storage ? "hold " : "",
                                     postcopy ? " postcopy" : "");
    struct rt_mig m = { .uri = "fd", .fd = fd, .flags = flags };
    struct err *e = NULL;
    /* Ctrl-C is the parent's to act on: past a switch to post-copy the
     * destination is the only copy of the guest and must not drop */
    signal(SIGINT, SIG_IGN);
    int rc = rt_migrate_in(dst, name, &m, &e);
    if (rc < 0 && e && write(out, e->msg, strlen(e->msg)) < 0)
        rc = -1;
    err_free(e);
    _exit(rc < 0 ? 1 : 0);
}

/* wait for the child; its error, if it failed, becomes ours */
static int incoming_wait(pid_t pid, int from, struct err **e)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    char msg[512];
    ssize_t n = read(from, msg, sizeof(msg) - 1);
    msg[n > 0 ? n : 0] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return err_set(e, ERR_BACKEND, "the destination did not take the domain: %s",
                   *msg ? msg : "its migration ended abnormally");
}

struct stream {
    pid_t child;
    int from_child;          /* the child's error text */
};

static int incoming_begin(struct store *dst, const char *name, const int sp[2], bool paused,
                          const struct rt_live_mig *o, struct stream *s, struct err **e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, ERR_IO, "cannot create a pipe");
    fflush(NULL);
    s->child = fork();
    if (s->child < 0) {
        close(p[0]);
        close(p[1]);
        return err_sys(e, ERR_IO, "cannot fork");
    }
    if (s->child == 0) {
        /* a shell killed mid-way takes its child along: SIGTERM is one of
         * the waiter's signals, so the destination is dropped, not left */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        close(p[0]);
        close(sp[0]);            /* the source's end: the reader's EOF needs it shut */
        incoming_child(dst, name, sp[1], paused, o, p[1]);
    }
    close(p[1]);
    s->from_child = p[0];
    return 0;
}

/* --timeout: a child that suspends the source when the live migration
 * has not converged after its seconds (virsh's --timeout-suspend; the
 * stopped guest's last pages then go at once) or switches it to post-copy
 * (--timeout-postcopy).  -1: none started */
pid_t rt_mig_timer_begin(struct store *src, const char *name, const struct rt_live_mig *o,
                         bool paused)
{
    if (!o->live || paused || o->timeout_s <= 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        sleep((unsigned)o->timeout_s);
        int rc = o->timeout_postcopy ? rt_mig_postcopy(src, name, NULL)
                                     : sup_op_suspend(src, name, NULL);
        _exit(rc < 0 ? 1 : 0);
    }
    return pid;
}

char *rt_mig_out_flags(const struct rt_live_mig *o)
{
    AUTOFREE char *bw = o->bandwidth_mib ? xasprintf(" bandwidth=%llu", o->bandwidth_mib)
                                         : xstrdup("");
    AUTOFREE char *pcbw = o->postcopy_bandwidth_mib
                              ? xasprintf(" postcopy-bandwidth=%llu", o->postcopy_bandwidth_mib)
                              : xstrdup("");
    return xasprintf("%swhy=migrating%s%s%s%s", o->live ? "live " : "", bw, pcbw,
                     o->auto_converge ? " auto-converge" : "",
                     o->postcopy_after_precopy ? " postcopy-after-precopy"
                     : o->postcopy             ? " postcopy" : "");
}

void rt_mig_timer_end(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        continue;
}

/* the stream between the two emulators: one socketpair, each end handed
 * to one supervisor as "fd" */
static int move_state(struct store *src, struct store *dst, const char *name, bool paused,
                      const struct rt_live_mig *o, struct err **e)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return err_sys(e, ERR_IO, "cannot create the migration socket");
    struct stream s = { .child = -1, .from_child = -1 };
    int rc = incoming_begin(dst, name, sp, paused, o, &s, e);
    close(sp[1]);
    if (rc == 0) {
        AUTOFREE char *flags = rt_mig_out_flags(o);
        struct rt_mig m = { .uri = "fd", .fd = sp[0], .progress = o->progress, .flags = flags };
        pid_t timer = rt_mig_timer_begin(src, name, o, paused);
        rc = rt_migrate_out(src, name, &m, e);
        rt_mig_timer_end(timer);
    }
    /* the stream's end, whoever still holds a copy of this end (the source
     * emulator keeps it until `finish`); QEMU has its own end marker, the
     * fake guest reads to EOF */
    shutdown(sp[0], SHUT_WR);
    close(sp[0]);
    if (s.child < 0)
        return -1;
    if (rc < 0)
        sup_op_destroy(dst, name, NULL);    /* the child's migrate-in ends with it */
    int in = incoming_wait(s.child, s.from_child, rc < 0 ? NULL : e);
    close(s.from_child);
    if ((rc < 0 || in < 0) && !paused)
        sup_op_resume(src, name, NULL);     /* stopped for the end or by --timeout: back */
    return rc < 0 || in < 0 ? -1 : 0;
}

/* the domain as it runs in src, and whether it runs (else paused) */
struct dnode *rt_mig_source_domain(struct store *src, const char *name, bool *paused,
                                   struct err **e)
{
    struct dom_status ds;
    if (rt_status(src, name, &ds, e) < 0)
        return NULL;
    if (ds.state != DOM_RUNNING && ds.state != DOM_PAUSED) {
        err_set(e, ERR_STATE, "Requested operation is not valid: domain is not running");
        return NULL;
    }
    *paused = ds.state == DOM_PAUSED;
    AUTOFREE char *live = store_live_text(src, name);
    if (!live) {
        err_set(e, ERR_STATE, "domain '%s' is not running", name);
        return NULL;
    }
    return dom_load_string(live, strlen(live), "live configuration", NULL, e);
}

/* after the move: the definitions asked for */
static int settle_definitions(struct store *src, struct store *dst, const char *name,
                              const struct dnode *live, const struct rt_live_mig *o,
                              struct err **e)
{
    if (o->persistent) {
        /* with --xml, the destination's XML is its definition */
        bool from_src = !o->dest_xml && store_exists(src, name);
        struct dnode *def = from_src ? store_load(src, name, e) : NULL;
        int rc = from_src && !def ? -1 : store_save(dst, def ? def : live, e);
        dnode_free(def);
        if (rc < 0) {
            err_prefix(e, "the domain runs in the destination, but defining it there failed: ");
            return -1;
        }
    }
    if (o->undefine_source && store_exists(src, name) && store_remove(src, name, e) < 0)
        return -1;
    return 0;
}

/* --copy-storage-all before the memory: the destination exports its
 * images, the source mirrors its disks into them */
static int copy_disks(struct mig_storage *ms, struct store *src, struct store *dst,
                      const char *name, struct err **e)
{
    ms->nbd_sock = xasprintf("%s/%s/nbd.sock", dst->run_dir, name);
    if (mig_storage_export(ms, dst, name, ms->nbd_sock, e) < 0)
        return -1;
    return mig_storage_mirror(ms, src, name, ms->nbd_sock, e);
}

/* the destination started, the guest's disks (with --copy-storage-all)
 * and state moved, the source finished; on failure the source runs on */
static int move_all(struct store *src, struct store *dst, const char *name, bool paused,
                    const struct rt_live_mig *o, struct mig_storage *ms, struct err **e)
{
    int rc = o->copy_storage ? copy_disks(ms, src, dst, name, e) : 0;
    bool moved = false;
    if (rc == 0)
        moved = (rc = move_state(src, dst, name, paused, o, e)) == 0;
    if (rc == 0 && o->copy_storage)
        rc = mig_storage_switch(ms, src, dst, name, paused, e);
    if (rc == 0)
        return rt_migrate_finish(src, name, "migrated", e);
    if (o->copy_storage)
        mig_storage_undo_source(ms, src, name);
    sup_op_destroy(dst, name, NULL);        /* nothing half-arrived stays */
    if (moved && !paused)
        sup_op_resume(src, name, NULL);     /* the state went, the disks' end did not */
    return -1;
}

static int migrate_locked(struct store *src, struct store *dst, const char *name,
                          const struct rt_live_mig *o, struct err **e)
{
    bool paused = false, persistent = false;
    struct dnode *dom = rt_mig_source_domain(src, name, &paused, e);
    struct dnode *arrive = dom && o->copy_storage ? mig_dest_domain(dom, o->dest_xml, e) : NULL;
    const struct dnode *start = o->copy_storage ? arrive : dom;
    /* libvirt paces the disk copy with the migration's bandwidth too */
    struct mig_storage ms = { .sig = -1, .progress = o->progress,
                              .speed = o->bandwidth_mib * 1024 * 1024 };
    if (o->copy_storage)
        mig_storage_signals(&ms);    /* a Ctrl-C from here on is acted on in the copy */
    int id, rc = -1;
    if (start && restore_target_ok(dst, start, &persistent, e) == 0 &&
        (!o->copy_storage || mig_storage_plan(&ms, dom, arrive, true, e) == 0) &&
        backend_start(dst, start, START_INCOMING | (persistent ? 0 : START_TRANSIENT), &id,
                      e) == 0) {
        rc = move_all(src, dst, name, paused, o, &ms, e);
        if (rc == 0)
            rc = settle_definitions(src, dst, name, start, o, e);
    }
    if (rc < 0)
        mig_storage_remove_created(&ms);
    mig_storage_free(&ms);
    dnode_free(arrive);
    dnode_free(dom);
    return rc;
}

int rt_migrate_local(struct store *src, struct store *dst, const char *name,
                     const struct rt_live_mig *o, struct err **e)
{
    if (strcmp(src->config_dir, dst->config_dir) == 0)
        return err_set(e, ERR_ARGS, "the destination '%s' is the store the domain is in "
                       "(give another URI or --dest-root)", dst->uri);
    int lock_src = store_lock(src, name, false, e);
    if (lock_src < 0)
        return -1;
    int lock_dst = store_lock(dst, name, false, e);
    int rc = lock_dst < 0 ? -1 : migrate_locked(src, dst, name, o, e);
    if (lock_dst >= 0)
        store_unlock(lock_dst);
    store_unlock(lock_src);
    return rc;
}
