/* test_console_tmux.c: `domsh console` in a real terminal.  Each test
 * starts a private tmux server (its socket in the test's DOMSH_ROOT; only
 * that server is killed), runs a shell in it, and drives `domsh console`
 * on the test backend with send-keys / capture-pane.  Waits poll the
 * screen with a generous guard: they never assert on time. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "rt_helpers.h"

struct tmx {
    struct rt rt;
    char *sock;
};

/* run argv, return its stdout (caller frees), assert exit 0 */
static char *run_out(const char *const argv[])
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    ssize_t r;
    while ((r = read(p[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s %s failed", argv[0], argv[1]);
    return out;
}

static void tmux(struct tmx *x, const char *a, const char *b, const char *c, const char *d,
                 const char *f)
{
    const char *argv[] = { "tmux", "-S", x->sock, "-f", "/dev/null", a, b, c, d, f, NULL };
    free(run_out(argv));
}

/* the private tmux server: a shell in windows 0 and 1, $D = domsh -c URI */
static void tmx_open(struct tmx *x, const char *uri)
{
    x->sock = fmt("%s/tmux.sock", x->rt.root);
    char *shell = fmt("env DOMSH_ROOT='%s' D='%s -c %s' PS1='$ ' sh", x->rt.root, domsh_bin(),
                      uri);
    const char *argv[] = { "tmux", "-S", x->sock, "-f", "/dev/null", "new-session", "-d",
                           "-x", "120", "-y", "40", shell, NULL };
    free(run_out(argv));
    tmux(x, "new-window", "-d", shell, NULL, NULL);
    free(shell);
}

/* a defined domain 'vm' on the test backend (running unless told otherwise) */
static void tmx_setup_as(struct tmx *x, bool start)
{
    rt_setup(&x->rt);
    rt_define(&x->rt, "vm", NULL, NULL, NULL);
    if (start)
        free(rt_ok(&x->rt, "start vm"));
    tmx_open(x, "test:///default");
}

static void tmx_setup(struct tmx *x)
{
    tmx_setup_as(x, true);
}

static void tmx_teardown(struct tmx *x)
{
    tmux(x, "kill-server", NULL, NULL, NULL, NULL);
    rt_teardown(&x->rt);
    free(x->sock);
}

static char *target(int win)
{
    static char t[16];
    snprintf(t, sizeof(t), ":%d", win);
    return t;
}

/* type text literally in window win (then Enter when enter) */
static void keys(struct tmx *x, int win, const char *text, bool enter)
{
    tmux(x, "send-keys", "-t", target(win), "-l", text);
    if (enter)
        tmux(x, "send-keys", "-t", target(win), "Enter", NULL);
}

static void key(struct tmx *x, int win, const char *name)
{
    tmux(x, "send-keys", "-t", target(win), name, NULL);
}

static char *screen(struct tmx *x, int win)
{
    const char *argv[] = { "tmux", "-S", x->sock, "capture-pane", "-p", "-J", "-S", "-200",
                           "-t", target(win), NULL };
    return run_out(argv);
}

/* the screen once it shows want (a guard of secs seconds; no timing assertion) */
static char *wait_screen_s(struct tmx *x, int win, const char *want, int secs)
{
    for (int i = 0; i < secs * 100; i++) {
        char *s = screen(x, win);
        if (strstr(s, want))
            return s;
        free(s);
        usleep(10000);
    }
    char *s = screen(x, win);
    cr_assert_fail("window %d never showed '%s'; screen:\n%s", win, want, s);
    return s;
}

static char *wait_screen(struct tmx *x, int win, const char *want)
{
    return wait_screen_s(x, win, want, 15);
}

static void clear(struct tmx *x, int win)
{
    keys(x, win, "clear", true);
    tmux(x, "clear-history", "-t", target(win), NULL, NULL);
}

/* the console command as typed in the pane, then its status */
static void console_cmd_dom(struct tmx *x, int win, const char *dom, const char *opts)
{
    char *line = fmt("$D console %s %s; echo rc=$?", dom, opts);
    keys(x, win, line, true);
    free(line);
}

static void console_cmd(struct tmx *x, int win, const char *opts)
{
    console_cmd_dom(x, win, "vm", opts);
}

/* type CMD (a guest poweroff) in window win: the session of DOM ends
 * with its closing line and status 0 */
static void poweroff_ends_session(struct tmx *x, int win, const char *cmd, const char *dom,
                                  int secs)
{
    keys(x, win, cmd, true);
    char *s = wait_screen_s(x, win, "\nrc=", secs);
    char *want = fmt("Console of domain '%s' closed: domain shut off\n", dom);
    char *msg = strstr(s, want);
    cr_assert(msg && strstr(msg, "\nrc=0\n"), "%s", s);
    free(want);
    free(s);
}

/* run inner in window win between two `stty -g` snapshots; the second is
 * renamed into place once written, so "after exists" means "complete" */
static void keys_stty(struct tmx *x, int win, const char *inner)
{
    char *cmd = fmt("stty -g > %s/before; %s; echo rc=$?; stty -g > %s/after.tmp && "
                    "mv %s/after.tmp %s/after", x->rt.root, inner, x->rt.root, x->rt.root, x->rt.root);
    keys(x, win, cmd, true);
    free(cmd);
}

/* the terminal settings after the command equal those before it */
static void assert_stty_kept(struct tmx *x, const char *when)
{
    char *b = fmt("%s/before", x->rt.root), *a = fmt("%s/after", x->rt.root);
    /* a hang guard, not a timing check: under load the shell may take
     * seconds to get to the second stty */
    for (int i = 0; i < 6000 && access(a, F_OK) != 0; i++)
        usleep(10000);
    char *bt = slurp(b, NULL), *at = slurp(a, NULL);
    cr_assert(at, "no stty -g snapshot after %s", when);
    cr_assert_str_eq(at, bt, "stty -g differs after %s", when);
    free(bt);
    free(at);
    free(a);
    free(b);
}

Test(console_tmux, type_read_detach_restore_replay, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    keys_stty(&x, 0, "$D console vm");
    /* banner, then the boot output kept since start (replay), then typing */
    free(wait_screen(&x, 0, "fake# "));
    keys(&x, 0, "echo hello-$((6*7))", true);
    char *s = wait_screen(&x, 0, "\nhello-42");
    char *banner = strstr(s, "Connected to domain 'vm'\nEscape character is ^] (Ctrl + ])\n");
    cr_assert(banner, "no banner:\n%s", s);
    cr_assert(strstr(banner, "fake-guest vm: booting"), "boot output not replayed:\n%s", s);
    free(s);
    key(&x, 0, "C-]");
    free(wait_screen(&x, 0, "rc=0"));
    /* the terminal is as it was, the domain still runs */
    assert_stty_kept(&x, "detach");
    char *st = rt_state(&x.rt, "vm");
    cr_assert_str_eq(st, "running (booted)");
    free(st);

    /* what the guest prints while nobody watches is replayed on re-attach */
    rt_guest_line(&x.rt, "vm", "echo while-away-$((2+3))", "while-away-5");
    clear(&x, 0);
    console_cmd(&x, 0, "");
    free(wait_screen(&x, 0, "while-away-5"));
    key(&x, 0, "C-]");
    free(wait_screen(&x, 0, "rc=0"));
    /* and the boot banner is in the console log too */
    char *log = fmt("%s/log/test/vm.console.log", x.rt.root);
    char *text = slurp(log, NULL);
    cr_assert(text && strstr(text, "fake-guest vm: booting"), "boot banner not in %s", log);
    free(text);
    free(log);
    tmx_teardown(&x);
}

Test(console_tmux, second_client_refused_force_takes_over, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    console_cmd(&x, 0, "");
    free(wait_screen(&x, 0, "fake# "));
    console_cmd(&x, 1, "");
    char *s = wait_screen(&x, 1, "rc=1");
    cr_assert(strstr(s, "error: Active console session exists for this domain\n"), "%s", s);
    cr_assert_null(strstr(s, "Connected to domain"), "banner before a refused attach:\n%s", s);
    free(s);
    clear(&x, 1);
    console_cmd(&x, 1, "--force");
    free(wait_screen(&x, 1, "fake# "));
    s = wait_screen(&x, 0, "rc=1");
    cr_assert(strstr(s, "error: disconnected from domain 'vm': console session taken over by "
                        "another client (--force)"), "%s", s);
    free(s);
    keys(&x, 1, "echo took-$((40+2))", true);
    free(wait_screen(&x, 1, "\ntook-42"));
    key(&x, 1, "C-]");
    free(wait_screen(&x, 1, "rc=0"));
    tmx_teardown(&x);
}

Test(console_tmux, readonly_sees_output_cannot_type, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    console_cmd(&x, 0, "");
    free(wait_screen(&x, 0, "fake# "));
    console_cmd(&x, 1, "--readonly --no-replay");
    free(wait_screen(&x, 1, "read-only"));
    keys(&x, 1, "ro-typed", true);
    keys(&x, 0, "echo rw-$((1+1))", true);
    free(wait_screen(&x, 1, "\nrw-2"));        /* the watcher sees the output */
    char *s = wait_screen(&x, 0, "\nrw-2");
    cr_assert_null(strstr(s, "ro-typed"), "read-only keystrokes reached the guest:\n%s", s);
    free(s);
    key(&x, 1, "C-]");
    free(wait_screen(&x, 1, "rc=0"));
    key(&x, 0, "C-]");
    free(wait_screen(&x, 0, "rc=0"));
    tmx_teardown(&x);
}

Test(console_tmux, guest_poweroff_ends_session_status_0, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    console_cmd(&x, 0, "");
    free(wait_screen(&x, 0, "fake# "));
    keys(&x, 0, "poweroff", true);
    char *s = wait_screen(&x, 0, "\nrc=");
    char *msg = strstr(s, "Power down.\nConsole of domain 'vm' closed: domain shut off\n");
    cr_assert(msg && strstr(msg, "\nrc=0\n"), "%s", s);
    free(s);
    char *seen = NULL;
    cr_assert(rt_wait_state(&x.rt, "vm", "shut off (shutdown)", &seen), "state %s", seen);
    tmx_teardown(&x);
}

Test(console_tmux, signal_restores_terminal, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    char *inner = fmt("sh -c 'echo $$ > %s/pid; exec $D console vm'", x.rt.root);
    keys_stty(&x, 0, inner);
    free(inner);
    free(wait_screen(&x, 0, "fake# "));
    char *pidf = fmt("%s/pid", x.rt.root), *pid = slurp(pidf, NULL);
    cr_assert(pid);
    kill((pid_t)atol(pid), SIGTERM);
    free(wait_screen(&x, 0, "rc=143"));
    assert_stty_kept(&x, "SIGTERM");
    free(pid);
    free(pidf);
    tmx_teardown(&x);
}

Test(console_tmux, window_size_reaches_device_pty, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    console_cmd(&x, 0, "");
    free(wait_screen(&x, 0, "fake# "));
    char *live = rt_run_path(&x.rt, "vm", "live.xml");
    char *xml = slurp(live, NULL);
    char *p = xml ? strstr(xml, "/dev/pts/") : NULL;
    cr_assert(p, "no pty path in live.xml");
    char *pty = strndup(p, strcspn(p, "'\""));
    tmux(&x, "resize-window", "-t", ":0", "-x", "91");
    char *size = NULL;
    for (int i = 0; i < 1000; i++) {
        free(size);
        const char *argv[] = { "stty", "-F", pty, "size", NULL };
        size = run_out(argv);
        if (strstr(size, " 91\n"))
            break;
        usleep(10000);
    }
    cr_assert(strstr(size, " 91\n"), "device pty size is '%s'", size);
    key(&x, 0, "C-]");
    free(wait_screen(&x, 0, "rc=0"));
    free(size);
    free(pty);
    free(xml);
    free(live);
    tmx_teardown(&x);
}

Test(console_tmux, other_escape_with_e, .timeout = 60)
{
    struct tmx x;
    tmx_setup(&x);
    keys(&x, 0, "$D -e '^a' console vm; echo rc=$?", true);
    free(wait_screen(&x, 0, "Escape character is ^A (Ctrl + A)"));
    free(wait_screen(&x, 0, "fake# "));
    key(&x, 0, "C-]");                     /* an ordinary byte now: part of a line */
    key(&x, 0, "Enter");
    keys(&x, 0, "echo still-$((3*3))", true);
    free(wait_screen(&x, 0, "still-9"));
    key(&x, 0, "C-a");
    free(wait_screen(&x, 0, "rc=0"));
    tmx_teardown(&x);
}

Test(console_tmux, refuses_without_a_terminal, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "vm", NULL, NULL, NULL);
    free(rt_ok(&t, "start vm"));
    struct run_result r = rt_run(&t, "console vm");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "error: Cannot run interactive console without a controlling TTY"),
              "%s", r.err);
    cr_assert_null(strstr(r.out, "Connected"));
    run_free(&r);
    rt_teardown(&t);
}

