/* test_repl.c: the interactive shell in a real terminal.  Each test runs
 * domsh in a tmux server of its own (private socket under the test's
 * DOMSH_ROOT; only that server is killed), types with send-keys and reads
 * the screen with capture-pane.  Waiting polls the screen until the text
 * shows up or a generous deadline passes: nothing asserts on timing. */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/base/mem.h"
#include "../shell/cmd.h"
#include "helpers.h"

static char *root, *sock;
static const char *session = "t";   /* the tmux session keys go to */

static void setup(void)
{
    root = tmp_root();
    sock = fmt("%s/tmux.sock", root);
}

/* run tmux -S SOCK ARGS...; returns its stdout (caller frees) */
static char *tmux(const char *first, ...)
{
    const char *argv[32] = {"tmux", "-S", sock, "-f", "/dev/null"};
    va_list ap;
    va_start(ap, first);
    argv_append(argv, 5, 32, first, ap);
    va_end(ap);
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* only fd 1 may hold the pipe: the tmux server inherits the rest */
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execvp("tmux", (char **)argv);
        _exit(127);
    }
    close(out[1]);
    struct buf b = {0};
    char chunk[4096];
    ssize_t r;
    while ((r = read(out[0], chunk, sizeof(chunk))) > 0)
        buf_addn(&b, chunk, (size_t)r);
    close(out[0]);
    int st;
    waitpid(pid, &st, 0);
    return buf_steal(&b);
}

/* domsh -q -c test:///default ARGS (words, NULL-terminated) */
static struct run_result run_test_uri(const char *const words[])
{
    const char *argv[16] = {"-q", "-c", "test:///default"};
    size_t n = 3;
    for (; *words && n < 15; words++)
        argv[n++] = *words;
    argv[n] = NULL;
    return run_domsh(root, NULL, argv);
}

static void teardown(void)
{
    free(tmux("kill-server", NULL));
    /* the domains a test started: their supervisors are ours */
    const char *list[] = {"list", "--name", "--state-running", "--state-paused", NULL};
    struct run_result r = run_test_uri(list);
    for (char *s = strtok(r.out, "\n"); s; s = strtok(NULL, "\n")) {
        const char *destroy[] = {"destroy", s, NULL};
        struct run_result d = run_test_uri(destroy);
        run_free(&d);
    }
    run_free(&r);
    rm_rf(root);
    free(root);
    free(sock);
}

TestSuite(repl, .init = setup, .fini = teardown, .timeout = 120);

/* start domsh (with extra global options) in a fresh session named name,
 * which keys go to from now on; the pane stays after domsh exits and shows
 * "[exit N]" */
static void start_shell_in(const char *name, const char *opts)
{
    session = name;
    AUTOFREE char *cmd = fmt(
        "env DOMSH_ROOT='%s' DOMSH_DEFAULT_URI=test:///default XDG_STATE_HOME='%s/state' "
        "HOME='%s' INPUTRC=/dev/null TERM=xterm '%s' %s; echo \"[exit $?]\"; sleep 600",
        root, root, root, domsh_bin(), opts);
    free(tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "40", cmd, NULL));
}

static void start_shell(const char *opts)
{
    start_shell_in("t", opts);
}

static char *screen(void)
{
    return tmux("capture-pane", "-p", "-N", "-t", session, NULL);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the screen once it contains text (the last capture if it never does) */
static char *wait_screen(const char *text)
{
    double deadline = now() + 20;
    for (;;) {
        char *s = screen();
        if (strstr(s, text) || now() > deadline)
            return s;
        free(s);
        usleep(50 * 1000);
    }
}

#define expect_screen(text)                                                         \
    do {                                                                            \
        char *s_ = wait_screen(text);                                               \
        cr_expect(strstr(s_, text), "screen lacks '%s':\n%s", text, s_);            \
        free(s_);                                                                   \
    } while (0)

static void keys(const char *k)
{
    free(tmux("send-keys", "-t", session, k, NULL));
}

/* literal text, no key names */
static void type(const char *text)
{
    free(tmux("send-keys", "-t", session, "-l", "--", text, NULL));
}

/* the count of prompts on the screen: every command adds one */
static int prompts(const char *s)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, "domsh # ")); p++)
        n++;
    return n;
}

