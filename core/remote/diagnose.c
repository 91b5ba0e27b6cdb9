/* diagnose.c: opening the connection (handshake) and, when it fails or
 * drops, one precise error from ssh's exit status and the last thing it
 * said on stderr. */
#include "remote_priv.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the last meaningful line ssh (or the remote side) wrote on stderr */
char *rssh_last_line(const struct buf *tail)
{
    AUTOFREE char *copy = xstrdup(buf_str((struct buf *)tail));
    char *best = NULL, *save = NULL;
    for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
        if (*l && strncmp(l, "Warning: Permanently added", 26) != 0)
            best = l;
    if (best && strncmp(best, "ssh: ", 5) == 0)
        best += 5;   /* the messages below say "ssh:" themselves */
    return best ? xstrdup(best) : NULL;
}

static bool tail_has(const struct buf *tail, const char *what)
{
    return tail->s && strstr(tail->s, what);
}

/* read ssh's stderr to its end (ssh is exiting), at most ms */
static void drain_to_eof(struct rconn *c, int ms)
{
    struct pollfd p = {.fd = c->efd, .events = POLLIN};
    char tmp[1024];
    while (c->efd >= 0 && poll(&p, 1, ms) > 0) {
        ssize_t n = read(c->efd, tmp, sizeof(tmp));
        if (n <= 0)
            break;
        buf_addn(&c->errtail, tmp, (size_t)n);
    }
}

static int connect_error(const struct ruri *u, const struct buf *tail, const char *line,
                         int code, struct err **e)
{
    const char *h = u->host;
    if (tail_has(tail, "\x01" "cannot run ssh: "))
        return err_set(e, ERR_IO, "cannot run ssh: %s", strstr(tail->s, ": ") + 2);
    if (tail_has(tail, "Host key verification failed"))
        return err_set(e, ERR_IO, "cannot connect to %s: its host key is not known or has "
                       "changed (ssh: Host key verification failed); check it with ssh %s, "
                       "or add ?no_verify=1 to the URI", h, h);
    if (tail_has(tail, "Permission denied"))
        return err_set(e, ERR_IO, "cannot connect to %s: the key was refused (ssh: %s)", h,
                       line ? line : "Permission denied");
    if (code == 127 || code == 126) {
        AUTOFREE char *prog = rssh_domsh_path(u);
        return err_set(e, ERR_IO, "no domsh at '%s' on %s (%s); install it there or give its "
                       "path with ?domsh=PATH", prog, h,
                       line ? line : code == 127 ? "not found" : "not executable");
    }
    if (code == 255)
        return err_set(e, ERR_IO, "cannot connect to %s: ssh: %s", h, line ? line : "failed");
    return err_set(e, ERR_IO, "the remote domsh on %s did not answer (exit status %d%s%s)", h,
                   code, line ? ": " : "", line ? line : "");
}

int rconn_fail(struct rconn *c, const struct ruri *u, const char *during, struct err **e)
{
    if (c->pid <= 0)
        return err_set(e, ERR_IO, "not connected to %s", u->host);
    close(c->wfd);
    close(c->rfd);
    c->wfd = c->rfd = -1;
    drain_to_eof(c, 3000);
    int st = rconn_reap(c->pid, 3000);
    c->pid = 0;
    AUTOFREE char *line = rssh_last_line(&c->errtail);
    int rc;
    if (WIFSIGNALED(st))
        rc = err_set(e, ERR_IO, "lost the connection to %s during %s (ssh killed by signal %d)",
                     u->host, during, WTERMSIG(st));
    else if (!during || !strcmp(during, "the handshake"))
        rc = connect_error(u, &c->errtail, line, WEXITSTATUS(st), e);
    else
        rc = err_set(e, ERR_IO, "lost the connection to %s during %s (ssh exit status %d%s%s)",
                     u->host, during, WEXITSTATUS(st), line ? ": " : "", line ? line : "");
    rconn_close(c);
    return rc;
}

/* HELLO "domsh-remote N URI", or FAIL text */
static int check_hello(struct rconn *c, const struct ruri *u, char type, const char *p,
                       struct err **e)
{
    if (type == RF_FAIL)
        return err_set(e, ERR_IO, "%s: %s", u->host, p);
    int ver = 0, off = 0;
    if (type != RF_HELLO || sscanf(p, RPROTO_MAGIC " %d %n", &ver, &off) != 1)
        return err_set(e, ERR_IO, "%s: the remote program does not speak the domsh protocol",
                       u->host);
    if (ver != RPROTO_VERSION)
        return err_set(e, ERR_IO, "%s: the remote domsh speaks protocol version %d, this one "
                       "speaks version %d; install the same domsh on both hosts", u->host, ver,
                       RPROTO_VERSION);
    c->remote_uri = xstrdup(p + off);
    return 0;
}

int rconn_open(struct rconn *c, const struct ruri *u, struct err **e)
{
    struct strv argv = {0};
    rssh_argv(u, false, &argv);
    AUTOFREE char *prog = rssh_domsh_path(u);
    strv_push_take(&argv, rssh_quote(prog));
    strv_push(&argv, "--stdio");
    strv_push_take(&argv, rssh_quote(u->local_uri));
    c->wfd = c->rfd = c->efd = -1;
    int rc = rconn_spawn(c, argv.v, e);
    strv_free(&argv);
    if (rc < 0)
        return -1;
    struct buf reply = {0};
    char type = 0;
    AUTOFREE char *hello = xasprintf(RPROTO_MAGIC " %d", RPROTO_VERSION);
    if (rconn_send(c, RF_HELLO, hello, strlen(hello)) < 0 ||
        rconn_recv(c, &type, &reply) != 1)
        rc = rconn_fail(c, u, "the handshake", e);
    else if ((rc = check_hello(c, u, type, buf_str(&reply), e)) < 0)
        rconn_close(c);
    buf_free(&reply);
    return rc;
}
