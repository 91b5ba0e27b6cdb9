/* supervisor_console.c: the console bridge.  Each device has the
 * emulator's chardev socket on one side and, on the other, every place the
 * guest's output goes: LOG/NAME.console.log (rotated at 2 MiB, 3 old files
 * kept as .1 .. .3), a 64 KiB ring replayed on attach, our own pty (the
 * published <source path>) and the attached sup.sock clients.  Input comes
 * from the read-write client and from whoever writes on the pty.
 *
 * The published pty is a serial line with flow control: while someone has
 * it open (screen, minicom, ttyconsole; the master sees POLLHUP when nobody
 * does), output it has not taken yet waits in pend and the guest's socket
 * is not read until the pty takes it, so a slow reader loses nothing.  A
 * reader that takes nothing for SUP_PTY_STALL_MS stops holding the guest
 * (its output is dropped) until it reads again.  With nobody there,
 * nothing is written to the pty (a later reader would see stale output). */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#define SEND_WAIT_RW_MS 2000
#define SEND_WAIT_RO_MS 200

void sup_log_shift(const char *path)
{
    char from[SUP_PATH + 16], to[SUP_PATH + 16];
    for (int i = SUP_CONSOLE_LOG_KEEP - 1; i >= 0; i--) {
        if (i)
            snprintf(from, sizeof(from), "%s.%d", path, i);
        else
            snprintf(from, sizeof(from), "%s", path);
        snprintf(to, sizeof(to), "%s.%d", path, i + 1);
        rename(from, to);
    }
}

static void console_log_rotate(struct sup *s)
{
    close(s->console_log_fd);
    sup_log_shift(s->console_log_path);
    s->console_log_fd = open(s->console_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    s->console_log_size = 0;
}

static void console_log_write(struct sup *s, const char *buf, size_t n)
{
    if (s->console_log_fd < 0)
        return;
    if (s->console_log_size + (long long)n > (long long)SUP_CONSOLE_LOG_MAX)
        console_log_rotate(s);
    if (s->console_log_fd >= 0 && write(s->console_log_fd, buf, n) > 0)
        s->console_log_size += (long long)n;
}

void sup_console_log_flush(struct sup *s)
{
    console_log_write(s, s->logbuf, s->logbuf_len);
    s->logbuf_len = 0;
}

/* a flood's output is written in 8 KiB pieces, not one write per chunk
 * the guest sent; what is left is written within SUP_LOG_FLUSH_MS */
static void console_log(struct sup *s, const char *buf, size_t n)
{
    if (s->logbuf_len + n > sizeof(s->logbuf))
        sup_console_log_flush(s);
    if (n >= sizeof(s->logbuf)) {
        console_log_write(s, buf, n);
        return;
    }
    if (!s->logbuf_len)
        s->logbuf_since_ms = sup_now_ms();
    memcpy(s->logbuf + s->logbuf_len, buf, n);
    s->logbuf_len += n;
}

static void ring_add(struct sup_dev *d, const char *buf, size_t n)
{
    if (n > SUP_RING) {
        buf += n - SUP_RING;
        n = SUP_RING;
    }
    size_t a = n < SUP_RING - d->ring_head ? n : SUP_RING - d->ring_head;
    memcpy(d->ring + d->ring_head, buf, a);
    memcpy(d->ring, buf + a, n - a);
    d->ring_head = (d->ring_head + n) % SUP_RING;
    d->ring_len = d->ring_len + n > SUP_RING ? SUP_RING : d->ring_len + n;
}

static void sup_pty_input(struct sup *s, struct sup_dev *d);

/* is the published pty open?  Asked at start and on each inotify IN_OPEN
 * (the loop reads those before guest output, so output that follows an
 * open is written for the reader) */
static void pty_check_reader(struct sup_dev *d)
{
    if (!d->pty_reader) {
        struct pollfd p = { .fd = d->master, .events = POLLOUT };
        d->pty_reader = poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
    }
}

static void pty_gone(struct sup_dev *d)
{
    d->pty_reader = d->pty_stalled = false;
    d->pend_len = 0;
}

static void pty_write(struct sup_dev *d, const char *buf, size_t n)
{
    if (!d->pty_reader)
        return;
    ssize_t w = d->pend_len ? 0 : write(d->master, buf, n);
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
        pty_gone(d);             /* EIO: the reader closed it */
        return;
    }
    size_t done = w > 0 ? (size_t)w : 0, room = sizeof(d->pend) - d->pend_len;
    if (done == n || d->pty_stalled)
        return;
    if (!d->pend_len)
        d->pend_since_ms = sup_now_ms();
    size_t keep = n - done < room ? n - done : room;   /* room: only short at exit */
    memcpy(d->pend + d->pend_len, buf + done, keep);
    d->pend_len += keep;
}

