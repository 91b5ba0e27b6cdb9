/* events.c: the event listener (see events.h).
 *
 * One subscription per supervisor connection.  A new one is HANDSHAKE
 * until the supervisor's OK names its pid: a second connection to the same
 * supervisor (the start-up scan and inotify can both see one socket) is
 * closed; one to a newer supervisor of a domain whose old stream is still
 * open is HELD, unread, until the old one reaches EOF.
 *
 * A supervisor can also live and die before the listener connects (a
 * start and destroy within its reaction time).  Its events are in the
 * domain's journal, RUN/.events/NAME, which every supervisor appends to:
 * the listener reads the journal when it changes (inotify), before a new
 * stream goes live and after an old one ends, so the journal's events of
 * a missed supervisor come in order between its neighbours.  Each event
 * (supervisor pid, sequence number) is delivered once, from whichever
 * source has it first. */
#include "events.h"

#include "backend.h"
#include "../base/proto.h"
#include "../base/qmp.h"
#include "../base/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const ev_names[] = {
    "lifecycle", "reboot", "balloon-change", "device-added", "device-removed",
    "block-job", "console", NULL,
};

enum sub_phase { SUB_FREE, SUB_HANDSHAKE, SUB_HELD, SUB_LIVE };

struct ev_sub {
    enum sub_phase phase;
    char name[80];
    int fd;
    long pid;                    /* the supervisor's, from its OK */
    unsigned long long order;    /* connection order: HELD ones go in turn */
    unsigned long long last_seq;
    bool lost_before;            /* OK said lost=1: tell with the first event */
    struct frame_reader *rd;
};

struct ev_watch {
    int wd;
    char name[80];
};

#define EV_SEEN 64               /* supervisors remembered for de-duplication */
#define EV_JOURNAL_DIR ".events"
/* without an inotify instance (128 per user, one per running domain's
 * supervisor), the run dir and the journals are looked at this often */
#define EV_PROBE_MS 200

struct ev_seen {                 /* the last event delivered of one supervisor */
    char name[80];
    long pid;
    unsigned long long seq;
};

struct ev_cursor {               /* how far a domain's journal was read */
    char name[80];
    off_t off;
};

struct ev_listener {
    char *run_dir;
    int journal_wd;
    struct ev_seen seen[EV_SEEN];
    size_t seen_next;
    struct ev_cursor *cursor;
    size_t ncursor;
    struct dom_event *queue;     /* journal events not yet returned, FIFO */
    size_t qhead, qlen;
    char *only;                  /* the one domain listened to, or NULL */
    long long since_ms;
    int ino, root_wd;
    long long probe_ms;          /* no inotify: next look at the run dir (0: inotify) */
    struct ev_watch *watch;
    size_t nwatch, capwatch;
    struct ev_sub *sub;
    size_t nsub;
    unsigned long long next_order;
};

static void journal_catch_up(struct ev_listener *l, const char *name);
static long long mono_ms(void);

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

static void sub_close(struct ev_sub *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->rd);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}

static struct ev_sub *sub_slot(struct ev_listener *l)
{
    for (size_t i = 0; i < l->nsub; i++)
        if (l->sub[i].phase == SUB_FREE)
            return &l->sub[i];
    l->sub = xrealloc(l->sub, (l->nsub + 1) * sizeof(*l->sub));
    struct ev_sub *s = &l->sub[l->nsub++];
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    return s;
}

/* connect to RUN/NAME/sup.sock and ask for events since we started; a
 * socket nobody answers on is a supervisor that just left: ignored */
static void sub_open(struct ev_listener *l, const char *name)
{
    AUTOFREE char *path = xasprintf("%s/%s/" RUNF_SUP_SOCK, l->run_dir, name);
    int fd = unix_connect(path);
    if (fd < 0)
        return;
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "events %lld", l->since_ms);
    if (proto_send_str(fd, PROTO_CMD, cmd) < 0) {
        close(fd);
        return;
    }
    struct ev_sub *s = sub_slot(l);
    s->phase = SUB_HANDSHAKE;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->fd = fd;
    s->order = ++l->next_order;
    s->rd = xmalloc(sizeof(*s->rd));
    s->rd->len = s->rd->consumed = 0;
}