/* start --console: the first boot line is on screen, then a normal session */
Test(console_tmux, start_console_shows_boot, .timeout = 60)
{
    struct tmx x;
    tmx_setup_as(&x, false);
    keys(&x, 0, "$D start vm --console; echo rc=$?", true);
    free(wait_screen(&x, 0, "fake# "));
    keys(&x, 0, "echo up-$((40+2))", true);
    char *s = wait_screen(&x, 0, "\nup-42");
    char *c = strstr(s, "Domain 'vm' started\nConnected to domain 'vm'\n");
    cr_assert(c && strstr(c, "\nfake-guest vm: booting"), "%s", s);
    free(s);
    key(&x, 0, "C-]");
    free(wait_screen(&x, 0, "rc=0"));
    char *st = rt_state(&x.rt, "vm");
    cr_assert_str_eq(st, "running (booted)");
    free(st);
    tmx_teardown(&x);
}

Test(console_tmux, create_console_until_poweroff, .timeout = 60)
{
    struct tmx x;
    tmx_setup_as(&x, false);
    char *xml = fmt("%s/vm.xml", x.rt.root);      /* what rt_define wrote */
    char *t = slurp(xml, NULL), *p = t ? strstr(t, "<name>vm</name>") : NULL;
    cr_assert(p);
    memcpy(p, "<name>tv</name>", 15);
    char *tv = fmt("%s/tv.xml", x.rt.root);
    write_text(tv, t);
    char *cmd = fmt("$D create %s --console; echo rc=$?", tv);
    keys(&x, 0, cmd, true);
    free(wait_screen(&x, 0, "fake-guest tv: booting"));
    free(wait_screen(&x, 0, "fake# "));
    poweroff_ends_session(&x, 0, "poweroff", "tv", 15);
    free(cmd);
    free(tv);
    free(t);
    free(xml);
    tmx_teardown(&x);
}