static void pty_flush(struct sup *s, struct sup_dev *d)
{
    ssize_t w = write(d->master, d->pend, d->pend_len);
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
        pty_gone(d);
        return;
    }
    d->pty_stalled = false;
    if (w <= 0)
        return;
    d->pend_len -= (size_t)w;
    memmove(d->pend, d->pend + w, d->pend_len);
    d->pend_since_ms = sup_now_ms();
}

void sup_console_init(struct sup *s)
{
    s->pty_watch_fd = s->ndev ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
    bool watched = s->pty_watch_fd >= 0;
    for (size_t i = 0; i < s->ndev; i++) {
        struct sup_dev *d = &s->dev[i];
        char path[64];
        if (s->pty_watch_fd >= 0 && ptsname_r(d->master, path, sizeof(path)) == 0)
            d->watch = inotify_add_watch(s->pty_watch_fd, path, IN_OPEN);
        else
            d->watch = -1;
        watched = watched && d->watch >= 0;
        if (d->slave >= 0)
            close(d->slave);
        d->slave = -1;
        pty_check_reader(d);
    }
    if (s->ndev && !watched) {
        sup_log(s, "no inotify watch for the published ptys (%m): a new reader is looked "
                "for every %d ms", SUP_PTY_PROBE_MS);
        s->pty_probe_ms = sup_now_ms() + SUP_PTY_PROBE_MS;
    }
}

void sup_console_slots(struct sup_dev *d, struct pollfd *guest, struct pollfd *pty)
{
    *guest = (struct pollfd){ .fd = d->pend_len ? -1 : d->qfd, .events = POLLIN };
    *pty = (struct pollfd){ .fd = d->pty_reader ? d->master : -1,
                            .events = POLLIN | (d->pend_len || d->pty_stalled ? POLLOUT : 0) };
}

void sup_pty_event(struct sup *s, struct sup_dev *d, short revents)
{
    if (revents & POLLIN)
        sup_pty_input(s, d);
    if (revents & (POLLHUP | POLLERR | POLLNVAL))
        pty_gone(d);             /* nobody has it open now (typed bytes were read above) */
    else if (revents & POLLOUT)
        pty_flush(s, d);
}

void sup_console_watch(struct sup *s)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (read(s->pty_watch_fd, buf, sizeof(buf)) > 0) {
        /* which device does not matter: asking each is one poll */
    }
    for (size_t i = 0; i < s->ndev; i++)
        pty_check_reader(&s->dev[i]);
}

static int min_timeout(int t, long long left)
{
    int ms = left > 0 ? (int)left : 0;
    return t < 0 || ms < t ? ms : t;
}

int sup_console_timeout(struct sup *s)
{
    int t = s->pty_probe_ms ? min_timeout(-1, s->pty_probe_ms - sup_now_ms()) : -1;
    if (s->logbuf_len)
        t = min_timeout(t, s->logbuf_since_ms + SUP_LOG_FLUSH_MS - sup_now_ms());
    for (size_t i = 0; i < s->ndev; i++) {
        struct sup_dev *d = &s->dev[i];
        if (!d->pend_len)
            continue;
        t = min_timeout(t, d->pend_since_ms + SUP_PTY_STALL_MS - sup_now_ms());
    }
    return t;
}

