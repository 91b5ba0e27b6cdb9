/* save_all.c: managed save of every running persistent domain at once
 * (host shutdown, libvirt-guests' ON_SHUTDOWN=suspend).  One child process
 * per domain, all in parallel (QEMU does the copying; the shell only
 * waits), each bounded: a child past the deadline gets SIGTERM, which its
 * migration wait turns into migrate_cancel, so that guest runs on and is
 * reported rather than half saved. */
#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "runtime.h"

struct saver {
    const char *name;
    pid_t pid;
    int fd;                  /* the child's error text */
    struct buf why;
    bool done, ok;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

static void saver_spawn(struct store *st, struct saver *s)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0 || (s->pid = fork()) < 0) {
        buf_add(&s->why, "cannot fork");
        s->done = true;
        return;
    }
    if (s->pid == 0) {
        close(p[0]);
        struct err *e = NULL;
        int rc = rt_managed_save(st, s->name, 0, NULL, &e);
        if (rc < 0 && e && e->msg && write(p[1], e->msg, strlen(e->msg)) < 0)
            rc = -1;
        _exit(rc == 0 ? 0 : 1);
    }
    close(p[1]);
    s->fd = p[0];
}

/* read what a child says until EOF, then reap it */
static void saver_read(struct saver *s)
{
    char chunk[512];
    ssize_t n = read(s->fd, chunk, sizeof(chunk));
    if (n > 0) {
        buf_addn(&s->why, chunk, (size_t)n);
        return;
    }
    if (n < 0 && errno == EINTR)
        return;
    close(s->fd);
    int st = 0;
    waitpid(s->pid, &st, 0);
    s->ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!s->ok && !s->why.len)
        buf_add(&s->why, "the save process died");
    s->done = true;
}

static void wait_all(struct saver *v, size_t n, int timeout_ms)
{
    long long deadline = mono_ms() + timeout_ms;
    bool termed = false;
    for (;;) {
        struct pollfd p[n ? n : 1];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){ .fd = v[i].done ? -1 : v[i].fd, .events = POLLIN },
            k += !v[i].done;
        if (!k)
            return;
        long long left = deadline - mono_ms();
        if (left <= 0 && !termed) {
            for (size_t i = 0; i < n; i++)
                if (!v[i].done)
                    kill(v[i].pid, SIGTERM);     /* cancels: the guest runs on */
            termed = true;
        }
        poll(p, n, left > 0 ? (int)left : 1000);
        for (size_t i = 0; i < n; i++)
            if (!v[i].done && p[i].revents)
                saver_read(&v[i]);
    }
}

int rt_managed_save_all(struct store *st, int timeout_ms, struct strv *saved, struct err **e)
{
    struct strv active = {0};
    if (rt_list_active(st, &active, e) < 0)
        return -1;
    struct saver *v = xcalloc(active.n ? active.n : 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < active.n; i++)
        if (store_exists(st, active.v[i]))
            v[n++].name = active.v[i];
    for (size_t i = 0; i < n; i++)
        saver_spawn(st, &v[i]);
    wait_all(v, n, timeout_ms);
    struct buf failed = {0};
    for (size_t i = 0; i < n; i++) {
        if (v[i].ok)
            strv_push(saved, v[i].name);
        else
            buf_printf(&failed, "%s'%s': %s", failed.len ? "; " : "", v[i].name,
                       buf_str(&v[i].why));
        buf_free(&v[i].why);
    }
    int rc = failed.len ? err_set(e, ERR_BACKEND, "cannot save every domain: %s",
                                  buf_str(&failed)) : 0;
    buf_free(&failed);
    free(v);
    strv_free(&active);
    return rc;
}
