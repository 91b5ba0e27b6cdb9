/* frame.c: the frames of the remote channel (format in remote.h). */
#include "remote.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../base/fsutil.h"

/* 1 when all len bytes were read, 0 on EOF before the first, -1 otherwise */
static int read_all(int fd, void *p, size_t len)
{
    char *s = p;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, s + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            if (got == 0)
                return 0;
            errno = EPROTO;
            return -1;
        }
        got += (size_t)r;
    }
    return 1;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void rframe_header(unsigned char hdr[RFRAME_HDR], char type, size_t len)
{
    hdr[0] = (unsigned char)type;
    put_u32(hdr + 1, (uint32_t)len);
}

int rframe_send(int fd, char type, const void *payload, size_t len)
{
    if (len > RFRAME_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    unsigned char hdr[RFRAME_HDR];
    rframe_header(hdr, type, len);
    /* one write when small: a frame is never split by a signal between two */
    if (len <= 4096) {
        char one[5 + 4096];
        memcpy(one, hdr, 5);
        if (len)
            memcpy(one + 5, payload, len);
        return write_all(fd, one, 5 + len);
    }
    return write_all(fd, hdr, 5) < 0 ? -1 : write_all(fd, payload, len);
}

int rframe_send_str(int fd, char type, const char *text)
{
    return rframe_send(fd, type, text, strlen(text));
}

int rframe_recv(int fd, char *type, struct buf *payload)
{
    unsigned char hdr[5];
    buf_reset(payload);
    int r = read_all(fd, hdr, 5);
    if (r <= 0)
        return r;
    uint32_t len = get_u32(hdr + 1);
    if (len > RFRAME_MAX) {
        errno = EPROTO;
        return -1;
    }
    *type = (char)hdr[0];
    if (payload->cap < len + 1) {
        payload->s = xrealloc(payload->s, len + 1);
        payload->cap = len + 1;
    }
    if (len && read_all(fd, payload->s, len) != 1) {
        if (errno != EINTR)
            errno = errno ? errno : EPROTO;
        return -1;
    }
    payload->len = len;
    payload->s[len] = '\0';
    return 1;
}

void rstrv_encode(struct buf *b, const char *s, size_t len)
{
    unsigned char n[4];
    put_u32(n, (uint32_t)len);
    buf_addn(b, (const char *)n, 4);
    buf_addn(b, s, len);
}

void rstrv_encode_all(struct buf *b, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rstrv_encode(b, v[i], strlen(v[i]));
}

int rstrv_decode(const char *p, size_t len, struct strv *out)
{
    size_t off = 0;
    while (off < len) {
        if (len - off < 4)
            return -1;
        uint32_t n = get_u32((const unsigned char *)p + off);
        off += 4;
        if (n > len - off)
            return -1;
        strv_push_take(out, xstrndup(p + off, n));
        off += n;
    }
    return 0;
}
