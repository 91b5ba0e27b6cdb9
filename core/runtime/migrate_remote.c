/* migrate_remote.c: the source's half of a migration to another host over
 * SSH (migrate_remote.h). */
#include "migrate_remote.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../remote/remote.h"
#include "../xml/domain.h"
#include "backend.h"
#include "migrate.h"
#include "migrate_limits.h"
#include "migrate_storage.h"

#define FORWARD_MS 30000

struct session {
    struct ruri u;
    struct rconn c;
    struct rforward fwd;
    int sig;                 /* signalfd: INT, TERM, HUP (blocked for the whole call) */
    sigset_t old;
    struct buf out;          /* what migrate-receive printed */
    struct buf dest_err;     /* its error line(s), "error: " taken off */
    char *remote_sock;       /* where the destination listens */
    struct rt_mig_limits lim;
    /* --copy-storage-all: the disks, the destination's NBD server and the
     * second forward that reaches it */
    struct mig_storage *ms;
    char *remote_nbd;
    struct rforward nbd_fwd;
};

static void signals_take(struct session *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &s->old);
    s->sig = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* a signal taken during the migration is consumed, not replayed */
static void signals_give_back(struct session *s)
{
    if (s->sig >= 0)
        close(s->sig);
    sigprocmask(SIG_SETMASK, &s->old, NULL);
}

static bool interrupted(struct session *s)
{
    struct signalfd_siginfo si;
    bool any = false;
    while (s->sig >= 0 && read(s->sig, &si, sizeof(si)) == sizeof(si))
        any = true;
    return any;
}

/* RUN migrate-receive with the XML (and the definition) as files; with
 * --copy-storage-all the images' sizes */
static int send_request(struct session *s, const char *name, const char *xml, const char *def,
                        bool paused, bool postcopy)
{
    AUTOFREE char *sizes = s->ms ? mig_storage_sizes(s->ms) : NULL;
    struct buf p = {0};
    AUTOFREE char *xml_word = xasprintf("%c%s.xml", RFILE_MARK, name);
    AUTOFREE char *def_word = xasprintf("%c%s.definition.xml", RFILE_MARK, name);
    const char *words[] = {"", "migrate-receive", "--xml", xml_word, "--definition", def_word};
    for (size_t i = 0; i < (def ? 6 : 4); i++)
        rstrv_encode(&p, words[i], strlen(words[i]));
    if (paused)
        rstrv_encode(&p, "--paused", 8);
    if (postcopy)                /* the destination enables it too, and runs at the switch */
        rstrv_encode(&p, "--postcopy", 10);
    if (sizes) {
        rstrv_encode(&p, "--copy-storage", 14);
        rstrv_encode(&p, sizes, strlen(sizes));
    }
    int rc = rconn_send(&s->c, RF_RUN, p.s, p.len);
    buf_free(&p);
    const char *files[] = {xml, def};
    for (size_t i = 0; i < 2 && files[i] && rc == 0; i++)
        if ((rc = rconn_send(&s->c, RF_FILE, files[i], strlen(files[i]))) == 0)
            rc = rconn_send(&s->c, RF_FILE, "", 0);
    return rc;
}

/* the rest of the whole line of out starting with prefix, once */
static void line_value(struct buf *out, const char *prefix, char **value)
{
    const char *t = buf_str(out), *l = NULL;
    size_t n = strlen(prefix);
    for (const char *at = t; at && !l; at = strchr(at, '\n'), at = at ? at + 1 : NULL)
        if (strncmp(at, prefix, n) == 0)
            l = at;
    const char *nl = l ? strchr(l, '\n') : NULL;
    if (nl && !*value)
        *value = xstrndup(l + n, (size_t)(nl - l) - n);
}

/* one frame of migrate-receive's answer: 1 go on, 0 its EXIT 0, -2 its
 * EXIT 1 (dest_err says why); "listening PATH" sets remote_sock */
static int on_frame(struct session *s, char type, const struct buf *f)
{
    if (type == RF_EXIT)
        return atoi(buf_str((struct buf *)f)) == 0 ? 0 : -2;
    if (type == RF_ERR) {
        const char *t = buf_str((struct buf *)f);
        if (strncmp(t, "error: ", 7) == 0)
            t += 7;
        buf_add(&s->dest_err, t);
        while (s->dest_err.len && s->dest_err.s[s->dest_err.len - 1] == '\n')
            s->dest_err.s[--s->dest_err.len] = '\0';
        return 1;
    }
    if (type != RF_OUT)
        return -1;
    buf_addn(&s->out, f->s, f->len);
    line_value(&s->out, RT_RECEIVE_NBD, &s->remote_nbd);
    line_value(&s->out, RT_RECEIVE_LISTENING, &s->remote_sock);
    return 1;
}

