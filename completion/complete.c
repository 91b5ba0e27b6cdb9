/* complete.c: the completion engine (tables + the parser in partial mode)
 * and the readline glue.  The one readline global of the program lives
 * here: readline's callbacks take no user pointer, so the shell they work
 * on has to be reachable from a static. */
#include "complete.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "../shell/lex.h"
#include "../shell/remote.h"
#include "completers.h"

/* ---- the engine ------------------------------------------------------ */

static bool is_option_word(const char *w)
{
    return w[0] == '-' && w[1] == '-' && w[2] && w[2] != '=';
}

/* true when a bare "--" before the last word made every later word data */
static bool data_only(char *const *w, size_t n)
{
    for (size_t i = 1; i + 1 < n; i++)
        if (strcmp(w[i], "--") == 0)
            return true;
    return false;
}

/* "--name" of every option not given yet (OPT_ARGV may repeat) */
static void offer_options(const struct cmd_def *c, char *const *w, size_t n, struct strv *raw)
{
    struct cmd_args given;
    struct err *e = NULL;
    if (args_parse(c, w, n - 1, true, &given, &e) < 0) {
        err_free(e);
        return;
    }
    for (size_t k = 0; k < c->nopts; k++)
        if (c->opts[k].kind == OPT_ARGV || !given.val[k])
            strv_push_take(raw, xasprintf("--%s", c->opts[k].name));
    args_free(&given);
}

/* the length of "--name=" when the last word gives option k that way */
static size_t eq_prefix_len(const struct cmd_def *c, int k, char *const *w, size_t n)
{
    const char *cur = w[n - 1];
    const char *eq = strchr(cur, '=');
    if (!is_option_word(cur) || !eq || data_only(w, n))
        return 0;
    size_t len = (size_t)(eq - cur - 2);
    const struct opt_def *o = &c->opts[k];
    bool named = (strlen(o->name) == len && strncmp(cur + 2, o->name, len) == 0) ||
                 (o->alias && strlen(o->alias) == len && strncmp(cur + 2, o->alias, len) == 0);
    return named ? (size_t)(eq - cur) + 1 : 0;
}

/* true when the word before the last one is "--name" asking for option k's value */
static bool after_option_name(const struct cmd_def *c, int k, char *const *w, size_t n)
{
    if (n < 3 || !is_option_word(w[n - 2]) || strchr(w[n - 2], '='))
        return false;
    const struct opt_def *o = &c->opts[k];
    return strcmp(w[n - 2] + 2, o->name) == 0 || (o->alias && strcmp(w[n - 2] + 2, o->alias) == 0);
}

/* the value of the option under the cursor (completers read it) */
static void set_current_value(struct cmd_args *a, const char *value)
{
    const struct opt_def *o = &a->cmd->opts[a->completing];
    if (o->kind == OPT_ARGV)
        return;   /* the parser pushed it last on a->argv */
    free(a->val[a->completing]);
    a->val[a->completing] = xstrdup(value);
}

static void offer_values(struct shell *sh, struct cmd_args *a, char *const *w, size_t n,
                         struct strv *raw)
{
    const struct cmd_def *c = a->cmd;
    const struct opt_def *o = &c->opts[a->completing];
    size_t plen = eq_prefix_len(c, a->completing, w, n);
    set_current_value(a, w[n - 1] + plen);
    comp_fn fn = o->complete ? o->complete : o->choices ? comp_choices : NULL;
    if (!fn) {
        /* a free-form value: show what else could go here instead */
        if (!*w[n - 1] && !after_option_name(c, a->completing, w, n))
            offer_options(c, w, n, raw);
        return;
    }
    struct strv vals = {0};
    fn(sh, a, o->complete_flags, &vals);
    for (size_t i = 0; i < vals.n; i++)   /* --opt=VALUE keeps its "--opt=" */
        strv_push_take(raw, plen ? xasprintf("%.*s%s", (int)plen, w[n - 1], vals.v[i])
                                 : steal_ptr(&vals.v[i]));
    strv_free(&vals);
}

