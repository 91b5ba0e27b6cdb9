/* test_lex.c: the tokenizer's quoting table and the lex_quote round trip. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "../core/base/buf.h"
#include "../shell/lex.h"

/* a line and its commands rendered as "w1|w2;w1" */
struct lex_case {
    const char *in;
    const char *want;   /* NULL: error expected */
    const char *err;
};

static char *render(const struct lex_line *l)
{
    struct buf b = {0};
    for (size_t c = 0; c < l->n; c++) {
        if (c)
            buf_addc(&b, ';');
        for (size_t w = 0; w < l->cmds[c].n; w++) {
            if (w)
                buf_addc(&b, '|');
            buf_add(&b, l->cmds[c].v[w]);
        }
    }
    return buf_steal(&b);
}

static const struct lex_case cases[] = {
    {"list --all", "list|--all", NULL},
    {"  list\t --all  ", "list|--all", NULL},
    {"a; b", "a;b", NULL},
    {"a\nb", "a;b", NULL},
    {"a;;; b;", "a;b", NULL},
    {"", "", NULL},
    {"   ", "", NULL},
    {"# only a comment", "", NULL},
    {"a # comment; b", "a", NULL},
    {"a # comment\nb", "a;b", NULL},
    {"a#b", "a#b", NULL},
    {"echo 'i\\j'", "echo|i\\j", NULL},
    {"echo 'a b'", "echo|a b", NULL},
    {"echo 'a;b#c'", "echo|a;b#c", NULL},
    {"echo \"a \\\" b\"", "echo|a \" b", NULL},
    {"echo \"a\\\\b\"", "echo|a\\b", NULL},
    {"echo \"$HOME\" * ~", "echo|$HOME|*|~", NULL},
    {"echo a\\ b", "echo|a b", NULL},
    {"echo a\\;b", "echo|a;b", NULL},
    {"c'd'\"e\"f", "cdef", NULL},
    {"echo ''", "echo|", NULL},
    {"echo \"\"x", "echo|x", NULL},
    {"echo a\\\nb", "echo|ab", NULL},
    {"echo a \\\n b", "echo|a|b", NULL},
    {"echo 'multi\nline'", "echo|multi\nline", NULL},
    {"echo 'open", NULL, "missing '"},
    {"echo \"open", NULL, "missing \""},
    {"echo \"open\\\"", NULL, "missing \""},
    {"echo a\\", NULL, "dangling \\"},
    {"ok; echo 'bad", NULL, "missing '"},
};

Test(lex, table)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lex_line l;
        struct err *e = NULL;
        int rc = lex_split(cases[i].in, false, &l, &e);
        if (!cases[i].want) {
            cr_assert_eq(rc, -1, "case %zu '%s' should fail", i, cases[i].in);
            cr_assert_str_eq(e->msg, cases[i].err, "case %zu", i);
            cr_assert_eq(l.n, 0);
            err_free(e);
            continue;
        }
        cr_assert_eq(rc, 0, "case %zu '%s': %s", i, cases[i].in, e ? e->msg : "");
        char *got = render(&l);
        cr_assert_str_eq(got, cases[i].want, "case %zu '%s'", i, cases[i].in);
        free(got);
        lex_line_free(&l);
    }
}

static const char *const words[] = {
    "plain", "", "a b", "it's", "'", "''", "\"", "\\", "a\\b", "semi;colon",
    "#hash", "mid#hash", "tab\there", "new\nline", "$HOME", "--opt=v v",
    "uuid-4d2f-90", "/path/to/file.xml", "quote\"and'both", " lead", "trail ",
    "ünïcödé", "a;b # c",
};

Test(lex, quote_round_trip)
{
    struct buf line = {0};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        char *q = lex_quote(words[i]);
        struct lex_line l;
        cr_assert_eq(lex_split(q, false, &l, NULL), 0, "quoted '%s'", q);
        cr_assert_eq(l.n, 1, "word %zu quoted as %s", i, q);
        cr_assert_eq(l.cmds[0].n, 1, "word %zu quoted as %s", i, q);
        cr_assert_str_eq(l.cmds[0].v[0], words[i]);
        lex_line_free(&l);
        buf_add(&line, i ? " " : "");
        buf_add(&line, q);
        free(q);
    }
    /* the whole list as one command line gives the words back in order */
    struct lex_line l;
    cr_assert_eq(lex_split(buf_str(&line), false, &l, NULL), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.cmds[0].n, sizeof(words) / sizeof(words[0]));
    for (size_t i = 0; i < l.cmds[0].n; i++)
        cr_assert_str_eq(l.cmds[0].v[i], words[i]);
    lex_line_free(&l);
    buf_free(&line);
}

Test(lex, plain_words_unquoted)
{
    char *q = lex_quote("test-vm_1.2");
    cr_assert_str_eq(q, "test-vm_1.2");
    free(q);
    q = lex_quote("a b");
    cr_assert_str_eq(q, "'a b'");
    free(q);
}

Test(lex, partial_mode)
{
    struct lex_line l;
    cr_assert_eq(lex_split("dominfo ", true, &l, NULL), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.cmds[0].n, 2);
    cr_assert_str_eq(l.cmds[0].v[1], "");
    lex_line_free(&l);

    cr_assert_eq(lex_split("list; dumpxml 'my dom", true, &l, NULL), 0);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.open_quote, '\'');
    cr_assert_str_eq(l.cmds[1].v[1], "my dom");
    lex_line_free(&l);

    cr_assert_eq(lex_split("list;", true, &l, NULL), 0);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.cmds[1].n, 1);
    cr_assert_str_eq(l.cmds[1].v[0], "");
    lex_line_free(&l);

    cr_assert_eq(lex_split("", true, &l, NULL), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(l.cmds[0].v[0], "");
    lex_line_free(&l);
}
