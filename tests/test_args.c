/* test_args.c: every spelling of options accepted by args_parse, its
 * virsh error messages, partial (completion) mode and the typed getters. */
#include <criterion/criterion.h>

#include <string.h>

#include "../shell/cmd.h"
#include "../shell/lex.h"

enum { T_DOMAIN, T_FILE, T_ALL, T_MODE, T_COUNT, T_NAMED, T_SIZE, T_REST };
static const char *const modes[] = {"fast", "slow", NULL};
static const struct opt_def topts[] = {
    [T_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED, .argname = "domain",
                  .help = "domain name"},
    [T_FILE] = {.name = "file", .kind = OPT_STRING, .argname = "file", .help = "a file"},
    [T_ALL] = {.name = "all", .kind = OPT_BOOL, .help = "everything", .alias = "every"},
    [T_MODE] = {.name = "mode", .kind = OPT_STRING, .flags = OPT_NAMED, .choices = modes,
                .help = "how"},
    [T_COUNT] = {.name = "count", .kind = OPT_INT, .flags = OPT_NAMED, .help = "how many"},
    [T_NAMED] = {.name = "title", .kind = OPT_STRING, .flags = OPT_NAMED | OPT_EMPTY_OK,
                 .help = "title"},
    [T_SIZE] = {.name = "size", .kind = OPT_STRING, .flags = OPT_NAMED, .help = "size"},
    [T_REST] = {.name = "rest", .kind = OPT_ARGV, .help = "the rest"},
};
static const struct cmd_def tcmd = {
    .name = "frob", .group = "test", .summary = "test command", .opts = topts,
    .nopts = NOPTS(topts), .target_opt = -1,
};

/* parse a line through the real tokenizer */
static int parse(const char *line, bool partial, struct cmd_args *a, struct err **e)
{
    struct lex_line l;
    cr_assert_eq(lex_split(line, partial, &l, NULL), 0);
    int rc = args_parse(&tcmd, l.cmds[0].v, l.cmds[0].n, partial, a, e);
    lex_line_free(&l);
    return rc;
}

static void expect_ok(const char *line, const char *dom, const char *file, bool all)
{
    struct cmd_args a;
    struct err *e = NULL;
    cr_assert_eq(parse(line, false, &a, &e), 0, "'%s': %s", line, e ? e->msg : "");
    cr_assert_str_eq(args_str(&a, T_DOMAIN), dom, "'%s'", line);
    if (file)
        cr_assert_str_eq(args_str(&a, T_FILE), file, "'%s'", line);
    else
        cr_assert_null(args_str(&a, T_FILE), "'%s'", line);
    cr_assert_eq(args_bool(&a, T_ALL), all, "'%s'", line);
    args_free(&a);
}

static void expect_err(const char *line, const char *msg)
{
    struct cmd_args a;
    struct err *e = NULL;
    cr_assert_eq(parse(line, false, &a, &e), -1, "'%s' should fail", line);
    cr_assert_str_eq(e->msg, msg, "'%s'", line);
    cr_assert_eq(e->code, ERR_ARGS);
    err_free(e);
}

Test(args, spellings)
{
    expect_ok("frob vm1", "vm1", NULL, false);
    expect_ok("frob --domain vm1", "vm1", NULL, false);
    expect_ok("frob --domain=vm1", "vm1", NULL, false);
    expect_ok("frob vm1 f.xml", "vm1", "f.xml", false);
    expect_ok("frob --file f.xml vm1", "vm1", "f.xml", false);
    expect_ok("frob --file=f.xml --domain=vm1", "vm1", "f.xml", false);
    expect_ok("frob vm1 --all f.xml", "vm1", "f.xml", true);
    expect_ok("frob --all vm1", "vm1", NULL, true);
    expect_ok("frob --every vm1", "vm1", NULL, true);
    expect_ok("frob --domain '--odd' f.xml", "--odd", "f.xml", false);
    expect_ok("frob -- --all", "--all", NULL, false);
    expect_ok("frob --domain=a=b", "a=b", NULL, false);
    expect_ok("frob -x", "-x", NULL, false);
}

Test(args, errors)
{
    expect_err("frob", "command 'frob' requires <domain> option");
    expect_err("frob --bogus vm", "command 'frob' doesn't support option --bogus");
    expect_err("frob --all --all vm", "option --all already seen");
    expect_err("frob vm --domain vm2", "option --domain already seen");
    expect_err("frob vm --all=yes", "invalid '=' after option --all");
    expect_err("frob vm --mode", "expected syntax: --mode <string>");
    expect_err("frob vm --count", "expected syntax: --count <number>");
    expect_err("frob vm --mode medium",
               "invalid value 'medium' for option --mode (expected one of: fast, slow)");
    expect_err("frob ''", "option --domain must not be empty");
    expect_err("frob --dom vm", "command 'frob' doesn't support option --dom");
}

