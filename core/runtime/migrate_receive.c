/* migrate_receive.c: the destination's half of a migration between hosts
 * (migrate_remote.h): `migrate-receive` run by `domsh --stdio` for the
 * source's shell. */
#include "migrate_remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../xml/domain.h"
#include "backend.h"
#include "migjob.h"
#include "migrate.h"
#include "migrate_storage.h"
#include "runtime.h"
#include "save_priv.h"

/* the supervisor's migrate-in, in a child since it blocks to the end.
 * Its progress goes to `progress` as text lines: the first one, drawn on
 * the supervisor's first PROGRESS frame, which comes after the emulator
 * answered migrate-incoming (it then listens), is our "listening" cue.
 * The error, if any, goes to `errout`. */
static void receive_child(struct store *st, const char *name, const char *uri,
                          const struct rt_receive *r, int progress, int errout)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);    /* our parent gone: give the domain up */
    FILE *out = fdopen(progress, "w");
    if (!out)
        _exit(1);
    struct rt_progress p = { .label = "incoming", .out = out, .last = -1 };
    /* --copy-storage: held paused at the end, until the source's GO */
    AUTOFREE char *flags = xasprintf("%s%s", r->paused ? "paused"
                                     : r->copy_sizes ? "hold reason=migrated" : "reason=migrated",
                                     r->postcopy ? " postcopy" : "");
    struct rt_mig m = { .uri = uri, .fd = -1, .progress = &p, .flags = flags };
    struct err *e = NULL;
    int rc = rt_migrate_in(st, name, &m, &e);
    if (rc < 0 && e && write(errout, e->msg, strlen(e->msg)) < 0)
        rc = -1;
    _exit(rc < 0 ? 1 : 0);
}

struct receiver {
    struct store *st;
    const char *name;
    pid_t child;
    int progress, errin;     /* the child's progress lines and error text */
    bool listening;
    bool go;                 /* the source's GO came (--copy-storage) */
};

static int receiver_begin(struct receiver *rv, struct store *st, const char *name,
                          const char *uri, const struct rt_receive *r, struct err **e)
{
    int p[2], q[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, ERR_IO, "cannot create a pipe");
    if (pipe2(q, O_CLOEXEC) < 0) {
        close(p[0]), close(p[1]);
        return err_sys(e, ERR_IO, "cannot create a pipe");
    }
    fflush(NULL);
    rv->child = fork();
    if (rv->child == 0) {
        close(p[0]), close(q[0]);
        receive_child(st, name, uri, r, p[1], q[1]);
    }
    close(p[1]), close(q[1]);
    rv->progress = p[0];
    rv->errin = q[0];
    if (rv->child < 0) {
        close(p[0]), close(q[0]);
        return err_sys(e, ERR_IO, "cannot fork");
    }
    return 0;
}

