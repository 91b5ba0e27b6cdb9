/* test_stale.c: live state that lies (kill -9 of the supervisor or of the
 * guest, another boot), concurrent starts, and a failed start that must
 * leave nothing behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

TestSuite(stale, .init = setup, .fini = teardown, .timeout = 60);

static void expect_state(const char *name, const char *want)
{
    char *seen = NULL;
    cr_assert(rt_wait_state(&T, name, want, &seen), "%s: expected '%s', got '%s'", name, want,
              seen);
}

/* define and start "vm"; its supervisor and emulator pids */
static void start_vm(pid_t *sup, pid_t *emu)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    *sup = (pid_t)rt_status_num(&T, "vm", "sup_pid");
    *emu = (pid_t)rt_status_num(&T, "vm", "qemu_pid");
    cr_assert(*sup > 0 && *emu > 0);
}

Test(stale, kill_supervisor)
{
    pid_t sup, emu;
    start_vm(&sup, &emu);
    cr_assert_eq(kill(sup, SIGKILL), 0);
    /* nobody reaps it (init may be slow): the dead socket says enough */
    expect_state("vm", "shut off (crashed)");
    char *list = rt_ok(&T, "list --all");
    cr_assert(strstr(list, "shut off"), "%s", list);
    free(list);
    /* the guest died with its supervisor (no orphan emulator) */
    for (int i = 0; i < 200 && pid_alive(emu); i++)
        usleep(10000);
    cr_assert(!pid_alive(emu));
    free(rt_ok(&T, "start vm"));
    expect_state("vm", "running (booted)");
}

/* a supervisor that cannot answer (stopped here; wedged in real life):
 * destroy still stops the guest, after its timeout, and says so */
Test(stale, destroy_a_stopped_supervisor)
{
    pid_t sup, emu;
    start_vm(&sup, &emu);
    cr_assert_eq(kill(sup, SIGSTOP), 0);
    free(rt_ok(&T, "destroy vm"));
    for (int i = 0; i < 200 && (pid_alive(sup) || pid_alive(emu)); i++)
        usleep(10000);
    cr_assert(!pid_alive(sup), "the stopped supervisor is still there");
    cr_assert(!pid_alive(emu), "the guest outlived its supervisor");
    expect_state("vm", "shut off (destroyed)");
    free(rt_ok(&T, "start vm"));
    expect_state("vm", "running (booted)");
}

Test(stale, kill_guest)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    long emu = rt_status_num(&T, "vm", "qemu_pid");
    cr_assert_eq(kill((pid_t)emu, SIGKILL), 0);
    expect_state("vm", "shut off (crashed)");
    free(rt_ok(&T, "start vm"));
    expect_state("vm", "running (booted)");
}

Test(stale, other_boot)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    long sup = rt_status_num(&T, "vm", "sup_pid");
    char *path = rt_run_path(&T, "vm", "status");
    char *text = slurp(path, NULL);
    char *b = strstr(text, "boot_id=");
    cr_assert(b);
    memcpy(b + 8, "00000000", 8);      /* as if written before a host reboot */
    cr_assert_eq(write_text(path, text), 0);
    char *s = rt_state(&T, "vm");
    cr_assert_str_eq(s, "shut off (crashed)");
    kill((pid_t)sup, SIGKILL);         /* ours: started by this test */
    free(s);
    free(text);
    free(path);
    free(rt_ok(&T, "start vm"));
    expect_state("vm", "running (booted)");
}

/* the boot unit after a host reboot: RUN/ still holds a status from the
 * other boot; --autostart-all repairs it and starts the domain again */
Test(stale, autostart_all_after_other_boot)
{
    pid_t sup, emu;
    start_vm(&sup, &emu);
    free(rt_ok(&T, "autostart vm"));
    char *path = rt_run_path(&T, "vm", "status");
    char *text = slurp(path, NULL);
    char *b = strstr(text, "boot_id=");
    cr_assert(b);
    memcpy(b + 8, "00000000", 8);
    kill(sup, SIGKILL);                /* ours: started by this test */
    for (int i = 0; i < 200 && pid_alive(emu); i++)
        usleep(10000);
    cr_assert_eq(write_text(path, text), 0);
    free(rt_ok(&T, "start --autostart-all"));
    expect_state("vm", "running (booted)");
    cr_assert_neq(rt_status_num(&T, "vm", "sup_pid"), (long)sup);
    free(text);
    free(path);
}

