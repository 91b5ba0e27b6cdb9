/* ptybench.c: timing helper for bench/console.sh (built by it, not part
 * of domsh).  It plays the user at a terminal: either it runs a command on
 * a fresh pty (-- CMD ARGS...), as `domsh console` needs, or it opens a
 * device pty directly (-p PATH), and measures one thing:
 *   attach  time from spawning CMD until READY shows (ms)
 *   flood   after READY, send SEND and count output bytes until END (bytes/s;
 *           "incomplete 1" when END never came and output stopped for 1 s)
 *   rtt     after READY, N single keystrokes, each waited for until its echo
 *           comes back (median and mean us); a line is ended every 40
 * -d USEC makes a slow reader: it sleeps USEC before each read of at most
 * 1 KiB (the published pty read by a slow program, issue 15).
 * Usage: ptybench MODE [-r READY] [-s SEND] [-e END] [-n N] [-d USEC] (-p PATH | -- CMD...)
 * Strings take \r, \n and \\ escapes.  Every wait has a 60 s guard. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char window[1 << 16];   /* recent output, to look for strings */
static size_t wlen;
static unsigned long long total;
static double last_byte;       /* when the last output arrived */
static long slow_us;           /* -d: sleep before each read, read 1 KiB at most */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "ptybench: %s\n", what);
    exit(2);
}

static char *unescape(const char *s)
{
    char *o = strdup(s), *p = o;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *p++ = *s == 'r' ? '\r' : *s == 'n' ? '\n' : *s;
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return o;
}

/* read what is there (waiting up to the guard); keep the tail in window */
static void pump(int fd)
{
    static char buf[1 << 16];
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 60000) != 1)
        die("timed out waiting for output");
    if (slow_us)
        usleep((useconds_t)slow_us);
    ssize_t n = read(fd, buf, slow_us ? 1024 : sizeof(buf));
    if (n <= 0)
        die("the terminal closed");
    total += (unsigned long long)n;
    last_byte = now();
    if ((size_t)n >= sizeof(window) / 2) {
        memcpy(window, buf + n - sizeof(window) / 2, sizeof(window) / 2);
        wlen = sizeof(window) / 2;
    } else {
        if (wlen + (size_t)n > sizeof(window) - 1) {
            memmove(window, window + wlen / 2, wlen - wlen / 2);
            wlen -= wlen / 2;
        }
        memcpy(window + wlen, buf, (size_t)n);
        wlen += (size_t)n;
    }
    window[wlen] = '\0';
}

static void wait_for(int fd, const char *s)
{
    while (!memmem(window, wlen, s, strlen(s)))
        pump(fd);
    wlen = 0;     /* what follows is new */
}

/* like wait_for, but a device that loses output may never show END: stop
 * after 1 s of silence; the time counted ends at the last byte */
static bool flood_wait(int fd, const char *end)
{
    for (;;) {
        if (memmem(window, wlen, end, strlen(end)))
            return true;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 1000) != 1)
            return false;
        pump(fd);
    }
}

static void send_str(int fd, const char *s)
{
    size_t n = strlen(s);
    if (write(fd, s, n) != (ssize_t)n)
        die("write failed");
}

static int open_target(char **cmd, const char *path, pid_t *pid)
{
    int fd;
    struct termios t;
    if (path) {
        fd = open(path, O_RDWR | O_NOCTTY);
        if (fd < 0 || tcgetattr(fd, &t) < 0)
            die("cannot open the device pty");
        cfmakeraw(&t);          /* read it as a program would: no echo, no cooking */
        tcsetattr(fd, TCSANOW, &t);
        /* what piled up before we came is not measured: flush, then read
         * until the device has been quiet for 100 ms */
        tcflush(fd, TCIFLUSH);
        for (struct pollfd p = { .fd = fd, .events = POLLIN }; poll(&p, 1, 100) == 1;) {
            char junk[4096];
            if (read(fd, junk, sizeof(junk)) <= 0)
                break;
        }
        *pid = -1;
        return fd;
    }
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };
    *pid = forkpty(&fd, NULL, NULL, &ws);
    if (*pid < 0)
        die("forkpty failed");
    if (*pid == 0) {
        execvp(cmd[0], cmd);
        _exit(127);
    }
    return fd;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* the median is reported: a scheduler hiccup on a busy 2-CPU box should
 * not decide the figure; the mean is shown beside it */
static void rtt(int fd, long n)
{
    double *t = calloc((size_t)n, sizeof(double)), sum = 0;
    for (long i = 0; i < n; i++) {
        double t0 = now();
        send_str(fd, "x");
        wait_for(fd, "x");
        t[i] = now() - t0;
        sum += t[i];
        if (i % 40 == 39) {     /* keep lines short; not timed */
            send_str(fd, "\r");
            pump(fd);
            wlen = 0;
        }
    }
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    printf("rtt_us %.1f mean_us %.1f\n", t[n / 2] * 1e6, sum / (double)n * 1e6);
    free(t);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "", *ready = NULL, *send = NULL, *end = NULL;
    const char *path = NULL;
    long n = 200;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc)
            die("option without a value");
        char o = argv[i][1];
        char *v = unescape(argv[i + 1]);
        if (o == 'r') ready = v;
        else if (o == 's') send = v;
        else if (o == 'e') end = v;
        else if (o == 'n') n = atol(v);
        else if (o == 'p') path = v;
        else if (o == 'd') slow_us = atol(v);
        else die("unknown option");
    }
    if (!path && i + 1 >= argc)
        die("no command and no -p PATH");
    pid_t pid;
    double t0 = now();
    int fd = open_target(argv + i + 1, path, &pid);
    if (ready)
        wait_for(fd, ready);
    if (strcmp(mode, "attach") == 0) {
        printf("attach_ms %.2f\n", (now() - t0) * 1e3);
    } else if (strcmp(mode, "flood") == 0 && send && end) {
        total = 0;
        double t1 = now();
        send_str(fd, send);
        bool seen = flood_wait(fd, end);
        double dt = last_byte - t1;
        printf("bytes %llu secs %.4f bytes_per_s %.0f%s\n", total, dt, (double)total / dt,
               seen ? "" : " incomplete 1");
    } else if (strcmp(mode, "rtt") == 0) {
        rtt(fd, n);
    } else {
        die("usage: ptybench attach|flood|rtt [-r READY] [-s SEND] [-e END] [-n N] "
            "(-p PATH | -- CMD...)");
    }
    if (pid > 0) {              /* detach the way a user does, then make sure */
        send_str(fd, "\x1d");
        for (int k = 0; k < 500 && waitpid(pid, NULL, WNOHANG) == 0; k++)
            usleep(10000);
        fflush(stdout);
        if (kill(pid, SIGKILL) == 0)     /* our own child, not detached */
            waitpid(pid, NULL, 0);
    }
    return 0;
}
