/* remote_tty.c: the remote side of TAB (one COMPLETE round trip on the
 * shell's connection) and of console.  A console runs over its own
 * `ssh -t`: ssh already carries a terminal (raw mode, SIGWINCH as a window
 * change), and the remote domsh's console code then does exactly what it
 * does locally (replay, --force, --readonly, the escape given with -e).
 * A second connection is simpler and sturdier than multiplexing a live
 * terminal through the request channel, and it lasts only as long as the
 * console session. */
#include "remote_priv.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/runtime/console.h"

bool remote_completes(const struct cmd_def *c, int k)
{
    const struct opt_def *o = &c->opts[k];
    return o->complete && !(o->flags & OPT_LOCAL_PATH);
}

void remote_complete(struct shell *sh, char *const *words, size_t n, struct strv *raw)
{
    struct err *e = NULL;
    struct buf req = {0}, reply = {0};
    char type = 0;
    struct rconn *c = &sh->remote->conn;
    rstrv_encode_all(&req, words, n);
    if (remote_connected(sh, &e) < 0) {
        err_free(e);
    } else if (rconn_send(c, RF_COMPLETE, req.s, req.len) < 0 ||
               rconn_recv(c, &type, &reply) != 1 || type != RF_LIST ||
               rstrv_decode(reply.s, reply.len, raw) < 0) {
        rconn_fail(c, &sh->remote->uri, "completion", &e);
        err_free(e);
    }
    buf_free(&req);
    buf_free(&reply);
}

/* the escape byte as -e takes it: "^]" or the character */
static char *escape_word(int esc)
{
    if (esc < 0x20)
        return xasprintf("^%c", esc + 0x40);
    return xasprintf("%c", esc);
}

void remote_words(const struct cmd_args *a, struct strv *words)
{
    strv_push(words, a->cmd->name);
    for (size_t k = 0; k < a->cmd->nopts; k++) {
        if (!a->val[k] || a->cmd->opts[k].kind == OPT_ARGV)
            continue;
        strv_push_take(words, xasprintf("--%s", a->cmd->opts[k].name));
        if (a->cmd->opts[k].kind != OPT_BOOL)
            strv_push(words, a->val[k]);
    }
}

int remote_console(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (console_check_tty(STDIN_FILENO, STDOUT_FILENO, e) < 0)
        return -1;
    struct strv argv = {0};
    const struct ruri *u = &sh->remote->uri;
    rssh_argv(u, true, &argv);
    char *prog = rssh_domsh_path(u);
    strv_push_take(&argv, rssh_quote(prog));
    free(prog);
    AUTOFREE char *esc = escape_word(sh->escape);
    const char *opts[] = {"-c", u->local_uri, "-e", esc};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        strv_push_take(&argv, rssh_quote(opts[i]));
    if (sh->quiet)
        strv_push(&argv, "-q");
    if (sh->readonly)
        strv_push(&argv, "-r");
    struct strv words = {0};
    remote_words(a, &words);
    for (size_t i = 0; i < words.n; i++)
        strv_push_take(&argv, rssh_quote(words.v[i]));
    strv_free(&words);
    fflush(sh->out);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv.v[0], argv.v);
        _exit(255);
    }
    strv_free(&argv);
    if (pid < 0)
        return err_sys(e, ERR_INTERNAL, "cannot start ssh");
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 255)
        return err_set(e, ERR_IO, "console: ssh to %s failed", u->host);
    return CMD_FAILED_PRINTED;
}