Test(args, named_not_positional_and_argv_rest)
{
    struct cmd_args a;
    cr_assert_eq(parse("frob vm f a b --mode fast c --title ''", false, &a, NULL), 0);
    cr_assert_str_eq(args_str(&a, T_MODE), "fast");
    cr_assert_str_eq(args_str(&a, T_NAMED), "");
    cr_assert_eq(a.argv.n, 3);
    cr_assert_str_eq(a.argv.v[0], "a");
    cr_assert_str_eq(a.argv.v[2], "c");
    cr_assert(args_has(&a, T_REST));
    args_free(&a);

    cr_assert_eq(parse("frob vm --rest x --rest=y", false, &a, NULL), 0);
    cr_assert_eq(a.argv.n, 2);
    args_free(&a);
}

Test(args, numbers)
{
    struct cmd_args a;
    struct err *e = NULL;
    unsigned long long u = 0;
    long long i = 0;
    cr_assert_eq(parse("frob vm --count 42", false, &a, NULL), 0);
    cr_assert_eq(args_uint(&a, T_COUNT, &u, &e), 1);
    cr_assert_eq(u, 42);
    cr_assert_eq(args_int(&a, T_COUNT, &i, &e), 1);
    cr_assert_eq(i, 42);
    cr_assert_eq(args_uint(&a, T_SIZE, &u, &e), 0);   /* absent */
    args_free(&a);

    cr_assert_eq(parse("frob vm --count -3", false, &a, NULL), 0);
    cr_assert_eq(args_int(&a, T_COUNT, &i, &e), 1);
    cr_assert_eq(i, -3);
    cr_assert_eq(args_uint(&a, T_COUNT, &u, &e), -1);
    cr_assert_str_eq(e->msg, "numeric value '-3' for <count> option is malformed or out of range");
    err_clear(&e);
    args_free(&a);

    cr_assert_eq(parse("frob vm --count 12x", false, &a, NULL), 0);
    cr_assert_eq(args_int(&a, T_COUNT, &i, &e), -1);
    err_clear(&e);
    args_free(&a);
}

Test(args, sizes)
{
    static const struct { const char *in; unsigned long long kib; } t[] = {
        {"1024", 1024}, {"1k", 1}, {"1KiB", 1}, {"2M", 2048}, {"1mib", 1024},
        {"1G", 1048576}, {"1b", 1}, {"2048b", 2}, {"1KB", 1}, {"1MB", 977}, {"1T", 1ULL << 30},
    };
    for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        struct cmd_args a;
        struct err *e = NULL;
        char line[64];
        snprintf(line, sizeof(line), "frob vm --size %s", t[k].in);
        cr_assert_eq(parse(line, false, &a, NULL), 0);
        unsigned long long got = 0;
        cr_assert_eq(args_size_kib(&a, T_SIZE, &got, &e), 1, "%s", t[k].in);
        cr_assert_eq(got, t[k].kib, "%s: %llu", t[k].in, got);
        args_free(&a);
    }
    struct cmd_args a;
    struct err *e = NULL;
    unsigned long long got;
    cr_assert_eq(parse("frob vm --size 3parsecs", false, &a, NULL), 0);
    cr_assert_eq(args_size_kib(&a, T_SIZE, &got, &e), -1);
    err_free(e);
    args_free(&a);
}

Test(args, partial_completing)
{
    struct cmd_args a;
    /* bare last word: the next positional */
    cr_assert_eq(parse("frob ", true, &a, NULL), 0);
    cr_assert_eq(a.completing, T_DOMAIN);
    args_free(&a);
    cr_assert_eq(parse("frob vm f", true, &a, NULL), 0);
    cr_assert_eq(a.completing, T_FILE);
    cr_assert_str_eq(args_str(&a, T_DOMAIN), "vm");
    args_free(&a);
    /* --opt then a value being typed: that option */
    cr_assert_eq(parse("frob vm --mode f", true, &a, NULL), 0);
    cr_assert_eq(a.completing, T_MODE);
    args_free(&a);
    cr_assert_eq(parse("frob vm --mode ", true, &a, NULL), 0);
    cr_assert_eq(a.completing, T_MODE);
    args_free(&a);
    cr_assert_eq(parse("frob vm --mode=s", true, &a, NULL), 0);
    cr_assert_eq(a.completing, T_MODE);
    args_free(&a);
    /* an option name being typed */
    cr_assert_eq(parse("frob vm --mo", true, &a, NULL), 0);
    cr_assert_eq(a.completing, -1);
    args_free(&a);
    /* missing required and unknown options tolerated */
    cr_assert_eq(parse("frob --bogus --all ", true, &a, NULL), 0);
    cr_assert_eq(a.completing, T_DOMAIN);
    args_free(&a);
}
