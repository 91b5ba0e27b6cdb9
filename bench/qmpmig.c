/* qmpmig.c: the bare-QEMU peer of bench/save.sh, a QMP client doing by hand
 * what `domsh save` / `domsh restore` do through the supervisor.  Plain C
 * and libc only (built by `make bench` as build/bench/qmpmig), so the bench
 * needs nothing scripts/deps.sh does not install.
 *
 *   qmpmig cont SOCK           qmp_capabilities + cont (boot the -S guest)
 *   qmpmig save SOCK FILE      stop, bandwidth unlimited, getfd, migrate fd:,
 *                              wait for MIGRATION completed, fdatasync, quit;
 *                              prints the milliseconds from `stop` to
 *                              completed and to the end of the fdatasync
 *   qmpmig restore SOCK FILE   (QEMU started with -incoming defer -S) getfd,
 *                              migrate-incoming fd:, wait completed, cont */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int sock = -1;
static char buf[1 << 16];
static size_t len;
static bool mig_done, mig_failed;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("qmpmig: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void connect_qmp(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path))
        die("socket path too long");
    strcpy(sa.sun_path, path);
    for (long long deadline = mono_ms() + 30000;; usleep(2000)) {
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock >= 0 && connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return;
        if (sock >= 0)
            close(sock);
        if (mono_ms() > deadline)
            die("cannot connect to %s: %s", path, strerror(errno));
    }
}

/* the next line from QEMU (valid until the next call); MIGRATION events
 * are noted whenever they come */
static char *read_line(void)
{
    static size_t consumed;
    memmove(buf, buf + consumed, len - consumed);
    len -= consumed;
    consumed = 0;
    char *nl;
    while (!(nl = memchr(buf, '\n', len))) {
        if (len == sizeof(buf) - 1)
            die("a QMP line too long");
        ssize_t n = read(sock, buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            die("QEMU closed the monitor");
        len += (size_t)n;
    }
    *nl = '\0';
    consumed = (size_t)(nl - buf) + 1;
    if (strstr(buf, "\"event\": \"MIGRATION\"")) {
        mig_done |= strstr(buf, "\"status\": \"completed\"") != NULL;
        mig_failed |= strstr(buf, "\"status\": \"failed\"") || strstr(buf, "\"status\": \"cancelled\"");
    }
    return buf;
}

/* send {"execute": NAME, "arguments": {ARGS}} (with fd as SCM_RIGHTS when
 * >= 0) and wait for its answer */
static void cmd(const char *name, const char *args, int fd)
{
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "{\"execute\": \"%s\", \"arguments\": {%s}}\r\n", name,
                     args);
    struct iovec iov = { .iov_base = msg, .iov_len = (size_t)n };
    union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof(ctl.b);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    if (sendmsg(sock, &mh, 0) != n)
        die("cannot send %s: %s", name, strerror(errno));
    for (;;) {
        char *line = read_line();
        if (strncmp(line, "{\"return\"", 9) == 0)
            return;
        if (strncmp(line, "{\"error\"", 8) == 0)
            die("%s: %s", name, line);
    }
}

static void wait_migration(void)
{
    while (!mig_done && !mig_failed)
        read_line();
    if (mig_failed)
        die("migration failed");
}

static void save(const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        die("cannot create %s: %s", file, strerror(errno));
    long long t0 = mono_ms();
    cmd("stop", "", -1);
    cmd("migrate-set-parameters", "\"max-bandwidth\": 1099511627776", -1);
    cmd("getfd", "\"fdname\": \"mig\"", fd);
    cmd("migrate", "\"uri\": \"fd:mig\"", -1);
    wait_migration();
    long long t1 = mono_ms();
    fdatasync(fd);               /* as durable as domsh's image (which also syncs its header) */
    long long t2 = mono_ms();
    close(fd);
    cmd("quit", "", -1);
    printf("%lld %lld\n", t1 - t0, t2 - t0);
}

static void restore(const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("cannot open %s: %s", file, strerror(errno));
    cmd("getfd", "\"fdname\": \"mig\"", fd);
    cmd("migrate-incoming", "\"uri\": \"fd:mig\"", -1);
    wait_migration();
    cmd("cont", "", -1);
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "cont") != 0 && argc < 4))
        die("usage: qmpmig cont|save|restore SOCK [FILE]");
    connect_qmp(argv[2]);
    read_line();                 /* greeting */
    cmd("qmp_capabilities", "", -1);
    if (strcmp(argv[1], "cont") == 0) {
        cmd("cont", "", -1);
        return 0;
    }
    cmd("migrate-set-capabilities",
        "\"capabilities\": [{\"capability\": \"events\", \"state\": true}]", -1);
    if (strcmp(argv[1], "save") == 0)
        save(argv[3]);
    else if (strcmp(argv[1], "restore") == 0)
        restore(argv[3]);
    else
        die("unknown verb '%s'", argv[1]);
    return 0;
}
