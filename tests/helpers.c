/* helpers.c: see helpers.h.  Built into the criterion test binary. */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

char *tmp_root(void)
{
    const char *t = getenv("TMPDIR");
    char *p = fmt("%s/domsh-test.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(p))
        abort();
    return p;
}

void rm_rf(const char *path)
{
    if (!path || !*path || strcmp(path, "/") == 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

const char *domsh_bin(void)
{
    const char *b = getenv("DOMSH_BIN");
    return b && *b ? b : "./build/domsh";
}

const char *src_dir(void)
{
    const char *s = getenv("DOMSH_SRC");
    return s && *s ? s : ".";
}

const char *shared_dir(void)
{
    static char buf[4096];
    const char *s = getenv("DOMSH_SHARED");
    if (s && *s)
        return s;
    snprintf(buf, sizeof(buf), "%s/../shared", src_dir());
    return buf;
}

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    size_t r;
    while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void drain(int fd, char **buf, size_t *len, size_t *cap)
{
    if (*cap - *len < 4096) {
        *cap = *cap * 2 + 4096;
        *buf = realloc(*buf, *cap);
    }
    ssize_t r = read(fd, *buf + *len, *cap - *len - 1);
    if (r > 0)
        *len += (size_t)r;
    (*buf)[*len] = '\0';
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run_result run_domsh(const char *root, const char *stdin_text, const char *const argv[])
{
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err))
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[1]); close(out[0]); close(err[0]);
        if (root)
            setenv("DOMSH_ROOT", root, 1);
        size_t n = 0;
        while (argv && argv[n])
            n++;
        char **av = calloc(n + 2, sizeof(char *));
        av[0] = (char *)domsh_bin();
        for (size_t i = 0; i < n; i++)
            av[i + 1] = (char *)argv[i];
        execv(av[0], av);
        _exit(127);
    }
    close(in[0]); close(out[1]); close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    if (stdin_text && *stdin_text) {
        ssize_t w = write(in[1], stdin_text, strlen(stdin_text));
        (void)w;
    }
    close(in[1]);
    struct run_result r = {0};
    size_t ol = 0, oc = 0, el = 0, ec = 0;
    r.out = calloc(1, 1);
    r.err = calloc(1, 1);
    double deadline = now_s() + 30;
    int open_fds = 2;
    struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    while (open_fds > 0 && now_s() < deadline) {
        if (poll(p, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            size_t before = i ? el : ol;
            if (i)
                drain(err[0], &r.err, &el, &ec);
            else
                drain(out[0], &r.out, &ol, &oc);
            if ((i ? el : ol) == before) {
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
    if (open_fds > 0)
        kill(pid, SIGKILL);
    close(out[0]);
    close(err[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

struct run_result run_line(const char *root, const char *line)
{
    const char *argv[] = {line, NULL};
    return run_domsh(root, NULL, argv);
}

void run_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

size_t argv_append(const char **argv, size_t n, size_t cap, const char *first, va_list ap)
{
    for (const char *a = first; a && n < cap - 1; a = va_arg(ap, const char *))
        argv[n++] = a;
    argv[n] = NULL;
    return n;
}