void complete_words(struct shell *sh, char *const *w, size_t n, struct strv *raw)
{
    if (n == 1) {
        comp_commands(sh, NULL, 0, raw);
        return;
    }
    const struct cmd_def *c = cmd_find(w[0]);
    if (!c)
        return;
    struct cmd_args a;
    struct err *e = NULL;
    if (args_parse(c, w, n, true, &a, &e) < 0) {
        err_free(e);
        return;
    }
    const char *cur = w[n - 1];
    if (a.completing >= 0 && sh->remote && remote_completes(c, a.completing))
        remote_complete(sh, w, n, raw);   /* values live on the remote host */
    else if (a.completing >= 0)
        offer_values(sh, &a, w, n, raw);
    else if (!*cur || (cur[0] == '-' && !data_only(w, n)))
        offer_options(c, w, n, raw);
    args_free(&a);
}

/* true when the cursor is in a comment: text typed there joins no word */
static bool in_comment(const char *line, const struct lex_line *l)
{
    AUTOFREE char *probe = xasprintf("%sx", line);
    struct lex_line pl;
    struct err *e = NULL;
    if (lex_split(probe, true, &pl, &e) < 0) {
        err_free(e);
        return true;
    }
    const struct strv *a = &l->cmds[l->n - 1], *b = &pl.cmds[pl.n - 1];
    bool comment = pl.n != l->n || b->n != a->n ||
                   strlen(b->v[b->n - 1]) != strlen(a->v[a->n - 1]) + 1;
    lex_line_free(&pl);
    return comment;
}

/* the unquoted candidates that extend the word at the end of line; *cur
 * gets that word's value (caller frees) */
static void complete_raw(struct shell *sh, const char *line, struct strv *out, char **cur)
{
    struct lex_line l;
    struct err *e = NULL;
    *cur = NULL;
    if (lex_split(line, true, &l, &e) < 0) {
        err_free(e);
        return;
    }
    if (l.n == 0 || in_comment(line, &l)) {
        lex_line_free(&l);
        return;
    }
    const struct strv *words = &l.cmds[l.n - 1];
    *cur = xstrdup(words->v[words->n - 1]);
    struct strv raw = {0};
    complete_words(sh, words->v, words->n, &raw);
    strv_sort(&raw);
    strv_uniq(&raw);
    size_t clen = strlen(*cur);
    for (size_t i = 0; i < raw.n; i++)
        if (strncmp(raw.v[i], *cur, clen) == 0)
            strv_push_take(out, steal_ptr(&raw.v[i]));
    strv_free(&raw);
    lex_line_free(&l);
}

size_t complete_line(struct shell *sh, const char *line, struct strv *out)
{
    struct strv raw = {0};
    AUTOFREE char *cur = NULL;
    complete_raw(sh, line, &raw, &cur);
    for (size_t i = 0; i < raw.n; i++)
        strv_push_take(out, lex_word_plain(raw.v[i]) ? steal_ptr(&raw.v[i]) : lex_quote(raw.v[i]));
    strv_free(&raw);
    return out->n;
}

/* ---- readline glue --------------------------------------------------- */

static struct {
    struct shell *sh;
    volatile sig_atomic_t interrupted;
} rl;

/* where the word under the cursor starts in line: the first offset from
 * which the tokenizer reads that single word (quotes and backslashes
 * included), or the end of line for a new empty word */
static size_t word_start(const char *line, const char *cur)
{
    size_t len = strlen(line), start = len;
    for (size_t i = len; i-- > 0;) {
        if (strchr(" \t\n;", line[i]))
            continue;
        struct lex_line l;
        struct err *e = NULL;
        if (lex_split(line + i, true, &l, &e) < 0) {
            err_free(e);
            continue;
        }
        if (l.n == 1 && l.cmds[0].n == 1 && strcmp(l.cmds[0].v[0], cur) == 0)
            start = i;
        lex_line_free(&l);
    }
    return start;
}