/* frames until the destination listens (until_listening) or answers its
 * EXIT: 1 listening, 0 done, -2 it failed, -1 *e (connection lost, no
 * answer within ms, whose setting limit names, Ctrl-C when watch_signals) */
static int await_dest(struct session *s, bool until_listening, bool watch_signals, int ms,
                      const char *limit, struct err **e)
{
    if (!rconn_is_open(&s->c))
        return err_set(e, ERR_IO, "lost the connection to %s", s->u.host);
    struct buf f = {0};
    int rc = 1;
    while (rc == 1 && !(until_listening && s->remote_sock)) {
        struct pollfd p[2] = { { .fd = s->c.rfd, .events = POLLIN },
                               { .fd = watch_signals ? s->sig : -1, .events = POLLIN } };
        int n = poll(p, 2, ms);
        char type;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            rc = err_set(e, ERR_TIMEOUT, "%s did not answer within %d s%s%s%s", s->u.host,
                         ms / 1000, limit ? " (" : "", limit ? limit : "", limit ? ")" : "");
        else if (p[1].revents && interrupted(s))
            rc = err_set(e, ERR_STATE, "operation canceled");
        else if (p[0].revents && rconn_recv(&s->c, &type, &f) == 1)
            rc = on_frame(s, type, &f);
        else if (p[0].revents)
            rc = rconn_fail(&s->c, &s->u, "the migration", e);
    }
    buf_free(&f);
    return rc == 1 ? (s->remote_sock ? 1 : -1) : rc;
}

/* the source gave up: EOF on the channel makes migrate-receive destroy
 * the destination; wait for it to say so (its error, if any, is kept).
 * false: it did not answer (it drops the domain when it comes back) */
static bool abort_dest(struct session *s)
{
    if (!rconn_is_open(&s->c))
        return true;
    close(s->c.wfd);
    s->c.wfd = -1;
    struct err *silent = NULL;
    await_dest(s, false, false, s->lim.confirm_ms, NULL, &silent);
    bool answered = !silent || silent->code != ERR_TIMEOUT;
    err_free(silent);
    return answered;
}

/* the XML to send: the running domain's, and with --persistent the
 * definition to store there (the source's persistent one, else the same;
 * with --xml that XML, as locally) */
static int texts(struct store *src, const char *name, const struct dnode *dom, bool persistent,
                 bool dest_xml, char **xml, char **def, struct err **e)
{
    *xml = dom_format(dom, 0);
    *def = NULL;
    if (!persistent)
        return 0;
    *def = store_exists(src, name) && !dest_xml ? store_load_text(src, name, e)
                                                : xstrdup(*xml);
    return *def ? 0 : -1;
}

/* the destination listens at remote_sock: forward a socket of our run dir
 * to it and stream the state through */
static int stream_state(struct session *s, struct store *src, const char *name, bool paused,
                        const struct rt_live_mig *o, struct err **e)
{
    AUTOFREE char *local = xasprintf("%s/%s/migrate-fwd.sock", src->run_dir, name);
    AUTOFREE char *uri = xasprintf("unix:%s", local);
    /* past a switch to post-copy the guest runs there: the stream must go
     * on should this shell die (as a local migration's socketpair does) */
    if ((o->postcopy ? rforward_open_outliving : rforward_open)(&s->fwd, &s->u, local,
                                                               s->remote_sock, FORWARD_MS, e) < 0)
        return -1;
    AUTOFREE char *flags = rt_mig_out_flags(o);
    struct rt_mig m = { .uri = uri, .fd = -1, .progress = o->progress, .flags = flags };
    pid_t timer = rt_mig_timer_begin(src, name, o, paused);
    int rc = rt_migrate_out(src, name, &m, e);
    rt_mig_timer_end(timer);
    return rc;
}

/* the stream failed (*e says how, from the source's view): the precise
 * reason, the destination destroyed; 1 when the domain arrived anyway */