static void define(const char *name)
{
    AUTOFREE char *xml = fmt("<domain type='qemu'><name>%s</name><memory>65536</memory>"
                             "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n", name);
    AUTOFREE char *path = fmt("%s/%s.xml", root, name);
    cr_assert_eq(write_text(path, xml), 0);
    const char *define[] = {"define", path, NULL};
    struct run_result r = run_test_uri(define);
    cr_assert_eq(r.status, 0, "define %s: %s", name, r.err);
    run_free(&r);
}

Test(repl, banner_prompt_and_quit_status_0)
{
    start_shell("");
    expect_screen("Welcome to domsh");
    expect_screen("domsh # ");
    type("quit");
    keys("Enter");
    expect_screen("[exit 0]");
}

Test(repl, quiet_readonly_prompt_and_ctrl_d)
{
    start_shell("-q -r");
    expect_screen("domsh > ");
    AUTOFREE char *s = screen();
    cr_expect_null(strstr(s, "Welcome"), "banner under -q:\n%s", s);
    keys("C-d");
    expect_screen("[exit 0]");
}

Test(repl, tab_completes_command_name)
{
    start_shell("-q");
    expect_screen("domsh # ");
    type("hel");
    keys("Tab");
    /* the space after the name is there: the next word follows at once */
    type("ech");
    keys("Tab");
    expect_screen("domsh # help echo ");
    keys("Enter");
    expect_screen("echo - echo arguments");
    if (cmd_find("list")) {
        type("lis");
        keys("Tab");
        type("--all");
        expect_screen("domsh # list --all");
    }
}

Test(repl, tab_lists_candidates)
{
    start_shell("-q");
    expect_screen("domsh # ");
    type("connect ");
    keys("Tab");
    /* nothing in common to add: the candidates are listed */
    expect_screen("qemu:///session");
    expect_screen("test:///default");
    type("t");
    keys("Tab");
    expect_screen("domsh # connect test:///default ");
}

Test(repl, tab_offers_only_shutoff_domains_to_start)
{
    define("alpha");
    define("beta");
    define("gamma");
    const char *start[] = {"start", "beta", NULL};
    struct run_result r = run_test_uri(start);
    cr_assert_eq(r.status, 0, "start beta: %s", r.err);
    run_free(&r);
    start_shell("-q");
    expect_screen("domsh # ");
    type("start ");
    keys("Tab");
    /* listed: the two shut-off domains, not the running one */
    char *s = wait_screen("gamma");
    cr_expect(strstr(s, "alpha") && strstr(s, "gamma"), "shut-off domains:\n%s", s);
    cr_expect_null(strstr(s, "beta"), "running domain offered to start:\n%s", s);
    free(s);
    keys("C-u");
    /* a running domain's name is not completed either */
    type("start be");
    keys("Tab");
    type("Q");
    expect_screen("domsh # start beQ");
    keys("C-u");
    type("start g");
    keys("Tab");
    type("Q");
    expect_screen("domsh # start gamma Q");
}

Test(repl, ctrl_c_clears_the_line_and_keeps_the_shell)
{
    start_shell("-q");
    expect_screen("domsh # ");
    /* one burst, as a fast typist or a paste would send it: the Ctrl-C
     * must be handled in order with the keys around it */
    free(tmux("send-keys", "-t", session, "echo never-run", "C-c", "echo after-ctrl-c",
              "Enter", NULL));
    char *s = wait_screen("\nafter-ctrl-c");
    cr_expect(strstr(s, "\nafter-ctrl-c"), "shell gone after Ctrl-C:\n%s", s);
    cr_expect_null(strstr(s, "\nnever-run"), "the cleared line ran:\n%s", s);
    cr_expect_geq(prompts(s), 2, "%s", s);
    free(s);
    type("quit");
    keys("Enter");
    expect_screen("[exit 0]");
}

