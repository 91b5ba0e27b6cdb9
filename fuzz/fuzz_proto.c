/* fuzz_proto.c: libFuzzer target for the sup.sock frame decoder.  The
 * input bytes (after a first byte that picks a chunk size) are fed through
 * a pipe into frame_fill/frame_next in chunks; the frames decoded must be
 * exactly those a one-shot decode of the same bytes gives (header type,
 * length, payload), whatever the chunking, and each payload must lie
 * inside the reader's buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the reference decode: walk the headers directly */
static size_t expect_frame(const uint8_t *d, size_t n, size_t at, struct frame *f)
{
    if (n - at < PROTO_HDR)
        return 0;
    size_t len = ((size_t)d[at + 1] << 8) | d[at + 2];
    if (n - at - PROTO_HDR < len)
        return 0;
    f->type = d[at];
    f->len = (uint16_t)len;
    f->payload = (const char *)d + at + PROTO_HDR;
    return PROTO_HDR + len;
}

static void check(const struct frame_reader *r, const struct frame *got, const uint8_t *d,
                  size_t n, size_t *at)
{
    struct frame want;
    size_t used = expect_frame(d, n, *at, &want);
    if (!used || got->type != want.type || got->len != want.len ||
        got->payload < r->buf || got->payload + got->len > r->buf + sizeof(r->buf) ||
        memcmp(got->payload, want.payload, want.len) != 0) {
        fprintf(stderr, "fuzz_proto: frame at offset %zu decoded wrongly\n", *at);
        abort();
    }
    *at += used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 60000)      /* the whole input fits in a pipe */
        return 0;
    size_t chunk = (size_t)data[0] * 97 + 1;
    const uint8_t *d = data + 1;
    size_t n = size - 1, at = 0;
    int p[2];
    if (pipe(p) < 0)
        abort();
    struct frame_reader *r = malloc(sizeof(*r));
    r->len = r->consumed = 0;
    struct frame f;
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        if (write(p[1], d + off, k) != (ssize_t)k || frame_fill(r, p[0]) <= 0)
            abort();
        while (frame_next(r, &f))
            check(r, &f, d, n, &at);
    }
    close(p[1]);
    while (frame_fill(r, p[0]) > 0)           /* what the pipe still holds */
        while (frame_next(r, &f))
            check(r, &f, d, n, &at);
    struct frame rest;
    if (expect_frame(d, n, at, &rest)) {      /* every complete frame came out */
        fprintf(stderr, "fuzz_proto: complete frame at offset %zu never decoded\n", at);
        abort();
    }
    close(p[0]);
    free(r);
    return 0;
}
