/* test_migrate_storage.c: `migrate --copy-storage-all` to another store of
 * this host on the test backend, through the real binary.  The source (T)
 * runs "vm" on a qcow2 and a raw image of its root; the destination (D)
 * gets its own images, named by --xml and created by the migration, which
 * the fake guest fills as a mirror job (fakeguest_nbd.h).  `slowblock MS`
 * paces the copy so Ctrl-C and a killed destination land in it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migstore_helpers.h"

RT_SUITE_PAIR(migrate_storage, 90);

static void sh(const char *cmd)
{
    cr_assert_eq(system(cmd), 0, "'%s' failed", cmd);
}

static bool holds(const char *root, const char *file, const char *pat)
{
    return migstore_holds(root, file, pat);
}

static bool exists_in(const char *root, const char *file)
{
    return migstore_exists_in(root, file);
}

/* vm running in T (counter 1) on images holding 0x11; D's XML in D/vm.xml */
static void vm_running(void)
{
    migstore_vm_running(&T, D.root);
}

static char *migrate_line(const char *opts)
{
    return fmt("migrate --live vm test:///default --dest-root %s --copy-storage-all "
               "--xml %s/vm.xml %s", D.root, D.root, opts);
}

Test(migrate_storage, disks_are_copied_and_the_guest_runs_on_its_new_images)
{
    vm_running();
    char *line = migrate_line("--verbose --persistent");
    struct run_result r = rt_run(&T, line);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "Storage copy: [100 %]") && strstr(r.err, "Migration: [100 %]"),
              "progress: %s", r.err);
    run_free(&r);
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "inc", "counter=2");
    cr_assert(holds(D.root, "q.qcow2", "0x11") && holds(D.root, "r.raw", "0x11"));
    /* the destination's definition is the --xml one: its own images */
    char *out = rt_ok(&D, "domblklist vm --inactive"), *q = fmt("%s/q.qcow2", D.root);
    cr_assert(strstr(out, q), "%s", out);
    free(q);
    free(out);
    free(line);
}

Test(migrate_storage, a_paused_guest_arrives_paused_on_its_new_images)
{
    vm_running();
    free(rt_ok(&T, "suspend vm"));
    char *line = migrate_line("");
    free(rt_ok(&T, line));
    RT_EXPECT_STATE(&D, "vm", "paused (user)");
    free(rt_ok(&D, "resume vm"));
    rt_guest_line(&D, "vm", "inc", "counter=2");
    cr_assert(holds(D.root, "q.qcow2", "0x11") && holds(D.root, "r.raw", "0x11"));
    free(line);
}

Test(migrate_storage, bad_requests_are_refused_and_nothing_is_created)
{
    vm_running();
    struct run_result r = rt_run(&T, "migrate vm test:///default --dest-root /nonexistent "
                                 "--xml x.xml");
    cr_assert(strstr(r.err, "--xml needs --copy-storage-all"), "%s", r.err);
    run_free(&r);
    r = rt_run(&T, "migrate --live vm test:///default --copy-storage-all --postcopy");
    cr_assert(strstr(r.err, "--postcopy is not supported with --copy-storage-all"), "%s", r.err);
    run_free(&r);
    char *line = fmt("migrate vm test:///default --dest-root %s --copy-storage-all", D.root);
    r = rt_run(&T, line);
    cr_assert(strstr(r.err, "disk 'vda': the destination would open the source's own image"),
              "%s", r.err);
    run_free(&r);
    free(line);
    char *cmd = fmt("sed -i 's|<memory>65536|<memory>131072|' %s/vm.xml", D.root);
    sh(cmd);
    free(cmd);
    line = migrate_line("");
    r = rt_run(&T, line);
    cr_assert(strstr(r.err, "vm.xml: the destination XML may change only disk source paths") &&
              strstr(r.err, "<memory"), "%s", r.err);
    run_free(&r);
    cr_assert(!exists_in(D.root, "q.qcow2") && !exists_in(D.root, "r.raw"));
    free(line);
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
}

Test(migrate_storage, an_existing_image_of_another_size_is_refused)
{
    vm_running();
    char *cmd = fmt("qemu-img create -q -f raw %s/r.raw 8M", D.root), *line = migrate_line("");
    sh(cmd);
    struct run_result r = rt_run(&T, line);
    cr_assert(strstr(r.err, "disk 'vdb': the destination image") &&
              strstr(r.err, "has 8388608 bytes, the source's 4194304"), "%s", r.err);
    run_free(&r);
    /* vda's image was created for this migration, and went with it */
    cr_assert(!exists_in(D.root, "q.qcow2") && exists_in(D.root, "r.raw"));
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    free(cmd);
    free(line);
}

/* the copy started slowly; pid is the migrating shell */
static pid_t slow_copy(const char *errf)
{
    vm_running();
    rt_guest_line(&T, "vm", "slowblock 100", "slowblock=100");
    char *line = migrate_line("");
    pid_t pid = rt_spawn(&T, line, errf);
    free(line);
    bool started = false;            /* the destination exists once it started */
    for (int i = 0; i < 3000 && !started; i++, usleep(10000)) {
        struct run_result r = rt_run(&D, "domstate vm --reason");
        started = r.status == 0 && strstr(r.out, "paused (incoming)");
        run_free(&r);
    }
    cr_assert(started, "the destination did not start");
    usleep(500000);                  /* into the mirror phase */
    return pid;
}

/* the migration failed saying want; the source runs alone, D is empty */
static void failed_cleanly(pid_t pid, const char *errf, const char *want)
{
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errf, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strstr(err, want), "%s", err);
    free(err);
    migstore_source_alone(&T, &D);
}

Test(migrate_storage, ctrl_c_in_the_copy_cancels_it_and_a_new_migration_works)
{
    char *line = migrate_line("");
    migstore_ctrl_c_then_again(&T, &D, slow_copy, failed_cleanly, line);
    free(line);
}

Test(migrate_storage, a_killed_destination_fails_the_copy_and_the_source_runs_on)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_copy(errf);
    long sup = rt_status_num(&D, "vm", "sup_pid");
    cr_assert_gt(sup, 0);
    kill((pid_t)sup, SIGKILL);
    failed_cleanly(pid, errf, "failed: Input/output error");
    free(errf);
}

Test(migrate_storage, domjobabort_in_the_copy_cancels_it)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_copy(errf);
    free(rt_ok(&T, "domjobabort vm"));
    failed_cleanly(pid, errf, "operation aborted: migration out job: canceled by client");
    struct run_result r = rt_run(&T, "domjobabort vm");     /* nothing runs any more */
    cr_assert(r.status == 1 && strstr(r.err, "no job is active on the domain"), "%s", r.err);
    run_free(&r);
    free(errf);
}

/* a shell killed in the copy leaves its mirrors in the source: the next
 * migration clears them (and takes the images already there as they are) */
Test(migrate_storage, kill_9_of_the_shell_in_the_copy_then_a_new_migration_works)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_copy(errf);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    rt_state_starts(&T, "vm", "running");
    free(rt_ok(&D, "destroy vm"));       /* else it waits 60 s for a stream */
    rt_guest_line(&T, "vm", "slowblock 5", "slowblock=5");
    char *line = migrate_line("");
    free(rt_ok(&T, line));
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "inc", "counter=2");
    cr_assert(holds(D.root, "q.qcow2", "0x11") && holds(D.root, "r.raw", "0x11"));
    free(line);
    free(errf);
}