void sup_console_tick(struct sup *s)
{
    if (s->logbuf_len && sup_now_ms() - s->logbuf_since_ms >= SUP_LOG_FLUSH_MS)
        sup_console_log_flush(s);
    if (s->pty_probe_ms && sup_now_ms() >= s->pty_probe_ms) {
        for (size_t i = 0; i < s->ndev; i++)
            pty_check_reader(&s->dev[i]);
        s->pty_probe_ms = sup_now_ms() + SUP_PTY_PROBE_MS;
    }
    for (size_t i = 0; i < s->ndev; i++) {
        struct sup_dev *d = &s->dev[i];
        if (d->pend_len && sup_now_ms() - d->pend_since_ms >= SUP_PTY_STALL_MS) {
            sup_log(s, "the reader of %s's pty took nothing for %d s: its output is dropped "
                    "until it reads again", d->name, SUP_PTY_STALL_MS / 1000);
            d->pend_len = 0;
            d->pty_stalled = true;
        }
    }
}

/* one whole frame to a client within a bounded wait; a client that cannot
 * keep up is disconnected rather than stalling the guest */
static int client_send(struct sup *s, int ci, enum proto_type type, const char *data, size_t n)
{
    struct sup_client *c = &s->client[ci];
    char hdr[PROTO_HDR];
    proto_header(hdr, type, n);
    struct iovec iov[2] = { { hdr, PROTO_HDR }, { (void *)data, n } };
    long long deadline = sup_now_ms() +
                         ((c->flags & PROTO_ATT_READONLY) ? SEND_WAIT_RO_MS : SEND_WAIT_RW_MS);
    int idx = 0;
    while (idx < 2) {
        ssize_t w = writev(c->fd, iov + idx, 2 - idx);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = c->fd, .events = POLLOUT };
            long long left = deadline - sup_now_ms();
            if (left > 0 && poll(&p, 1, (int)left) > 0)
                continue;
        }
        if (w <= 0) {
            sup_log(s, "console client on %s too slow or gone: disconnected",
                    s->dev[c->dev].name);
            sup_client_close(s, ci);
            return -1;
        }
        for (size_t left = (size_t)w; idx < 2 && left >= iov[idx].iov_len; idx++)
            left -= iov[idx].iov_len, w = (ssize_t)left;
        if (idx < 2) {
            iov[idx].iov_base = (char *)iov[idx].iov_base + w;
            iov[idx].iov_len -= (size_t)w;
        }
    }
    return 0;
}

static void fan_out(struct sup *s, struct sup_dev *d, const char *buf, size_t n)
{
    int di = (int)(d - s->dev);
    /* attached clients first: a keystroke's echo should not wait behind
     * the log write and the pty's line discipline */
    for (int i = 0; i < SUP_MAX_CLIENTS; i++)
        if (s->client[i].fd >= 0 && s->client[i].dev == di)
            client_send(s, i, PROTO_DATA, buf, n);
    pty_write(d, buf, n);
    console_log(s, buf, n);
    ring_add(d, buf, n);
}

