/* test_migrate.c: `migrate` to another store of this host on the test
 * backend, through the real binary.  Each test has a source root (T) and a
 * destination root (D, given with --dest-root).  The fake guest's counter
 * (console `inc`) travels with its state; `slowmig 200` paces a migration
 * so Ctrl-C and kill -9 land mid-way. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_helpers.h"

RT_SUITE_PAIR(migrate, 60);

/* poll `domstate --reason` until it starts with prefix (10 s) */
static void state_begins(struct rt *t, const char *name, const char *prefix)
{
    char *s = NULL;
    for (int i = 0; i < 1000; i++) {
        free(s);
        s = rt_state(t, name);
        if (strncmp(s, prefix, strlen(prefix)) == 0)
            break;
        usleep(10000);
    }
    cr_assert(strncmp(s, prefix, strlen(prefix)) == 0, "%s: '%s', expected '%s...'", name, s,
              prefix);
    free(s);
}

/* exactly: `list` of root t names vm (running) or not */
static void runs_in(struct rt *t, bool yes)
{
    char *out = rt_ok(t, "list");
    cr_assert_eq(strstr(out, " vm ") != NULL, yes, "list in %s:\n%s", t->root, out);
    free(out);
}

/* a running "vm" in T whose counter is n */
static void vm_at(int n)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    for (int i = 1; i <= n; i++)
        rt_guest_line(&T, "vm", "inc", "counter=");
}

/* `domsh -q -c test:///default migrate ... --dest-root D` in the background */
static pid_t spawn_migrate(const char *opts, const char *errfile)
{
    char *line = fmt("migrate vm test:///default --dest-root %s %s", D.root, opts);
    pid_t pid = rt_spawn(&T, line, errfile);
    free(line);
    return pid;
}

/* wait for the migrating shell; it must fail saying want */
static void migrate_failed(pid_t pid, const char *errfile, const char *want)
{
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errfile, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "migrate did not fail: %s", err);
    cr_assert(strstr(err, "error: Failed to migrate domain 'vm' to test:///default") &&
              strstr(err, want), "%s", err);
    free(err);
}

