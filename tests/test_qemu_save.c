/* test_qemu_save.c: save, restore, managed save and snapshots with the real
 * QEMU (TCG) and the busybox demo guest.  A marker written into the
 * guest's RAM-backed root file system over the console must survive a save
 * and restore, come back on a snapshot revert, and a managed save + start
 * must resume the same boot (/proc/uptime goes on, the kernel did not boot
 * again).  Hard timeouts; only this test's domain is ever killed (by the
 * PIDs it recorded). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo_guest.h"
#include "sshd_helpers.h"

/* a failed assertion leaves a test before its demo_end() */
TestSuite(qemu_save, .fini = demo_leftovers);


static void marker_is(const char *want)
{
    char *expect = fmt("MARK=%s\r\n", want);
    free(demo_console_line("echo MARK=$(cat /marker)", expect));
    free(expect);
}

Test(qemu_save, marker_survives_save_restore_managedsave_and_snapshot_revert, .timeout = 600)
{
    demo_define(NULL, NULL);
    demo_ok("start demo");
    demo_wait_booted();
    free(demo_console_line("echo one > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    char *img = fmt("%s/demo.img", demo_root), *line = fmt("save demo %s", img);
    demo_ok(line);
    demo_expect_state("shut off (saved)");
    free(line);
    line = fmt("restore %s", img);
    demo_ok(line);
    demo_expect_state("running (restored)");
    marker_is("one");
    double up = demo_uptime();
    demo_ok("managedsave demo");
    demo_expect_state("shut off (saved)");
    demo_ok("start demo");
    demo_expect_state("running (restored)");
    demo_expect_same_boot(up);
    marker_is("one");
    demo_ok("snapshot-create-as demo s1");
    free(demo_console_line("echo two > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    marker_is("two");
    demo_ok("snapshot-revert demo s1");
    demo_expect_state("running (restored)");
    marker_is("one");
    demo_ok("snapshot-delete demo s1");
    free(line);
    free(img);
    demo_end();
}

/* live migration to a second store of this host (--dest-root): the same
 * boot goes on there, with the marker in its RAM */
Test(qemu_save, live_migration_to_another_root_keeps_the_boot, .timeout = 600)
{
    demo_define(NULL, NULL);
    demo_ok("start demo");
    demo_wait_booted();
    free(demo_console_line("echo mig > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    double up = demo_uptime();
    char *src = demo_root, *dst = tmp_root();
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s --verbose", dst);
    demo_ok(line);
    demo_expect_state("shut off (migrated)");
    demo_root = dst;                  /* the helpers now look at the destination */
    demo_expect_state("running (migrated)");
    marker_is("mig");
    demo_expect_same_boot(up);
    demo_end();
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
    free(line);
}

/* the log of root's demo says want */
static void demo_logged(const char *root, const char *want)
{
    char *log = fmt("%s/log/qemu/demo.log", root);
    char *text = slurp(log, NULL);
    cr_assert(text && strstr(text, want), "no '%s' in %s: %s", want, log, text);
    free(text);
    free(log);
}

/* live migration to "another host": a private sshd on 127.0.0.1 whose
 * sessions have their own root; the stream goes through an SSH forward of
 * the destination's migrate.sock, and the same boot goes on there */
static struct sshd mig_sshd;

/* the suite's clean-up (whichever root the test looked at last), then sshd's */
static void mig_sshd_fini(void)
{
    demo_leftovers();
    if (mig_sshd.dir)
        sshd_stop(&mig_sshd);
}

/* the demo guest booted, with the marker "ssh", and an sshd: its uptime */
static double ssh_demo_begin(void)
{
    if (!sshd_available())
        cr_skip_test("openssh-server is not installed (scripts/deps.sh installs it)");
    demo_define(NULL, NULL);
    sshd_start(&mig_sshd, demo_root);
    demo_ok("start demo");
    demo_wait_booted();
    free(demo_console_line("echo ssh > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    return demo_uptime();
}

/* the source is finished and the same boot (marker, uptime from up) runs on
 * the other host; the rest cleaned up */
static void ssh_demo_arrived(double up, const char *log_says)
{
    demo_expect_state("shut off (migrated)");
    char *src = demo_root;
    demo_root = strdup(mig_sshd.remote_root);   /* the helpers now look at the other host */
    demo_expect_state("running (migrated)");
    if (log_says)
        demo_logged(demo_root, log_says);
    marker_is("ssh");
    demo_expect_same_boot(up);
    demo_end();                  /* demo_root is NULL again */
    sshd_stop(&mig_sshd);
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
}

Test(qemu_save, live_migration_over_ssh_keeps_the_boot, .timeout = 600, .fini = mig_sshd_fini)
{
    double up = ssh_demo_begin();
    char *line = fmt("migrate --live demo qemu+ssh://127.0.0.1:%d/session --verbose",
                     mig_sshd.port);
    demo_ok(line);
    ssh_demo_arrived(up, NULL);
    free(line);
}

#define JOB_WAIT_MS 60000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* demo_q(LINE)'s stdout, asserting success (caller frees) */
static char *q_out(const char *line)
{
    struct run_result r = demo_q(line);
    cr_assert_eq(r.status, 0, "'%s' failed: %s", line, r.err);
    char *out = strdup(r.out ? r.out : "");
    run_free(&r);
    return out;
}

/* domjobinfo until the running migration shows its memory figures */
static char *job_running(void)
{
    char *out = NULL;
    long long deadline = now_ms() + JOB_WAIT_MS;
    do {
        free(out);
        usleep(100000);
        out = q_out("domjobinfo demo");
    } while (!strstr(out, "Memory processed:") && now_ms() < deadline);
    cr_assert(strstr(out, "Memory processed:"), "no running job: %s", out);
    return out;
}

static int wait_exit(pid_t pid)
{
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* the job commands on a live migration of the demo guest: migrate-setspeed
 * keeps it slow enough to be looked at (domjobinfo) and aborted
 * (domjobabort) from other shells, leaving exactly one running guest; then
 * a post-copy migration (migrate-postcopy from another shell) arrives with
 * the same boot */
Test(qemu_save, migration_job_info_abort_and_postcopy, .timeout = 600)
{
    demo_define(NULL, NULL);
    demo_ok("start demo");
    demo_wait_booted();
    free(demo_console_line("echo job > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    char *out = q_out("migrate-getspeed demo");
    cr_assert_str_eq(out, "8796093022207\n");
    free(out);
    demo_ok("migrate-setspeed demo 4");
    demo_ok("migrate-setmaxdowntime demo 100");
    out = q_out("migrate-getmaxdowntime demo");
    cr_assert_str_eq(out, "100\n");      /* QEMU's own parameter, read back */
    free(out);
    char *src = demo_root, *dst = tmp_root(), *errf = fmt("%s/mig.err", src);
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s", dst);
    pid_t pid = demo_spawn(line, errf);
    out = job_running();
    cr_assert(strstr(out, "Job type:         Unbounded   \nOperation:        Outgoing migration\n")
              && strstr(out, "Memory total:") && strstr(out, "Expected downtime:")
              && strstr(out, "Iteration:"), "%s", out);
    free(out);
    demo_ok("domjobabort demo");
    cr_assert_eq(wait_exit(pid), 1);
    char *err = slurp(errf, NULL);
    cr_assert(err && strstr(err, "operation aborted: migration out job: canceled by client"),
              "%s", err);
    free(err);
    demo_expect_state("running (booted)");
    marker_is("job");
    demo_root = dst;             /* nothing stayed in the destination */
    out = q_out("list --all");
    demo_root = src;
    cr_assert(!strstr(out, "demo"), "%s", out);
    free(out);
    out = q_out("domjobinfo demo --completed");
    cr_assert(strstr(out, "Job type:         Cancelled"), "%s", out);
    free(out);
    double up = demo_uptime();
    free(line);
    /* switched during the first pass (still at 4 MiB/s), so the guest
     * surely runs in the destination before its memory is all there */
    line = fmt("migrate --live demo qemu:///session --dest-root %s --postcopy", dst);
    pid = demo_spawn(line, errf);
    free(job_running());
    demo_ok("migrate-postcopy demo");
    int st = wait_exit(pid);
    err = slurp(errf, NULL);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    demo_expect_state("shut off (migrated)");
    out = q_out("domjobinfo demo --completed");
    cr_assert(strstr(out, "Operation:        Outgoing migration"), "%s", out);
    free(out);
    demo_logged(src, "switching the migration to post-copy");
    demo_root = dst;             /* the helpers now look at the destination */
    demo_expect_state("running (migrated)");
    demo_logged(dst, "post-copy: running the guest");   /* before its memory was all in */
    marker_is("job");
    demo_expect_same_boot(up);
    demo_end();
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
    free(line);
    free(errf);
}

/* post-copy to "another host": switched from another shell while the
 * stream crawls at 4 MiB/s, the guest runs there (its supervisor conts at
 * the switch) before its memory is all in, and the same boot goes on */
Test(qemu_save, postcopy_migration_over_ssh_keeps_the_boot, .timeout = 600,
     .fini = mig_sshd_fini)
{
    double up = ssh_demo_begin();
    demo_ok("migrate-setspeed demo 4");
    char *errf = fmt("%s/mig.err", demo_root);
    char *line = fmt("migrate --live demo qemu+ssh://127.0.0.1:%d/session --postcopy",
                     mig_sshd.port);
    pid_t pid = demo_spawn(line, errf);
    free(job_running());
    demo_ok("migrate-postcopy demo");
    int st = wait_exit(pid);
    char *err = slurp(errf, NULL);
    cr_assert_eq(st, 0, "%s", err);
    demo_logged(demo_root, "switching the migration to post-copy");
    ssh_demo_arrived(up, "post-copy: running the guest");
    free(err), free(errf), free(line);
}
