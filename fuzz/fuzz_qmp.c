/* fuzz_qmp.c: libFuzzer target for the QMP reply reader.  The input is
 * what QEMU (or a hostile process on qmp.sock) would send: it goes through
 * a pipe into qmp_fill/qmp_next_line, in chunks whose sizes come from the
 * input, and every line is classified and searched for each key the
 * supervisor reads, with output buffers small and large. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {
    "event", "reason", "return", "error", "desc", "execute", "status", "actual",
    "running", "class", "id", "QMP", "",
};

static void inspect(const char *line)
{
    (void)qmp_kind(line);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char tiny[1], small[8], big[256];
        long long num;
        if (qjson_str(line, keys[i], small, sizeof(small)) && strlen(small) >= sizeof(small))
            abort();
        (void)qjson_str(line, keys[i], tiny, sizeof(tiny));
        (void)qjson_str(line, keys[i], big, sizeof(big));
        (void)qjson_num(line, keys[i], &num);
        (void)qjson_true(line, keys[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 60000)      /* the whole input fits in a pipe */
        return 0;
    size_t chunk = (size_t)data[0] * 64 + 1;
    int p[2];
    if (pipe(p) < 0)
        abort();
    struct qmp_conn *q = malloc(sizeof(*q));
    qmp_init(q, p[0]);
    for (size_t off = 1; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (write(p[1], data + off, n) != (ssize_t)n)
            abort();
        if (qmp_fill(q) <= 0)
            abort();
        for (char *line; (line = qmp_next_line(q));)
            inspect(line);
    }
    close(p[1]);
    while (qmp_fill(q) > 0)
        for (char *line; (line = qmp_next_line(q));)
            inspect(line);
    close(p[0]);
    free(q);
    return 0;
}
