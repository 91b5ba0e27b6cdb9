/* test_lifecycle.c: the supervisor's lifecycle on the test backend,
 * through the real binary: start/destroy, every on_* action, every state
 * transition, the lifecycle commands and their errors, the console bridge. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "rt_helpers.h"

static struct rt T;

static void setup(void)
{
    rt_setup(&T);
}

static void teardown(void)
{
    rt_teardown(&T);
}

TestSuite(lifecycle, .init = setup, .fini = teardown, .timeout = 60);

#define EXPECT_STATE(name, want)                                                   \
    do {                                                                           \
        char *seen_ = NULL;                                                        \
        cr_assert(rt_wait_state(&T, name, want, &seen_), "%s: expected '%s', got '%s'", \
                  name, want, seen_);                                              \
    } while (0)

Test(lifecycle, start_and_destroy)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    char *out = rt_ok(&T, "start vm");
    free(out);
    struct run_result r = { 0 };
    const char *argv[] = { "-c", "test:///default", "start vm", NULL };
    r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "already running"), "%s", r.err);
    run_free(&r);
    EXPECT_STATE("vm", "running (booted)");
    cr_assert(rt_status_num(&T, "vm", "id") > 0);
    long sup = rt_status_num(&T, "vm", "sup_pid");
    long emu = rt_status_num(&T, "vm", "qemu_pid");
    cr_assert(pid_alive((pid_t)sup) && pid_alive((pid_t)emu));
    char *sock = rt_run_path(&T, "vm", "sup.sock");
    struct stat sb;
    cr_assert_eq(stat(sock, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    char *dir = fmt("%s/run/test/vm", T.root);
    cr_assert_eq(stat(dir, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0700);

    const char *dargv[] = { "-c", "test:///default", "destroy vm", NULL };
    r = run_domsh(T.root, NULL, dargv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' destroyed"), "%s", r.out);
    run_free(&r);
    /* destroy answers only once the emulator is reaped and the state written */
    char *s = rt_state(&T, "vm");
    cr_assert_str_eq(s, "shut off (destroyed)");
    cr_assert(!pid_alive((pid_t)emu));
    cr_assert_neq(stat(sock, &sb), 0);
    r = rt_run(&T, "destroy vm");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "not running"), "%s", r.err);
    run_free(&r);
    free(s);
    free(sock);
    free(dir);
}

Test(lifecycle, start_message_and_console_log_banner)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    const char *argv[] = { "-c", "test:///default", "start vm", NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' started"), "%s", r.out);
    run_free(&r);
    /* the banner is printed before any client attached: nothing is lost */
    char *log = fmt("%s/log/test/vm.console.log", T.root);
    char *text = NULL;
    for (int i = 0; i < 1000 && !(text && strstr(text, "fake# ")); i++) {
        free(text);
        usleep(10000);
        text = slurp(log, NULL);
    }
    cr_assert(text && strstr(text, "Welcome to fake-guest vm"), "console log: %s", text);
    int fd = rt_attach(&T, "vm", "", PROTO_ATT_READONLY, NULL);
    cr_assert_geq(fd, 0);
    char *replay = rt_read_until(fd, "fake# ", NULL);
    cr_assert(strstr(replay, "Welcome to fake-guest vm"), "replay: %s", replay);
    close(fd);
    free(replay);
    free(text);
    free(log);
}

Test(lifecycle, paused_start_suspend_resume)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm --paused"));
    EXPECT_STATE("vm", "paused (user)");
    free(rt_ok(&T, "resume vm"));
    EXPECT_STATE("vm", "running (unpaused)");
    struct run_result r = rt_run(&T, "resume vm");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "error:"), "%s", r.err);
    run_free(&r);
    const char *argv[] = { "-c", "test:///default", "suspend vm", NULL };
    r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' suspended"), "%s", r.out);
    run_free(&r);
    EXPECT_STATE("vm", "paused (user)");
    r = rt_run(&T, "suspend vm");
    cr_assert_eq(r.status, 1);
    run_free(&r);
    free(rt_ok(&T, "resume vm"));
    EXPECT_STATE("vm", "running (unpaused)");
}

