/* forward.c: a unix socket forwarded through ssh (remote.h), the path of a
 * migration stream to another host: no TCP port is opened on either side,
 * the stream rides an ssh connection like the requests do. */
#include "remote_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void forward_argv(const struct ruri *u, const char *local, const char *remote,
                         bool outlive, struct strv *argv)
{
    struct strv base = {0};
    rssh_argv(u, false, &base);
    /* rssh_argv ends with "--" HOST: our options go before them */
    for (size_t i = 0; i + 2 < base.n; i++)
        strv_push(argv, base.v[i]);
    const char *opts[] = {"-n", "-N", "-o", "ExitOnForwardFailure=yes",
                          "-o", "StreamLocalBindUnlink=yes", "-L"};
    for (size_t i = outlive ? 2 : 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        strv_push(argv, opts[i]);
    strv_push_take(argv, xasprintf("%s:%s", local, remote));
    strv_push(argv, "--");
    strv_push(argv, u->host);
    if (outlive) {           /* a session that lasts as long as our end of its stdin */
        AUTOFREE char *prog = rssh_domsh_path(u);
        strv_push_take(argv, rssh_quote(prog));
        strv_push(argv, "--stdio");
        strv_push_take(argv, rssh_quote(u->local_uri));
    }
    strv_free(&base);
}

static void forward_child(int errp[2], int hold, char **argv)
{
    setpgid(0, 0);
    /* the caller may block signals while it migrates: not ssh */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* a shell killed mid-way takes it along (nothing to clean up in ssh:
     * the local socket is ours to remove), unless it must outlive us */
    if (hold < 0)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = open("/dev/null", O_RDWR);
    dup2(hold >= 0 ? hold : null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(errp[1], STDERR_FILENO);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    (void)!write(STDERR_FILENO, "cannot run ssh: ", 16);
    (void)!write(STDERR_FILENO, strerror(errno), strlen(strerror(errno)));
    _exit(255);
}

static void drain(struct rforward *f)
{
    char tmp[1024];
    ssize_t n;
    while (f->efd >= 0 && (n = read(f->efd, tmp, sizeof(tmp))) > 0)
        buf_addn(&f->errtail, tmp, (size_t)n);
}

bool rforward_alive(struct rforward *f)
{
    if (f->pid <= 0)
        return false;
    pid_t r = waitpid(f->pid, &f->status, WNOHANG);
    if (r == 0)
        return true;
    if (r < 0)
        f->status = -1;          /* how it ended is not known */
    f->pid = 0;
    return false;
}

char *rforward_said(struct rforward *f)
{
    drain(f);
    char *line = rssh_last_line(&f->errtail);
    if (line || f->pid != 0 || f->status == -1)
        return line;
    if (WIFSIGNALED(f->status))
        return xasprintf("ssh killed by signal %d", WTERMSIG(f->status));
    return WIFEXITED(f->status) ? xasprintf("ssh exit status %d", WEXITSTATUS(f->status)) : NULL;
}

static bool is_socket(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/* ssh listens at local (it binds and listens in one go) or has died */
static int wait_listening(struct rforward *f, const struct ruri *u, int ms, struct err **e)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (is_socket(f->local))
            return 0;
        if (!rforward_alive(f)) {
            AUTOFREE char *said = rforward_said(f);
            return err_set(e, ERR_IO, "cannot forward the migration socket through ssh to %s%s%s",
                           u->host, said ? ": " : "", said ? said : "");
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return err_set(e, ERR_TIMEOUT, "ssh did not set up the forward to %s within %d s", u->host,
                   ms / 1000);
}

static int forward_open(struct rforward *f, const struct ruri *u, const char *local,
                        const char *remote, bool outlive, int ms, struct err **e)
{
    *f = (struct rforward){ .efd = -1, .hold = -1, .status = -1, .local = xstrdup(local) };
    unlink(local);           /* a stale one would pass for ssh listening */
    int errp[2], hold[2] = {-1, -1};
    if (pipe2(errp, O_CLOEXEC) < 0)
        return err_sys(e, ERR_INTERNAL, "cannot create a pipe");
    if (outlive && pipe2(hold, O_CLOEXEC) < 0) {
        close(errp[0]), close(errp[1]);
        return err_sys(e, ERR_INTERNAL, "cannot create a pipe");
    }
    struct strv argv = {0};
    forward_argv(u, local, remote, outlive, &argv);
    pid_t pid = fork();
    if (pid == 0)
        forward_child(errp, hold[0], argv.v);
    close(errp[1]);
    if (outlive)
        close(hold[0]);
    f->hold = hold[1];
    strv_free(&argv);
    if (pid < 0) {
        close(errp[0]);
        return err_sys(e, ERR_INTERNAL, "cannot start ssh");
    }
    f->pid = pid;
    f->efd = errp[0];
    fcntl(f->efd, F_SETFL, O_NONBLOCK);
    return wait_listening(f, u, ms, e);
}

int rforward_open(struct rforward *f, const struct ruri *u, const char *local,
                  const char *remote, int ms, struct err **e)
{
    return forward_open(f, u, local, remote, false, ms, e);
}

int rforward_open_outliving(struct rforward *f, const struct ruri *u, const char *local,
                            const char *remote, int ms, struct err **e)
{
    return forward_open(f, u, local, remote, true, ms, e);
}

void rforward_close(struct rforward *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGKILL);
        rconn_reap(f->pid, 2000);
    }
    f->pid = 0;
    if (f->efd >= 0)
        close(f->efd);
    f->efd = -1;
    if (f->hold > 0)         /* (0: a zeroed struct; stdin is never our pipe) */
        close(f->hold);
    f->hold = -1;
    if (f->local)
        unlink(f->local);
    free(f->local);
    f->local = NULL;
    buf_free(&f->errtail);
}
