/* test_migrate_stall.c: migration to another host when the destination
 * stalls instead of failing, on the test backend through a real sshd on
 * 127.0.0.1 (migssh_helpers.h).  Three stalls, each a real one:
 *  - the destination starting the domain: its log file LOG/vm.log is made
 *    a FIFO, so its supervisor blocks opening it until the test reads it;
 *  - the destination's `domsh --stdio` frozen (SIGSTOP) once the state
 *    flows, so it cannot confirm the arrival;
 *  - the whole destination host frozen: every sshd process serving the
 *    test's connections SIGSTOPped, the TCP connections left open.
 * The limits are shortened through DOMSH_MIGRATE_START_TIMEOUT and
 * DOMSH_MIGRATE_CONFIRM_TIMEOUT, ssh's keepalive through the test's
 * ssh_config.  Each case must end with exactly one running guest, nothing
 * left on the destination (once it can move again) and no ssh left. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migssh_helpers.h"

static struct rt T, D;
static struct sshd S;
static int fifo_reader = -1;

static void stall_setup(void)
{
    migssh_setup(&T, &S, &D);
}

static void stall_teardown(void)
{
    if (fifo_reader >= 0)
        close(fifo_reader);
    migssh_teardown(&T, &S);
}

TestSuite(migrate_stall, .init = stall_setup, .fini = stall_teardown, .timeout = 240);

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

/* D's LOG/vm.log a FIFO: the destination's supervisor blocks opening it */
static char *hold_the_destination_start(void)
{
    char *dir = fmt("%s/log", D.root);
    mkdir(dir, 0700);
    free(dir);
    dir = fmt("%s/log/test", D.root);
    mkdir(dir, 0700);
    char *fifo = fmt("%s/vm.log", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo %s", fifo);
    free(dir);
    return fifo;
}

static void release_the_destination_start(const char *fifo)
{
    fifo_reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    cr_assert_geq(fifo_reader, 0);
}

/* the destination began to start the domain (RUN/vm/live.xml there) */
static void destination_starting(void)
{
    char *live = rt_run_path(&D, "vm", "live.xml");
    for (int i = 0; i < 600 && access(live, F_OK) != 0; i++)
        usleep(100000);
    cr_assert_eq(access(live, F_OK), 0, "the destination never began to start the domain");
    free(live);
}

/* nothing of vm in D (not even transient) and its domsh gone, within 20 s */
static void destination_empty(void)
{
    char *out = NULL;
    for (int i = 0; i < 200; i++, usleep(100000)) {
        free(out);
        out = rt_ok(&D, "list --all");
        if (!strstr(out, " vm ") && !sshd_server_pid(&S))
            break;
    }
    cr_assert(!strstr(out, " vm "), "the destination kept the domain:\n%s", out);
    cr_assert_eq(sshd_server_pid(&S), 0, "the destination's domsh is still there");
    free(out);
}

/* the source guest runs as it was (counter 1) and alone */
static void source_runs_alone(void)
{
    rt_state_starts(&T, "vm", "running");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    migssh_no_ssh_left(&S);
}

static pid_t spawn_migrate(const char *opts, const char *errf)
{
    char *line = fmt("migrate vm %s %s", S.uri, opts);
    pid_t pid = rt_spawn(&T, line, errf);
    free(line);
    return pid;
}

Test(migrate_stall, ctrl_c_while_the_destination_starts)
{
    migssh_vm_at(&T, 1);
    char *fifo = hold_the_destination_start(), *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_migrate("--live", errf);
    destination_starting();
    usleep(300000);
    kill(pid, SIGINT);
    /* the source waits for the destination's word that it dropped the domain */
    usleep(1000000);
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the source did not wait for the destination");
    release_the_destination_start(fifo);
    char *err = migssh_shell_exits(pid, errf, 1);
    migssh_one_error(err, &S, "operation canceled");
    cr_assert(!strstr(err, "still starts"), "%s", err);
    char *all = rt_ok(&D, "list --all");        /* gone before the source returned */
    cr_assert(!strstr(all, " vm "), "the destination kept the domain:\n%s", all);
    source_runs_alone();
    destination_empty();
    free(all), free(err), free(errf), free(fifo);
}

Test(migrate_stall, a_destination_that_does_not_start_in_time_is_given_up)
{
    migssh_vm_at(&T, 1);
    setenv("DOMSH_MIGRATE_START_TIMEOUT", "x", 1);
    struct run_result bad = rt_run(&T, "migrate vm test+ssh://127.0.0.1:1/default");
    cr_assert(bad.status == 1 && strstr(bad.err, "error: DOMSH_MIGRATE_START_TIMEOUT='x': "
                                                "expected seconds from 1 to 86400"), "%s", bad.err);
    run_free(&bad);
    setenv("DOMSH_MIGRATE_START_TIMEOUT", "2", 1);
    setenv("DOMSH_MIGRATE_CONFIRM_TIMEOUT", "2", 1);
    char *fifo = hold_the_destination_start(), *errf = fmt("%s/err", T.root);
    long long t0 = now_ms();
    pid_t pid = spawn_migrate("--live", errf);
    /* our keepalive, as the test's ssh_config sets none */
    pid_t ssh = 0;
    for (int i = 0; i < 600 && !(ssh = sshd_client_pid_with(&S, "ServerAliveInterval=15")); i++)
        usleep(100000);
    cr_assert_gt(ssh, 0, "the request channel's ssh has no ServerAliveInterval=15");
    cr_assert_gt(sshd_client_pid_with(&S, "ServerAliveCountMax=3"), 0);
    char *err = migssh_shell_exits(pid, errf, 1);
    migssh_one_error(err, &S, "127.0.0.1 still starts the domain (it drops it once it answers "
                     "again): 127.0.0.1 did not answer within 2 s (DOMSH_MIGRATE_START_TIMEOUT)");
    cr_assert_lt(now_ms() - t0, 100000, "the limits were not the environment's");
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    source_runs_alone();
    release_the_destination_start(fifo);       /* it moves again: sees the source gone */
    destination_empty();
    free(err), free(errf), free(fifo);
}

Test(migrate_stall, a_destination_that_does_not_confirm_leaves_the_source_paused)
{
    setenv("DOMSH_MIGRATE_CONFIRM_TIMEOUT", "2", 1);
    migssh_vm_at(&T, 1);
    rt_guest_line(&T, "vm", "slowmig 300", "slowmig=300");
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_migrate("", errf);
    rt_state_starts(&T, "vm", "paused (migrating)");
    pid_t server = sshd_server_pid(&S);
    cr_assert_gt(server, 0, "no domsh --stdio on the destination");
    kill(server, SIGSTOP);               /* the state goes on flowing; no word comes */
    char *err = migssh_shell_exits(pid, errf, 1);
    migssh_one_error(err, &S, "the whole state went to 127.0.0.1 but it did not confirm, so "
                     "the source stays paused");
    cr_assert(strstr(err, "did not answer within 2 s (DOMSH_MIGRATE_CONFIRM_TIMEOUT)"), "%s", err);
    rt_state_starts(&T, "vm", "paused");
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");      /* one running copy: there */
    kill(server, SIGCONT);               /* thawed, it keeps what arrived */
    for (int i = 0; i < 200 && sshd_server_pid(&S); i++)
        usleep(100000);
    cr_assert_eq(sshd_server_pid(&S), 0, "the destination's domsh is still there");
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    rt_state_starts(&T, "vm", "paused");
    free(rt_ok(&T, "destroy vm"));       /* what the error line tells the user to do */
    migssh_no_ssh_left(&S);
    free(err), free(errf);
}

Test(migrate_stall, a_frozen_destination_host_fails_the_migration_by_keepalive)
{
    /* the user's ssh_config sets a keepalive of its own, which wins over
     * ours, and ssh's default LogLevel, which says why it gave up (first
     * obtained values win: before the test's "Host *") */
    char *cfg = fmt("%s/ssh_config", S.dir), *was = slurp(cfg, NULL);
    char *now = fmt("Host 127.0.0.1\n  ServerAliveInterval 1\n  ServerAliveCountMax 2\n"
                    "  LogLevel INFO\n%s", was);
    cr_assert_eq(write_text(cfg, now), 0);
    free(was), free(now);
    migssh_vm_at(&T, 1);
    rt_guest_line(&T, "vm", "slowmig 300", "slowmig=300");
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_migrate("", errf);
    rt_state_starts(&T, "vm", "paused (migrating)");
    cr_assert_gt(sshd_client_pid_with(&S, "-N"), 0, "no forward");
    cr_assert_eq(sshd_client_pid_with(&S, "ServerAliveInterval=15"), 0,
                 "our keepalive overrode the user's");
    pid_t sessions[64];
    size_t n = sshd_sessions(&S, sessions, 64);
    cr_assert_geq(n, 2, "expected the sshd processes of two connections, found %zu", n);
    long long t0 = now_ms();
    for (size_t i = 0; i < n; i++)
        kill(sessions[i], SIGSTOP);
    char *err = migssh_shell_exits(pid, errf, 1);
    long long took = now_ms() - t0;
    for (size_t i = 0; i < n; i++)
        kill(sessions[i], SIGCONT);
    migssh_one_error(err, &S, "127.0.0.1 not responding");
    cr_assert_lt(took, 30000, "found after %lld ms: not the user's 1 s x 2", took);
    source_runs_alone();
    destination_empty();
    free(err), free(errf), free(cfg);
}