/* guest poweroff under each on_poweroff action */
Test(lifecycle, on_poweroff_destroy)
{
    rt_define(&T, "vm", "destroy", NULL, NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "poweroff", "Power down.");
    EXPECT_STATE("vm", "shut off (shutdown)");
}

Test(lifecycle, on_poweroff_restart)
{
    rt_define(&T, "vm", "restart", NULL, NULL);
    free(rt_ok(&T, "start vm"));
    long emu = rt_status_num(&T, "vm", "qemu_pid");
    int fd = rt_attach(&T, "vm", "", PROTO_ATT_NO_REPLAY, NULL);
    rt_send(fd, "poweroff\r");
    /* restarted in place: the banner comes again from the same process */
    char *out = rt_read_until(fd, "Welcome to fake-guest vm", NULL);
    cr_assert(strstr(out, "Welcome"), "%s", out);
    close(fd);
    EXPECT_STATE("vm", "running (booted)");
    cr_assert_eq(rt_status_num(&T, "vm", "qemu_pid"), emu);
    free(out);
}

Test(lifecycle, on_poweroff_preserve)
{
    rt_define(&T, "vm", "preserve", NULL, NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "poweroff", "Power down.");
    EXPECT_STATE("vm", "in shutdown (preserved)");
    free(rt_ok(&T, "destroy vm"));
    EXPECT_STATE("vm", "shut off (destroyed)");
}

Test(lifecycle, on_reboot_restart)
{
    rt_define(&T, "vm", NULL, "restart", NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "reboot", "Welcome to fake-guest vm");
    EXPECT_STATE("vm", "running (booted)");
}

Test(lifecycle, on_reboot_destroy)
{
    rt_define(&T, "vm", NULL, "destroy", NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "reboot", "Restarting system.");
    EXPECT_STATE("vm", "shut off (shutdown)");
}

Test(lifecycle, on_reboot_preserve)
{
    rt_define(&T, "vm", NULL, "preserve", NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "reboot", "Restarting system.");
    EXPECT_STATE("vm", "in shutdown (preserved)");
}

Test(lifecycle, on_crash_destroy)
{
    rt_define(&T, "vm", NULL, NULL, "destroy");
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "panic", "Kernel panic");
    EXPECT_STATE("vm", "shut off (crashed)");
}

Test(lifecycle, on_crash_restart)
{
    rt_define(&T, "vm", NULL, NULL, "restart");
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "panic", "Welcome to fake-guest vm");
    EXPECT_STATE("vm", "running (booted)");
}

Test(lifecycle, on_crash_preserve)
{
    rt_define(&T, "vm", NULL, NULL, "preserve");
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "panic", "Kernel panic");
    EXPECT_STATE("vm", "crashed (panicked)");
    struct run_result r = rt_run(&T, "resume vm");
    cr_assert_eq(r.status, 1);
    run_free(&r);
    free(rt_ok(&T, "destroy vm"));
    EXPECT_STATE("vm", "shut off (destroyed)");
}

Test(lifecycle, on_crash_rename_restart)
{
    rt_define(&T, "vm", NULL, NULL, "rename-restart");
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "panic", "Welcome to fake-guest vm");
    EXPECT_STATE("vm", "running (booted)");
    /* the crashed instance's evidence is kept under a new name */
    char *cmd = fmt("ls %s/log/test | grep -c 'vm-crashed-.*\\.console\\.log'", T.root);
    FILE *p = popen(cmd, "r");
    int n = 0;
    cr_assert_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    cr_assert_eq(n, 1);
    free(cmd);
}

