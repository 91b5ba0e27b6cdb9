/* supervisor_console.c: the console bridge.  Each device has the
 * emulator's chardev socket on one side and, on the other, every place the
 * guest's output goes: LOG/NAME.console.log (rotated at 2 MiB, 3 old files
 * kept as .1 .. .3), a 64 KiB ring replayed on attach, our own pty (the
 * published <source path>) and the attached sup.sock clients.  Input comes
 * from the read-write client and from whoever writes on the pty. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
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

static void console_log(struct sup *s, const char *buf, size_t n)
{
    if (s->console_log_fd < 0)
        return;
    if (s->console_log_size + (long long)n > (long long)SUP_CONSOLE_LOG_MAX)
        console_log_rotate(s);
    if (s->console_log_fd >= 0 && write(s->console_log_fd, buf, n) > 0)
        s->console_log_size += (long long)n;
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

/* nobody may read the pty for a long time: when its queue is full, the
 * oldest unread output makes room for the newest */
static void pty_write(struct sup_dev *d, const char *buf, size_t n)
{
    ssize_t w = write(d->master, buf, n);
    if (w < 0 && errno == EAGAIN) {
        tcflush(d->slave, TCIFLUSH);
        w = write(d->master, buf, n);
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
    char buf[16384];
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

void sup_pty_input(struct sup *s, struct sup_dev *d)
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
