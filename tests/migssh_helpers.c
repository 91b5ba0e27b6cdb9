/* migssh_helpers.c: see migssh_helpers.h. */
#include "migssh_helpers.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void migssh_setup(struct rt *t, struct sshd *s, struct rt *d)
{
    if (!sshd_available())
        cr_skip_test("openssh-server is not installed (scripts/deps.sh installs it)");
    rt_setup(t);
    sshd_start(s, t->root);
    d->root = s->remote_root;
}

void migssh_teardown(struct rt *t, struct sshd *s)
{
    if (s->dir)
        sshd_stop(s);            /* destroys what runs in D */
    if (t->root)
        rt_teardown(t);
}

void migssh_runs_in(struct rt *t, bool yes)
{
    char *out = NULL;
    for (int i = 0; i < 200; i++, usleep(100000)) {
        free(out);
        out = rt_ok(t, "list");
        if ((strstr(out, " vm ") != NULL) == yes)
            break;
    }
    cr_assert_eq(strstr(out, " vm ") != NULL, yes, "list in %s:\n%s", t->root, out);
    free(out);
}

void migssh_vm_at(struct rt *t, int n)
{
    rt_define(t, "vm", NULL, NULL, NULL);
    free(rt_ok(t, "start vm"));
    for (int i = 1; i <= n; i++)
        rt_guest_line(t, "vm", "inc", "counter=");
}

void migssh_no_ssh_left(const struct sshd *s)
{
    pid_t pid = 0;
    for (int i = 0; i < 300; i++, usleep(10000))
        if (!(pid = sshd_client_pid_with(s, "-N")) && !(pid = sshd_client_pid_with(s, "--stdio")))
            break;
    cr_assert_eq(pid, 0, "ssh %d is still there", (int)pid);
}

char *migssh_shell_exits(pid_t pid, const char *errf, int status)
{
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errf, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == status, "migrate: %s", err);
    return err;
}

void migssh_one_error(const char *err, const struct sshd *s, const char *want)
{
    char *head = fmt("error: Failed to migrate domain 'vm' to %s\nerror: ", s->uri);
    cr_assert(strncmp(err, head, strlen(head)) == 0 && strstr(err, want), "%s", err);
    cr_assert_eq(strchr(err + strlen(head), '\n'), strrchr(err, '\n'), "%s", err);
    free(head);
}
