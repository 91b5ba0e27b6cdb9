/* test_qemu_save.c: save, restore, managed save and snapshots with the real
 * QEMU (TCG) and the busybox demo guest.  A marker written into the
 * guest's RAM-backed root file system over the console must survive a save
 * and restore, come back on a snapshot revert, and a managed save + start
 * must resume the same boot (/proc/uptime goes on, the kernel did not boot
 * again).  Hard timeouts; only this test's domain is ever killed (by the
 * PIDs it recorded). */
#include <criterion/criterion.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "helpers.h"
#include "sshd_helpers.h"

#define BOOT_WAIT_MS 240000      /* a loaded 2-core host boots the guest in 40 s */
#define LINE_WAIT_MS 60000

static char *root;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static struct run_result q(const char *line)
{
    const char *argv[] = {"-q", "-c", "qemu:///session", line, NULL};
    return run_domsh(root, NULL, argv);
}

static void qok(const char *line)
{
    struct run_result r = q(line);
    cr_assert_eq(r.status, 0, "'%s' failed: %s", line, r.err);
    run_free(&r);
}

static char *state(void)
{
    struct run_result r = q("domstate demo --reason");
    char *s = strdup(r.out ? r.out : "");
    s[strcspn(s, "\n")] = '\0';
    run_free(&r);
    return s;
}

/* type LINE on the console; return the output until WANT (NULL: nothing) */
static char *console_line(const char *line, const char *want)
{
    char *sock = fmt("%s/run/qemu/demo/sup.sock", root);
    struct err *e = NULL;
    int fd = console_attach_fd(sock, "", PROTO_ATT_NO_REPLAY, &e);
    cr_assert_geq(fd, 0, "console: %s", e ? e->msg : "?");
    char *text = fmt("%s\r", line);
    cr_assert_eq(proto_send_str(fd, PROTO_DATA, text), 0);
    static struct frame_reader rd;
    rd.len = rd.consumed = 0;
    size_t len = 0, cap = 1 << 16;
    char *out = calloc(1, cap);
    long long deadline = now_ms() + LINE_WAIT_MS;
    while (want && !strstr(out, want) && now_ms() < deadline) {
        struct frame f;
        while (frame_next(&rd, &f))
            if (f.type == PROTO_DATA && len + f.len + 1 < cap) {
                memcpy(out + len, f.payload, f.len);
                out[len += f.len] = '\0';
            }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (!strstr(out, want) && poll(&p, 1, 200) > 0 && frame_fill(&rd, fd) <= 0)
            break;
    }
    cr_assert(!want || strstr(out, want), "'%s' did not print '%s': '%s'", line, want, out);
    close(fd);
    free(text);
    free(sock);
    err_free(e);
    return out;
}

static void wait_booted(void)
{
    char *log = fmt("%s/log/qemu/demo.console.log", root);
    long long deadline = now_ms() + BOOT_WAIT_MS;
    char *text = NULL;
    do {
        free(text);
        usleep(200000);
        text = slurp(log, NULL);
    } while (!(text && strstr(text, "demo# ")) && now_ms() < deadline);
    cr_assert(text && strstr(text, "demo# "), "the demo guest did not reach its shell: %s",
              text ? text : "(no log)");
    free(text);
    free(log);
}

/* the guest's uptime; the quotes keep the typed line from matching */
static double uptime(void)
{
    char *out = console_line("echo U\"\"P=$(cut -d' ' -f1 /proc/uptime) E\"\"ND", " END\r\n");
    char *p = strstr(out, "UP=");
    double v = p ? atof(p + 3) : -1;
    free(out);
    cr_assert_gt(v, 0.0, "no uptime read");
    return v;
}

static void marker_is(const char *want)
{
    char *expect = fmt("MARK=%s\r\n", want);
    free(console_line("echo MARK=$(cat /marker)", expect));
    free(expect);
}

