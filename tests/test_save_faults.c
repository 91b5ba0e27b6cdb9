/* test_save_faults.c: a save interrupted by Ctrl-C, by kill -9 of the
 * shell or of the supervisor, and by a full disk (a 16 KiB tmpfs).  After
 * each, the guest runs on as it was (or, with its supervisor killed, reads
 * "shut off (crashed)"), the config is untouched, no partial image can be
 * restored, and the next command says what happened.  The fake guest's
 * `slowmig 200` makes its migration last about 3.4 s, long enough for a slow (ASan, loaded) shell to be caught in it. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_helpers.h"

RT_SUITE(save_faults, 60);

#define EXPECT_STATE(name, want) RT_EXPECT_STATE(&T, name, want)

/* `domsh -q -c test:///default LINE` in the background, stderr to ERRFILE */
static pid_t spawn_line(const char *line, const char *errfile)
{
    return rt_spawn(&T, line, errfile);
}

/* a slow migration is under way once the domain reads "paused (saving)" */
static void wait_saving(void)
{
    EXPECT_STATE("vm", "paused (saving)");
}

static void slow_vm(void)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "inc", "counter=1");
    rt_guest_line(&T, "vm", "slowmig 200", "slowmig=200");
}

static void expect_restore_refused(const char *img, const char *want)
{
    char *line = fmt("restore %s", img);
    struct run_result r = rt_run(&T, line);
    cr_assert_eq(r.status, 1, "a partial image was restored");
    cr_assert(strstr(r.err, want), "%s", r.err);
    run_free(&r);
    free(line);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

Test(save_faults, ctrl_c_cancels_and_the_guest_runs_on)
{
    slow_vm();
    char *img = fmt("%s/vm.img", T.root), *errf = fmt("%s/err", T.root);
    char *cfg = fmt("%s/config/test/vm.xml", T.root), *before = slurp(cfg, NULL);
    char *line = fmt("save vm %s --verbose", img);
    pid_t pid = spawn_line(line, errf);
    wait_saving();
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errf, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "save was not refused: %s", err);
    cr_assert(strstr(err, "error: Failed to save domain 'vm' to") &&
              strstr(err, "operation canceled"), "%s", err);
    EXPECT_STATE("vm", "running (booted)");
    cr_assert(!exists(img), "the canceled image was left behind");
    rt_guest_line(&T, "vm", "counter", "counter=1");
    char *after = slurp(cfg, NULL);
    cr_assert_str_eq(before, after);
    free(after);
    free(before);
    free(cfg);
    free(err);
    free(line);
    free(errf);
    free(img);
}

Test(save_faults, kill_9_of_the_shell_cancels_and_leaves_an_unrestorable_image)
{
    slow_vm();
    char *img = fmt("%s/vm.img", T.root), *errf = fmt("%s/err", T.root);
    char *line = fmt("save vm %s", img);
    pid_t pid = spawn_line(line, errf);
    wait_saving();
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    EXPECT_STATE("vm", "running (booted)");
    rt_guest_line(&T, "vm", "counter", "counter=1");
    cr_assert(exists(img));
    expect_restore_refused(img, "is incomplete");
    EXPECT_STATE("vm", "running (booted)");
    free(line);
    free(errf);
    free(img);
}

Test(save_faults, kill_9_of_the_supervisor_mid_save)
{
    slow_vm();
    long sup = rt_status_num(&T, "vm", "sup_pid");
    char *img = fmt("%s/vm.img", T.root), *errf = fmt("%s/err", T.root);
    char *line = fmt("save vm %s", img);
    pid_t pid = spawn_line(line, errf);
    wait_saving();
    cr_assert_gt(sup, 0);
    kill((pid_t)sup, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errf, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "%s", err);
    cr_assert(strstr(err, "error: Failed to save domain 'vm'"), "%s", err);
    EXPECT_STATE("vm", "shut off (crashed)");
    cr_assert(!exists(img), "the image of a failed save was left behind");
    free(rt_ok(&T, "start vm"));
    EXPECT_STATE("vm", "running (booted)");
    free(err);
    free(line);
    free(errf);
    free(img);
}

Test(save_faults, full_disk_fails_the_save_and_the_guest_runs_on)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "inc", "counter=1");
    char *dir = fmt("%s/small", T.root);
    cr_assert_eq(mkdir(dir, 0700), 0);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=16k") != 0) {
        free(dir);
        cr_skip_test("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
    }
    char *line = fmt("save vm %s/vm.img", dir), *img = fmt("%s/vm.img", dir);
    struct run_result r = rt_run(&T, line);
    umount2(dir, MNT_DETACH);
    cr_assert_eq(r.status, 1, "a save into 16 KiB succeeded");
    cr_assert(strstr(r.err, "No space left on device"), "%s", r.err);
    cr_assert_eq(strncmp(r.err, "error: Failed to save domain 'vm' to", 36), 0, "%s", r.err);
    EXPECT_STATE("vm", "running (booted)");
    rt_guest_line(&T, "vm", "counter", "counter=1");
    run_free(&r);
    free(line);
    free(img);
    free(dir);
}