Test(lifecycle, shutdown_reboot_reset_commands)
{
    rt_define(&T, "vm", "destroy", "restart", NULL);
    free(rt_ok(&T, "start vm"));
    const char *argv[] = { "-c", "test:///default", "reboot vm", NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' is being rebooted"), "%s", r.out);
    run_free(&r);
    EXPECT_STATE("vm", "running (booted)");
    free(rt_ok(&T, "reset vm"));
    EXPECT_STATE("vm", "running (booted)");
    const char *sargv[] = { "-c", "test:///default", "shutdown vm", NULL };
    r = run_domsh(T.root, NULL, sargv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' is being shutdown"), "%s", r.out);
    run_free(&r);
    /* the fake guest honours the ACPI power button: on_poweroff=destroy */
    EXPECT_STATE("vm", "shut off (shutdown)");
    r = rt_run(&T, "shutdown vm");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "not running"), "%s", r.err);
    run_free(&r);
}

Test(lifecycle, console_exclusive_force_readonly)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    char *err = NULL;
    int a = rt_attach(&T, "vm", "console0", 0, &err);
    cr_assert_geq(a, 0, "%s", err);
    int b = rt_attach(&T, "vm", "serial0", 0, &err);
    cr_assert_lt(b, 0);
    cr_assert_str_eq(err, PROTO_BUSY_MSG);
    free(err);
    int ro = rt_attach(&T, "vm", "", PROTO_ATT_READONLY | PROTO_ATT_NO_REPLAY, &err);
    cr_assert_geq(ro, 0, "%s", err);
    rt_send(ro, "echo ignored-$((1+1))\r");       /* read-only: never reaches the guest */
    rt_send(a, "echo hello-$((6*7))\r");
    char *seen = rt_read_until(ro, "hello-42", NULL);
    cr_assert(strstr(seen, "hello-42") && !strstr(seen, "ignored-2"), "%s", seen);
    int c = rt_attach(&T, "vm", "", PROTO_ATT_FORCE | PROTO_ATT_NO_REPLAY, &err);
    cr_assert_geq(c, 0, "%s", err);
    int last = 0;
    char *old = rt_read_until(a, NULL, &last);
    cr_assert_eq(last, PROTO_DETACH, "the evicted client was not told (last frame %d)", last);
    err = NULL;
    int bad = rt_attach(&T, "vm", "parallel7", 0, &err);
    cr_assert_lt(bad, 0);
    cr_assert(strstr(err, "not found"), "%s", err);
    free(err);
    /* guest poweroff ends every session with EXIT */
    rt_send(c, "poweroff\r");
    free(rt_read_until(c, NULL, &last));
    cr_assert_eq(last, PROTO_EXIT);
    close(a);
    close(c);
    close(ro);
    free(seen);
    free(old);
}

Test(lifecycle, published_pty_reaches_the_guest)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    char *live_path = rt_run_path(&T, "vm", "live.xml");
    char *live = slurp(live_path, NULL);
    char *p = live ? strstr(live, "tty='") : NULL;
    cr_assert(p, "no tty= in live XML: %s", live);
    char pty[64];
    cr_assert_eq(sscanf(p, "tty='%63[^']'", pty), 1);
    cr_assert(strstr(live, "id='"), "no id in live XML");
    int fd = open(pty, O_RDWR | O_NOCTTY);
    cr_assert_geq(fd, 0, "cannot open %s", pty);
    cr_assert(isatty(fd));
    int ro = rt_attach(&T, "vm", "", PROTO_ATT_READONLY | PROTO_ATT_NO_REPLAY, NULL);
    cr_assert(write(fd, "echo via-pty\r", 13) == 13);
    char *seen = rt_read_until(ro, "via-pty\r\nfake#", NULL);
    cr_assert(strstr(seen, "via-pty\r\nfake#"), "%s", seen);
    close(ro);
    close(fd);
    free(seen);
    free(live);
    free(live_path);
}

