/* test_migrate_ssh_storage.c: `migrate --copy-storage-all` to another host
 * (test+ssh://) on the test backend, through a real sshd on 127.0.0.1
 * (migssh_helpers.h).  The source (T) runs "vm" on a qcow2 and a raw image
 * of its root; the "remote host" (D, the sshd sessions' root) makes its
 * own images, named by --xml, and the fake guests write the content into
 * them through the second ssh forward (fakeguest_nbd.h: the bytes go over
 * the forwarded NBD socket).  `slowblock MS` paces the copy so that Ctrl-C
 * and a killed forward land in it.  Every failure leaves the source
 * running on its disks, nothing in D (no domain, no image made for the
 * migration) and no ssh. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migssh_helpers.h"
#include "migstore_helpers.h"

MIGSSH_SUITE(migrate_ssh_storage, 240);

static char *migrate_line(const char *opts)
{
    return fmt("migrate --live vm %s --copy-storage-all --xml %s/vm.xml %s", S.uri, D.root,
               opts);
}

Test(migrate_ssh_storage, disks_are_copied_through_the_forward_and_the_guest_runs_there)
{
    migstore_vm_running(&T, D.root);
    char *line = migrate_line("--verbose --persistent");
    struct run_result r = rt_run(&T, line);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "Storage copy: [100 %]") && strstr(r.err, "Migration: [100 %]"),
              "progress: %s", r.err);
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "inc", "counter=2");
    cr_assert(migstore_holds(D.root, "q.qcow2", "0x11") &&
              migstore_holds(D.root, "r.raw", "0x11"), "the content did not arrive");
    /* the destination's definition is the --xml one: its own images */
    char *out = rt_ok(&D, "domblklist vm --inactive"), *q = fmt("%s/q.qcow2", D.root);
    cr_assert(strstr(out, q), "%s", out);
    char *fwd = rt_run_path(&T, "vm", "nbd-fwd.sock");
    cr_assert(access(fwd, F_OK) < 0, "%s is left behind", fwd);
    migssh_no_ssh_left(&S);
    free(fwd), free(q), free(out), free(line);
    run_free(&r);
}

Test(migrate_ssh_storage, a_refusing_destination_removes_what_it_made)
{
    migstore_vm_running(&T, D.root);
    char *cmd = fmt("qemu-img create -q -f raw %s/r.raw 8M", D.root);
    cr_assert_eq(system(cmd), 0);
    char *line = migrate_line("");
    struct run_result r = rt_run(&T, line);
    cr_assert(r.status == 1 && strstr(r.err, "the destination refused the domain: disk 'vdb': "
                                              "the destination image") &&
              strstr(r.err, "has 8388608 bytes, the source's 4194304"), "%s", r.err);
    /* vda's image was made for this migration, and went with it */
    cr_assert(!migstore_exists_in(D.root, "q.qcow2") && migstore_exists_in(D.root, "r.raw"));
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    migssh_runs_in(&D, false);
    migssh_no_ssh_left(&S);
    run_free(&r);
    free(line), free(cmd);
}

/* the copy started slowly (the destination listens); pid is the shell */
static pid_t slow_copy(const char *errf)
{
    migstore_vm_running(&T, D.root);
    rt_guest_line(&T, "vm", "slowblock 100", "slowblock=100");
    char *line = migrate_line("");
    pid_t pid = rt_spawn(&T, line, errf);
    free(line);
    bool copying = false;        /* the forward of the copy runs once mirroring */
    for (int i = 0; i < 3000 && !copying; i++, usleep(10000))
        copying = sshd_client_pid_with(&S, "-N") > 0;
    cr_assert(copying, "the copy did not start");
    usleep(500000);              /* into the mirror phase */
    return pid;
}

/* the migration failed saying want (one error line); the source runs
 * alone on its disks, D has no domain nor image, no ssh is left */
static void failed_cleanly(pid_t pid, const char *errf, const char *want)
{
    char *err = migssh_shell_exits(pid, errf, 1);
    migssh_one_error(err, &S, want);
    free(err);
    migssh_runs_in(&D, false);
    migstore_source_alone(&T, &D);
    migssh_no_ssh_left(&S);
}

Test(migrate_ssh_storage, ctrl_c_in_the_copy_cancels_it_and_a_new_migration_works)
{
    char *line = migrate_line("");
    migstore_ctrl_c_then_again(&T, &D, slow_copy, failed_cleanly, line);
    cr_assert(migstore_holds(D.root, "q.qcow2", "0x11") &&
              migstore_holds(D.root, "r.raw", "0x11"));
    free(line);
}

Test(migrate_ssh_storage, a_killed_forward_of_the_copy_leaves_the_source_running)
{
    char *errf = fmt("%s/err", T.root);
    pid_t pid = slow_copy(errf);
    pid_t fwd = sshd_client_pid_with(&S, "-N");
    cr_assert_gt(fwd, 0, "no forward to kill");
    kill(fwd, SIGKILL);
    failed_cleanly(pid, errf, "the SSH forward of the disk copy to 127.0.0.1 died: ssh killed "
                   "by signal 9");
    free(errf);
}
