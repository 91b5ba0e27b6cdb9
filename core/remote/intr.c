/* intr.c: the server's ear for INTR while a command runs (remote.h).
 * A thread, because the command itself owns the main thread for as long
 * as it runs (a save waits on its supervisor, not on our channel). */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct rintr_watch {
    int in, stop[2];
    int ev[2];               /* 'g' GO, 'x' the channel ended */
    pthread_t thread;
};

static void *listen_intr(void *arg)
{
    struct rintr_watch *w = arg;
    struct pollfd p[2] = {{.fd = w->in, .events = POLLIN}, {.fd = w->stop[0], .events = POLLIN}};
    struct buf frame = {0};
    char type;
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        /* EOF or a broken frame: the main loop meets it again after the command */
        if (p[0].revents && rframe_recv(w->in, &type, &frame) != 1) {
            (void)!write(w->ev[1], "x", 1);
            break;
        }
        if (p[0].revents && type == RF_INTR)
            kill(getpid(), SIGINT);
        if (p[0].revents && type == RF_GO)
            (void)!write(w->ev[1], "g", 1);
    }
    buf_free(&frame);
    return NULL;
}

struct rintr_watch *rintr_watch_start(int in_fd)
{
    struct rintr_watch *w = xcalloc(1, sizeof(*w));
    w->in = in_fd;
    if (pipe2(w->stop, O_CLOEXEC) < 0) {
        free(w);
        return NULL;
    }
    if (pipe2(w->ev, O_CLOEXEC | O_NONBLOCK) < 0) {
        close(w->stop[0]), close(w->stop[1]);
        free(w);
        return NULL;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);      /* the thread inherits it */
    int rc = pthread_create(&w->thread, NULL, listen_intr, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(w->stop[0]), close(w->stop[1]);
        close(w->ev[0]), close(w->ev[1]);
        free(w);
        return NULL;
    }
    return w;
}

void rintr_watch_stop(struct rintr_watch *w)
{
    if (!w)
        return;
    (void)!write(w->stop[1], "x", 1);
    pthread_join(w->thread, NULL);
    close(w->stop[0]);
    close(w->stop[1]);
    close(w->ev[0]);
    close(w->ev[1]);
    free(w);
}

int rintr_watch_events(const struct rintr_watch *w)
{
    return w ? w->ev[0] : -1;
}
