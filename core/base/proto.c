/* proto.c: sup.sock frames (see proto.h) and the small client side. */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "fsutil.h"
#include "mem.h"
#include "qmp.h"

void proto_header(char hdr[PROTO_HDR], enum proto_type type, size_t len)
{
    hdr[0] = (char)type;
    hdr[1] = (char)((len >> 8) & 0xff);
    hdr[2] = (char)(len & 0xff);
}

int proto_send(int fd, enum proto_type type, const void *payload, size_t len)
{
    if (len > PROTO_MAX)
        len = PROTO_MAX;
    char frame[PROTO_HDR + 512];
    proto_header(frame, type, len);
    if (len <= sizeof(frame) - PROTO_HDR) {      /* one write: atomic for small frames */
        if (len)
            memcpy(frame + PROTO_HDR, payload, len);
        return write_all(fd, frame, PROTO_HDR + len);
    }
    if (write_all(fd, frame, PROTO_HDR) < 0)
        return -1;
    return write_all(fd, payload, len);
}

int proto_send_str(int fd, enum proto_type type, const char *text)
{
    return proto_send(fd, type, text, text ? strlen(text) : 0);
}

int proto_send_fd(int fd, enum proto_type type, const char *text, int passfd)
{
    size_t len = strlen(text);
    if (len > PROTO_MAX)
        return -1;
    char hdr[PROTO_HDR];
    proto_header(hdr, type, len);
    if (send_with_fd(fd, hdr, 1, passfd) < 0 || write_all(fd, hdr + 1, PROTO_HDR - 1) < 0)
        return -1;
    return write_all(fd, text, len);
}

static long fill_common(struct frame_reader *r, int fd, int *passed)
{
    if (r->consumed) {
        memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
        r->len -= r->consumed;
        r->consumed = 0;
    }
    if (r->len == sizeof(r->buf))
        return -1;
    ssize_t n;
    do
        n = passed ? recv_with_fd(fd, r->buf + r->len, sizeof(r->buf) - r->len, passed)
                   : read(fd, r->buf + r->len, sizeof(r->buf) - r->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        r->len += (size_t)n;
    return (long)n;
}

long frame_fill(struct frame_reader *r, int fd)
{
    return fill_common(r, fd, NULL);
}

long frame_fill_fd(struct frame_reader *r, int fd, int *passed)
{
    return fill_common(r, fd, passed);
}

bool frame_next(struct frame_reader *r, struct frame *f)
{
    if (r->consumed) {
        memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
        r->len -= r->consumed;
        r->consumed = 0;
    }
    if (r->len < PROTO_HDR)
        return false;
    size_t len = ((size_t)(unsigned char)r->buf[1] << 8) | (unsigned char)r->buf[2];
    if (r->len < PROTO_HDR + len)
        return false;
    f->type = (uint8_t)r->buf[0];
    f->len = (uint16_t)len;
    f->payload = r->buf + PROTO_HDR;
    r->consumed = PROTO_HDR + len;
    return true;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int sup_connect(const char *sock_path, struct err **e)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(sock_path) >= sizeof(sa.sun_path))
        return err_set(e, ERR_INTERNAL, "socket path '%s' is too long", sock_path);
    strcpy(sa.sun_path, sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_sys(e, ERR_INTERNAL, "cannot create a socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return err_set(e, ERR_STATE, "domain is not running");
    }
    return fd;
}


/* a full backlog (a stopped supervisor accepts nobody) makes a blocking
 * connect wait forever: connect without blocking and try again until
 * the deadline */
int sup_connect_timeout(const char *sock_path, int timeout_ms, struct err **e)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(sock_path) >= sizeof(sa.sun_path))
        return err_set(e, ERR_INTERNAL, "socket path '%s' is too long", sock_path);
    strcpy(sa.sun_path, sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return err_sys(e, ERR_INTERNAL, "cannot create a socket");
    long deadline = now_ms() + timeout_ms;
    while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        bool full = errno == EAGAIN || errno == EINTR;
        if (!full || now_ms() >= deadline) {
            close(fd);
            return full ? err_set(e, ERR_TIMEOUT, "the domain supervisor accepts no connection "
                                                  "(stopped or overloaded)")
                        : err_set(e, ERR_STATE, "domain is not running");
        }
        usleep(2000);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* wait for one frame (not DATA: replayed output may precede nothing here) */
static int read_reply(int fd, struct frame_reader *r, struct frame *f, int timeout_ms,
                      struct err **e)
{
    long deadline = now_ms() + timeout_ms;
    while (!frame_next(r, f)) {
        long left = deadline - now_ms();
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return err_set(e, ERR_TIMEOUT, "timed out waiting for the domain supervisor");
        if (frame_fill(r, fd) <= 0)
            return err_set(e, ERR_BACKEND, "the domain supervisor closed the connection");
    }
    return 0;
}

int sup_request(const char *sock_path, const char *cmd, int timeout_ms, char **reply,
                struct err **e)
{
    int fd = sup_connect_timeout(sock_path, timeout_ms, e);
    if (fd < 0)
        return -1;
    struct frame_reader *r = xmalloc(sizeof(*r));
    r->len = r->consumed = 0;
    struct frame f;
    int rc = -1;
    if (proto_send_str(fd, PROTO_CMD, cmd) < 0)
        err_set(e, ERR_BACKEND, "cannot talk to the domain supervisor");
    else if (read_reply(fd, r, &f, timeout_ms, e) == 0) {
        if (f.type == PROTO_OK) {
            if (reply)
                *reply = xstrndup(f.payload, f.len);
            rc = 0;
        } else {
            err_set(e, ERR_BACKEND, "%.*s", (int)f.len, f.payload);
        }
    }
    free(r);
    close(fd);
    return rc;
}

int console_attach_fd(const char *sock_path, const char *dev, unsigned flags, struct err **e)
{
    int fd = sup_connect(sock_path, e);
    if (fd < 0)
        return -1;
    char msg[1 + 64];
    size_t n = strnlen(dev ? dev : "", 63);
    msg[0] = (char)flags;
    memcpy(msg + 1, dev ? dev : "", n);
    /* the reply is the first frame; read it byte-exact so that replayed
     * DATA after it stays in the socket for the caller */
    char hdr[PROTO_HDR], text[512];
    if (proto_send(fd, PROTO_ATTACH, msg, 1 + n) < 0)
        goto broken;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, 5000) <= 0 || recv(fd, hdr, PROTO_HDR, MSG_WAITALL) != PROTO_HDR)
        goto broken;
    size_t len = ((size_t)(unsigned char)hdr[1] << 8) | (unsigned char)hdr[2];
    if (len >= sizeof(text) || (len && recv(fd, text, len, MSG_WAITALL) != (ssize_t)len))
        goto broken;
    text[len] = '\0';
    if (hdr[0] == PROTO_OK)
        return fd;
    close(fd);
    if (strcmp(text, PROTO_BUSY_MSG) == 0)
        return err_set(e, ERR_BUSY, "%s", text);
    return err_set(e, ERR_NOT_FOUND, "%s", text);
broken:
    close(fd);
    return err_set(e, ERR_BACKEND, "the domain supervisor did not answer the attach request");
}