static void watch_dir(struct ev_listener *l, const char *name)
{
    AUTOFREE char *dir = xasprintf("%s/%s", l->run_dir, name);
    int wd = inotify_add_watch(l->ino, dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    if (wd < 0)
        return;
    for (size_t i = 0; i < l->nwatch; i++)
        if (l->watch[i].wd == wd)
            return;
    if (l->nwatch == l->capwatch) {
        l->capwatch = l->capwatch ? 2 * l->capwatch : 16;
        l->watch = xrealloc(l->watch, l->capwatch * sizeof(*l->watch));
    }
    l->watch[l->nwatch].wd = wd;
    snprintf(l->watch[l->nwatch++].name, sizeof(l->watch[0].name), "%s", name);
}

/* a domain directory: watch it for its next sup.sock, subscribe to the
 * current one */
static void add_domain(struct ev_listener *l, const char *name)
{
    if (name[0] == '.' || (l->only && strcmp(name, l->only) != 0))
        return;
    watch_dir(l, name);
    sub_open(l, name);
}

static void scan(struct ev_listener *l)
{
    DIR *d = opendir(l->run_dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        add_domain(l, de->d_name);
    if (d)
        closedir(d);
}

struct ev_listener *ev_listen(struct store *st, const char *domain, struct err **e)
{
    if (mkdir_p(st->run_dir, 0700, e) < 0)
        return NULL;
    struct ev_listener *l = xcalloc(1, sizeof(*l));
    l->run_dir = xstrdup(st->run_dir);
    l->only = domain ? xstrdup(domain) : NULL;
    l->since_ms = wall_ms();
    l->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (l->ino < 0 && errno == EMFILE) {
        l->probe_ms = 1;         /* due at once: ev_next probes */
        scan(l);
        return l;
    }
    /* watch first, then scan: a supervisor starting in between is seen
     * twice at worst, and the pid check keeps one */
    l->root_wd = l->ino < 0 ? -1
                            : inotify_add_watch(l->ino, l->run_dir,
                                                IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    AUTOFREE char *journals = xasprintf("%s/" EV_JOURNAL_DIR, st->run_dir);
    l->journal_wd = l->root_wd < 0 || (mkdir(journals, 0700) < 0 && errno != EEXIST)
                        ? -1
                        : inotify_add_watch(l->ino, journals, IN_MODIFY | IN_CREATE);
    if (l->root_wd < 0 || l->journal_wd < 0) {
        err_sys(e, ERR_IO, "cannot watch '%s'", st->run_dir);
        ev_close(l);
        return NULL;
    }
    scan(l);
    return l;
}

void ev_close(struct ev_listener *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nsub; i++)
        sub_close(&l->sub[i]);
    if (l->ino >= 0)
        close(l->ino);
    free(l->sub);
    free(l->watch);
    free(l->cursor);
    free(l->queue);
    free(l->run_dir);
    free(l->only);
    free(l);
}

static const char *watch_name(struct ev_listener *l, int wd)
{
    for (size_t i = 0; i < l->nwatch; i++)
        if (l->watch[i].wd == wd)
            return l->watch[i].name;
    return NULL;
}

static void forget_watch(struct ev_listener *l, int wd)
{
    for (size_t i = 0; i < l->nwatch; i++)
        if (l->watch[i].wd == wd) {
            l->watch[i] = l->watch[--l->nwatch];
            return;
        }
}

static bool subscribed(const struct ev_listener *l, const char *name)
{
    for (size_t i = 0; i < l->nsub; i++)
        if (l->sub[i].phase != SUB_FREE && strcmp(l->sub[i].name, name) == 0)
            return true;
    return false;
}

/* what inotify would have said: new supervisors, journals grown */
static void probe(struct ev_listener *l)
{
    DIR *d = opendir(l->run_dir);
    for (struct dirent *de; d && (de = readdir(d));)
        if (de->d_name[0] != '.' && (!l->only || strcmp(de->d_name, l->only) == 0) &&
            !subscribed(l, de->d_name))
            sub_open(l, de->d_name);
    if (d)
        closedir(d);
    AUTOFREE char *journals = xasprintf("%s/" EV_JOURNAL_DIR, l->run_dir);
    d = opendir(journals);
    for (struct dirent *de; d && (de = readdir(d));)
        journal_catch_up(l, de->d_name);
    if (d)
        closedir(d);
    l->probe_ms = mono_ms() + EV_PROBE_MS;
}

static void inotify_io(struct ev_listener *l)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(l->ino, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ie = (const struct inotify_event *)p;
            p += sizeof(*ie) + ie->len;
            if (ie->mask & IN_Q_OVERFLOW) {
                scan(l);
                continue;
            }
            if (ie->mask & IN_IGNORED) {
                forget_watch(l, ie->wd);
                continue;
            }
            if (!ie->len)
                continue;
            if (ie->wd == l->journal_wd) {
                journal_catch_up(l, ie->name);
            } else if (ie->wd == l->root_wd) {
                if (ie->mask & IN_ISDIR)
                    add_domain(l, ie->name);
            } else if (strcmp(ie->name, RUNF_SUP_SOCK) == 0) {
                const char *dom = watch_name(l, ie->wd);
                if (dom)
                    sub_open(l, dom);
            }
        }
    }
}

