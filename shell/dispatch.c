/* dispatch.c: run one command: lookup, option parsing, preconditions
 * (read-only, interactive-only, store), target domain resolution and its
 * state check, then the handler; the error is printed here, once. */
#include "shell.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/domains/domains.h"
#include "../core/runtime/runtime.h"
#include "../core/store/store.h"
#include "lex.h"
#include "remote.h"

int shell_connect(struct shell *sh, struct err **e)
{
    if (sh->store)
        return 0;
    sh->store = rt_store_open(sh->uri, NULL, e);
    return sh->store ? 0 : -1;
}

void shell_info(struct shell *sh, const char *fmt, ...)
{
    if (sh->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(sh->out, fmt, ap);
    va_end(ap);
    fputc('\n', sh->out);
}

/* a message quotes user input (names, paths): a control character in it
 * is shown as \xNN, never sent raw to the terminal (escape sequences, a
 * fake second line).  A newline stays only where the message itself
 * starts another "error: " line, or in a backend error (QEMU's stderr) */
static void put_message(FILE *f, const struct err *e)
{
    for (const unsigned char *p = (const unsigned char *)e->msg; *p; p++) {
        bool keep_nl = *p == '\n' && (e->code == ERR_BACKEND ||
                                      strncmp((const char *)p + 1, "error: ", 7) == 0);
        if ((*p < 0x20 && *p != '\t' && !keep_nl) || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

static void print_error(struct shell *sh, const struct err *e, const char *cmd)
{
    fflush(sh->out);   /* keep stdout and stderr in order when both are a pipe */
    /* the line is composed, then written at once: stderr is unbuffered,
     * and a long message (a 1 MB name) cost a write() per character */
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    FILE *f = m ? m : sh->err;
    if (e && e->msg) {
        fputs("error: ", f);
        put_message(f, e);
        fputc('\n', f);
    } else
        fprintf(f, "error: command '%s' failed\n", cmd);
    if (m && fclose(m) == 0)
        fwrite(line, 1, len, sh->err);
    free(line);
    fflush(sh->err);
}

static int check_state(struct shell *sh, const struct cmd_def *cmd, const char *name,
                       struct err **e)
{
    unsigned want = cmd->target_states & ST_ANY;
    struct dom_status st;
    if (!want || want == ST_ANY)
        return 0;
    /* the command acts on the domain: a stale status is repaired first */
    if (rt_status_repair(sh->store, name, &st, e) < 0)
        return -1;
    if (domains_state_class(st.state) & want)
        return 0;
    if (want == ST_SHUTOFF)
        return err_set(e, ERR_STATE, "domain '%s' is already running", name);
    if (st.state == DOM_SHUTOFF)
        return err_set(e, ERR_STATE, "domain '%s' is not running", name);
    return err_set(e, ERR_STATE, "domain '%s' is %s", name, dom_state_name(st.state));
}

static int preconditions(struct shell *sh, const struct cmd_def *cmd, struct err **e)
{
    if ((cmd->flags & CMD_INTERACTIVE_ONLY) && !sh->interactive)
        return err_set(e, ERR_ARGS, "%s: command valid only in interactive mode", cmd->name);
    if ((cmd->flags & CMD_READ_WRITE) && sh->readonly)
        return err_set(e, ERR_READONLY,
                       "operation forbidden: read only access prevents '%s'", cmd->name);
    if (!(cmd->flags & CMD_NOSTORE) && !sh->remote && shell_connect(sh, e) < 0)
        return -1;
    return 0;
}

/* resolve the target domain once: name, uuid or running id */
static int resolve_target(struct shell *sh, struct cmd_args *a, struct err **e)
{
    const struct cmd_def *cmd = a->cmd;
    if (cmd->target_opt < 0 || !args_has(a, cmd->target_opt) || sh->remote)
        return 0;
    a->dom_name = domains_lookup(sh->store, args_str(a, cmd->target_opt), e);
    if (!a->dom_name)
        return -1;
    return check_state(sh, cmd, a->dom_name, e);
}

/* "--help" before any "--" asks for the command's help page */
static bool wants_help(const struct cmd_def *cmd, char *const *words, size_t n)
{
    for (size_t i = 1; i < n && strcmp(words[i], "--") != 0; i++)
        if (strcmp(words[i], "--help") == 0)
            return true;
    return false;
}

static int run_cmd(struct shell *sh, const struct cmd_def *cmd, char *const *words, size_t n,
                   struct err **e)
{
    struct cmd_args a;
    if (wants_help(cmd, words, n) && cmd_find("help")) {
        char *help_words[] = {(char *)"help", (char *)cmd->name};
        return run_cmd(sh, cmd_find("help"), help_words, 2, e);
    }
    if (args_parse(cmd, words, n, false, &a, e) < 0)
        return -1;
    int rc = -1;
    if (preconditions(sh, cmd, e) == 0 && resolve_target(sh, &a, e) == 0) {
        sh->json = false;
        if (sh->remote && !(cmd->flags & CMD_LOCAL))
            rc = remote_run(sh, &a, words, n, e);
        else
            rc = cmd->run(sh, &a, e);
        rc = rc == CMD_FAILED_PRINTED ? rc : rc < 0 ? -1 : 0;
    }
    args_free(&a);
    return rc;
}

int dispatch_one(struct shell *sh, char *const *words, size_t n)
{
    struct err *e = NULL;
    const struct cmd_def *cmd = cmd_find(words[0]);
    int rc;
    if (!cmd)
        rc = err_set(&e, ERR_ARGS, "unknown command: '%s'", words[0]);
    else
        rc = run_cmd(sh, cmd, words, n, &e);
    if (rc < 0 && rc != CMD_FAILED_PRINTED)
        print_error(sh, e, words[0]);
    err_free(e);
    sh->last_rc = rc < 0 ? 1 : 0;
    return sh->last_rc;
}

int dispatch_words(struct shell *sh, char *const *words, size_t n)
{
    if (n == 0)
        return 0;
    int rc = dispatch_one(sh, words, n);
    /* virsh ends every command with a blank line unless -q */
    if (!sh->quiet && !sh->quit)
        fputc('\n', sh->out);
    return rc;
}

int dispatch_line(struct shell *sh, const char *line)
{
    struct lex_line l;
    struct err *e = NULL;
    if (lex_split(line, false, &l, &e) < 0) {
        print_error(sh, e, "");
        err_free(e);
        sh->last_rc = 1;
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < l.n && !sh->quit; i++)
        failed |= dispatch_words(sh, l.cmds[i].v, l.cmds[i].n);
    lex_line_free(&l);
    sh->last_rc = failed;
    return failed;
}
