/* test_ptyflow.c: the published pty (<source path>, what ttyconsole,
 * screen and minicom open) is a line with flow control: a slow reader gets
 * every byte of a flood, and with nobody reading the guest is not held. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rt_helpers.h"

#define FLOOD_LINES 5000      /* 320 KB: far more than the pty and socket buffers hold */

static char *published_pty(struct rt *t, const char *name)
{
    char *live = rt_run_path(t, name, "live.xml");
    char *xml = slurp(live, NULL);
    char *p = xml ? strstr(xml, "/dev/pts/") : NULL;
    cr_assert(p, "no pty path in live.xml");
    char *pty = strndup(p, strcspn(p, "'\""));
    free(xml);
    free(live);
    return pty;
}

/* read 1 KiB at a time, 2 ms apart, until END shows (60 s guard) */
static char *read_slowly(int fd, const char *end, size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap + 1);
    time_t stop = time(NULL) + 60;
    out[0] = '\0';
    while (!memmem(out, n, end, strlen(end)) && time(NULL) < stop) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 1000) != 1)
            continue;
        usleep(2000);
        if (n + 1024 > cap)
            out = realloc(out, (cap *= 2) + 1);
        ssize_t r = read(fd, out + n, 1024);
        cr_assert_gt(r, 0, "the pty closed");
        n += (size_t)r;
        out[n] = '\0';
    }
    *len = n;
    return out;
}

/* every "flood NNNNNNNN " line from 1 to want, in order */
static void assert_every_line(const char *out, size_t len, unsigned want)
{
    unsigned next = 1;
    for (const char *p = out; (p = memmem(p, len - (size_t)(p - out), "flood ", 6)); p += 6) {
        char *endp;
        unsigned long v = strtoul(p + 6, &endp, 10);
        if (endp - (p + 6) != 8)
            continue;                       /* the echoed command, "flood done" */
        cr_assert_eq(v, next, "line %u missing: line %lu came next", next, v);
        next++;
    }
    cr_assert_eq(next, want + 1, "%u of %u lines arrived", next - 1, want);
}

Test(console_pty, slow_reader_gets_every_byte_then_nobody_holds_nothing, .timeout = 180)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "vm", NULL, NULL, NULL);
    free(rt_ok(&t, "start vm"));
    char *pty = published_pty(&t, "vm");
    int fd = open(pty, O_RDWR | O_NOCTTY);
    cr_assert_geq(fd, 0, "cannot open %s", pty);
    struct termios tio;
    cr_assert_eq(tcgetattr(fd, &tio), 0);
    cr_assert_eq(tio.c_lflag & ECHO, 0u, "the published pty must stay raw");
    char cmd[32];
    snprintf(cmd, sizeof(cmd), "flood %d\r", FLOOD_LINES);
    cr_assert_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
    size_t len;
    char *out = read_slowly(fd, "flood done", &len);
    cr_assert(memmem(out, len, "flood done", 10), "no 'flood done' after %zu bytes", len);
    assert_every_line(out, len, FLOOD_LINES);
    free(out);
    close(fd);
    /* nobody has it open now: output is not held for anyone */
    rt_guest_line(&t, "vm", "flood 3000", "flood done");
    free(pty);
    rt_teardown(&t);
}