/* processes whose command line (words joined by spaces) contains want */
static int count_procs(const char *want)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        char *path = fmt("/proc/%s/cmdline", de->d_name);
        size_t len = 0;
        char *cmd = slurp(path, &len);
        for (size_t i = 0; cmd && i + 1 < len; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        n += cmd && strstr(cmd, want) && pid_alive((pid_t)atoi(de->d_name));
        free(cmd);
        free(path);
    }
    if (d)
        closedir(d);
    return n;
}

/* N shells start one domain at once: exactly one supervisor */
Test(stale, concurrent_start)
{
    enum { N = 4 };
    rt_define(&T, "vm", NULL, NULL, NULL);
    pid_t kids[N];
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            struct run_result r = rt_run(&T, "start vm");
            int code = r.status == 0 ? 0 : strstr(r.err, "already running") ||
                                               strstr(r.err, "another shell is changing") ? 1 : 2;
            run_free(&r);
            _exit(code);
        }
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 3;
        ok += rc == 0;
        refused += rc == 1;
    }
    cr_assert_eq(ok, 1, "%d shells started the domain", ok);
    cr_assert_eq(refused, N - 1, "a refused start had no clear error");
    char *want = fmt("%s/run/test/vm/launch --sync-fd", T.root);
    int n = count_procs(want);
    cr_assert_eq(n, 1, "%d supervisors", n);
    free(want);
}

/* a failing emulator: its exit status and stderr tail, and no state left */
Test(stale, failed_start_leaves_nothing)
{
    char *emu = fmt("%s/bad-qemu", T.root);
    cr_assert_eq(write_text(emu, "#!/bin/sh\necho \"qemu-system-x86_64: -device foo: "
                                 "'foo' is not a valid device model name\" >&2\nexit 1\n"), 0);
    chmod(emu, 0755);
    char *xml = fmt("<domain type='qemu'><name>bad</name><memory>65536</memory><vcpu>1</vcpu>"
                    "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                    "<devices><emulator>%s</emulator></devices></domain>", emu);
    char *path = fmt("%s/bad.xml", T.root);
    write_text(path, xml);
    char *def = fmt("define %s", path);
    const char *argv1[] = { "-c", "qemu:///session", def, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv1);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    const char *argv2[] = { "-c", "qemu:///session", "start bad", NULL };
    r = run_domsh(T.root, NULL, argv2);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "error: Failed to start domain 'bad'"), "%s", r.err);
    cr_assert(strstr(r.err, "exited with status 1"), "%s", r.err);
    cr_assert(strstr(r.err, "'foo' is not a valid device model name"), "%s", r.err);
    run_free(&r);
    char *run = fmt("%s/run/qemu/bad", T.root);
    struct stat sb;
    cr_assert_neq(stat(run, &sb), 0, "start left %s behind", run);
    const char *argv3[] = { "-c", "qemu:///session", "domstate bad", NULL };
    r = run_domsh(T.root, NULL, argv3);
    cr_assert(strstr(r.out, "shut off"), "%s", r.out);
    run_free(&r);
    free(run);
    free(def);
    free(path);
    free(xml);
    free(emu);
}

/* what this host cannot run (a missing emulator: a host condition, so
 * define takes it) is refused by start before anything is created */
Test(stale, host_check_refusal_leaves_nothing)
{
    char *path = fmt("%s/x.xml", T.root);
    write_text(path, "<domain type='qemu'><name>x</name><memory>65536</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64'>hvm</type></os><devices>"
                     "<emulator>/nonexistent/qemu-system-x86_64</emulator></devices></domain>");
    char *def = fmt("define %s", path);
    const char *argv1[] = { "-c", "qemu:///session", def, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv1);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    const char *argv2[] = { "-c", "qemu:///session", "start x", NULL };
    r = run_domsh(T.root, NULL, argv2);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "error: emulator '/nonexistent/qemu-system-x86_64'"), "%s", r.err);
    run_free(&r);
    char *run = fmt("%s/run/qemu/x", T.root);
    struct stat sb;
    cr_assert_neq(stat(run, &sb), 0, "start left %s behind", run);
    free(run);
    free(def);
    free(path);
}
