/* args.c: the option parser over a command's opt_def table (cmd.h).
 * virsh's rules: --opt V, --opt=V, bare words fill the non-boolean,
 * non-OPT_NAMED options in table order, OPT_ARGV takes the rest, "--"
 * makes every later word data.  Names match exactly (or the declared alias). */
#include "cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/base/buf.h"

struct parser {
    const struct cmd_def *cmd;
    char *const *words;
    size_t n, i;
    bool partial, data_only;
    struct cmd_args *a;
};

static int find_opt(const struct cmd_def *cmd, const char *name, size_t len)
{
    for (size_t k = 0; k < cmd->nopts; k++) {
        const struct opt_def *o = &cmd->opts[k];
        if ((strlen(o->name) == len && strncmp(o->name, name, len) == 0) ||
            (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0))
            return (int)k;
    }
    return -1;
}

static bool positional(const struct opt_def *o)
{
    return o->kind != OPT_BOOL && !(o->flags & OPT_NAMED);
}

/* the option the next bare word fills, or -1 */
static int next_positional(const struct parser *p)
{
    for (size_t k = 0; k < p->cmd->nopts; k++) {
        const struct opt_def *o = &p->cmd->opts[k];
        if (positional(o) && (o->kind == OPT_ARGV || !p->a->val[k]))
            return (int)k;
    }
    return -1;
}

static int check_value(const struct parser *p, int k, const char *v, struct err **e)
{
    const struct opt_def *o = &p->cmd->opts[k];
    if (!*v && !(o->flags & OPT_EMPTY_OK) && !p->partial)
        return err_set(e, ERR_ARGS, "option --%s must not be empty", o->name);
    if (!o->choices || p->partial)
        return 0;
    struct buf allowed = {0};
    for (size_t c = 0; o->choices[c]; c++) {
        if (strcmp(o->choices[c], v) == 0) {
            buf_free(&allowed);
            return 0;
        }
        buf_printf(&allowed, "%s%s", c ? ", " : "", o->choices[c]);
    }
    err_set(e, ERR_ARGS, "invalid value '%s' for option --%s (expected one of: %s)", v,
            o->name, buf_str(&allowed));
    buf_free(&allowed);
    return -1;
}

static int store_value(struct parser *p, int k, const char *v, struct err **e)
{
    const struct opt_def *o = &p->cmd->opts[k];
    if (check_value(p, k, v, e) < 0)
        return -1;
    if (o->kind == OPT_ARGV) {
        strv_push(&p->a->argv, v);
        if (!p->a->val[k])
            p->a->val[k] = xstrdup(v);
        return 0;
    }
    if (p->a->val[k]) {
        if (p->partial)
            return 0;
        return err_set(e, ERR_ARGS, "option --%s already seen", o->name);
    }
    p->a->val[k] = xstrdup(v);
    p->a->src[k] = p->i;
    return 0;
}

/* "--name", "--name=value" or "--name value" at words[i] */
static int parse_option(struct parser *p, const char *w, struct err **e)
{
    const char *name = w + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int k = find_opt(p->cmd, name, len);
    bool last = p->i + 1 == p->n;
    if (k < 0) {
        if (p->partial)
            return 0;
        return err_set(e, ERR_ARGS, "command '%s' doesn't support option --%.*s",
                       p->cmd->name, (int)len, name);
    }
    const struct opt_def *o = &p->cmd->opts[k];
    if (o->kind == OPT_BOOL) {
        if (eq && !p->partial)
            return err_set(e, ERR_ARGS, "invalid '=' after option --%s", o->name);
        if (p->a->val[k])   /* partial (completion) tolerates the repeat */
            return p->partial ? 0 : err_set(e, ERR_ARGS, "option --%s already seen", o->name);
        p->a->val[k] = xstrdup("1");
        return 0;
    }
    if (eq) {
        if (p->partial && last)
            p->a->completing = k;
        return store_value(p, k, eq + 1, e);
    }
    if (last) {
        if (p->partial)
            return 0;   /* "--opt" still being typed */
        return err_set(e, ERR_ARGS, "expected syntax: --%s <%s>", o->name,
                       o->kind == OPT_INT ? "number" : "string");
    }
    p->i++;
    if (p->partial && p->i + 1 == p->n)
        p->a->completing = k;
    return store_value(p, k, p->words[p->i], e);
}

static bool is_option_word(const char *w)
{
    return w[0] == '-' && w[1] == '-' && isalnum((unsigned char)w[2]);
}

static int parse_word(struct parser *p, struct err **e)
{
    const char *w = p->words[p->i];
    if (!p->data_only && strcmp(w, "--") == 0) {
        p->data_only = true;
        return 0;
    }
    if (!p->data_only && is_option_word(w))
        return parse_option(p, w, e);
    /* "-b": a declared one-letter alias (top -b -n 2 -d 1) */
    if (!p->data_only && w[0] == '-' && isalpha((unsigned char)w[1]) && !w[2] &&
        find_opt(p->cmd, w + 1, 1) >= 0) {
        char longw[4] = {'-', '-', w[1], '\0'};
        return parse_option(p, longw, e);
    }
    int k = next_positional(p);
    if (p->partial && p->i + 1 == p->n)
        p->a->completing = k;
    if (k < 0)
        return p->partial ? 0 : err_set(e, ERR_ARGS, "unexpected data '%s'", w);
    return store_value(p, k, w, e);
}

