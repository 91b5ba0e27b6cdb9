/* stats_watch.c: the running domains of a store watched over many samples
 * (top; see stats.h).  What one sample costs is what each refresh of top
 * costs, so whatever can outlive a sample does:
 *  - one sup.sock connection per domain stays open; while it does, the
 *    supervisor is alive (a connection cannot pass to another process),
 *    so the status file, pid and boot checks of rt_status_read run only
 *    when a domain is first seen or its connection ends;
 *  - the questions (status, then the QMP ones) are written to every
 *    supervisor first, each in one write, and the answers gathered with
 *    one poll over all of them: the supervisors work in parallel and a
 *    wedged one costs the timeout once per sample, not once per domain;
 *  - the emulator's /proc/PID/stat (CPU, start time, RSS in one file) and
 *    each vCPU thread's schedstat (run time and run-queue wait in ns) stay
 *    open and are read again with pread;
 *  - the definition (disks, interfaces, sizes) is parsed again only when
 *    live.xml changes, and the vCPU thread ids are asked only then. */
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/proto.h"
#include "backend.h"
#include "stats_priv.h"

#define SLOT_STATUS ASK_N        /* answer slots: the QMP asks, then status */
#define NSLOTS (ASK_N + 1)
#define FD_RESERVE 64            /* descriptors left for everything else */

/* a small growing frame reader (frame_reader holds 64 KiB: too much to
 * keep one per domain) */
struct wreader {
    char *b;
    size_t len, cap;
};

struct watched {
    char name[80];
    int fd;                      /* sup.sock, -1: not connected */
    struct wreader rd;
    int owed;                    /* answers due to questions of a sample that timed out */
    int order[NSLOTS];           /* the slots asked this sample, in order */
    int nasked, ngot;
    char *answer[NSLOTS];
    bool dead;                   /* the connection ended this sample */
    bool have_def, need_tids;
    struct stat live_id;         /* of live.xml when the definition was read */
    pid_t pid;                   /* the emulator whose files are open */
    int stat_fd;
    int *sched_fd;               /* one per vCPU of s.vcpu */
    size_t nsched;
    struct dom_stats s;
};

struct stats_watch {
    struct store *st;
    int timeout_ms;
    unsigned groups;
    struct watched **v;          /* by name */
    size_t n;
    int fds, fd_budget;          /* descriptors held open, and how many may be */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

struct stats_watch *stats_watch_new(struct store *st, unsigned groups, int timeout_ms)
{
    struct stats_watch *w = xcalloc(1, sizeof(*w));
    w->st = st;
    w->groups = groups;
    w->timeout_ms = timeout_ms;
    /* a few descriptors per domain: raise the soft limit to the hard one */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        long lim = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 20 ? 1 << 20 : (long)rl.rlim_cur;
        w->fd_budget = lim > 2 * FD_RESERVE ? (int)(lim - FD_RESERVE) : FD_RESERVE;
    }
    return w;
}

/* ---- /proc files held open ------------------------------------------ */

static void close_held(struct stats_watch *w, int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        w->fds--;
    }
    *fd = -1;
}

static void close_proc(struct stats_watch *w, struct watched *d)
{
    close_held(w, &d->stat_fd);
    for (size_t i = 0; i < d->nsched; i++)
        close_held(w, &d->sched_fd[i]);
    free(d->sched_fd);
    d->sched_fd = NULL;
    d->nsched = 0;
    d->pid = 0;
}

/* PATH's text from offset 0 through *fd, opened on first use and kept
 * while the budget allows (else opened and closed for this read) */
static size_t read_held(struct stats_watch *w, int *fd, const char *path, char *out, size_t n)
{
    int use = *fd;
    if (use < 0) {
        use = open(path, O_RDONLY | O_CLOEXEC);
        if (use >= 0 && w->fds < w->fd_budget) {
            *fd = use;
            w->fds++;
        }
    }
    ssize_t r = use < 0 ? -1 : pread(use, out, n - 1, 0);
    if (use >= 0 && use != *fd)
        close(use);
    out[r > 0 ? r : 0] = '\0';
    return r > 0 ? (size_t)r : 0;
}

