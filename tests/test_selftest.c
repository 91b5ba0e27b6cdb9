/* test_selftest.c: the command table checks itself (virsh's self-test):
 * help text everywhere, option names unique, positional order the parser
 * can fill, the rest argument last, no completer on a flag, aliases that
 * resolve and do not collide, the table sorted, target options valid, a
 * man fragment per command.  Every failure names the command. */
#include <criterion/criterion.h>

#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "../completion/completers.h"
#include "../shell/cmd.h"
#include "helpers.h"

/* one line, no final period ("..." is fine), lowercase start (an acronym
 * like XML is fine) */
static bool text_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    bool ellipsis = n >= 3 && strcmp(s + n - 3, "...") == 0;
    if (n == 0 || (s[n - 1] == '.' && !ellipsis) || strchr(s, '\n'))
        return false;
    return !isupper((unsigned char)s[0]) || n == 1 || isupper((unsigned char)s[1]);
}

static bool name_ok(const char *s)
{
    if (!s || !islower((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
            return false;
    return true;
}

Test(selftest, table_sorted_and_unique)
{
    cr_assert_gt(cmd_table_len, 0);
    cr_expect_null(cmd_table[cmd_table_len], "table not NULL-terminated");
    for (size_t i = 0; i + 1 < cmd_table_len; i++)
        cr_expect_lt(strcmp(cmd_table[i]->name, cmd_table[i + 1]->name), 0,
                     "table not sorted or duplicate: '%s' before '%s'", cmd_table[i]->name,
                     cmd_table[i + 1]->name);
}

Test(selftest, commands_described)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        cr_expect(name_ok(c->name), "bad command name '%s'", c->name);
        cr_expect(text_ok(c->summary), "'%s': summary missing, capitalised or ends in '.'",
                  c->name);
        cr_expect(c->group && *c->group, "'%s': no group", c->name);
        cr_expect_not_null(c->run, "'%s': no handler", c->name);
        cr_expect((c->opts != NULL) == (c->nopts > 0), "'%s': opts/nopts disagree", c->name);
    }
}

Test(selftest, aliases_resolve_and_do_not_collide)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        cr_expect_eq(cmd_find(c->name), c, "'%s' does not resolve to itself", c->name);
        for (size_t k = 0; c->aliases && c->aliases[k]; k++) {
            const char *a = c->aliases[k];
            cr_expect(name_ok(a), "'%s': bad alias '%s'", c->name, a);
            cr_expect_eq(cmd_find(a), c, "alias '%s' of '%s' resolves elsewhere", a, c->name);
            for (size_t j = 0; j < cmd_table_len; j++) {
                const struct cmd_def *d = cmd_table[j];
                cr_expect_neq(strcmp(d->name, a), 0, "alias '%s' of '%s' is a command",
                              a, c->name);
                for (size_t m = 0; d != c && d->aliases && d->aliases[m]; m++)
                    cr_expect_neq(strcmp(d->aliases[m], a), 0,
                                  "alias '%s' of both '%s' and '%s'", a, c->name, d->name);
            }
        }
    }
}

static void check_option(const struct cmd_def *c, size_t k)
{
    const struct opt_def *o = &c->opts[k];
    cr_assert(name_ok(o->name), "'%s': option %zu has a bad name '%s'", c->name, k,
              o->name ? o->name : "(null: a gap in the option enum?)");
    cr_expect(text_ok(o->help), "'%s --%s': help missing or ends in '.'", c->name, o->name);
    if (o->alias)
        cr_expect(name_ok(o->alias), "'%s --%s': bad alias", c->name, o->name);
    if (o->kind == OPT_BOOL) {
        cr_expect_null(o->complete, "'%s --%s': completer on a boolean", c->name, o->name);
        cr_expect_null(o->choices, "'%s --%s': choices on a boolean", c->name, o->name);
        cr_expect(!(o->flags & OPT_REQUIRED), "'%s --%s': required boolean", c->name, o->name);
    } else {
        cr_expect(o->argname && *o->argname, "'%s --%s': no argname", c->name, o->name);
    }
    if (o->kind == OPT_ARGV)
        cr_expect_eq(k, c->nopts - 1, "'%s --%s': the rest argument is not last", c->name,
                     o->name);
    if (o->complete == comp_domains)
        cr_expect_eq(o->complete_flags & ~(ST_ANY | ST_PERSISTENT), 0,
                     "'%s --%s': domain completer flags are not states", c->name, o->name);
    if (o->complete == comp_schema)
        cr_expect_lt(o->complete_flags, CS_LAST, "'%s --%s': bad schema key", c->name,
                     o->name);
    if (o->complete == comp_choices)
        cr_expect_not_null(o->choices, "'%s --%s': comp_choices without choices", c->name,
                           o->name);
}

