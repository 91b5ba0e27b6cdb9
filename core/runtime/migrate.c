/* migrate.c: the shell side of migration (migrate.h). */
#include "migrate.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/proto.h"
#include "backend.h"

/* the supervisor sends PROGRESS every ~200 ms: this long a silence means
 * it is wedged */
#define MIG_STALL_MS 30000
#define FINISH_TIMEOUT_MS 15000

void rt_progress_draw(struct rt_progress *p, long long transferred, long long total, bool done)
{
    if (!p || !p->label)
        return;
    int pct = done ? 100 : total > 0 ? (int)(transferred * 100 / total) : 0;
    if (pct > 100)
        pct = 100;
    if (!done && pct == 100)
        pct = 99;                /* 100 % is said once, at the end */
    bool tty = isatty(fileno(p->out));
    if (pct == p->last || (!tty && !done && pct / 25 == (p->last < 0 ? -1 : p->last / 25)))
        return;
    p->last = pct;
    fprintf(p->out, tty ? "\r%s: [%3d %%]%s" : "%s: [%3d %%]\n%s", p->label, pct,
            done && tty ? "\n" : "");
    fflush(p->out);
}

struct waiter {
    int sock, sig;
    sigset_t old;
    bool interrupted, cancel_sent;
};

static int waiter_begin(struct waiter *w, struct store *st, const char *name, struct err **e)
{
    AUTOFREE char *path = rt_sock_path(st, name);
    w->sock = sup_connect(path, e);
    if (w->sock < 0)
        return -1;
    w->sig = rt_signals_take(&w->old);
    return 0;
}

int rt_signals_take(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, old);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

bool rt_signals_came(int sig)
{
    struct signalfd_siginfo si;
    bool any = false;
    while (sig >= 0 && read(sig, &si, sizeof(si)) == sizeof(si))
        any = true;
    return any;
}

void rt_signals_give_back(int sig, const sigset_t *old)
{
    if (sig >= 0)
        close(sig);          /* a signal taken here is consumed, not replayed */
    sigprocmask(SIG_SETMASK, old, NULL);
}

static void waiter_end(struct waiter *w)
{
    close(w->sock);
    rt_signals_give_back(w->sig, &w->old);
}

/* a signal: out, ask for a cancel (once); in, give up the connection */
static bool on_signal(struct waiter *w, bool out)
{
    if (rt_signals_came(w->sig))
        w->interrupted = true;
    if (!out)
        return false;
    if (!w->cancel_sent)
        proto_send_str(w->sock, PROTO_CMD, "migrate-cancel");
    w->cancel_sent = true;
    return true;
}

static void progress_frame(const struct rt_mig *m, const struct frame *f)
{
    char text[256];
    snprintf(text, sizeof(text), "%.*s", (int)f->len, f->payload);
    const char *t = strstr(text, "transferred="), *n = strstr(text, "total=");
    rt_progress_draw(m->progress, t ? atoll(t + 12) : 0, n ? atoll(n + 6) : 0, false);
}

/* one frame; 1 go on, 0 done (OK), -1 failed (ERR) */
static int on_frame(struct waiter *w, const struct rt_mig *m, const struct frame *f,
                    struct err **e)
{
    if (f->type == PROTO_PROGRESS) {
        progress_frame(m, f);
        return 1;
    }
    if (f->type == PROTO_OK && f->len == 0 && w->cancel_sent)
        return 1;                /* migrate-cancel acknowledged: the answer follows */
    if (f->type == PROTO_ERR && w->cancel_sent &&
        strncmp(f->payload, "no outgoing migration", 21) == 0)
        return 1;                /* it ended before the cancel: its answer came first */
    if (f->type == PROTO_ERR && w->cancel_sent &&
        memmem(f->payload, f->len, SUP_POSTCOPY_NO_ABORT, strlen(SUP_POSTCOPY_NO_ABORT)))
        return 1;                /* past the switch the guest runs there: wait for the end */
    if (f->type == PROTO_OK) {
        rt_progress_draw(m->progress, 1, 1, true);
        return 0;
    }
    if (f->type != PROTO_ERR)
        return 1;
    return err_set(e, w->interrupted ? ERR_STATE : ERR_BACKEND, "%.*s", (int)f->len,
                   f->payload);
}

static int wait_answer(struct waiter *w, const struct rt_mig *m, bool out, struct err **e)
{
    struct frame_reader *r = xcalloc(1, sizeof(*r));
    struct frame f;
    int rc = 1;
    while (rc == 1) {
        while (rc == 1 && frame_next(r, &f))
            rc = on_frame(w, m, &f, e);
        if (rc != 1)
            break;
        struct pollfd p[2] = { { .fd = w->sock, .events = POLLIN },
                               { .fd = w->sig, .events = POLLIN } };
        int pr = poll(p, w->sig >= 0 ? 2 : 1, MIG_STALL_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            rc = err_set(e, ERR_TIMEOUT, "the domain supervisor stopped answering");
        else if (p[1].revents && !on_signal(w, out))
            rc = err_set(e, ERR_STATE, "operation canceled");
        else if (p[0].revents && frame_fill(r, w->sock) <= 0)
            rc = err_set(e, ERR_BACKEND, "the domain supervisor closed the connection");
    }
    free(r);
    return rc;
}

static int migrate(struct store *st, const char *name, const char *verb, const struct rt_mig *m,
                   struct err **e)
{
    struct waiter w = { .sig = -1 };
    if (waiter_begin(&w, st, name, e) < 0)
        return -1;
    AUTOFREE char *cmd = xasprintf("%s %s%s%s", verb, m->uri, m->flags && *m->flags ? " " : "",
                                   m->flags ? m->flags : "");
    bool fd = strcmp(m->uri, "fd") == 0;
    int rc = (fd ? proto_send_fd(w.sock, PROTO_CMD, cmd, m->fd)
                 : proto_send_str(w.sock, PROTO_CMD, cmd)) < 0
                 ? err_set(e, ERR_BACKEND, "cannot talk to the domain supervisor")
                 : wait_answer(&w, m, strcmp(verb, "migrate-out") == 0, e);
    if (m->progress && m->progress->last >= 0 && rc != 0 && isatty(fileno(m->progress->out)))
        fputc('\n', m->progress->out);      /* end the bar's line before the error */
    waiter_end(&w);
    return rc;
}

int rt_migrate_out(struct store *st, const char *name, const struct rt_mig *m, struct err **e)
{
    return migrate(st, name, "migrate-out", m, e);
}

int rt_migrate_in(struct store *st, const char *name, const struct rt_mig *m, struct err **e)
{
    return migrate(st, name, "migrate-in", m, e);
}

int rt_migrate_finish(struct store *st, const char *name, const char *reason, struct err **e)
{
    AUTOFREE char *sock = rt_sock_path(st, name);
    AUTOFREE char *cmd = xasprintf("finish %s", reason);
    return sup_request(sock, cmd, FINISH_TIMEOUT_MS, NULL, e);
}