static int stream_failed(struct session *s, struct err **e)
{
    if (!e || !*e)
        return abort_dest(s), -1;
    if ((*e)->code == ERR_STATE && strcmp((*e)->msg, "operation canceled") == 0)
        return abort_dest(s), -1;
    if (s->fwd.pid && !rforward_alive(&s->fwd)) {
        AUTOFREE char *said = rforward_said(&s->fwd);
        err_clear(e);
        err_set(e, ERR_IO, "the SSH forward of the migration stream to %s died%s%s", s->u.host,
                said ? ": " : "", said ? said : "");
        return abort_dest(s), -1;
    }
    /* a destination that failed on its own says so in a moment */
    struct err *lost = NULL;
    int dest = await_dest(s, false, false, 3000, NULL, &lost);
    if (dest == -2 && s->dest_err.len) {
        err_clear(e);
        err_set(e, ERR_BACKEND, "the destination failed: %s", buf_str(&s->dest_err));
    } else if (dest == -1 && lost && lost->code != ERR_TIMEOUT) {
        err_clear(e);
        *e = lost;
        lost = NULL;
    }
    err_free(lost);
    abort_dest(s);
    return dest == 0 ? 1 : -1;
}

/* after the source's stream completed: the destination confirms (its
 * guest runs, or stays paused), then the source is finished; -1 the
 * destination failed (the source may run again), -2 it did not answer, or
 * the source could not be finished or undefined (the guest may run, or
 * runs, in the destination: the source stays as it is) */
static int confirm(struct session *s, struct store *src, const char *name,
                   const struct rt_live_mig *o, struct err **e)
{
    int dest = await_dest(s, false, false, s->lim.confirm_ms, RT_MIG_CONFIRM_ENV, e);
    if (dest == -2) {
        err_set(e, ERR_BACKEND, "the destination failed: %s",
                s->dest_err.len ? buf_str(&s->dest_err) : "no reason given");
        abort_dest(s);
        return -1;
    }
    if (dest != 0) {         /* it may run there: never two running copies */
        err_prefix(e, "the whole state went to %s but it did not confirm, so the source "
                   "stays paused (see `list` there, then resume or destroy it here): ",
                   s->u.host);
        abort_dest(s);
        return -2;
    }
    if (rt_migrate_finish(src, name, "migrated", e) < 0 ||
        (o->undefine_source && store_exists(src, name) && store_remove(src, name, e) < 0)) {
        err_prefix(e, "the domain runs in %s, but ", s->u.host);
        return -2;
    }
    return 0;
}

/* --copy-storage-all, the destination exporting: a second forward to
 * its NBD server, every disk mirrored through it until READY */
static int mirror_disks(struct session *s, struct store *src, const char *name, struct err **e)
{
    if (!s->remote_nbd)
        return err_set(e, ERR_BACKEND, "the destination did not say where it exports the "
                       "disks");
    AUTOFREE char *local = xasprintf("%s/%s/nbd-fwd.sock", src->run_dir, name);
    if (rforward_open(&s->nbd_fwd, &s->u, local, s->remote_nbd, FORWARD_MS, e) < 0)
        return -1;
    if (mig_storage_mirror(s->ms, src, name, local, e) == 0)
        return 0;
    if (!rforward_alive(&s->nbd_fwd)) {
        AUTOFREE char *said = rforward_said(&s->nbd_fwd);
        err_clear(e);
        err_set(e, ERR_IO, "the SSH forward of the disk copy to %s died%s%s", s->u.host,
                said ? ": " : "", said ? said : "");
    }
    return -1;
}

/* the memory went: the mirrors end consistent, then GO lets the
 * destination stop its server and run */
static int disks_switch(struct session *s, struct store *src, const char *name, struct err **e)
{
    if (mig_storage_end_mirrors(s->ms, src, name, e) < 0)
        return -1;
    if (rconn_send(&s->c, RF_GO, "", 0) < 0)
        return rconn_fail(&s->c, &s->u, "the migration", e);
    return 0;
}

/* the destination started and listening: the disks, the memory, the
 * confirmation; as converse */