static void define_demo(void)
{
    root = tmp_root();
    char *initrd = fmt("%s/initramfs.img", root);
    char *mk = fmt("sh '%s/scripts/mkinitramfs.sh' '%s' >/dev/null", src_dir(), initrd);
    cr_assert_eq(system(mk), 0, "mkinitramfs.sh failed");
    glob_t gl;
    cr_assert(glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0, "no /boot/vmlinuz-*");
    char *xml = fmt("<domain type='qemu'><name>demo</name><memory>131072</memory><vcpu>1</vcpu>"
                    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel>"
                    "<initrd>%s</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>"
                    "<features><acpi/></features><devices><serial type='pty'/>"
                    "<console type='pty'/></devices></domain>", gl.gl_pathv[gl.gl_pathc - 1],
                    initrd);
    char *path = fmt("%s/demo.xml", root), *line = fmt("define %s", path);
    cr_assert_eq(write_text(path, xml), 0);
    qok(line);
    globfree(&gl);
    free(line);
    free(path);
    free(xml);
    free(mk);
    free(initrd);
}

static long status_num(const char *key)
{
    char *path = fmt("%s/run/qemu/demo/status", root);
    char *text = slurp(path, NULL), *k = fmt("%s=", key);
    char *p = text ? strstr(text, k) : NULL;
    long v = p ? atol(p + strlen(k)) : -1;
    free(k);
    free(text);
    free(path);
    return v;
}

static void end(void)
{
    struct run_result r = q("destroy demo");
    run_free(&r);
    long pids[2] = {status_num("qemu_pid"), status_num("sup_pid")};
    for (size_t i = 0; i < 2; i++)
        if (pids[i] > 0)
            kill((pid_t)pids[i], SIGKILL);
    rm_rf(root);
    free(root);
    root = NULL;
}

/* a failed assertion leaves the test before its end(): its guest and
 * supervisor must not outlive it */
static void leftovers(void)
{
    if (root)
        end();
}

TestSuite(qemu_save, .fini = leftovers);

static void expect_state(const char *want)
{
    char *s = state();
    cr_assert_str_eq(s, want);
    free(s);
}