static unsigned long long ticks_ns(unsigned long long ticks)
{
    long hz = sysconf(_SC_CLK_TCK);
    return ticks * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
}

/* utime, stime (fields 14, 15), starttime (22) and rss (24, pages) */
static void emulator_proc(struct stats_watch *w, struct watched *d)
{
    struct dom_stats *s = &d->s;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)d->pid);
    read_held(w, &d->stat_fd, path, buf, sizeof(buf));
    char *p = strrchr(buf, ')');
    unsigned long long u, sy, start, rss;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
                            "%*d %*d %*d %*d %*d %*d %llu %*u %llu", &u, &sy, &start, &rss) != 4)
        return;
    s->cpu_user = ticks_ns(u);
    s->cpu_system = ticks_ns(sy);
    s->cpu_time = s->cpu_user + s->cpu_system;
    s->start_ticks = start;
    s->rss_kib = rss * (unsigned long long)(sysconf(_SC_PAGESIZE) / 1024);
}

/* per vCPU thread: time on a CPU and time runnable but waiting (ns) */
static void vcpu_proc(struct stats_watch *w, struct watched *d)
{
    struct dom_stats *s = &d->s;
    if (d->nsched != s->nvcpu) {
        for (size_t i = 0; i < d->nsched; i++)
            close_held(w, &d->sched_fd[i]);
        d->sched_fd = xrealloc(d->sched_fd, (s->nvcpu ? s->nvcpu : 1) * sizeof(int));
        for (size_t i = 0; i < s->nvcpu; i++)
            d->sched_fd[i] = -1;
        d->nsched = s->nvcpu;
    }
    for (size_t i = 0; i < s->nvcpu; i++) {
        char path[96], buf[128];
        if (!s->vcpu[i].tid)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)d->pid, s->vcpu[i].tid);
        if (read_held(w, &d->sched_fd[i], path, buf, sizeof(buf)))
            sscanf(buf, "%llu %llu", &s->vcpu[i].time_ns, &s->vcpu[i].wait_ns);
    }
}

/* ---- the supervisors -------------------------------------------------- */

static void disconnect(struct stats_watch *w, struct watched *d)
{
    close_held(w, &d->fd);
    d->rd.len = 0;
    d->owed = 0;
}

static void forget_answers(struct watched *d)
{
    for (int k = 0; k < NSLOTS; k++) {
        free(d->answer[k]);
        d->answer[k] = NULL;
    }
    d->nasked = d->ngot = 0;
    d->dead = false;
}

static void watched_free(struct stats_watch *w, struct watched *d)
{
    disconnect(w, d);
    close_proc(w, d);
    forget_answers(d);
    free(d->rd.b);
    free(d);
}

void stats_watch_free(struct stats_watch *w)
{
    for (size_t i = 0; w && i < w->n; i++)
        watched_free(w, w->v[i]);
    if (w)
        free(w->v);
    free(w);
}

/* first sight, or the connection ended: the full status read, and a
 * connection to a supervisor that is up */
static void attach(struct stats_watch *w, struct watched *d)
{
    rt_status_read(w->st, d->name, &d->s.status, NULL);
    d->s.active = dom_state_active(d->s.status.state);
    if (!d->s.active || w->fds >= w->fd_budget)
        return;
    AUTOFREE char *sock = rt_sock_path(w->st, d->name);
    d->fd = sup_connect_timeout(sock, w->timeout_ms, NULL);
    if (d->fd < 0)
        return;            /* up but accepting nobody: "no answer" (settle) */
    w->fds++;
    fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) | O_NONBLOCK);
    d->need_tids = true;
}

/* the definition, read again when live.xml changed */
static void definition(struct stats_watch *w, struct watched *d)
{
    AUTOFREE char *live = rt_live_path(w->st, d->name);
    struct stat now;
    bool known = stat(live, &now) == 0;
    if (d->have_def && known && now.st_ino == d->live_id.st_ino &&
        now.st_size == d->live_id.st_size && now.st_mtim.tv_sec == d->live_id.st_mtim.tv_sec &&
        now.st_mtim.tv_nsec == d->live_id.st_mtim.tv_nsec)
        return;
    struct dom_status keep = d->s.status;
    struct err *e = NULL;
    d->have_def = stats_definition(w->st, d->name, &keep, &d->s, &e) == 0;
    err_free(e);
    d->live_id = now;
    d->need_tids = true;
}

