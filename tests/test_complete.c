/* test_complete.c: completion through `domsh -q complete -- LINE` (the
 * engine behind TAB), over the real binary and a private store.  Most
 * cases are driven by the command table itself: every option with a
 * domain, choice, file or schema completer is exercised, so a command
 * added later is covered without a new test. */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../completion/completers.h"
#include "../core/base/buf.h"
#include "../shell/cmd.h"
#include "../shell/lex.h"
#include "helpers.h"

static char *root;

static void setup(void)
{
    root = tmp_root();
}

/* run domsh -q -c test:///default ARGS... (NULL-terminated) */
static struct run_result run_test_uri(const char *first, ...)
{
    const char *argv[16] = {"-q", "-c", "test:///default"};
    va_list ap;
    va_start(ap, first);
    argv_append(argv, 3, 16, first, ap);
    va_end(ap);
    return run_domsh(root, NULL, argv);
}

/* destroy what a test started: its supervisors are our processes */
static void teardown(void)
{
    struct run_result r = run_test_uri("list", "--name", "--state-running", "--state-paused",
                                       "--state-other", NULL);
    for (char *s = strtok(r.out, "\n"); s; s = strtok(NULL, "\n")) {
        struct run_result d = run_test_uri("destroy", s, NULL);
        run_free(&d);
    }
    run_free(&r);
    rm_rf(root);
    free(root);
}

TestSuite(complete, .init = setup, .fini = teardown);

/* what `domsh -q complete -- WORDS` prints (caller frees) */
static char *comp_words(const char *const *words)
{
    const char *argv[16] = {"-q", "-c", "test:///default", "complete", "--"};
    size_t n = 5;
    for (; *words && n < 15; words++)
        argv[n++] = *words;
    argv[n] = NULL;
    struct run_result r = run_domsh(root, NULL, argv);
    cr_assert_eq(r.status, 0, "complete failed (%d): %s", r.status, r.err);
    cr_assert_str_empty(r.err, "complete wrote to stderr: %s", r.err);
    free(r.err);
    return r.out;
}

/* the whole line as one word: the same as typing it before TAB */
static char *comp(const char *line)
{
    const char *words[] = {line, NULL};
    return comp_words(words);
}

#define expect_comp(line, want)                                                     \
    do {                                                                            \
        char *got_ = comp(line);                                                    \
        cr_expect_str_eq(got_, want, "complete '%s':\n%s", line, got_);            \
        free(got_);                                                                 \
    } while (0)

static const char *dom_xml =
    "<domain type='qemu'>\n"
    "  <name>%s</name>\n"
    "  <memory>65536</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os><type>hvm</type></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <source file='/var/lib/x.img'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <interface type='user'><mac address='52:54:00:12:34:56'/></interface>\n"
    "  </devices>\n"
    "</domain>\n";

static void define(const char *name)
{
    AUTOFREE char *xml = fmt(dom_xml, name);
    AUTOFREE char *path = fmt("%s/%s.xml", root, name);
    cr_assert_eq(write_text(path, xml), 0);
    struct run_result r = run_test_uri("define", path, NULL);
    cr_assert_eq(r.status, 0, "define %s: %s", name, r.err);
    run_free(&r);
}

/* the words before the value of option k: "CMD --NAME" */
static char *value_line(const struct cmd_def *c, size_t k, const char *value)
{
    return fmt("%s --%s %s", c->name, c->opts[k].name, value);
}

Test(complete, command_names)
{
    expect_comp("hel", "help\n");
    expect_comp("nodei", "nodeinfo\n");
    char *all = comp("");
    cr_expect(strstr(all, "help\n") && strstr(all, "quit\n") && strstr(all, "exit\n"),
              "every command and alias: %s", all);
    cr_expect_null(strstr(all, "complete\n"), "hidden command offered: %s", all);
    free(all);
    /* after ';' a new command starts */
    expect_comp("echo a; hel", "help\n");
    expect_comp("nosuch", "");
}