/* true the first time (NAME, PID, SEQ) or a later SEQ of that supervisor is
 * seen: the event is to be delivered */
static bool first_sight(struct ev_listener *l, const char *name, long pid,
                        unsigned long long seq)
{
    for (size_t i = 0; i < EV_SEEN; i++) {
        struct ev_seen *v = &l->seen[i];
        if (v->pid == pid && strcmp(v->name, name) == 0) {
            if (seq <= v->seq)
                return false;
            v->seq = seq;
            return true;
        }
    }
    struct ev_seen *v = &l->seen[l->seen_next++ % EV_SEEN];
    snprintf(v->name, sizeof(v->name), "%s", name);
    v->pid = pid;
    v->seq = seq;
    return true;
}

static struct ev_cursor *cursor_of(struct ev_listener *l, const char *name)
{
    for (size_t i = 0; i < l->ncursor; i++)
        if (strcmp(l->cursor[i].name, name) == 0)
            return &l->cursor[i];
    l->cursor = xrealloc(l->cursor, (l->ncursor + 1) * sizeof(*l->cursor));
    struct ev_cursor *c = &l->cursor[l->ncursor++];
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->off = 0;                  /* older lines are skipped by their time */
    return c;
}

/* "PID SEQ MS TYPE[ DETAIL]": queued when new and not older than the listener */
static void journal_line(struct ev_listener *l, const char *name, const char *line)
{
    struct dom_event ev = {0};
    long pid;
    int used = 0;
    if (sscanf(line, "%ld %llu %lld %31s%n", &pid, &ev.seq, &ev.ms, ev.type, &used) != 4 ||
        ev.ms < l->since_ms || !first_sight(l, name, pid, ev.seq))
        return;
    snprintf(ev.detail, sizeof(ev.detail), "%s", line[used] == ' ' ? line + used + 1 : "");
    snprintf(ev.domain, sizeof(ev.domain), "%s", name);
    l->queue = xrealloc(l->queue, (l->qhead + l->qlen + 1) * sizeof(*l->queue));
    l->queue[l->qhead + l->qlen++] = ev;
}

/* the domain's journal from where it was last read (from its start if it
 * was begun again) */