static void add_frame(struct buf *b, const char *text)
{
    char hdr[PROTO_HDR];
    size_t len = strlen(text);
    proto_header(hdr, PROTO_CMD, len);
    buf_addn(b, hdr, PROTO_HDR);
    buf_addn(b, text, len);
}

/* status and the QMP questions of this sample, in one write */
static void ask(struct stats_watch *w, struct watched *d)
{
    bool want[ASK_N] = {[ASK_BLOCK] = (w->groups & STATS_BLOCK) && d->s.nblock,
                        [ASK_BALLOON] = (w->groups & STATS_BALLOON) != 0,
                        [ASK_CPUS] = (w->groups & STATS_VCPU) && d->need_tids};
    struct buf b = {0};
    add_frame(&b, "status");
    d->order[d->nasked++] = SLOT_STATUS;
    for (int k = 0; k < ASK_N; k++)
        if (want[k]) {
            char cmd[256];
            snprintf(cmd, sizeof(cmd), "qmp %s", stats_ask_json[k]);
            add_frame(&b, cmd);
            d->order[d->nasked++] = k;
        }
    /* a few hundred bytes into a socket buffer the supervisor drains: a
     * short write (never seen) would cut a frame, so it ends the connection */
    ssize_t r = write(d->fd, b.s, b.len);
    if (r != (ssize_t)b.len)
        d->nasked = 0;
    if (r > 0 && r != (ssize_t)b.len)
        d->dead = true;
    buf_free(&b);
}

/* frames arrived on D's connection: skip the stale ones, keep ours */
static void take_frames(struct watched *d)
{
    size_t off = 0;
    while (d->rd.len - off >= PROTO_HDR) {
        const unsigned char *h = (const unsigned char *)d->rd.b + off;
        size_t len = (size_t)h[1] << 8 | h[2];
        if (d->rd.len - off < PROTO_HDR + len)
            break;
        if (h[0] == PROTO_OK || h[0] == PROTO_ERR) {
            if (d->owed > 0)
                d->owed--;
            else if (d->ngot < d->nasked) {
                int slot = d->order[d->ngot++];
                if (h[0] == PROTO_OK)
                    d->answer[slot] = xstrndup((const char *)h + PROTO_HDR, len);
            }
        }
        off += PROTO_HDR + len;
    }
    memmove(d->rd.b, d->rd.b + off, d->rd.len - off);
    d->rd.len -= off;
}

/* read what came; only an incomplete frame is kept between reads (one
 * buffer per domain would cost 200 x 8 KiB of RSS for nothing) */
static void receive(struct watched *d)
{
    char tmp[16384];
    ssize_t r = read(d->fd, tmp, sizeof(tmp));
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        d->dead = true;
        return;
    }
    if (r < 0)
        return;
    xgrow(&d->rd.b, &d->rd.cap, d->rd.len + (size_t)r, 1);
    memcpy(d->rd.b + d->rd.len, tmp, (size_t)r);
    d->rd.len += (size_t)r;
    take_frames(d);
    if (!d->rd.len) {
        free(d->rd.b);
        d->rd.b = NULL;
        d->rd.cap = 0;
    }
}

static bool waiting(const struct watched *d)
{
    return d->fd >= 0 && !d->dead && (d->owed > 0 || d->ngot < d->nasked);
}

/* one poll over every connection still owing answers, until all came or
 * the timeout passed */