Test(repl, history_survives_a_restart)
{
    start_shell("-q");
    expect_screen("domsh # ");
    type("echo marker-one");
    keys("Enter");
    expect_screen("\nmarker-one");
    /* written at once, before the shell leaves */
    AUTOFREE char *path = fmt("%s/state/domsh/history", root);
    AUTOFREE char *hist = slurp(path, NULL);
    cr_assert_not_null(hist, "no history file %s", path);
    cr_expect(strstr(hist, "echo marker-one\n"), "history: %s", hist);
    type("exit");
    keys("Enter");
    expect_screen("[exit 0]");
    /* a second session first: killing the only one would stop the server */
    start_shell_in("u", "-q");
    free(tmux("kill-session", "-t", "t", NULL));
    expect_screen("domsh # ");
    /* the newest entry is the exit that ended the first shell */
    keys("Up");
    expect_screen("domsh # exit");
    keys("Up");
    expect_screen("domsh # echo marker-one");
    keys("Enter");
    type("quit");
    keys("Enter");
    expect_screen("[exit 0]");
}

Test(repl, cd_and_pwd)
{
    AUTOFREE char *dir = fmt("%s/cd-target", root);
    cr_assert_eq(mkdir(dir, 0700), 0);
    start_shell("-q");
    expect_screen("domsh # ");
    AUTOFREE char *cd = fmt("cd %s", dir);
    type(cd);
    keys("Enter");
    type("pwd");
    keys("Enter");
    AUTOFREE char *out = fmt("\n%s", dir);
    expect_screen(out);
}

/* ---- the built-in commands in batch mode ------------------------------ */

static char *broot;

static void bsetup(void)
{
    broot = tmp_root();
}

static void bteardown(void)
{
    rm_rf(broot);
    free(broot);
}

TestSuite(builtins, .init = bsetup, .fini = bteardown);

static struct run_result batch(const char *line)
{
    const char *argv[] = {"-q", line, NULL};
    return run_domsh(broot, NULL, argv);
}

#define expect_out(line, want)                                                      \
    do {                                                                            \
        struct run_result r_ = batch(line);                                         \
        cr_expect_eq(r_.status, 0, "'%s': %s", line, r_.err);                       \
        cr_expect_str_eq(r_.out, want, "'%s'", line);                               \
        run_free(&r_);                                                              \
    } while (0)

#define expect_fail(line, want_err)                                                 \
    do {                                                                            \
        struct run_result r_ = batch(line);                                         \
        cr_expect_eq(r_.status, 1, "'%s' did not fail", line);                      \
        cr_expect_str_eq(r_.err, want_err, "'%s'", line);                           \
        run_free(&r_);                                                              \
    } while (0)

Test(builtins, help_lists_every_visible_command_by_group)
{
    struct run_result r = batch("help");
    cr_assert_eq(r.status, 0);
    cr_expect(strncmp(r.out, "Grouped commands:\n\n", 19) == 0, "%s", r.out);
    cr_expect(strstr(r.out, " Shell (help keyword 'shell'):\n"), "%s", r.out);
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        AUTOFREE char *row = fmt("\n    %-30s %s\n", c->name, c->summary);
        if (c->flags & CMD_HIDDEN)
            cr_expect_null(strstr(r.out, row), "hidden '%s' listed", c->name);
        else
            cr_expect(strstr(r.out, row), "'%s' not listed", c->name);
    }
    run_free(&r);
}

Test(builtins, help_pages)
{
    struct run_result r = batch("help echo");
    cr_expect(strstr(r.out, "  NAME\n    echo - echo arguments\n\n"), "%s", r.out);
    cr_expect(strstr(r.out, "  SYNOPSIS\n    echo [--shell] [--xml] [--err] [<string>]...\n"),
              "%s", r.out);
    cr_expect(strstr(r.out, "\n    --xml                   escape for XML use\n"), "%s", r.out);
    cr_expect(strstr(r.out, "[--string] <string>...  the words to print (also --str)"), "%s",
              r.out);
    run_free(&r);
    /* an alias shows its command; --help anywhere is help */
    r = batch("help exit");
    cr_expect(strstr(r.out, "    quit - quit this interactive terminal\n"), "%s", r.out);
    run_free(&r);
    r = batch("connect --help");
    cr_expect(strstr(r.out, "    connect [[--name <uri>]] [--readonly]\n") ||
              strstr(r.out, "    connect [--name <uri>] [--readonly]\n"), "%s", r.out);
    run_free(&r);
    r = batch("help shell");
    cr_expect(strstr(r.out, " Shell (help keyword 'shell'):\n"), "%s", r.out);
    cr_expect(strstr(r.out, "\n    pwd "), "%s", r.out);
    cr_expect_null(strstr(r.out, "\n    list "), "%s", r.out);
    run_free(&r);
    expect_fail("help nosuch", "error: command or command group 'nosuch' doesn't exist\n");
}

