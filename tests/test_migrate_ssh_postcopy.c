/* test_migrate_ssh_postcopy.c: post-copy to another host (`migrate --live
 * --postcopy DOM test+ssh://...`) on the test backend through a real sshd
 * on 127.0.0.1 (migssh_helpers.h).  The destination enables post-copy too
 * (its supervisor's log says so; the fake guest's destination takes the
 * rest of the stream as QEMU's would, its `cont` at the switch is QEMU's
 * only: qemu_save/postcopy_migration_over_ssh); from the switch on nothing
 * cancels the migration, Ctrl-C of the migrating shell included. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migssh_helpers.h"

static struct rt T, D;
static struct sshd S;

static void pc_setup(void)
{
    migssh_setup(&T, &S, &D);
}

static void pc_teardown(void)
{
    migssh_teardown(&T, &S);
}

TestSuite(migrate_ssh_postcopy, .init = pc_setup, .fini = pc_teardown, .timeout = 240);

/* root t's supervisor log of vm says want */
static void logged(struct rt *t, const char *want)
{
    char *log = fmt("%s/log/test/vm.log", t->root);
    char *text = slurp(log, NULL);
    cr_assert(text && strstr(text, want), "no '%s' in %s:\n%s", want, log, text);
    free(text), free(log);
}

/* `migrate vm URI --live --postcopy OPTS` of a paced vm (counter 1) */
static pid_t spawn_postcopy(const char *opts, const char *errf)
{
    migssh_vm_at(&T, 1);
    rt_guest_line(&T, "vm", "slowmig 300", "slowmig=300");
    char *line = fmt("migrate vm %s --live --postcopy %s", S.uri, opts);
    pid_t pid = rt_spawn(&T, line, errf);
    free(line);
    return pid;
}

/* the migration ended well: the guest runs in D with its counter, the
 * source is finished, no ssh is left */
static void arrived(pid_t pid, const char *errf)
{
    free(migssh_shell_exits(pid, errf, 0));
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    migssh_runs_in(&T, false);
    logged(&D, "post-copy enabled: the guest runs here from the switch on");
    migssh_no_ssh_left(&S);
}

Test(migrate_ssh_postcopy, switched_by_command_then_nothing_cancels_it)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_postcopy("", errf);
    free(rt_job_until(&T, "vm", "Memory processed:"));
    free(rt_ok(&T, "migrate-postcopy vm"));
    struct run_result r = rt_run(&T, "domjobabort vm");
    cr_assert(r.status == 1 && strstr(r.err, "cannot abort migration in post-copy mode"), "%s",
              r.err);
    run_free(&r);
    kill(pid, SIGINT);           /* refused too: the shell waits for the end */
    arrived(pid, errf);
    logged(&T, "switching the migration to post-copy");
    free(errf);
}

Test(migrate_ssh_postcopy, timeout_postcopy_switches_a_slow_migration)
{
    char *errf = fmt("%s/err", T.root);
    arrived(spawn_postcopy("--timeout 1 --timeout-postcopy --postcopy-bandwidth 64", errf), errf);
    logged(&T, "post-copy 67108864");
    logged(&T, "switching the migration to post-copy");
    free(errf);
}

Test(migrate_ssh_postcopy, ctrl_c_before_the_switch_cancels_as_without_postcopy)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_postcopy("", errf);
    free(rt_job_until(&T, "vm", "Memory processed:"));
    kill(pid, SIGINT);
    char *err = migssh_shell_exits(pid, errf, 1);
    migssh_one_error(err, &S, "operation canceled");
    rt_state_starts(&T, "vm", "running");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    migssh_runs_in(&D, false);
    migssh_no_ssh_left(&S);
    free(err), free(errf);
}

/* the migrating shell killed with SIGKILL before the switch: the source
 * cancels, the broken stream fails the destination, the forward's ssh
 * (which outlives the shell for post-copy) ends with the stream */
Test(migrate_ssh_postcopy, kill_9_of_the_shell_before_the_switch_leaves_the_source_running)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_postcopy("", errf);
    free(rt_job_until(&T, "vm", "Memory processed:"));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    rt_state_starts(&T, "vm", "running");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    migssh_runs_in(&D, false);
    migssh_no_ssh_left(&S);
    free(errf);
}

/* ... and after it: the guest runs in the destination, the stream goes on
 * through the forward to its end, the source quits by itself (a local
 * post-copy migration does the same: migjob) */
Test(migrate_ssh_postcopy, kill_9_of_the_shell_after_the_switch_ends_in_the_destination)
{
    char *errf = fmt("%s/err", T.root);
    rt_kill_after_the_switch(&T, spawn_postcopy("", errf));
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    migssh_no_ssh_left(&S);
    free(errf);
}
