/* test_migrate_ssh.c: `migrate DOM test+ssh://HOST/default` on the test
 * backend through a real sshd on 127.0.0.1 (sshd_helpers.h).  The source
 * is the test's root (T); the "remote host" is the sshd sessions' root (D).
 * The fake guest's counter (console `inc`) travels with its state through
 * the SSH forward; `slowmig 500` paces a migration so that the forward's
 * ssh, the request channel's ssh or Ctrl-C can be hit mid-way.  Every
 * failure must leave exactly one running guest: the source's, as it was. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migssh_helpers.h"

static struct rt T, D;
static struct sshd S;

static void ssh_setup(void)
{
    migssh_setup(&T, &S, &D);
}

static void ssh_teardown(void)
{
    migssh_teardown(&T, &S);
}

TestSuite(migrate_ssh, .init = ssh_setup, .fini = ssh_teardown, .timeout = 240);

static void runs_in(struct rt *t, bool yes)
{
    migssh_runs_in(t, yes);
}

static void vm_at(int n)
{
    migssh_vm_at(&T, n);
}

static char *migrate_line(const char *opts)
{
    return fmt("migrate vm %s %s", S.uri, opts);
}

static void no_ssh_left(void)
{
    migssh_no_ssh_left(&S);
}

/* the source's domain is shut off (migrated), its supervisor gone, and
 * the domain runs in D */
static void source_finished(long sup)
{
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    for (int i = 0; i < 500 && pid_alive((pid_t)sup); i++, usleep(10000))
        continue;
    cr_assert(!pid_alive((pid_t)sup), "the source supervisor %ld is still there", sup);
    runs_in(&T, false);
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
}

Test(migrate_ssh, live_migration_moves_the_guest_to_the_other_host)
{
    vm_at(3);
    long sup = rt_status_num(&T, "vm", "sup_pid");
    char *line = migrate_line("--live --verbose");
    const char *argv[] = {"-c", "test:///default", line, NULL};
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *said = fmt("Domain 'vm' migrated to %s", S.uri);
    cr_assert(strstr(r.out, said), "%s", r.out);
    cr_assert(strstr(r.err, "Migration: [100 %]"), "no progress on stderr: %s", r.err);
    source_finished(sup);
    char *info = rt_ok(&D, "dominfo vm");
    cr_assert(strstr(info, "Persistent:     no") && strstr(info, "State:          running"),
              "%s", info);
    rt_guest_line(&D, "vm", "counter", "counter=3");
    rt_guest_line(&D, "vm", "inc", "counter=4");
    char *all = rt_ok(&T, "list --all");
    cr_assert(strstr(all, " vm "), "the source lost its definition:\n%s", all);
    char *sock = rt_run_path(&T, "vm", "migrate-fwd.sock");
    struct stat sb;
    cr_assert(stat(sock, &sb) < 0, "%s is left behind", sock);
    no_ssh_left();
    free(sock), free(all), free(info), free(said), free(line);
    run_free(&r);
}

Test(migrate_ssh, persistent_undefinesource_and_a_paused_guest)
{
    vm_at(2);
    free(rt_ok(&T, "suspend vm"));
    char *line = migrate_line("--persistent --undefinesource");
    free(rt_ok(&T, line));
    RT_EXPECT_STATE(&D, "vm", "paused (user)");
    char *all = rt_ok(&T, "list --all");
    cr_assert(!strstr(all, " vm "), "the source kept its definition:\n%s", all);
    char *info = rt_ok(&D, "dominfo vm");
    cr_assert(strstr(info, "Persistent:     yes"), "%s", info);
    free(rt_ok(&D, "resume vm"));
    rt_guest_line(&D, "vm", "counter", "counter=2");
    free(all), free(info), free(line);
}