Test(lifecycle, create_is_transient)
{
    char *path = fmt("%s/tr.xml", T.root);
    cr_assert_eq(write_text(path, "<domain type='qemu'><name>tr</name><memory>65536</memory>"
                                  "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>"
                                  "<devices><serial type='pty'/></devices></domain>"), 0);
    char *line = fmt("create %s --paused", path);
    const char *argv[] = { "-c", "test:///default", line, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'tr' created from"), "%s", r.out);
    run_free(&r);
    EXPECT_STATE("tr", "paused (user)");
    char *list = rt_ok(&T, "list --all");
    cr_assert(strstr(list, " tr "), "%s", list);
    free(list);
    char *tty = rt_ok(&T, "ttyconsole tr");
    cr_assert(strncmp(tty, "/dev/pts/", 9) == 0, "%s", tty);
    free(tty);
    r = rt_run(&T, "vncdisplay tr");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "Is this domain using VNC?"), "%s", r.err);
    run_free(&r);
    free(rt_ok(&T, "destroy tr"));
    /* gone: not listed, no run directory */
    list = rt_ok(&T, "list --all");
    cr_assert(!strstr(list, " tr "), "%s", list);
    char *dir = fmt("%s/run/test/tr", T.root);
    struct stat sb;
    cr_assert_neq(stat(dir, &sb), 0);
    free(dir);
    free(list);
    free(line);
    free(path);
}

Test(lifecycle, autostart_all)
{
    rt_define(&T, "a1", NULL, NULL, NULL);
    rt_define(&T, "a2", NULL, NULL, NULL);
    rt_define(&T, "manual", NULL, NULL, NULL);
    free(rt_ok(&T, "autostart a1; autostart a2"));
    free(rt_ok(&T, "start a2"));
    free(rt_ok(&T, "start --autostart-all"));
    EXPECT_STATE("a1", "running (booted)");
    EXPECT_STATE("a2", "running (booted)");
    EXPECT_STATE("manual", "shut off (unknown)");
}

Test(lifecycle, dominfo_live_figures)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    char *info = rt_ok(&T, "dominfo vm");
    char *id = fmt("Id:             %ld\n", rt_status_num(&T, "vm", "id"));
    cr_assert(strstr(info, id), "%s", info);
    cr_assert(strstr(info, "State:          running"), "%s", info);
    cr_assert(strstr(info, "Used memory:    65536 KiB"), "%s", info);
    free(info);
    /* the balloon's BALLOON_CHANGE event updates the supervisor's figure */
    free(rt_ok(&T, "setmem vm 40000"));
    char *sock = rt_run_path(&T, "vm", "sup.sock");
    char *reply = NULL;
    cr_assert_eq(sup_request(sock, "status", 5000, &reply, NULL), 0);
    cr_assert(strstr(reply, "used_mem_kib=40000"), "%s", reply);
    free(reply);
    free(sock);
    free(id);
}

Test(lifecycle, resize_reaches_the_pty)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    char *tty = rt_ok(&T, "ttyconsole vm");
    tty[strcspn(tty, "\n")] = '\0';
    int a = rt_attach(&T, "vm", "", PROTO_ATT_NO_REPLAY, NULL);
    cr_assert_geq(a, 0);
    unsigned char ws[4] = { 0, 42, 0, 132 };      /* 42 rows, 132 columns */
    cr_assert_eq(proto_send(a, PROTO_RESIZE, ws, sizeof(ws)), 0);
    rt_send(a, "echo sync\r");                    /* frames are handled in order */
    free(rt_read_until(a, "sync\r\nfake#", NULL));
    int fd = open(tty, O_RDWR | O_NOCTTY);
    struct winsize w = { 0 };
    cr_assert_eq(ioctl(fd, TIOCGWINSZ, &w), 0);
    cr_assert_eq(w.ws_row, 42);
    cr_assert_eq(w.ws_col, 132);
    close(fd);
    close(a);
    free(tty);
}