static int check_required(const struct parser *p, struct err **e)
{
    for (size_t k = 0; k < p->cmd->nopts; k++) {
        const struct opt_def *o = &p->cmd->opts[k];
        if (!(o->flags & OPT_REQUIRED) || p->a->val[k])
            continue;
        if (positional(o))
            return err_set(e, ERR_ARGS, "command '%s' requires <%s> option", p->cmd->name,
                           o->name);
        return err_set(e, ERR_ARGS, "command '%s' requires --%s option", p->cmd->name,
                       o->name);
    }
    return 0;
}

int args_parse(const struct cmd_def *cmd, char *const *words, size_t n, bool partial,
               struct cmd_args *a, struct err **e)
{
    memset(a, 0, sizeof(*a));
    a->cmd = cmd;
    a->val = xcalloc(cmd->nopts ? cmd->nopts : 1, sizeof(char *));
    a->src = xcalloc(cmd->nopts ? cmd->nopts : 1, sizeof(size_t));
    a->completing = -1;
    struct parser p = {.cmd = cmd, .words = words, .n = n, .partial = partial, .a = a};
    for (p.i = 1; p.i < n; p.i++)
        if (parse_word(&p, e) < 0)
            goto fail;
    if (!partial && check_required(&p, e) < 0)
        goto fail;
    return 0;
fail:
    args_free(a);
    return -1;
}

void args_free(struct cmd_args *a)
{
    if (a->val && a->cmd)
        for (size_t k = 0; k < a->cmd->nopts; k++)
            free(a->val[k]);
    free(a->val);
    free(a->src);
    a->src = NULL;
    strv_free(&a->argv);
    free(a->dom_name);
    a->val = NULL;
    a->dom_name = NULL;
}

/* ---- getters -------------------------------------------------------- */

bool args_has(const struct cmd_args *a, int opt)
{
    return opt >= 0 && (size_t)opt < a->cmd->nopts && a->val[opt] != NULL;
}

bool args_bool(const struct cmd_args *a, int opt)
{
    return args_has(a, opt);
}

const char *args_str(const struct cmd_args *a, int opt)
{
    return args_has(a, opt) ? a->val[opt] : NULL;
}

static int bad_number(const struct cmd_args *a, int opt, struct err **e)
{
    return err_set(e, ERR_ARGS, "numeric value '%s' for <%s> option is malformed or out of range",
                   a->val[opt], a->cmd->opts[opt].name);
}

/* decimal digits at the start of v (no sign, no blanks); *end after them */
static bool leading_ull(const char *v, unsigned long long *x, char **end)
{
    errno = 0;
    *x = strtoull(v, end, 10);
    return isdigit((unsigned char)*v) && errno == 0;
}

int args_uint(const struct cmd_args *a, int opt, unsigned long long *out, struct err **e)
{
    const char *v = args_str(a, opt);
    if (!v)
        return 0;
    char *end = NULL;
    unsigned long long x;
    if (!leading_ull(v, &x, &end) || *end)
        return bad_number(a, opt, e);
    *out = x;
    return 1;
}

int args_int(const struct cmd_args *a, int opt, long long *out, struct err **e)
{
    const char *v = args_str(a, opt);
    if (!v)
        return 0;
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || isspace((unsigned char)*v) || *end || errno)
        return bad_number(a, opt, e);
    *out = x;
    return 1;
}

/* bytes per unit, or 0 for an unknown suffix */
static unsigned long long unit_bytes(const char *u)
{
    static const struct { const char *name; unsigned long long bytes; } units[] = {
        {"", 1024ULL}, {"b", 1}, {"byte", 1}, {"bytes", 1},
        {"k", 1ULL << 10}, {"kib", 1ULL << 10}, {"kb", 1000ULL},
        {"m", 1ULL << 20}, {"mib", 1ULL << 20}, {"mb", 1000000ULL},
        {"g", 1ULL << 30}, {"gib", 1ULL << 30}, {"gb", 1000000000ULL},
        {"t", 1ULL << 40}, {"tib", 1ULL << 40}, {"tb", 1000000000000ULL},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcasecmp(u, units[i].name) == 0)
            return units[i].bytes;
    return 0;
}

int args_size_kib(const struct cmd_args *a, int opt, unsigned long long *out, struct err **e)
{
    const char *v = args_str(a, opt);
    if (!v)
        return 0;
    char *end = NULL;
    unsigned long long x;
    bool ok = leading_ull(v, &x, &end);
    unsigned long long unit = unit_bytes(end);
    if (!ok || !unit || (x && unit > (~0ULL - 1023) / x))
        return bad_number(a, opt, e);
    *out = unit == 1024 ? x : (x * unit + 1023) / 1024;   /* round bytes up */
    return 1;
}