Test(complete, options_not_yet_given)
{
    expect_comp("echo --", "--err\n--shell\n--string\n--xml\n");
    expect_comp("echo --xml --", "--err\n--shell\n--string\n");
    /* the rest argument may repeat */
    expect_comp("echo --string a --s", "--shell\n--string\n");
    expect_comp("nodeinfo --j", "--json\n");
    expect_comp("nodeinfo --json --", "");
    /* an option already complete is completed to itself */
    expect_comp("nodeinfo --json", "--json\n");
    /* a free-form value with nothing typed: the options instead */
    expect_comp("echo ", "--err\n--shell\n--string\n--xml\n");
    /* after "--" everything is data: no options */
    expect_comp("echo -- --", "");
}

Test(complete, bare_word_fills_the_next_positional)
{
    /* help's first positional is --command: a bare word completes commands */
    expect_comp("help ech", "echo\n");
    expect_comp("help --command ech", "echo\n");
    expect_comp("help --command=ech", "--command=echo\n");
    char *groups = comp("help sh");
    cr_expect(strstr(groups, "shell\n"), "group keywords for help: %s", groups);
    free(groups);
    /* the positional is filled already: nothing more to offer but options */
    expect_comp("help echo ", "");
    expect_comp("connect ", "qemu:///session\nqemu:///system\ntest:///default\n");
    expect_comp("connect q", "qemu:///session\nqemu:///system\n");
    expect_comp("connect --name=t", "--name=test:///default\n");
    expect_comp("connect test:///default --", "--readonly\n");
}

Test(complete, words_form_as_bash_gives_them)
{
    const char *w1[] = {"help", "ech", NULL};
    char *a = comp_words(w1);
    cr_expect_str_eq(a, "echo\n");
    free(a);
    const char *w2[] = {"connect", "", NULL};
    char *b = comp_words(w2);
    cr_expect_str_eq(b, "qemu:///session\nqemu:///system\ntest:///default\n");
    free(b);
}

Test(complete, nothing_matches_nothing_offered)
{
    AUTOFREE char *zz = fmt("%s/zzfile", root);
    mkdir(zz, 0700);
    expect_comp("help zz", "");
    expect_comp("connect zz", "");
    expect_comp("echo zz", "");
    expect_comp("nosuch zz", "");
    /* in a comment nothing is completed */
    expect_comp("echo a # hel", "");
    expect_comp("# hel", "");
}

/* the options of the table using completer fn (for comp_choices: also
 * those with choices and no completer of their own) */
typedef void (*opt_check)(const struct cmd_def *c, size_t k, void *ctx);

static size_t each_option(comp_fn fn, opt_check check, void *ctx)
{
    size_t seen = 0;
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        for (size_t k = 0; k < c->nopts; k++) {
            const struct opt_def *o = &c->opts[k];
            bool implicit = fn == comp_choices && o->choices && !o->complete;
            if (o->complete == fn || implicit) {
                check(c, k, ctx);
                seen++;
            }
        }
    }
    cr_log_info("%zu options checked", seen);
    return seen;
}

/* the domains offered for states, of alpha (running), beta2 (paused) and
 * gamma3 (shut off), with prefix */
static char *domains_in(unsigned states, const char *prefix)
{
    static const struct { const char *name; unsigned state; } doms[] = {
        {"alpha", ST_RUNNING}, {"beta2", ST_PAUSED}, {"gamma3", ST_SHUTOFF},
    };
    struct buf b = {0};
    for (size_t i = 0; i < 3; i++)
        if ((!states || (states & doms[i].state)) &&
            strncmp(doms[i].name, prefix, strlen(prefix)) == 0)
            buf_printf(&b, "%s\n", doms[i].name);
    return buf_steal(&b);
}

static void run_ok(struct run_result r, const char *what)
{
    cr_assert_eq(r.status, 0, "%s: %s", what, r.err);
    run_free(&r);
}

static void check_domains(const struct cmd_def *c, size_t k, void *ctx)
{
    const char *prefixes[] = {"", "b", "g", "zz"};
    for (size_t p = 0; p < 4; p++) {
        AUTOFREE char *line = value_line(c, k, prefixes[p]);
        AUTOFREE char *want = domains_in(c->opts[k].complete_flags & ST_ANY, prefixes[p]);
        expect_comp(line, want);
    }
}

