/* ssh.c: the transport: one `ssh -T -e none -o BatchMode=yes ... HOST
 * DOMSH --stdio URI` per shell session, its handshake, and turning what ssh
 * leaves behind (exit status, the tail of its stderr) into one precise
 * error.  ssh runs in its own process group so a Ctrl-C typed at the shell
 * does not cut the connection. */
#include "remote_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ERRTAIL_MAX 4096
#define EXEC_FAILED "\x01" "cannot run ssh: "

char *rssh_quote(const char *word)
{
    struct buf b = {0};
    buf_add_sh_quoted(&b, word);
    return buf_steal(&b);
}

void rssh_argv(const struct ruri *u, bool tty, struct strv *argv)
{
    const char *prog = getenv("DOMSH_SSH");
    strv_push(argv, prog && *prog ? prog : "ssh");
    const char *fixed[] = {tty ? "-t" : "-T", "-e", "none", "-o", "BatchMode=yes"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        strv_push(argv, fixed[i]);
    if (u->port) {
        strv_push(argv, "-p");
        strv_push_take(argv, xasprintf("%d", u->port));
    }
    if (u->user) {
        strv_push(argv, "-l");
        strv_push(argv, u->user);
    }
    if (u->keyfile) {
        strv_push(argv, "-i");
        strv_push(argv, u->keyfile);
    }
    if (u->no_verify) {
        strv_push(argv, "-o");
        strv_push(argv, "StrictHostKeyChecking=no");
    }
    rssh_keepalive(u, argv->v[0], argv);
    strv_push(argv, "--");
    strv_push(argv, u->host);
}

char *rssh_domsh_path(const struct ruri *u)
{
    if (u->domsh)
        return xstrdup(u->domsh);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return xstrdup("domsh");
    self[n] = '\0';
    return xstrdup(self);
}

static void child_exec(int in[2], int out[2], int errp[2], char **argv)
{
    setpgid(0, 0);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(errp[1], STDERR_FILENO);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    int err = errno;
    (void)!write(STDERR_FILENO, EXEC_FAILED, strlen(EXEC_FAILED));
    (void)!write(STDERR_FILENO, strerror(err), strlen(strerror(err)));
    _exit(255);
}

int rconn_spawn(struct rconn *c, char **argv, struct err **e)
{
    int in[2], out[2], errp[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return err_sys(e, ERR_INTERNAL, "cannot create a pipe");
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]), close(in[1]);
        return err_sys(e, ERR_INTERNAL, "cannot create a pipe");
    }
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return err_sys(e, ERR_INTERNAL, "cannot create a pipe");
    }
    pid_t pid = fork();
    if (pid == 0)
        child_exec(in, out, errp, argv);
    close(in[0]), close(out[1]), close(errp[1]);
    if (pid < 0) {
        close(in[1]), close(out[0]), close(errp[0]);
        return err_sys(e, ERR_INTERNAL, "cannot start ssh");
    }
    c->pid = pid;
    c->wfd = in[1];
    c->rfd = out[0];
    c->efd = errp[0];
    fcntl(c->efd, F_SETFL, O_NONBLOCK);
    buf_reset(&c->errtail);
    return 0;
}

/* read what ssh wrote on stderr so far, keeping the last ERRTAIL_MAX bytes;
 * 0 at EOF */
static int drain_stderr(struct rconn *c)
{
    char tmp[1024];
    ssize_t n;
    while ((n = read(c->efd, tmp, sizeof(tmp))) > 0) {
        buf_addn(&c->errtail, tmp, (size_t)n);
        if (c->errtail.len > ERRTAIL_MAX) {
            size_t cut = c->errtail.len - ERRTAIL_MAX / 2;
            memmove(c->errtail.s, c->errtail.s + cut, c->errtail.len - cut + 1);
            c->errtail.len -= cut;
        }
    }
    return n == 0 ? 0 : 1;
}

bool rconn_is_open(const struct rconn *c)
{
    return c->pid > 0;
}

int rconn_recv_or(struct rconn *c, int intr_fd, char *type, struct buf *payload)
{
    struct pollfd p[3] = {{.fd = c->rfd, .events = POLLIN}, {.fd = c->efd, .events = POLLIN},
                          {.fd = intr_fd, .events = POLLIN}};
    for (;;) {
        int n = poll(p, 3, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (p[1].revents && drain_stderr(c) == 0)
            p[1].fd = -1;   /* ssh closed its stderr: stop watching it */
        if (p[0].revents)
            return rframe_recv(c->rfd, type, payload);
        if (p[2].revents)
            return 2;
    }
}

int rconn_recv(struct rconn *c, char *type, struct buf *payload)
{
    return rconn_recv_or(c, -1, type, payload);
}

/* a dead ssh must not kill the shell with SIGPIPE: block it around the
 * write and swallow the one it raised */
int rconn_send(struct rconn *c, char type, const void *payload, size_t len)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int rc = rframe_send(c->wfd, type, payload, len);
    if (rc < 0 && errno == EPIPE)
        sigtimedwait(&pipe_set, NULL, &(struct timespec){0, 0});
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void close_fds(struct rconn *c)
{
    if (c->wfd >= 0)
        close(c->wfd);
    if (c->rfd >= 0)
        close(c->rfd);
    if (c->efd >= 0)
        close(c->efd);
    c->wfd = c->rfd = c->efd = -1;
}

int rconn_reap(pid_t pid, int ms)
{
    int st = 0;
    for (int waited = 0; waited < ms; waited += 10) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return st;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

void rconn_close(struct rconn *c)
{
    if (c->pid > 0) {
        close_fds(c);   /* EOF on its stdin: the remote domsh exits, then ssh */
        rconn_reap(c->pid, 3000);
    }
    c->pid = 0;
    buf_free(&c->errtail);
    free(c->remote_uri);
    c->remote_uri = NULL;
}
