/* test_perms.c: who may touch a running domain.  The run directories are
 * 0700, sockets, status and logs 0600, the console pty not open to
 * others; and a throwaway non-root user (created here with useradd,
 * removed at the end) can neither attach to, control, nor read the
 * console log of root's domain, though the store root itself is left
 * world-traversable so that only domsh's own modes stand in the way.
 * Skipped when not root or without useradd. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "helpers.h"
#include "rel_helpers.h"
#include "rt_helpers.h"

static void expect_mode(const char *root, const char *rel, unsigned want)
{
    char *path = fmt("%s/%s", root, rel);
    struct stat sb;
    cr_assert_eq(lstat(path, &sb), 0, "%s: %s", path, strerror(errno));
    cr_expect_eq(sb.st_mode & 07777, want, "%s is %o, want %o", rel, sb.st_mode & 07777, want);
    cr_expect_eq(sb.st_uid, getuid(), "%s is not owned by its user", rel);
    free(path);
}

static int run_tool(const char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", 0);
        dup2(null, 1), dup2(null, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = wait_status(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* in a child running as uid/gid: each way in must fail; the child exits
 * with a bit per way that worked */
static int probe_as(uid_t uid, gid_t gid, struct rt *t, const char *name)
{
    pid_t pid = fork();
    if (pid != 0)
        return WEXITSTATUS(wait_status(pid));
    if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
        _exit(100);
    int leaks = 0;
    char *sock = fmt("%s/run/test/%s/sup.sock", t->root, name);
    struct err *e = NULL;
    int fd = console_attach_fd(sock, "", 0, &e);
    if (fd >= 0)
        leaks |= 1;                        /* attached to the console */
    char *reply = NULL;
    if (sup_request(sock, "status", 2000, &reply, &e) == 0)
        leaks |= 2;                        /* talked to the supervisor */
    char *log = fmt("%s/log/test/%s.console.log", t->root, name);
    if (open(log, O_RDONLY) >= 0)
        leaks |= 4;                        /* read the console log */
    char *live = fmt("%s/run/test/%s/live.xml", t->root, name);
    if (open(live, O_RDONLY) >= 0)
        leaks |= 8;
    const char *const cmds[] = {"destroy", "suspend", "console", "shutdown"};
    for (size_t i = 0; i < 4; i++) {
        const char *argv[] = {"-c", "test:///default", cmds[i], name, NULL};
        pid_t p = spawn_domsh(t->root, NULL, argv, -1);
        int st = wait_status(p);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            leaks |= 16 << i;              /* a command worked */
    }
    free(sock), free(reply), free(log), free(live), err_free(e);
    _exit(leaks);
}

Test(perms, modes_and_another_user_locked_out, .timeout = 60)
{
    if (getuid() != 0 || access("/usr/sbin/useradd", X_OK) != 0)
        cr_skip_test("needs root and useradd");
    struct rt t = {.root = tmp_root()};
    chmod(t.root, 0755);            /* only domsh's own modes protect what is inside */
    rt_define(&t, "guarded", NULL, NULL, NULL);
    free(rt_ok(&t, "start guarded"));
    free(rt_ok(&t, "domstate guarded"));
    expect_mode(t.root, "run", 0700);
    expect_mode(t.root, "run/test", 0700);
    expect_mode(t.root, "run/test/guarded", 0700);
    expect_mode(t.root, "run/test/guarded/sup.sock", 0600);
    expect_mode(t.root, "run/test/guarded/status", 0600);
    expect_mode(t.root, "run/test/guarded/live.xml", 0600);
    expect_mode(t.root, "log/test", 0700);
    expect_mode(t.root, "log/test/guarded.console.log", 0600);
    expect_mode(t.root, "log/test/guarded.log", 0600);
    expect_mode(t.root, "config/test", 0700);
    expect_mode(t.root, "config/test/guarded.xml", 0600);
    /* the console pty: nobody else may read or write it */
    char *tty = rt_ok(&t, "ttyconsole guarded");
    tty[strcspn(tty, "\n")] = '\0';
    struct stat sb;
    cr_assert_eq(stat(tty, &sb), 0, "ttyconsole gave '%s'", tty);
    cr_expect_eq(sb.st_mode & 0007, 0, "%s is open to others (%o)", tty, sb.st_mode & 0777);
    free(tty);

    char user[32];
    snprintf(user, sizeof(user), "domshp%d", (int)getpid() % 100000);
    const char *add[] = {"/usr/sbin/useradd", "-M", "-r", "-s", "/usr/sbin/nologin", user, NULL};
    cr_assert_eq(run_tool(add), 0, "useradd %s failed", user);
    struct passwd *pw = getpwnam(user);
    uid_t uid = pw ? pw->pw_uid : 0;
    gid_t gid = pw ? pw->pw_gid : 0;
    int leaks = pw ? probe_as(uid, gid, &t, "guarded") : 100;
    const char *del[] = {"/usr/sbin/userdel", user, NULL};
    int del_rc = run_tool(del);
    cr_expect_eq(del_rc, 0, "userdel %s failed", user);
    cr_assert_neq(leaks, 100, "could not become user %s", user);
    cr_expect_eq(leaks & 1, 0, "another user attached to the console");
    cr_expect_eq(leaks & 2, 0, "another user talked to the supervisor");
    cr_expect_eq(leaks & 4, 0, "another user read the console log");
    cr_expect_eq(leaks & 8, 0, "another user read live.xml");
    cr_expect_eq(leaks >> 4, 0, "another user ran a command on the domain (mask %x)", leaks >> 4);
    /* and the domain is untouched */
    char *state = rt_state(&t, "guarded");
    cr_expect(strncmp(state, "running", 7) == 0, "state after the probes: %s", state);
    free(state);
    /* the positive control: its owner does attach */
    char *sock = rt_run_path(&t, "guarded", "sup.sock");
    char *reply = NULL;
    struct err *e = NULL;
    cr_expect_eq(sup_request(sock, "status", 2000, &reply, &e), 0, "%s", e ? e->msg : "");
    free(reply);
    free(sock);
    err_free(e);
    rt_teardown(&t);
}
