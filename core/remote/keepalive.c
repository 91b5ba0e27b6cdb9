/* keepalive.c: ssh's keepalive on every connection of ours (requests,
 * console, migration forward).  A host that freezes with its TCP
 * connection open (a hung kernel, a stopped VM, a cable pulled behind a
 * NAT that still answers) would otherwise stall a command or a migration
 * stream for ever; with ServerAliveInterval ssh asks the server for a word
 * and exits ("Timeout, server HOST not responding") after
 * ServerAliveCountMax unanswered asks, which the caller turns into one
 * error line.
 *
 * 15 s x 3: a frozen host is found within a minute, as libvirt's own
 * keepalive (5 s x 5) finds a dead daemon; a host so loaded that its sshd
 * cannot answer within 45 s is not failed.  The asks go through the
 * encrypted channel: they also keep NAT and firewall state of an idle shell
 * session alive.  A ServerAliveInterval of the user's own ssh_config wins
 * (asked with `ssh -G`, which reads the configuration and opens nothing):
 * on the command line ours would override it. */
#include "remote_priv.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INTERVAL_S 15
#define COUNT_MAX 3
#define PROBE_MS 5000

static void probe_child(int out, char **argv)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execvp(argv[0], argv);
    _exit(255);
}

/* what `ssh -G` prints for this host (NULL: it could not tell) */
static char *effective_config(const struct ruri *u, const char *prog)
{
    struct strv argv = {0};
    strv_push(&argv, prog);
    strv_push(&argv, "-G");
    if (u->port) {
        strv_push(&argv, "-p");
        strv_push_take(&argv, xasprintf("%d", u->port));
    }
    if (u->user) {
        strv_push(&argv, "-l");
        strv_push(&argv, u->user);
    }
    strv_push(&argv, "--");
    strv_push(&argv, u->host);
    int p[2];
    pid_t pid = pipe2(p, O_CLOEXEC) < 0 ? -1 : fork();
    if (pid == 0)
        probe_child(p[1], argv.v);
    strv_free(&argv);
    if (pid < 0)
        return NULL;
    close(p[1]);
    struct buf b = {0};
    char tmp[4096];
    struct pollfd pf = { .fd = p[0], .events = POLLIN };
    ssize_t n = 1;
    while (n > 0 && poll(&pf, 1, PROBE_MS) > 0 && (n = read(p[0], tmp, sizeof(tmp))) > 0)
        buf_addn(&b, tmp, (size_t)n);
    close(p[0]);
    int st = rconn_reap(pid, PROBE_MS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* the user's configuration sets ServerAliveInterval for u's host (asked
 * once per host and process: a migration opens two connections) */
static bool user_sets_keepalive(const struct ruri *u, const char *prog)
{
    static char *asked;      /* "PROG HOST PORT USER" of the cached answer */
    static bool answer;
    AUTOFREE char *key = xasprintf("%s %s %d %s", prog, u->host, u->port,
                                   u->user ? u->user : "");
    if (asked && strcmp(asked, key) == 0)
        return answer;
    AUTOFREE char *cfg = effective_config(u, prog);
    const char *line = cfg ? strstr(cfg, "\nserveraliveinterval ") : NULL;
    answer = line && atoi(line + 21) > 0;
    free(asked);
    asked = xstrdup(key);
    return answer;
}

void rssh_keepalive(const struct ruri *u, const char *prog, struct strv *argv)
{
    if (user_sets_keepalive(u, prog))
        return;
    strv_push(argv, "-o");
    strv_push(argv, "ServerAliveInterval=" RSSH_STR(INTERVAL_S));
    strv_push(argv, "-o");
    strv_push(argv, "ServerAliveCountMax=" RSSH_STR(COUNT_MAX));
}