Test(migrate, live_migration_moves_the_running_guest)
{
    vm_at(3);
    long sup = rt_status_num(&T, "vm", "sup_pid");
    cr_assert_gt(sup, 0);
    char *line = fmt("migrate --live vm test:///default --dest-root %s --verbose", D.root);
    const char *argv[] = { "-c", "test:///default", line, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' migrated to test:///default"), "%s", r.out);
    cr_assert(strstr(r.err, "Migration: [100 %]"), "no progress on stderr: %s", r.err);
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    for (int i = 0; i < 500 && pid_alive((pid_t)sup); i++)
        usleep(10000);
    cr_assert(!pid_alive((pid_t)sup), "the source supervisor %ld is still there", sup);
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    runs_in(&D, true);
    runs_in(&T, false);
    rt_guest_line(&D, "vm", "counter", "counter=3");
    rt_guest_line(&D, "vm", "inc", "counter=4");
    char *info = rt_ok(&D, "dominfo vm");
    cr_assert(strstr(info, "Persistent:     no"), "%s", info);
    char *all = rt_ok(&T, "list --all");
    cr_assert(strstr(all, " vm "), "the source lost its definition:\n%s", all);
    free(all);
    free(info);
    run_free(&r);
    free(line);
}

Test(migrate, persistent_and_undefinesource_move_the_definition)
{
    vm_at(1);
    rt_okf(&T, "migrate vm test:///default --dest-root %s --persistent --undefinesource",
           D.root);
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    char *all = rt_ok(&T, "list --all");
    cr_assert(!strstr(all, " vm "), "the source kept its definition:\n%s", all);
    free(all);
    char *info = rt_ok(&D, "dominfo vm");
    cr_assert(strstr(info, "Persistent:     yes"), "%s", info);
    free(rt_ok(&D, "destroy vm"));
    all = rt_ok(&D, "list --all");
    cr_assert(strstr(all, " vm "), "the destination has no definition:\n%s", all);
    free(all);
    free(info);
}

Test(migrate, a_paused_guest_arrives_paused)
{
    vm_at(2);
    free(rt_ok(&T, "suspend vm"));
    rt_okf(&T, "migrate --live vm test:///default --dest-root %s", D.root);
    state_begins(&D, "vm", "paused");
    free(rt_ok(&D, "resume vm"));
    rt_guest_line(&D, "vm", "counter", "counter=2");
}

Test(migrate, bad_destinations_are_refused_and_nothing_moves)
{
    vm_at(1);
    struct run_result r = rt_run(&T, "migrate vm test:///default");
    cr_assert(r.status == 1 && strstr(r.err, "is the store the domain is in"), "%s", r.err);
    run_free(&r);
    r = rt_run(&T, "migrate vm test:///default --compressed");
    cr_assert(r.status == 1 && strstr(r.err, "--compressed is not supported"), "%s", r.err);
    run_free(&r);
    r = rt_run(&T, "migrate vm xen:///system");
    cr_assert(r.status == 1 && strstr(r.err, "no connection driver"), "%s", r.err);
    run_free(&r);
    /* the destination already runs a domain of that name (another uuid) */
    rt_define(&D, "vm", NULL, NULL, NULL);
    free(rt_ok(&D, "start vm"));
    char *line = fmt("migrate vm test:///default --dest-root %s", D.root);
    r = rt_run(&T, line);
    cr_assert(r.status == 1 && strstr(r.err, "already active"), "%s", r.err);
    run_free(&r);
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    rt_guest_line(&T, "vm", "counter", "counter=1");
    free(line);
}

/* a non-live migration of vm (counter 1), paced so that it is caught with
 * its stream flowing (the source reads "paused (migrating)") */
static pid_t slow_migration(const char *errf)
{
    vm_at(1);
    rt_guest_line(&T, "vm", "slowmig 200", "slowmig=200");
    pid_t pid = spawn_migrate("", errf);
    RT_EXPECT_STATE(&T, "vm", "paused (migrating)");
    return pid;
}

/* after a failed migration: the source guest runs on as it was, alone */
static void source_runs_alone(void)
{
    state_begins(&T, "vm", "running");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    runs_in(&T, true);
    runs_in(&D, false);
}

Test(migrate, ctrl_c_leaves_the_source_running_and_the_destination_empty)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_migration(errf);
    kill(pid, SIGINT);
    migrate_failed(pid, errf, "operation canceled");
    source_runs_alone();
    free(errf);
}

Test(migrate, a_killed_destination_leaves_the_source_running)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_migration(errf);
    long sup = rt_status_num(&D, "vm", "sup_pid");
    cr_assert_gt(sup, 0);
    kill((pid_t)sup, SIGKILL);
    migrate_failed(pid, errf, "Broken pipe");    /* the stream broke */
    source_runs_alone();
    free(errf);
}

Test(migrate, kill_9_of_the_shell_leaves_the_source_running)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_migration(errf);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    state_begins(&T, "vm", "running");
    for (int i = 0; i < 1000; i++, usleep(10000)) {    /* the destination goes too */
        struct run_result r = rt_run(&D, "list");
        bool gone = r.out && !strstr(r.out, " vm ");
        run_free(&r);
        if (gone)
            break;
    }
    source_runs_alone();
    free(errf);
}

Test(migrate, timeout_suspends_a_slow_live_migration_which_then_ends)
{
    vm_at(1);
    rt_guest_line(&T, "vm", "slowmig 200", "slowmig=200");     /* about 3.4 s */
    struct run_result r = rt_run(&T, "migrate vm qemu:///session --timeout 5");
    cr_assert(r.status == 1 && strstr(r.err, "--timeout needs --live"), "%s", r.err);
    run_free(&r);
    char *errf = fmt("%s/err", T.root);
    pid_t pid = spawn_migrate("--live --timeout 1", errf);
    state_begins(&T, "vm", "paused");    /* suspended by the timeout, still migrating */
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errf, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    runs_in(&T, false);
    free(err);
    free(errf);
}