static int transfer(struct session *s, struct store *src, const char *name, bool paused,
                    const struct rt_live_mig *o, struct err **e)
{
    int rc;
    if (s->ms && mirror_disks(s, src, name, e) < 0) {
        abort_dest(s);
    } else if (stream_state(s, src, name, paused, o, e) < 0) {
        if (stream_failed(s, e) == 1)
            return err_prefix(e, "the domain arrived in %s, the source stays paused: ",
                              s->u.host), -2;
    } else if (s->ms && disks_switch(s, src, name, e) < 0) {
        abort_dest(s);
    } else if ((rc = confirm(s, src, name, o, e)) != -1) {
        return rc;
    }
    if (s->ms)
        mig_storage_undo_source(s->ms, src, name);   /* its disks are its own again */
    if (!paused)
        sup_op_resume(src, name, NULL);     /* stopped for the end or by --timeout: back */
    return -1;
}

/* what goes to the destination: the domain as it runs here, or with
 * --copy-storage-all the one to start there (--xml: other disk paths),
 * whose disks are planned */
static struct dnode *to_send(struct session *s, struct store *src, const char *name,
                             bool *paused, const struct rt_live_mig *o, struct err **e)
{
    struct dnode *dom = rt_mig_source_domain(src, name, paused, e);
    if (!dom || !s->ms)
        return dom;
    struct dnode *arrive = mig_dest_domain(dom, o->dest_xml, e);
    if (arrive && mig_storage_plan_source(s->ms, dom, arrive, e) < 0) {
        dnode_free(arrive);
        arrive = NULL;
    }
    dnode_free(dom);
    return arrive;
}

/* the whole exchange once connected: 0 done, -1 failed with the source
 * running as it was (paused if it was), -2 failed with the source stopped
 * after a complete stream (its state may be on the destination) */
static int converse(struct session *s, struct store *src, const char *name,
                    const struct rt_live_mig *o, struct err **e)
{
    bool paused = false;
    struct dnode *dom = to_send(s, src, name, &paused, o, e);
    AUTOFREE char *xml = NULL, *def = NULL;
    int rc = !dom || texts(src, name, dom, o->persistent, o->dest_xml != NULL, &xml, &def,
                           e) < 0 ? -1 : 0;
    dnode_free(dom);
    if (rc == 0 && send_request(s, name, xml, def, paused, o->postcopy) < 0)
        rc = rconn_fail(&s->c, &s->u, "the migration", e);
    if (rc == 0 &&
        (rc = await_dest(s, true, true, s->lim.start_ms, RT_MIG_START_ENV, e)) != 1) {
        if (rc == -2 || (rc == 0 && !s->remote_sock))
            err_set(e, ERR_BACKEND, "the destination refused the domain: %s",
                    s->dest_err.len ? buf_str(&s->dest_err) : "no reason given");
        if (!abort_dest(s))
            err_prefix(e, "%s still starts the domain (it drops it once it answers again): ",
                       s->u.host);
        return -1;
    }
    return transfer(s, src, name, paused, o, e);
}

int rt_migrate_remote(struct store *src, const char *name, const char *desturi,
                      const struct rt_live_mig *o, struct err **e)
{
    struct session s = { .sig = -1, .c = { .wfd = -1, .rfd = -1, .efd = -1 },
                         .fwd = { .efd = -1 }, .nbd_fwd = { .efd = -1 } };
    /* libvirt paces the disk copy with the migration's bandwidth too */
    struct mig_storage ms = { .sig = -1, .progress = o->progress,
                              .speed = o->bandwidth_mib * 1024 * 1024 };
    s.ms = o->copy_storage ? &ms : NULL;
    if (rt_mig_limits_read(&s.lim, e) < 0 || ruri_parse(desturi, &s.u, e) < 0)
        return -1;
    int lock = store_lock(src, name, false, e);
    int rc = -1;
    /* ssh starts with our signal mask: connect before blocking them */
    if (lock >= 0 && rconn_open(&s.c, &s.u, e) == 0) {
        signals_take(&s);
        ms.sig = s.sig;          /* a Ctrl-C in the disk copy cancels it */
        rc = converse(&s, src, name, o, e);
        rforward_close(&s.nbd_fwd);
        rforward_close(&s.fwd);
        rconn_close(&s.c);
        interrupted(&s);
        signals_give_back(&s);
    }
    if (lock >= 0)
        store_unlock(lock);
    ruri_free(&s.u);
    buf_free(&s.out);
    buf_free(&s.dest_err);
    free(s.remote_sock);
    free(s.remote_nbd);
    ms.sig = -1;
    mig_storage_free(&ms);
    return rc < 0 ? -1 : 0;
}