Test(console_tmux, start_console_without_terminal_starts_nothing, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "vm", NULL, NULL, NULL);
    struct run_result r = rt_run(&t, "start vm --console");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "error: Cannot run interactive console without a controlling TTY"),
              "%s", r.err);
    run_free(&r);
    char *st = rt_state(&t, "vm");
    cr_assert_str_eq(st, "shut off (unknown)");     /* never started */
    free(st);
    char *run = rt_run_path(&t, "vm", "status");
    cr_assert_neq(access(run, F_OK), 0, "a status file was written");
    free(run);
    rt_teardown(&t);
}

/* ---- the same on the QEMU demo guest (TCG; skipped when this host has
 * no kernel in /boot, no qemu-system-x86_64 or no busybox-static) ---- */

#include "../core/base/proto.h"

static char *demo_xml(struct tmx *x)
{
    char *kernel = NULL;
    char *ls = fmt("ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 > %s/kernel", x->rt.root);
    char *kf = fmt("%s/kernel", x->rt.root), *img = fmt("%s/initramfs.img", x->rt.root);
    char *mk = fmt("sh %s/scripts/mkinitramfs.sh %s >/dev/null 2>&1", src_dir(), img);
    char *tmpl = fmt("%s/scripts/demo.xml.in", src_dir());
    char *xml = NULL, *t = slurp(tmpl, NULL);
    if (system(ls) == 0 && (kernel = slurp(kf, NULL)) && *kernel && t &&
        access("/usr/bin/qemu-system-x86_64", X_OK) == 0 && system(mk) == 0) {
        kernel[strcspn(kernel, "\n")] = '\0';
        char *k = strstr(t, "@KERNEL@"), *i = strstr(t, "@INITRD@");
        cr_assert(k && i && k < i);
        *k = *i = '\0';
        xml = fmt("%s%s%s%s%s", t, kernel, k + 8, img, i + 8);
    }
    free(t);
    free(tmpl);
    free(mk);
    free(img);
    free(kf);
    free(ls);
    free(kernel);
    return xml;
}