Test(migrate_ssh, a_refusing_destination_leaves_the_source_running)
{
    vm_at(1);
    rt_define(&D, "vm", NULL, NULL, NULL);    /* another uuid, running there */
    free(rt_ok(&D, "start vm"));
    char *line = migrate_line("--live");
    struct run_result r = rt_run(&T, line);
    cr_assert(r.status == 1 && strstr(r.err, "the destination refused the domain: domain 'vm' "
                                              "is already active"), "%s", r.err);
    cr_assert_eq(strchr(strchr(r.err, '\n') + 1, '\n'), strrchr(r.err, '\n'),
                 "more than the error line: %s", r.err);
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    no_ssh_left();
    struct run_result bad = rt_run(&T, "migrate vm test+ssh://127.0.0.1:1/default --dest-root /x");
    cr_assert(bad.status == 1 && strstr(bad.err, "--dest-root names a store of this host"),
              "%s", bad.err);
    run_free(&bad);
    run_free(&r);
    free(line);
}

/* `migrate vm URI OPTS` of vm (counter 1) in the background, paced so
 * that it can be caught flowing */
static pid_t spawn_slow(const char *opts, const char *errf)
{
    vm_at(1);
    rt_guest_line(&T, "vm", "slowmig 500", "slowmig=500");    /* ~8 s: room to hit it */
    char *line = migrate_line(opts);
    pid_t pid = rt_spawn(&T, line, errf);
    free(line);
    return pid;
}

static char *shell_exits(pid_t pid, const char *errf, int status)
{
    return migssh_shell_exits(pid, errf, status);
}

/* who is hit mid-way: an ssh whose argv has a word ("-N": the forward;
 * "--stdio": the request channel), the destination's supervisor, or the
 * migrating shell itself */
static pid_t the_forward(pid_t shell)
{
    return sshd_client_pid_with(&S, "-N");
}

static pid_t the_channel(pid_t shell)
{
    return sshd_client_pid_with(&S, "--stdio");
}

static pid_t the_destination(pid_t shell)
{
    return (pid_t)rt_status_num(&D, "vm", "sup_pid");
}

static pid_t the_shell(pid_t shell)
{
    return shell;
}

/* hit a migration mid-way with sig; the shell (unless killed) must fail
 * saying want, in one error line, and the source guest run on, alone */
static void hit_mid_way(pid_t (*victim)(pid_t shell), int sig, const char *want)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_slow("", errf);
    rt_state_starts(&T, "vm", "paused (migrating)");
    pid_t v = victim(pid);
    cr_assert_gt(v, 0, "nothing to hit");
    kill(v, sig);
    if (want) {
        char *err = shell_exits(pid, errf, 1);
        migssh_one_error(err, &S, want);
        free(err);
    } else {
        waitpid(pid, NULL, 0);
    }
    rt_state_starts(&T, "vm", "running");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    runs_in(&T, true);
    runs_in(&D, false);
    no_ssh_left();
    free(errf);
}

Test(migrate_ssh, a_killed_forward_leaves_the_source_running)
{
    hit_mid_way(the_forward, SIGKILL, "the SSH forward of the migration stream to 127.0.0.1 "
                "died: ssh killed by signal 9");
}

Test(migrate_ssh, a_lost_connection_leaves_the_source_running)
{
    hit_mid_way(the_channel, SIGKILL, "lost the connection to 127.0.0.1 during the migration");
}

Test(migrate_ssh, a_killed_destination_leaves_the_source_running)
{
    hit_mid_way(the_destination, SIGKILL, "the destination failed: the incoming migration "
                "failed: the domain supervisor closed the connection");
}

Test(migrate_ssh, ctrl_c_leaves_the_source_running)
{
    hit_mid_way(the_shell, SIGINT, "operation canceled");
}

Test(migrate_ssh, kill_9_of_the_shell_leaves_the_source_running)
{
    hit_mid_way(the_shell, SIGKILL, NULL);
}

Test(migrate_ssh, timeout_suspends_a_slow_live_migration_which_then_ends)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_slow("--live --timeout 1", errf);
    rt_state_starts(&T, "vm", "paused");      /* suspended by the timeout, still migrating */
    free(shell_exits(pid, errf, 0));
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    runs_in(&T, false);
    free(errf);
}