/* the child's end: 0 when its migrate-in succeeded, else its error */
static int receiver_end(struct receiver *rv, struct err **e)
{
    int status = 0;
    while (waitpid(rv->child, &status, 0) < 0 && errno == EINTR)
        continue;
    char msg[512];
    ssize_t n = read(rv->errin, msg, sizeof(msg) - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(rv->progress);
    close(rv->errin);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return err_set(e, ERR_BACKEND, "the incoming migration failed: %s",
                   *msg ? msg : "it ended abnormally");
}

/* a post-copy migration whose source went away once the state flowed:
 * past the switch the guest runs here and must not be dropped; before it,
 * the source cancels and the broken stream fails this side by itself */
static bool stream_flows(const struct receiver *rv)
{
    struct rt_job j;
    return rt_job_info(rv->st, rv->name, 0, &j, NULL) == 0 && j.v[RJ_MEM_PROCESSED] > 0;
}

/* the source closed the channel (EOF: it gave up, or the connection
 * dropped); it sends nothing else while migrate-receive runs */
static bool source_gone(int channel_fd)
{
    struct pollfd p = { .fd = channel_fd, .events = POLLIN };
    return channel_fd >= 0 && poll(&p, 1, 0) > 0;
}

/* what the server's watch told: 'g' GO, 'x' the channel ended, 0 nothing */
static char channel_says(int events_fd)
{
    char c = 0;
    ssize_t n = read(events_fd, &c, 1);
    return n == 1 ? c : n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : 'x';
}

/* until the child ends (its progress pipe closes): say "listening" at its
 * first line; the channel becoming readable means the source gave up.
 * The child's lines come first: one that ended while this process could
 * not look (a host frozen, then thawed) has the last word */
static int receiver_watch(struct receiver *rv, const struct rt_receive *r, const char *path,
                          struct err **e)
{
    /* with --copy-storage a GO frame may come as the stream ends: the
     * frames are read by the server's watch, which tells GO from EOF */
    int channel = r->copy_sizes ? r->events_fd : r->channel_fd;
    for (;;) {
        struct pollfd p[2] = { { .fd = rv->progress, .events = POLLIN },
                               { .fd = channel, .events = POLLIN } };
        if (poll(p, channel >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return err_sys(e, ERR_IO, "poll");
        }
        if (p[1].revents && !p[0].revents && r->postcopy && stream_flows(rv)) {
            channel = -1;        /* the stream decides, as in a local post-copy */
            continue;
        }
        char said = p[1].revents && !p[0].revents && r->copy_sizes ? channel_says(channel) : 'x';
        if (said != 'x') {
            rv->go = said == 'g';
            channel = rv->go ? -1 : channel;
            continue;
        }
        if (p[1].revents && !p[0].revents) {
            kill(rv->child, SIGTERM);    /* it drops its request: the supervisor destroys */
            return err_set(e, ERR_STATE, "the source gave the migration up");
        }
        char buf[512];
        ssize_t n = read(rv->progress, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;            /* the child is done: receiver_end says how */
        if (!rv->listening) {
            rv->listening = true;
            fprintf(r->announce, RT_RECEIVE_LISTENING "%s\n", path);
            fflush(r->announce);
        }
    }
}

static int receive_started(struct store *st, const struct dnode *dom, const struct rt_receive *r,
                           bool *go, struct err **e)
{
    const char *name = dom_name(dom);
    AUTOFREE char *path = xasprintf("%s/%s/migrate.sock", st->run_dir, name);
    AUTOFREE char *uri = xasprintf("unix:%s", path);
    struct receiver rv = { .st = st, .name = name, .child = -1 };
    if (receiver_begin(&rv, st, name, uri, r, e) < 0)
        return -1;
    int rc = receiver_watch(&rv, r, path, e);
    int done = receiver_end(&rv, rc < 0 ? NULL : e);
    *go = rv.go;
    return rc < 0 || done < 0 ? -1 : 0;
}

/* after the arrival: the definition asked for with --persistent */
static int define_arrived(struct store *st, const char *def_path, struct err **e)
{
    struct dnode *def = dom_load_file(def_path, NULL, e);
    int rc = def ? store_save(st, def, e) : -1;
    dnode_free(def);
    if (rc < 0)
        err_prefix(e, "the domain runs here, but defining it failed: ");
    return rc;
}

/* the migration ended well just as the source gave up: the source saw
 * its stream complete and stays paused; destroying this copy now would
 * lose what the guest did here (its disk writes included) */
static bool arrived(struct store *st, const char *name)
{
    struct dom_status ds;
    if (rt_status(st, name, &ds, NULL) < 0)
        return false;
    return ds.state == DOM_RUNNING || (ds.state == DOM_PAUSED && strcmp(ds.reason, "user") == 0);
}

/* --copy-storage, the memory arrived (held paused): the source's mirrors
 * end through our NBD server, then its GO lets the guest run here */
static int await_go(struct store *st, const char *name, struct mig_storage *ms,
                    const struct rt_receive *r, bool go, struct err **e)
{
    while (!go) {
        struct pollfd p = { .fd = r->events_fd, .events = POLLIN };
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return err_sys(e, ERR_IO, "poll");
        char c = p.revents ? channel_says(r->events_fd) : 0;
        if (c == 'x')
            return err_set(e, ERR_STATE, "the source gave the migration up");
        go = c == 'g';
    }
    return mig_storage_dest_run(ms, st, name, r->paused, e);
}

/* --copy-storage: the images made or checked before the start, exported
 * after it; "nbd PATH" tells the source where */
static int disks_ready(struct store *st, const char *name, struct mig_storage *ms,
                       const struct rt_receive *r, struct err **e)
{
    if (r->events_fd <= 0)
        return err_set(e, ERR_UNSUPPORTED, "--copy-storage needs the source's connection");
    ms->nbd_sock = xasprintf("%s/%s/nbd.sock", st->run_dir, name);
    if (mig_storage_export(ms, st, name, ms->nbd_sock, e) < 0)
        return -1;
    fprintf(r->announce, RT_RECEIVE_NBD "%s\n", ms->nbd_sock);
    fflush(r->announce);
    return 0;
}

static int receive_started_all(struct store *st, struct dnode *dom, struct mig_storage *ms,
                               const struct rt_receive *r, struct err **e)
{
    bool go = false;
    const char *name = dom_name(dom);
    if (r->copy_sizes && disks_ready(st, name, ms, r, e) < 0)
        return -1;
    /* with --copy-storage nothing arrived before GO: the disks end then */
    if (receive_started(st, dom, r, &go, e) < 0)
        return arrived(st, name) && !r->copy_sizes ? 1 : -1;
    return r->copy_sizes ? await_go(st, name, ms, r, go, e) : 0;
}

static int receive_locked(struct store *st, struct dnode *dom, const struct rt_receive *r,
                          struct err **e)
{
    bool persistent = false;
    int id;
    if (source_gone(r->channel_fd))      /* it gave up before this host got here */
        return err_set(e, ERR_STATE, "the source gave the migration up");
    struct mig_storage ms = { .sig = -1 };
    int rc = -1;
    if (restore_target_ok(st, dom, &persistent, e) == 0 &&
        (!r->copy_sizes || mig_storage_plan_dest(&ms, dom, r->copy_sizes, e) == 0) &&
        backend_start(st, dom, START_INCOMING | (persistent ? 0 : START_TRANSIENT), &id,
                      e) == 0) {
        rc = receive_started_all(st, dom, &ms, r, e);
        if (rc < 0)
            sup_op_destroy(st, dom_name(dom), NULL);     /* nothing half-arrived stays */
        if (rc == 1)
            err_clear(e);        /* it runs here: kept, and defined as asked */
    }
    if (rc < 0)
        mig_storage_remove_created(&ms);
    mig_storage_free(&ms);
    if (rc < 0)
        return -1;
    return r->def_path ? define_arrived(st, r->def_path, e) : 0;
}

int rt_migrate_receive(struct store *st, const struct rt_receive *r, struct err **e)
{
    struct dnode *dom = dom_load_file(r->xml_path, NULL, e);
    if (!dom)
        return -1;
    int lock = store_lock(st, dom_name(dom), false, e);
    int rc = lock < 0 ? -1 : receive_locked(st, dom, r, e);
    if (lock >= 0)
        store_unlock(lock);
    dnode_free(dom);
    return rc;
}
