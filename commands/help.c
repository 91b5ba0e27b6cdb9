/* help: the grouped command list, a group's commands, or one command's
 * page (NAME, SYNOPSIS, DESCRIPTION, OPTIONS) generated from its table. */
#include "../shell/shell.h"

#include <string.h>

#include "../completion/completers.h"
#include "../core/base/buf.h"

enum { HELP_OPT_COMMAND };

static const struct opt_def help_opts[] = {
    [HELP_OPT_COMMAND] = { "command", OPT_STRING, 0, "command|group",
                           "a command name or a group keyword",
                           .complete = comp_commands, .complete_flags = COMP_CMD_GROUPS },
};

/* groups in the order the list shows them; unknown groups follow */
static const struct { const char *key, *title; } group_titles[] = {
    { "domain", "Domain Management" },
    { "monitor", "Domain Monitoring" },
    { "device", "Device Management" },
    { "console", "Console" },
    { "host", "Host and Hypervisor" },
    { "shell", "Shell" },
};

static const char *group_title(const char *key)
{
    for (size_t i = 0; i < NOPTS(group_titles); i++)
        if (strcmp(group_titles[i].key, key) == 0)
            return group_titles[i].title;
    return key;
}

static bool group_known(const char *key)
{
    return group_title(key) != key;
}

static bool group_exists(const char *key)
{
    for (size_t i = 0; i < cmd_table_len; i++)
        if (!(cmd_table[i]->flags & CMD_HIDDEN) && strcmp(cmd_table[i]->group, key) == 0)
            return true;
    return false;
}

static void print_group(FILE *out, const char *key)
{
    fprintf(out, " %s (help keyword '%s'):\n", group_title(key), key);
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        if (!(c->flags & CMD_HIDDEN) && strcmp(c->group, key) == 0)
            fprintf(out, "    %-30s %s\n", c->name, c->summary);
    }
    fputc('\n', out);
}

static void print_all_groups(FILE *out)
{
    fputs("Grouped commands:\n\n", out);
    for (size_t g = 0; g < NOPTS(group_titles); g++)
        if (group_exists(group_titles[g].key))
            print_group(out, group_titles[g].key);
    /* groups without a title, each once, in table order */
    struct strv seen = {0};
    for (size_t i = 0; i < cmd_table_len; i++) {
        const char *key = cmd_table[i]->group;
        bool dup = false;
        for (size_t k = 0; k < seen.n && !dup; k++)
            dup = strcmp(seen.v[k], key) == 0;
        if (dup || group_known(key) || !group_exists(key))
            continue;
        strv_push(&seen, key);
        print_group(out, key);
    }
    strv_free(&seen);
}

static bool opt_positional(const struct opt_def *o)
{
    return o->kind != OPT_BOOL && !(o->flags & OPT_NAMED);
}

static void add_synopsis_opt(struct buf *b, const struct opt_def *o)
{
    bool req = o->flags & OPT_REQUIRED;
    const char *arg = o->argname ? o->argname : "string";
    if (o->kind == OPT_BOOL)
        buf_printf(b, " [--%s]", o->name);
    else if (o->kind == OPT_ARGV)
        buf_printf(b, req ? " <%s>..." : " [<%s>]...", arg);
    else if (req && opt_positional(o))
        buf_printf(b, " <%s>", arg);
    else
        buf_printf(b, req ? " --%s <%s>" : " [--%s <%s>]", o->name, arg);
}

/* the left column of OPTIONS: "[--domain] <domain>", "--config" */
static char *option_label(const struct opt_def *o)
{
    const char *arg = o->argname ? o->argname : "string";
    if (o->kind == OPT_BOOL)
        return xasprintf("--%s", o->name);
    return xasprintf(opt_positional(o) ? "[--%s] <%s>%s" : "--%s <%s>%s", o->name, arg,
                     o->kind == OPT_ARGV ? "..." : "");
}

static void print_options(FILE *out, const struct cmd_def *c)
{
    int width = 0;
    for (size_t i = 0; i < c->nopts; i++) {
        AUTOFREE char *l = option_label(&c->opts[i]);
        if ((int)strlen(l) > width)
            width = (int)strlen(l);
    }
    for (size_t i = 0; i < c->nopts; i++) {
        const struct opt_def *o = &c->opts[i];
        AUTOFREE char *l = option_label(o);
        fprintf(out, "    %-*s  %s", width, l, o->help ? o->help : "");
        for (size_t k = 0; o->choices && o->choices[k]; k++)
            fprintf(out, "%s%s", k ? ", " : " (one of: ", o->choices[k]);
        if (o->choices && o->choices[0])
            fputc(')', out);
        if (o->alias)
            fprintf(out, " (also --%s)", o->alias);
        fputc('\n', out);
    }
    fputc('\n', out);
}

/* text as a paragraph indented by 4, lines up to 78 columns */
static void print_wrapped(FILE *out, const char *text)
{
    int col = 0;
    while (*text) {
        size_t len = strcspn(text, " ");
        if (col > 4 && col + 1 + (int)len > 78) {
            fputc('\n', out);
            col = 0;
        }
        if (col == 0)
            col = fprintf(out, "    ");
        else
            col += fprintf(out, " ");
        col += fprintf(out, "%.*s", (int)len, text);
        text += len;
        text += strspn(text, " ");
    }
    fputs("\n\n", out);
}

static void print_command(FILE *out, const struct cmd_def *c)
{
    struct buf syn = {0};
    buf_add(&syn, c->name);
    for (size_t i = 0; i < c->nopts; i++)
        add_synopsis_opt(&syn, &c->opts[i]);
    fprintf(out, "  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s\n\n", c->name, c->summary,
            buf_str(&syn));
    buf_free(&syn);
    if (c->aliases && c->aliases[0]) {
        fputs("  ALIASES\n   ", out);
        for (size_t k = 0; c->aliases[k]; k++)
            fprintf(out, " %s", c->aliases[k]);
        fputs("\n\n", out);
    }
    if (c->desc) {
        fputs("  DESCRIPTION\n", out);
        print_wrapped(out, c->desc);
    }
    if (c->nopts) {
        fputs("  OPTIONS\n", out);
        print_options(out, c);
    }
}

static int run_help(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *what = args_str(a, HELP_OPT_COMMAND);
    if (!what) {
        print_all_groups(sh->out);
        return 0;
    }
    const struct cmd_def *c = cmd_find(what);
    if (c) {
        print_command(sh->out, c);
        return 0;
    }
    if (group_exists(what)) {
        print_group(sh->out, what);
        return 0;
    }
    return err_set(e, ERR_NOT_FOUND, "command or command group '%s' doesn't exist", what);
}

const struct cmd_def cmd_help = {
    .name = "help",
    .group = "shell",
    .summary = "print help",
    .desc = "Without an argument, list the commands by group.  With a group "
            "keyword (domain, device, host, shell, ...), list that group; with "
            "a command name, show its synopsis, description and options.",
    .opts = help_opts,
    .nopts = NOPTS(help_opts),
    .flags = CMD_NOSTORE | CMD_LOCAL,
    .target_opt = -1,
    .run = run_help,
};