static void gather(struct stats_watch *w)
{
    struct pollfd *p = xcalloc(w->n ? w->n : 1, sizeof(*p));
    size_t *who = xcalloc(w->n ? w->n : 1, sizeof(*who));
    long long deadline = now_ms() + w->timeout_ms;
    for (;;) {
        size_t np = 0;
        for (size_t i = 0; i < w->n; i++)
            if (waiting(w->v[i])) {
                p[np] = (struct pollfd){.fd = w->v[i]->fd, .events = POLLIN};
                who[np++] = i;
            }
        long long left = deadline - now_ms();
        if (!np || left <= 0 || poll(p, np, (int)left) <= 0)
            break;
        for (size_t k = 0; k < np; k++)
            if (p[k].revents)
                receive(w->v[who[k]]);
    }
    free(p);
    free(who);
}

/* ---- one sample --------------------------------------------------------- */

/* the answers into D's statistics; a connection that ended is read again
 * from the status file */
static void settle(struct stats_watch *w, struct watched *d)
{
    struct dom_stats *s = &d->s;
    if (d->dead) {
        disconnect(w, d);
        d->nasked = d->ngot = 0;
        attach(w, d);            /* shut off now, or a new supervisor */
        s->no_answer = s->active;
    } else if (d->answer[SLOT_STATUS]) {
        rt_status_parse(d->answer[SLOT_STATUS], &s->status);
        s->active = dom_state_active(s->status.state);
        s->no_answer = d->ngot < d->nasked;
    } else {
        s->no_answer = s->active;
    }
    if (d->fd >= 0 && d->ngot < d->nasked)
        d->owed += d->nasked - d->ngot;    /* they may come later: skip them */
    if (!s->active) {
        close_proc(w, d);
        return;
    }
    if (d->answer[ASK_CPUS]) {
        s->nvcpu = 0;
        d->need_tids = false;
    }
    struct asks a;
    memset(&a, 0, sizeof(a));
    for (int k = 0; k < ASK_N; k++)
        a.answer[k] = d->answer[k];
    stats_parse_answers(s, &a);
    if (s->status.qemu_pid != d->pid) {
        close_proc(w, d);
        d->pid = s->status.qemu_pid;
    }
    if (d->pid > 0) {
        emulator_proc(w, d);
        vcpu_proc(w, d);
    }
    for (size_t i = 0; (w->groups & STATS_NET) && i < s->nnet; i++)
        stats_net_usage(&s->net[i]);
}

/* the watched set becomes RUN/'s names, keeping what it knew (both
 * sorted: one merge walk) */
static void follow_listing(struct stats_watch *w, const struct strv *run)
{
    struct watched **v = xcalloc(run->n ? run->n : 1, sizeof(*v));
    size_t j = 0;
    for (size_t i = 0; i < run->n; i++) {
        while (j < w->n && strcmp(w->v[j]->name, run->v[i]) < 0)
            watched_free(w, w->v[j++]);
        if (j < w->n && strcmp(w->v[j]->name, run->v[i]) == 0) {
            v[i] = w->v[j++];
            continue;
        }
        struct watched *d = v[i] = xcalloc(1, sizeof(*d));
        d->fd = d->stat_fd = -1;
        snprintf(d->name, sizeof(d->name), "%s", run->v[i]);
        snprintf(d->s.name, sizeof(d->s.name), "%s", run->v[i]);
    }
    while (j < w->n)
        watched_free(w, w->v[j++]);
    free(w->v);
    w->v = v;
    w->n = run->n;
}

int stats_watch_sample(struct stats_watch *w, struct err **e)
{
    struct strv run = {0};
    if (rt_list_run(w->st, &run, e) < 0)
        return -1;
    follow_listing(w, &run);
    strv_free(&run);
    for (size_t i = 0; i < w->n; i++) {
        struct watched *d = w->v[i];
        forget_answers(d);
        if (d->fd < 0)
            attach(w, d);
        if (d->s.active)
            definition(w, d);
        if (d->fd >= 0 && !d->owed)
            ask(w, d);
    }
    gather(w);
    for (size_t i = 0; i < w->n; i++)
        settle(w, w->v[i]);
    return 0;
}

size_t stats_watch_count(const struct stats_watch *w)
{
    return w->n;
}

const struct dom_stats *stats_watch_nth(const struct stats_watch *w, size_t i)
{
    return &w->v[i]->s;
}