Test(qemu_save, marker_survives_save_restore_managedsave_and_snapshot_revert, .timeout = 600)
{
    define_demo();
    qok("start demo");
    wait_booted();
    free(console_line("echo one > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    char *img = fmt("%s/demo.img", root), *line = fmt("save demo %s", img);
    qok(line);
    expect_state("shut off (saved)");
    free(line);
    line = fmt("restore %s", img);
    qok(line);
    expect_state("running (restored)");
    marker_is("one");
    double up = uptime();
    qok("managedsave demo");
    expect_state("shut off (saved)");
    qok("start demo");
    expect_state("running (restored)");
    double up2 = uptime();
    cr_assert_geq(up2, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, up2);
    marker_is("one");
    qok("snapshot-create-as demo s1");
    free(console_line("echo two > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    marker_is("two");
    qok("snapshot-revert demo s1");
    expect_state("running (restored)");
    marker_is("one");
    qok("snapshot-delete demo s1");
    free(line);
    free(img);
    end();
}

/* live migration to a second store of this host (--dest-root): the same
 * boot goes on there, with the marker in its RAM */
Test(qemu_save, live_migration_to_another_root_keeps_the_boot, .timeout = 600)
{
    define_demo();
    qok("start demo");
    wait_booted();
    free(console_line("echo mig > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    double up = uptime();
    char *src = root, *dst = tmp_root();
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s --verbose", dst);
    qok(line);
    expect_state("shut off (migrated)");
    root = dst;                  /* the helpers now look at the destination */
    expect_state("running (migrated)");
    marker_is("mig");
    double up2 = uptime();
    cr_assert_geq(up2, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, up2);
    end();
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
    free(line);
}

/* live migration to "another host": a private sshd on 127.0.0.1 whose
 * sessions have their own root; the stream goes through an SSH forward of
 * the destination's migrate.sock, and the same boot goes on there */
static struct sshd mig_sshd;

/* the suite's clean-up (whichever root the test looked at last), then sshd's */
static void mig_sshd_fini(void)
{
    leftovers();
    if (mig_sshd.dir)
        sshd_stop(&mig_sshd);
}

Test(qemu_save, live_migration_over_ssh_keeps_the_boot, .timeout = 600, .fini = mig_sshd_fini)
{
    if (!sshd_available())
        cr_skip_test("openssh-server is not installed (scripts/deps.sh installs it)");
    define_demo();
    sshd_start(&mig_sshd, root);
    qok("start demo");
    wait_booted();
    free(console_line("echo ssh > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    double up = uptime();
    char *line = fmt("migrate --live demo qemu+ssh://127.0.0.1:%d/session --verbose",
                     mig_sshd.port);
    qok(line);
    expect_state("shut off (migrated)");
    char *src = root;
    root = strdup(mig_sshd.remote_root);   /* the helpers now look at the other host */
    expect_state("running (migrated)");
    marker_is("ssh");
    double up2 = uptime();
    cr_assert_geq(up2, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, up2);
    end();                       /* root is NULL again */
    sshd_stop(&mig_sshd);
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
    free(line);
}

/* `domsh -q -c qemu:///session LINE` in the background, stderr to errfile */
static pid_t q_spawn(const char *line, const char *errfile)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("DOMSH_ROOT", root, 1);
        FILE *err = freopen(errfile, "w", stderr);
        FILE *out = freopen("/dev/null", "w", stdout);
        (void)err;
        (void)out;
        execl(domsh_bin(), domsh_bin(), "-q", "-c", "qemu:///session", line, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* q(LINE)'s stdout, asserting success (caller frees) */
static char *q_out(const char *line)
{
    struct run_result r = q(line);
    cr_assert_eq(r.status, 0, "'%s' failed: %s", line, r.err);
    char *out = strdup(r.out ? r.out : "");
    run_free(&r);
    return out;
}

/* domjobinfo until the running migration shows its memory figures */
static char *job_running(void)
{
    char *out = NULL;
    long long deadline = now_ms() + LINE_WAIT_MS;
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
    define_demo();
    qok("start demo");
    wait_booted();
    free(console_line("echo job > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    char *out = q_out("migrate-getspeed demo");
    cr_assert_str_eq(out, "8796093022207\n");
    free(out);
    qok("migrate-setspeed demo 4");
    qok("migrate-setmaxdowntime demo 100");
    out = q_out("migrate-getmaxdowntime demo");
    cr_assert_str_eq(out, "100\n");      /* QEMU's own parameter, read back */
    free(out);
    char *src = root, *dst = tmp_root(), *errf = fmt("%s/mig.err", src);
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s", dst);
    pid_t pid = q_spawn(line, errf);
    out = job_running();
    cr_assert(strstr(out, "Job type:         Unbounded   \nOperation:        Outgoing migration\n")
              && strstr(out, "Memory total:") && strstr(out, "Expected downtime:")
              && strstr(out, "Iteration:"), "%s", out);
    free(out);
    qok("domjobabort demo");
    cr_assert_eq(wait_exit(pid), 1);
    char *err = slurp(errf, NULL);
    cr_assert(err && strstr(err, "operation aborted: migration out job: canceled by client"),
              "%s", err);
    free(err);
    expect_state("running (booted)");
    marker_is("job");
    root = dst;                  /* nothing stayed in the destination */
    out = q_out("list --all");
    cr_assert(!strstr(out, "demo"), "%s", out);
    free(out);
    root = src;
    out = q_out("domjobinfo demo --completed");
    cr_assert(strstr(out, "Job type:         Cancelled"), "%s", out);
    free(out);
    double up = uptime();
    free(line);
    /* switched during the first pass (still at 4 MiB/s), so the guest
     * surely runs in the destination before its memory is all there */
    line = fmt("migrate --live demo qemu:///session --dest-root %s --postcopy", dst);
    pid = q_spawn(line, errf);
    free(job_running());
    qok("migrate-postcopy demo");
    int st = wait_exit(pid);
    err = slurp(errf, NULL);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    expect_state("shut off (migrated)");
    out = q_out("domjobinfo demo --completed");
    cr_assert(strstr(out, "Operation:        Outgoing migration"), "%s", out);
    free(out);
    char *log = fmt("%s/log/qemu/demo.log", src);
    char *text = slurp(log, NULL);
    cr_assert(text && strstr(text, "switching the migration to post-copy"), "%s", text);
    free(text);
    free(log);
    root = dst;
    expect_state("running (migrated)");
    log = fmt("%s/log/qemu/demo.log", dst);    /* it ran there before its memory was all in */
    text = slurp(log, NULL);
    cr_assert(text && strstr(text, "post-copy: running the guest"), "%s", text);
    free(text);
    free(log);
    marker_is("job");
    double up2 = uptime();
    cr_assert_geq(up2, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, up2);
    end();
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
    free(line);
    free(errf);
}
