/* test_remote_intr.c: Ctrl-C in the shell while a command runs on the far
 * side of test+ssh:// stops it there as it would locally: a save is
 * canceled, the guest runs on where it was, no image is left; and event
 * --loop ends.  The shell's SIGINT travels as one INTR frame (remote.h). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel_helpers.h"
#include "rt_helpers.h"
#include "sshd_helpers.h"

static struct rt local;
static struct sshd sshd;
static pid_t shell;      /* the spawned shell, killed by fini if a test failed first */

static void fix_init(void)
{
    if (!sshd_available())
        cr_skip_test("openssh-server is not installed (scripts/deps.sh installs it)");
    rt_setup(&local);
    sshd_start(&sshd, local.root);
}

static void fix_fini(void)
{
    if (shell > 0 && kill(shell, SIGKILL) == 0)
        waitpid(shell, NULL, 0);
    if (sshd.dir)
        sshd_stop(&sshd);
    if (local.root)
        rt_teardown(&local);
}

TestSuite(remote_intr, .init = fix_init, .fini = fix_fini, .timeout = 240);

/* `domsh -q -c URI LINE` in the background, stdout to outfile (NULL:
 * /dev/null), stderr to errfile */
static pid_t spawn_remote(const char *line, const char *outfile, const char *errfile)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        int out = outfile ? open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600) : null;
        int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(null, 0), dup2(out, 1), dup2(err, 2);
        execl(domsh_bin(), domsh_bin(), "-q", "-c", sshd.uri, line, (char *)NULL);
        _exit(127);
    }
    return shell = pid;
}

static int interrupt_and_wait(pid_t pid)
{
    kill(pid, SIGINT);
    int st = wait_status(pid);
    shell = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(remote_intr, ctrl_c_cancels_a_remote_save_and_the_guest_runs_on)
{
    struct rt far = {.root = sshd.remote_root};
    rt_define(&far, "vm", NULL, NULL, NULL);
    free(rt_ok(&far, "start vm"));
    rt_guest_line(&far, "vm", "inc", "counter=1");
    rt_guest_line(&far, "vm", "slowmig 500", "slowmig=500");    /* ~8 s: room to hit it */
    char *img = fmt("%s/vm.img", sshd.remote_root), *errf = fmt("%s/err", local.root);
    char *line = fmt("save vm %s", img);
    pid_t pid = spawn_remote(line, NULL, errf);
    rt_state_starts(&far, "vm", "paused (saving)");
    int status = interrupt_and_wait(pid);
    char *err = slurp(errf, NULL);
    cr_assert_eq(status, 1, "the shell did not fail the save (status %d): %s", status, err);
    cr_assert(strstr(err, "operation canceled"), "%s", err);
    RT_EXPECT_STATE(&far, "vm", "running (booted)");
    struct stat sb;
    cr_assert_neq(stat(img, &sb), 0, "the canceled image was left behind");
    rt_guest_line(&far, "vm", "counter", "counter=1");
    free(err);
    free(line);
    free(errf);
    free(img);
}

Test(remote_intr, ctrl_c_ends_a_remote_event_loop)
{
    char *errf = fmt("%s/err", local.root), *outf = fmt("%s/out", local.root);
    pid_t pid = spawn_remote("event --all --loop", outf, errf);
    /* the remote listener is up once it reports a domain started there */
    struct rt far = {.root = sshd.remote_root};
    rt_define(&far, "vm", NULL, NULL, NULL);
    char *out = NULL;
    for (int i = 0; i < 100 && !(out && strstr(out, "Started")); i++) {
        struct run_result r = rt_run(&far, "start vm");    /* until one is heard */
        run_free(&r);
        r = rt_run(&far, "destroy vm");
        run_free(&r);
        usleep(100 * 1000);
        free(out);
        out = slurp(outf, NULL);
    }
    char *early = slurp(errf, NULL);
    cr_assert(out && strstr(out, "Started"), "no event came: '%s', stderr '%s'", out, early);
    free(early);
    int status = interrupt_and_wait(pid);
    char *err = slurp(errf, NULL);
    cr_assert(status == 0, "event --loop did not end cleanly (status %d): %s", status, err);
    free(out);
    free(err);
    free(outf);
    free(errf);
}
