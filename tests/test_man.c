/* test_man.c: man/domsh.1 documents every command and every option of the
 * command table (hidden internal commands excepted), is assembled from the current fragments, and is lint-clean
 * for groff. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shell/cmd.h"
#include "helpers.h"

/* the page with troff's "\-" read as "-" (names are written both ways) */
static char *man_page(void)
{
    char *path = fmt("%s/man/domsh.1", src_dir());
    char *text = slurp(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    free(path);
    char *w = text;
    for (const char *r = text; *r; r++) {
        if (r[0] == '\\' && r[1] == '-')
            continue;
        *w++ = *r;
    }
    *w = '\0';
    return text;
}

/* the text of ".SS NAME" up to the next section or subsection (caller frees) */
static char *man_section(const char *page, const char *name)
{
    char *head = fmt("\n.SS %s\n", name);
    const char *s = strstr(page, head);
    free(head);
    if (!s)
        return NULL;
    s++;
    const char *end = s + 1;
    while ((end = strchr(end, '\n')) && strncmp(end, "\n.SS ", 5) != 0 &&
           strncmp(end, "\n.SH ", 5) != 0)
        end++;
    return end ? strndup(s, (size_t)(end - s)) : strdup(s);
}

/* "--name", not as the prefix of a longer option name; an option a bare
 * word can fill may also be an item of its own (".TP" then ".I name") */
static bool mentions_option(const char *text, const struct opt_def *o)
{
    char *needle = fmt("--%s", o->name);
    bool found = false;
    for (const char *p = text; !found && (p = strstr(p, needle)); p++) {
        char next = p[strlen(needle)];
        found = !((next >= 'a' && next <= 'z') || (next >= '0' && next <= '9') || next == '-');
    }
    free(needle);
    if (!found && o->kind != OPT_BOOL && !(o->flags & OPT_NAMED)) {
        needle = fmt("\n.TP\n.I %s\n", o->name);
        found = strstr(text, needle) != NULL;
        free(needle);
    }
    return found;
}

Test(man, every_command_and_option)
{
    char *page = man_page();
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        if ((c->flags & CMD_HIDDEN) && strcmp(c->name, "complete") != 0)
            continue;   /* internal (supervise, fake-guest); complete is for scripts */
        char *sec = man_section(page, c->name);
        cr_expect_not_null(sec, "man/domsh.1 has no '.SS %s' (add man/cmds/%s.1in, make man)",
                           c->name, c->name);
        for (size_t k = 0; sec && k < c->nopts; k++)
            cr_expect(mentions_option(sec, &c->opts[k]),
                      "man/domsh.1: '%s' does not document --%s", c->name, c->opts[k].name);
        free(sec);
    }
    free(page);
}

Test(man, sections_and_environment)
{
    char *page = man_page();
    const char *must[] = {
        "\n.SH NAME\n", "\n.SH SYNOPSIS\n", "\n.SH DESCRIPTION\n", "\n.SH OPTIONS\n",
        "\n.SH COMMANDS\n", "\n.SH ENVIRONMENT\n", "\n.SH FILES\n", "\n.SH EXIT STATUS\n",
        "\n.SH EXAMPLES\n", "DOMSH_DEFAULT_URI", "DOMSH_ROOT", "DOMSH_HISTSIZE", "NO_COLOR",
        "VISUAL", "EDITOR", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR",
    };
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        cr_expect_not_null(strstr(page, must[i]), "man/domsh.1 lacks '%s'", must[i]);
    free(page);
}

/* what a shell command prints on stdout and stderr together */
static char *sh_output(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *out = calloc(1, 65536);
    size_t n = fread(out, 1, 65535, p);
    out[n] = '\0';
    *status = pclose(p);
    return out;
}

Test(man, assembled_from_current_fragments)
{
    int status;
    char *cmd = fmt("sh '%s/man/build.sh' --check 2>&1", src_dir());
    char *out = sh_output(cmd, &status);
    cr_expect_eq(status, 0, "%s", out);
    free(out);
    free(cmd);
}

Test(man, groff_lint_clean)
{
    int status;
    char *cmd = fmt("groff -man -ww -z '%s/man/domsh.1' 2>&1", src_dir());
    char *out = sh_output(cmd, &status);
    cr_expect_eq(status, 0, "groff failed: %s", out);
    cr_expect_str_empty(out, "groff warnings:\n%s", out);
    free(out);
    free(cmd);
}