static void journal_catch_up(struct ev_listener *l, const char *name)
{
    if (name[0] == '.' || (l->only && strcmp(name, l->only) != 0))
        return;
    struct ev_cursor *c = cursor_of(l, name);
    AUTOFREE char *path = xasprintf("%s/" EV_JOURNAL_DIR "/%s", l->run_dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    if (sb.st_size < c->off)
        c->off = 0;
    size_t len = (size_t)(sb.st_size - c->off);
    AUTOFREE char *text = xmalloc(len + 1);
    ssize_t n = pread(fd, text, len, c->off);
    close(fd);
    if (n <= 0)
        return;
    text[n] = '\0';
    char *end = strrchr(text, '\n');      /* a line being written waits */
    if (!end)
        return;
    c->off += end + 1 - text;
    *end = '\0';
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        journal_line(l, name, line);
}

static bool journal_next(struct ev_listener *l, struct dom_event *ev)
{
    if (!l->qlen)
        return false;
    *ev = l->queue[l->qhead++];
    if (!--l->qlen)
        l->qhead = 0;
    return true;
}

/* the old stream of a domain ended: what the journal has of supervisors
 * missed in between, then its next supervisor's stream */
static void sub_finished(struct ev_listener *l, struct ev_sub *s)
{
    char name[80];
    snprintf(name, sizeof(name), "%s", s->name);
    sub_close(s);
    journal_catch_up(l, name);
    struct ev_sub *next = NULL;
    for (size_t i = 0; i < l->nsub; i++)
        if (l->sub[i].phase == SUB_HELD && strcmp(l->sub[i].name, name) == 0 &&
            (!next || l->sub[i].order < next->order))
            next = &l->sub[i];
    if (next)
        next->phase = SUB_LIVE;
}

/* the supervisor's OK: a duplicate is closed, a successor waits */
static void sub_handshake(struct ev_listener *l, struct ev_sub *s, const struct frame *f)
{
    if (f->type != PROTO_OK) {
        sub_close(s);
        return;
    }
    char text[128];
    snprintf(text, sizeof(text), "%.*s", (int)f->len, f->payload);
    const char *pid = strstr(text, "pid="), *lost = strstr(text, "lost=1");
    s->pid = pid ? atol(pid + 4) : 0;
    s->lost_before = lost != NULL;
    bool older_open = false;
    for (size_t i = 0; i < l->nsub; i++) {
        struct ev_sub *o = &l->sub[i];
        if (o == s || o->phase == SUB_FREE || o->phase == SUB_HANDSHAKE ||
            strcmp(o->name, s->name) != 0)
            continue;
        if (o->pid == s->pid) {
            sub_close(s);
            return;
        }
        older_open = true;
    }
    if (!older_open)
        journal_catch_up(l, s->name);    /* a missed predecessor's first */
    s->phase = older_open ? SUB_HELD : SUB_LIVE;
}

/* "SEQ MS TYPE[ DETAIL]" */
static bool parse_event(struct ev_listener *l, struct ev_sub *s, const struct frame *f,
                        struct dom_event *ev)
{
    char text[PROTO_HDR + 512];
    snprintf(text, sizeof(text), "%.*s", (int)f->len, f->payload);
    int used = 0;
    memset(ev, 0, sizeof(*ev));
    if (sscanf(text, "%llu %lld %31s%n", &ev->seq, &ev->ms, ev->type, &used) != 3)
        return false;
    snprintf(ev->detail, sizeof(ev->detail), "%s", text[used] == ' ' ? text + used + 1 : "");
    snprintf(ev->domain, sizeof(ev->domain), "%s", s->name);
    if (s->last_seq && ev->seq > s->last_seq + 1)
        ev->lost = ev->seq - s->last_seq - 1;
    else if (!s->last_seq && s->lost_before)
        ev->lost = 1;
    s->last_seq = ev->seq;
    return first_sight(l, s->name, s->pid, ev->seq);    /* the journal may have had it */
}

/* frames already read from S: 1 when one was an event (in *ev) */
static int sub_pump(struct ev_listener *l, struct ev_sub *s, struct dom_event *ev)
{
    struct frame f;
    while ((s->phase == SUB_HANDSHAKE || s->phase == SUB_LIVE) && frame_next(s->rd, &f)) {
        if (s->phase == SUB_HANDSHAKE)
            sub_handshake(l, s, &f);
        else if (f.type == PROTO_EVENT && parse_event(l, s, &f, ev))
            return 1;
    }
    return 0;
}

static int pump_all(struct ev_listener *l, struct dom_event *ev)
{
    if (journal_next(l, ev))
        return 1;
    for (size_t i = 0; i < l->nsub; i++)
        if (l->sub[i].phase != SUB_FREE && sub_pump(l, &l->sub[i], ev))
            return 1;
    return 0;
}

/* complete frames were all pumped before poll(), so EOF ends the stream */
static void sub_read(struct ev_listener *l, struct ev_sub *s)
{
    long n = frame_fill(s->rd, s->fd);
    if (n > 0 || (n < 0 && errno == EAGAIN))
        return;
    sub_finished(l, s);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

int ev_next(struct ev_listener *l, int timeout_ms, int stop_fd, struct dom_event *ev,
            struct err **e)
{
    long long deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
    struct pollfd *p = NULL;
    int rc = 0;
    for (;;) {
        if (pump_all(l, ev)) {
            rc = 1;
            break;
        }
        p = xrealloc(p, (l->nsub + 2) * sizeof(*p));
        p[0] = (struct pollfd){ .fd = l->ino, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
        for (size_t i = 0; i < l->nsub; i++) {
            bool on = l->sub[i].phase == SUB_HANDSHAKE || l->sub[i].phase == SUB_LIVE;
            p[2 + i] = (struct pollfd){ .fd = on ? l->sub[i].fd : -1, .events = POLLIN };
        }
        long long left = deadline < 0 ? -1 : deadline - mono_ms();
        if (deadline >= 0 && left < 0)
            left = 0;
        long long to_probe = l->probe_ms ? l->probe_ms - mono_ms() : -1;
        if (l->probe_ms && (left < 0 || to_probe < left))
            left = to_probe < 0 ? 0 : to_probe;
        int pr = poll(p, l->nsub + 2, (int)left);
        if (pr < 0 && errno != EINTR) {
            rc = err_sys(e, ERR_IO, "cannot wait for events");
            break;
        }
        if (l->probe_ms && mono_ms() >= l->probe_ms) {
            probe(l);
            if (pr == 0)
                continue;        /* the probe's timeout, not the caller's */
        }
        if (pr == 0 || (pr > 0 && p[1].revents))
            break;
        if (pr < 0)
            continue;
        size_t nsub = l->nsub;   /* inotify_io may add subscriptions */
        if (p[0].revents)
            inotify_io(l);
        for (size_t i = 0; i < nsub; i++)
            if (p[2 + i].revents && l->sub[i].fd == p[2 + i].fd)
                sub_read(l, &l->sub[i]);
    }
    free(p);
    return rc;
}