Test(builtins, echo_quoting)
{
    expect_out("echo a  'b c' \"d\\\"e\"", "a b c d\"e\n");
    expect_out("echo --shell \"a'b\" '$x' plain ''", "'a'\\''b' '$x' plain ''\n");
    expect_out("echo --xml '<a href=\"x\">&'", "&lt;a href=&quot;x&quot;&gt;&amp;\n");
    expect_out("echo --str x", "x\n");
    struct run_result r = batch("echo --err to-stderr");
    cr_expect_str_eq(r.out, "");
    cr_expect_str_eq(r.err, "to-stderr\n");
    run_free(&r);
}

Test(builtins, pwd_and_cd)
{
    AUTOFREE char *cwd = getcwd(NULL, 0);
    AUTOFREE char *want = fmt("%s\n", cwd);
    expect_out("pwd", want);
    expect_fail("cd /", "error: cd: command valid only in interactive mode\n");
}

Test(builtins, connect)
{
    expect_out("connect test:///default; uri", "test:///default\n");
    expect_out("connect --name=test:///default; uri", "test:///default\n");
    /* a bad URI fails and the shell keeps the connection it had */
    struct run_result r = batch("connect test:///default; connect bogus:///x; uri");
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.out, "test:///default\n");
    cr_expect(strstr(r.err, "error: no connection driver available for 'bogus:///x'"), "%s",
              r.err);
    run_free(&r);
    /* --readonly: from now on nothing may change */
    AUTOFREE char *xml = fmt("%s/vm.xml", broot);
    write_text(xml, "<domain type='qemu'><name>vm</name><memory>65536</memory>"
                    "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n");
    AUTOFREE char *line = fmt("connect --readonly test:///default; define %s", xml);
    r = batch(line);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "read only"), "%s", r.err);
    run_free(&r);
}

static unsigned long long meminfo_total_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kib = 0;
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

Test(builtins, nodeinfo)
{
    struct run_result r = batch("nodeinfo");
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *labels[] = {"CPU model:", "CPU(s):", "CPU frequency:", "CPU socket(s):",
                            "Core(s) per socket:", "Thread(s) per core:", "NUMA cell(s):",
                            "Memory size:"};
    for (size_t i = 0; i < 8; i++)
        cr_expect(strstr(r.out, labels[i]), "no '%s' in\n%s", labels[i], r.out);
    AUTOFREE char *cpus = fmt("CPU(s):              %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    cr_expect(strstr(r.out, cpus), "%s", r.out);
    AUTOFREE char *mem = fmt("Memory size:         %llu KiB\n", meminfo_total_kib());
    cr_expect(strstr(r.out, mem), "%s", r.out);
    run_free(&r);
    r = batch("nodeinfo --json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *keys[] = {"\"cpu_model\": \"", "\"cpu_name\": \"", "\"mhz\": ", "\"sockets\": ",
                          "\"cores_per_socket\": ", "\"threads_per_core\": ",
                          "\"numa_cells\": "};
    for (size_t i = 0; i < 7; i++)
        cr_expect(strstr(r.out, keys[i]), "no %s in %s", keys[i], r.out);
    AUTOFREE char *jcpus = fmt("\"cpus\": %ld,", sysconf(_SC_NPROCESSORS_ONLN));
    AUTOFREE char *jmem = fmt("\"memory_kib\": %llu}\n", meminfo_total_kib());
    cr_expect(strstr(r.out, jcpus) && strstr(r.out, jmem), "%s", r.out);
    cr_expect_eq(r.out[0], '{');
    run_free(&r);
}