/* what the guest prints while nobody is attached (a short-lived client) */
static void demo_line(struct tmx *x, const char *line, const char *want)
{
    char *sock = fmt("%s/run/qemu/demo/sup.sock", x->rt.root);
    struct err *e = NULL;
    int fd = console_attach_fd(sock, "", PROTO_ATT_NO_REPLAY, &e);
    cr_assert_geq(fd, 0, "attach: %s", e ? e->msg : "?");
    rt_send(fd, line);
    char *out = rt_read_until(fd, want, NULL);
    cr_assert(strstr(out, want), "'%s' not printed: '%s'", want, out);
    free(out);
    close(fd);
    free(sock);
}

Test(console_qemu, demo_guest_session, .timeout = 300)
{
    struct tmx x;
    rt_setup(&x.rt);
    char *xml = demo_xml(&x);
    if (!xml) {
        rt_teardown(&x.rt);
        cr_skip_test("no kernel, qemu-system-x86_64 or busybox-static here");
    }
    char *path = fmt("%s/demo.xml", x.rt.root);
    write_text(path, xml);
    char *def = fmt("define %s; start demo", path);
    const char *argv[] = { "-q", "-c", "qemu:///session", def, NULL };
    struct run_result r = run_domsh(x.rt.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    tmx_open(&x, "qemu:///session");

    /* attach while it boots: the boot banner (replay + live), then type */
    keys_stty(&x, 0, "$D console demo");
    char *s = wait_screen_s(&x, 0, "demo# ", 180);
    char *c = strstr(s, "Connected to domain 'demo'\n");
    cr_assert(c && strstr(c, "domsh guest ready"), "no boot banner after the banner:\n%s", s);
    free(s);
    keys(&x, 0, "echo hello-$((6*7))", true);
    free(wait_screen_s(&x, 0, "\nhello-42", 60));
    key(&x, 0, "C-]");
    free(wait_screen(&x, 0, "rc=0"));
    assert_stty_kept(&x, "detach");

    /* output while detached is replayed; a second typist is refused */
    demo_line(&x, "echo away-$((2+3))\r", "away-5");
    clear(&x, 0);
    console_cmd_dom(&x, 0, "demo", "");
    free(wait_screen_s(&x, 0, "away-5", 60));
    console_cmd_dom(&x, 1, "demo", "");
    s = wait_screen_s(&x, 1, "rc=1", 60);
    cr_assert(strstr(s, "error: Active console session exists for this domain"), "%s", s);
    free(s);
    clear(&x, 1);
    console_cmd_dom(&x, 1, "demo", "--force");
    free(wait_screen_s(&x, 1, "Connected to domain 'demo'", 60));
    free(wait_screen_s(&x, 0, "taken over by another client (--force)", 60));

    /* the guest powering off ends the session with status 0 */
    poweroff_ends_session(&x, 1, "poweroff -f", "demo", 120);
    free(def);
    free(path);
    free(xml);
    tmux(&x, "kill-server", NULL, NULL, NULL, NULL);
    const char *dargv[] = { "-q", "-c", "qemu:///session", "destroy demo", NULL };
    r = run_domsh(x.rt.root, NULL, dargv);    /* normally already shut off */
    run_free(&r);
    rt_teardown(&x.rt);
    free(x.sock);
}

/* DEVNAME completion offers the domain's pty devices */
Test(console_complete, offers_pty_devices, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    char *xml = fmt("<domain type='qemu'><name>pv</name><memory>65536</memory>"
                    "<os><type arch='x86_64'>hvm</type></os><devices>"
                    "<serial type='file'><source path='%s/s0.log'/><target port='0'/></serial>"
                    "<serial type='pty'><target port='1'/></serial>"
                    "<parallel type='pty'><target port='0'/></parallel>"
                    "</devices></domain>", t.root);
    char *path = fmt("%s/pv.xml", t.root), *def = fmt("define %s", path);
    write_text(path, xml);
    free(rt_ok(&t, def));
    char *out = rt_ok(&t, "complete -- console pv ''");
    cr_assert_str_eq(out, "parallel0\nserial1\n");
    free(out);
    out = rt_ok(&t, "complete -- console pv --devname se");
    cr_assert(strstr(out, "serial1\n") && !strstr(out, "serial0"), "%s", out);
    free(out);
    /* the names offered are the ones the supervisor attaches to */
    free(rt_ok(&t, "start pv"));
    const char *devs[] = { "serial1", "parallel0" };
    for (size_t i = 0; i < 2; i++) {
        char *err = NULL;
        int fd = rt_attach(&t, "pv", devs[i], PROTO_ATT_READONLY, &err);
        cr_assert_geq(fd, 0, "%s: %s", devs[i], err ? err : "?");
        close(fd);
        free(err);
    }
    free(def);
    free(path);
    free(xml);
    rt_teardown(&t);
}