void sup_guest_output(struct sup *s, struct sup_dev *d)
{
    char buf[SUP_CHUNK];
    ssize_t n = read(d->qfd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {                /* the emulator closed the chardev: it is exiting */
        close(d->qfd);
        d->qfd = -1;
        return;
    }
    fan_out(s, d, buf, (size_t)n);
}

static void to_guest(struct sup_dev *d, const char *buf, size_t n)
{
    if (d->qfd >= 0 && write(d->qfd, buf, n) < 0) {
        /* the guest is not reading (paused): typed bytes are dropped */
    }
}

static void sup_pty_input(struct sup *s, struct sup_dev *d)
{
    char buf[4096];
    ssize_t n = read(d->master, buf, sizeof(buf));
    if (n > 0)
        to_guest(d, buf, (size_t)n);
}

static int find_dev(struct sup *s, const char *name)
{
    if (!*name) {                /* like virsh: the first console, else the first serial */
        for (size_t i = 0; i < s->nalias; i++)
            if (strncmp(s->alias[i].name, "console", 7) == 0)
                return s->alias[i].dev;
        return s->ndev ? 0 : -1;
    }
    for (size_t i = 0; i < s->ndev; i++)
        if (strcmp(s->dev[i].name, name) == 0)
            return (int)i;
    for (size_t i = 0; i < s->nalias; i++)
        if (strcmp(s->alias[i].name, name) == 0)
            return s->alias[i].dev;
    return -1;
}

static void replay_ring(struct sup *s, int ci, struct sup_dev *d)
{
    size_t first = (d->ring_head + SUP_RING - d->ring_len) % SUP_RING;
    size_t a = d->ring_len < SUP_RING - first ? d->ring_len : SUP_RING - first;
    if (a && client_send(s, ci, PROTO_DATA, d->ring + first, a) < 0)
        return;
    if (d->ring_len > a)
        client_send(s, ci, PROTO_DATA, d->ring, d->ring_len - a);
}

int sup_attach(struct sup *s, int ci, const char *payload, size_t len)
{
    struct sup_client *c = &s->client[ci];
    char name[33], msg[160];
    unsigned flags = len ? (unsigned char)payload[0] : 0;
    size_t nl = len > 1 ? len - 1 : 0;
    snprintf(name, sizeof(name), "%.*s", (int)(nl < 32 ? nl : 32), len ? payload + 1 : "");
    int di = find_dev(s, name);
    if (di < 0) {
        if (*name)
            snprintf(msg, sizeof(msg), "character device '%s' not found", name);
        else
            snprintf(msg, sizeof(msg), "cannot find a console device for domain '%.100s'", s->name);
        sup_reply(s, ci, PROTO_ERR, msg);
        return -1;
    }
    struct sup_dev *d = &s->dev[di];
    bool rw = !(flags & PROTO_ATT_READONLY);
    if (rw && d->rw_client >= 0) {
        if (!(flags & PROTO_ATT_FORCE)) {
            sup_reply(s, ci, PROTO_ERR, PROTO_BUSY_MSG);
            return -1;
        }
        int old = d->rw_client;
        client_send(s, old, PROTO_DETACH, "console session taken over by another client (--force)",
                    strlen("console session taken over by another client (--force)"));
        sup_client_close(s, old);
    }
    c->dev = di;
    c->flags = flags;
    if (rw)
        d->rw_client = ci;
    if (client_send(s, ci, PROTO_OK, "", 0) < 0)
        return -1;
    if (!(flags & PROTO_ATT_NO_REPLAY))
        replay_ring(s, ci, d);
    return 0;
}

void sup_client_data(struct sup *s, int ci, const char *data, size_t len)
{
    struct sup_client *c = &s->client[ci];
    if (c->dev < 0 || (c->flags & PROTO_ATT_READONLY))
        return;
    to_guest(&s->dev[c->dev], data, len);
}

void sup_client_resize(struct sup *s, int ci, const char *data, size_t len)
{
    struct sup_client *c = &s->client[ci];
    if (c->dev < 0 || len < 4 || (c->flags & PROTO_ATT_READONLY))
        return;
    const unsigned char *u = (const unsigned char *)data;
    struct winsize ws = {
        .ws_row = (unsigned short)(u[0] << 8 | u[1]),
        .ws_col = (unsigned short)(u[2] << 8 | u[3]),
    };
    ioctl(s->dev[c->dev].master, TIOCSWINSZ, &ws);
}

void sup_console_exit(struct sup *s, const char *why)
{
    for (int i = 0; i < SUP_MAX_CLIENTS; i++)
        if (s->client[i].fd >= 0 && s->client[i].dev >= 0)
            client_send(s, i, PROTO_EXIT, why, strlen(why));
}