/* the longest common prefix of the candidates, cut at a UTF-8 boundary */
static char *common_prefix(const struct strv *c)
{
    size_t n = strlen(c->v[0]);
    for (size_t i = 1; i < c->n; i++) {
        size_t k = 0;
        while (k < n && c->v[i][k] == c->v[0][k])
            k++;
        n = k;
    }
    while (n > 0 && ((unsigned char)c->v[0][n] & 0xc0) == 0x80)
        n--;
    return xstrndup(c->v[0], n);
}

/* prefix quoted so that typing may go on: an opening quote stays open */
static char *quote_open(const char *prefix)
{
    char *q = lex_quote(prefix);
    size_t n = strlen(q);
    if (strcmp(q, prefix) != 0 && n > 1 && q[n - 1] == '\'')
        q[n - 1] = '\0';
    return q;
}

static void replace_word(size_t start, const char *text, bool space)
{
    rl_begin_undo_group();
    rl_delete_text((int)start, rl_point);
    rl_point = (int)start;
    rl_insert_text(text);
    if (space)
        rl_insert_text(" ");
    rl_end_undo_group();
}

/* TAB: complete the word, or the common part, or list the candidates */
static int tab_complete(int count, int key)
{
    AUTOFREE char *line = xstrndup(rl_line_buffer, (size_t)rl_point);
    AUTOFREE char *cur = NULL;
    struct strv c = {0};
    complete_raw(rl.sh, line, &c, &cur);
    if (c.n == 0) {
        rl_ding();
    } else if (c.n == 1) {
        AUTOFREE char *q = lex_quote(c.v[0]);
        char last = c.v[0][strlen(c.v[0]) - 1];
        replace_word(word_start(line, cur), q, last != '/' && last != '=');
    } else {
        AUTOFREE char *prefix = common_prefix(&c);
        if (strlen(prefix) > strlen(cur)) {
            AUTOFREE char *q = quote_open(prefix);
            replace_word(word_start(line, cur), q, false);
        } else {
            rl_possible_completions(count, key);
        }
    }
    strv_free(&c);
    return 0;
}

/* readline's own listing (with its paging and "Display all N
 * possibilities?") asks here: the quoted candidates for the cursor */
static char **list_candidates(const char *text, int start, int end)
{
    rl_attempted_completion_over = 1;
    AUTOFREE char *line = xstrndup(rl_line_buffer, (size_t)rl_point);
    struct strv c = {0};
    if (complete_line(rl.sh, line, &c) == 0)
        return NULL;
    char **m = xcalloc(c.n + 2, sizeof(char *));
    m[0] = xstrdup("");
    for (size_t i = 0; i < c.n; i++)
        m[i + 1] = steal_ptr(&c.v[i]);
    strv_free(&c);
    return m;
}

/* SIGINT outside readline (a command running): the shell stays */
static void on_sigint(int sig)
{
    rl.interrupted = 1;
}

/* Ctrl-C at the prompt: drop the line, show a fresh prompt.  A key, not
 * a signal, so it is handled in order with the keys typed before it; a
 * signal could land while readline is between reads and be lost. */
static int clear_line_key(int count, int key)
{
    fputs("^C", rl_outstream);
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
    return 0;
}

/* readline's terminal set-up, with the interrupt character turned into a
 * plain key (readline restores the saved settings when it returns) */
static void prep_terminal(int meta)
{
    rl_prep_terminal(meta);
    int fd = fileno(rl_instream ? rl_instream : stdin);
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return;
    t.c_cc[VINTR] = _POSIX_VDISABLE;
    tcsetattr(fd, TCSADRAIN, &t);
}

void complete_init(struct shell *sh)
{
    rl.sh = sh;
    rl_readline_name = "domsh";
    /* read the inputrc now: the first readline() would rebind TAB */
    rl_initialize();
    rl_attempted_completion_function = list_candidates;
    rl_completion_entry_function = NULL;
    rl_bind_key('\t', tab_complete);
    rl_bind_key(CTRL('C'), clear_line_key);
    rl_prep_term_function = prep_terminal;
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void complete_reset_interrupt(void)
{
    rl.interrupted = 0;
}