/* every option with a domain completer, over the three states */
Test(complete, domains_by_state)
{
    define("alpha");
    define("beta2");
    define("gamma3");
    run_ok(run_test_uri("start", "alpha", NULL), "start alpha");
    run_ok(run_test_uri("start", "--paused", "beta2", NULL), "start --paused beta2");
    cr_expect_gt(each_option(comp_domains, check_domains, NULL), 0);
    /* the ones the issue names, spelled out, positional form */
    expect_comp("start ", "gamma3\n");
    expect_comp("resume ", "beta2\n");
    expect_comp("suspend ", "alpha\n");
    expect_comp("undefine ", "alpha\nbeta2\ngamma3\n");
    expect_comp("undefine zz", "");
}

static void check_choices(const struct cmd_def *c, size_t k, void *ctx)
{
    const struct opt_def *o = &c->opts[k];
    struct strv want = {0};
    for (size_t v = 0; o->choices[v]; v++)
        strv_push(&want, o->choices[v]);
    strv_sort(&want);
    struct buf b = {0};
    for (size_t v = 0; v < want.n; v++)
        buf_printf(&b, "%s\n", want.v[v]);
    AUTOFREE char *line = value_line(c, k, "");
    expect_comp(line, buf_str(&b));
    AUTOFREE char *none = value_line(c, k, "\\~nomatch");
    expect_comp(none, "");
    buf_free(&b);
    strv_free(&want);
}

/* every option with a fixed set of values */
Test(complete, choices)
{
    cr_expect_gt(each_option(comp_choices, check_choices, NULL), 0);
}

/* every candidate reads back as an existing path */
static void expect_paths(const char *line)
{
    char *out = comp(line);
    for (char *s = strtok(out, "\n"); s; s = strtok(NULL, "\n")) {
        struct lex_line l;
        struct err *e = NULL;
        cr_assert_eq(lex_split(s, false, &l, &e), 0, "'%s' does not parse", s);
        struct stat sb;
        cr_expect_eq(stat(l.cmds[0].v[0], &sb), 0, "'%s' is no file", l.cmds[0].v[0]);
        lex_line_free(&l);
    }
    free(out);
}

static void check_files(const struct cmd_def *c, size_t k, void *dir)
{
    AUTOFREE char *dir_slash = fmt("%s/", (char *)dir);
    AUTOFREE char *line = value_line(c, k, dir_slash);
    AUTOFREE char *want = (c->opts[k].complete_flags & COMP_FILES_DIRS)
        ? fmt("'%s/sub dir/'\n", (char *)dir)
        : fmt("%s/a.xml\n'%s/it'\\''s.xml'\n'%s/sub dir/'\n", (char *)dir, (char *)dir,
              (char *)dir);
    expect_comp(line, want);
    expect_paths(line);
}

/* files (quoted when needed) only for options that take a path */
Test(complete, files_and_quoting)
{
    AUTOFREE char *dir = fmt("%s/files", root);
    AUTOFREE char *sub = fmt("%s/sub dir", dir);
    AUTOFREE char *a = fmt("%s/a.xml", dir);
    AUTOFREE char *quote = fmt("%s/it's.xml", dir);
    AUTOFREE char *hidden = fmt("%s/.hidden", dir);
    mkdir(dir, 0700);
    mkdir(sub, 0700);
    write_text(a, "");
    write_text(quote, "");
    write_text(hidden, "");
    cr_expect_gt(each_option(comp_files, check_files, dir), 0);
    /* an open quote goes on: 'DIR/su completes to the quoted name */
    AUTOFREE char *open_line = fmt("cd '%s/su", dir);
    AUTOFREE char *open_want = fmt("'%s/sub dir/'\n", dir);
    expect_comp(open_line, open_want);
    /* never files where no file is expected */
    AUTOFREE char *echo_line = fmt("echo %s/", dir);
    AUTOFREE char *help_line = fmt("help %s/", dir);
    expect_comp(echo_line, "");
    expect_comp(help_line, "");
}

static void check_schema(const struct cmd_def *c, size_t k, void *ctx)
{
    AUTOFREE char *line = value_line(c, k, "");
    AUTOFREE char *out = comp(line);
    cr_expect(*out, "'%s' offers no values", line);
}