/* 2 MiB of output: the console log rotates and keeps the newest bytes */
Test(lifecycle, console_log_rotates)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    int a = rt_attach(&T, "vm", "", PROTO_ATT_NO_REPLAY, NULL);
    rt_send(a, "flood 40000\r");                  /* 40000 x 64 bytes = 2.4 MiB */
    free(rt_read_until(a, "flood done", NULL));
    close(a);
    char *old = fmt("%s/log/test/vm.console.log.1", T.root);
    char *cur = fmt("%s/log/test/vm.console.log", T.root);
    struct stat so, sc;
    cr_assert_eq(stat(old, &so), 0, "no rotated log");
    cr_assert_eq(stat(cur, &sc), 0);
    cr_assert_leq(so.st_size, 2 * 1024 * 1024);
    char *text = NULL;
    for (int i = 0; i < 500 && !(text && strstr(text, "flood done")); i++) {
        free(text);
        usleep(10000);
        text = slurp(cur, NULL);
    }
    cr_assert(text && strstr(text, "flood 00040000"), "the newest output is not in the log");
    free(text);
    free(old);
    free(cur);
}

/* the emulator's own log (its stderr) is shifted at start once past 2 MiB */
Test(lifecycle, emulator_log_rotates_at_start)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    char *log = fmt("%s/log/test/vm.log", T.root), *old = fmt("%s.1", log);
    char *big = calloc(3 * 1024 * 1024 + 1, 1);
    cr_assert_not_null(big);
    memset(big, 'x', 3 * 1024 * 1024);
    char *dir = fmt("%s/log", T.root), *sub = fmt("%s/log/test", T.root);
    mkdir(dir, 0700), mkdir(sub, 0700);
    free(dir), free(sub);
    cr_assert_eq(write_text(log, big), 0);
    free(rt_ok(&T, "start vm"));
    struct stat so, sc;
    cr_assert_eq(stat(old, &so), 0, "the full log was not shifted to %s", old);
    cr_assert_eq(so.st_size, 3 * 1024 * 1024);
    cr_assert_eq(stat(log, &sc), 0);
    cr_assert_lt(sc.st_size, 64 * 1024, "the new run's log carries the old one");
    free(rt_ok(&T, "destroy vm"));
    /* below the limit it keeps growing in place */
    free(rt_ok(&T, "start vm"));
    cr_assert_eq(stat(log, &so), 0);
    cr_assert_geq(so.st_size, sc.st_size);
    free(big), free(log), free(old);
}

/* start --console: the first boot line is on screen, and the guest's
 * poweroff ends the session with status 0 (in tmux, our own server) */
Test(lifecycle, start_console_in_tmux)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    char *sock = fmt("%s/tmux.sock", T.root);
    char *cmd = fmt("tmux -S %s -f /dev/null new-session -d -s t -x 100 -y 30 "
                    "\"env DOMSH_ROOT=%s %s -c test:///default start --console vm; "
                    "echo EXIT=\\$?; sleep 60\"", sock, T.root, domsh_bin());
    cr_assert_eq(system(cmd), 0);
    char *cap = fmt("tmux -S %s capture-pane -p -t t", sock);
    char *keys = fmt("tmux -S %s send-keys -t t poweroff Enter", sock);
    char screen[8192] = "";
    bool sent = false;
    for (int i = 0; i < 1000 && !strstr(screen, "EXIT="); i++) {
        usleep(10000);
        FILE *p = popen(cap, "r");
        size_t n = fread(screen, 1, sizeof(screen) - 1, p);
        screen[n] = '\0';
        pclose(p);
        if (!sent && strstr(screen, "fake#")) {   /* capture-pane trims the blank */
            cr_assert_eq(system(keys), 0);
            sent = true;
        }
    }
    char *kill = fmt("tmux -S %s kill-server", sock);
    system(kill);
    cr_assert(strstr(screen, "Connected to domain 'vm'"), "%s", screen);
    cr_assert(strstr(screen, "Welcome to fake-guest vm"), "%s", screen);
    cr_assert(strstr(screen, "EXIT=0"), "%s", screen);
    EXPECT_STATE("vm", "shut off (shutdown)");
    free(kill);
    free(keys);
    free(cap);
    free(cmd);
    free(sock);
}