/* every name and alias of a command's options differ */
static void check_option_names_unique(const struct cmd_def *c)
{
    for (size_t k = 0; k < c->nopts; k++)
        for (size_t j = 0; j < c->nopts; j++) {
            const struct opt_def *a = &c->opts[k], *b = &c->opts[j];
            if (j != k)
                cr_expect_neq(strcmp(a->name, b->name), 0, "'%s': option --%s twice",
                              c->name, a->name);
            if (a->alias)
                cr_expect_neq(strcmp(a->alias, b->name), 0,
                              "'%s': alias --%s is also an option name", c->name, a->alias);
            if (a->alias && b->alias && j != k)
                cr_expect_neq(strcmp(a->alias, b->alias), 0, "'%s': alias --%s twice",
                              c->name, a->alias);
        }
}

/* bare words fill positional options in table order: a required one after
 * an optional one could only be reached through the optional one */
static void check_positional_order(const struct cmd_def *c)
{
    const char *optional = NULL;
    for (size_t k = 0; k < c->nopts; k++) {
        const struct opt_def *o = &c->opts[k];
        if (o->kind == OPT_BOOL || (o->flags & OPT_NAMED))
            continue;
        if (o->flags & OPT_REQUIRED)
            cr_expect_null(optional, "'%s': required <%s> after optional <%s>", c->name,
                           o->name, optional);
        else if (!optional)
            optional = o->name;
    }
}

Test(selftest, options)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        for (size_t k = 0; k < c->nopts; k++)
            check_option(c, k);
        check_option_names_unique(c);
        check_positional_order(c);
    }
}

/* the option naming the domain: valid, takes a value, completes domains in
 * the states the command accepts */
Test(selftest, target_options)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        cr_expect_eq(c->target_states & ~ST_ANY, 0, "'%s': target_states not states", c->name);
        if (c->target_opt < 0) {
            cr_expect_eq(c->target_opt, -1, "'%s': bad target_opt", c->name);
            continue;
        }
        cr_assert_lt((size_t)c->target_opt, c->nopts, "'%s': target_opt out of range", c->name);
        const struct opt_def *o = &c->opts[c->target_opt];
        cr_expect(o->kind == OPT_STRING, "'%s': target --%s does not take a string", c->name,
                  o->name);
        cr_expect_eq(o->complete, comp_domains, "'%s': target --%s does not complete domains",
                     c->name, o->name);
        unsigned offered = o->complete_flags & ST_ANY, accepted = c->target_states & ST_ANY;
        if (accepted && accepted != ST_ANY)
            cr_expect(offered && (offered & ~accepted) == 0,
                      "'%s': completes domains in states 0x%x, accepts 0x%x", c->name, offered,
                      accepted);
    }
}

Test(selftest, man_fragment_per_command)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        if ((cmd_table[i]->flags & CMD_HIDDEN) && strcmp(cmd_table[i]->name, "complete") != 0)
            continue;
        char *path = fmt("%s/man/cmds/%s.1in", src_dir(), cmd_table[i]->name);
        cr_expect_eq(access(path, R_OK), 0, "'%s': no man fragment %s", cmd_table[i]->name,
                     path);
        free(path);
    }
}