/* every schema key names an enum of the schema, and options using one
 * offer its values */
Test(complete, schema_enums)
{
    for (unsigned key = 0; key < CS_LAST; key++) {
        struct strv v = {0};
        comp_schema(NULL, NULL, key, &v);
        cr_expect_gt(v.n, 0, "schema key %u offers nothing", key);
        strv_free(&v);
    }
    each_option(comp_schema, check_schema, NULL);
    expect_comp("attach-disk --targetbus vi", "virtio\n");
}

static void check_device(const struct cmd_def *c, size_t k, void *want)
{
    if (c->target_opt < 0)
        return;
    AUTOFREE char *line = fmt("%s --%s gamma --%s ''", c->name, c->opts[c->target_opt].name,
                              c->opts[k].name);
    expect_comp(line, want);
}

/* device completers read the domain named on the line */
Test(complete, device_names)
{
    define("gamma");
    each_option(comp_disk_targets, check_device, "vda\n");
    each_option(comp_iface_macs, check_device, "52:54:00:12:34:56\n");
}

/* scripts/domsh.bash-completion as bash runs it: COMP_WORDS as bash splits
 * the line (its word breaks include ':' and '='), the function, COMPREPLY */
static char *bash_complete(const char *line, const char *words)
{
    AUTOFREE char *script = fmt("%s/run-bash.sh", root);
    AUTOFREE char *body = fmt(
        "source '%s/scripts/domsh.bash-completion'\n"
        "COMP_LINE=\"$1\"; COMP_POINT=${#1}\n"
        "read -ra COMP_WORDS <<< \"$2\"; [[ $2 == *' ' ]] && COMP_WORDS+=('')\n"
        "COMP_WORDS[0]='%s'; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
        "_domsh; [[ ${#COMPREPLY[@]} -gt 0 ]] && printf '%%s\\n' \"${COMPREPLY[@]}\"\n",
        src_dir(), domsh_bin());
    cr_assert_eq(write_text(script, body), 0);
    const char *argv[] = {script, line, words, NULL};
    /* run_domsh runs the binary; here bash runs the script instead */
    AUTOFREE char *cmd = fmt("DOMSH_ROOT='%s' bash '%s' '%s' '%s'", root, argv[0], argv[1],
                             argv[2]);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    struct buf b = {0};
    char chunk[256];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        buf_addn(&b, chunk, n);
    pclose(p);
    return buf_steal(&b);
}

#define expect_bash(line, words, want)                                              \
    do {                                                                            \
        char *got_ = bash_complete(line, words);                                    \
        cr_expect_str_eq(got_, want, "bash: '%s':\n%s", line, got_);               \
        free(got_);                                                                 \
    } while (0)

Test(complete, bash_completion_script)
{
    expect_bash("domsh hel", "domsh hel", "help\n");
    expect_bash("domsh -q -r help ech", "domsh -q -r help ech", "echo\n");
    expect_bash("domsh echo --x", "domsh echo --x", "--xml\n");
    expect_bash("domsh nodeinfo ", "domsh nodeinfo ", "--json\n");
    /* bash broke the URI at ':': only the part after it is replaced */
    expect_bash("domsh connect qemu:///se", "domsh connect qemu : ///se", "///session\n");
    expect_bash("domsh -c test:", "domsh -c test :", ":///default\n");
    AUTOFREE char *opts = bash_complete("domsh -", "domsh -");
    cr_expect(strstr(opts, "--connect\n") && strstr(opts, "-q\n"), "%s", opts);
}

/* issue 10, item 6: a name with blanks is offered quoted, by the engine and
 * through bash, and the quoted word completes what follows it */
Test(complete, name_with_blanks_is_quoted)
{
    define("web server 1");
    define("webby");
    expect_comp("start web", "'web server 1'\nwebby\n");
    expect_comp("start 'web s", "'web server 1'\n");
    expect_comp("domblklist 'web server 1' --d", "--details\n");
    expect_bash("domsh -c test:///default start web", "domsh -c test : ///default start web",
                "'web server 1'\nwebby\n");
}
