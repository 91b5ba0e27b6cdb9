/* test_remote.c: remote URIs through a real sshd on 127.0.0.1 (see
 * sshd_helpers.h): the same batch run locally and through test+ssh:// prints
 * the same and exits the same; files named on the command line are local;
 * each connection failure is one precise error; a dropped connection is
 * reported, the shell goes on and reconnects, and the remote change is
 * whole; console and TAB over SSH in tmux.  `domsh --stdio` itself is
 * driven without ssh for its handshake. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "rt_helpers.h"
#include "sshd_helpers.h"

#define UUID "6c0a4d3e-8a1b-4c2d-9e3f-0a1b2c3d4e5f"

struct rfix {
    struct rt rt;       /* the local root */
    struct sshd sshd;   /* the "remote host" */
};

/* one per test process; .fini stops sshd even when an assertion failed */
static struct rfix fixture;

static void rfix_init(void)
{
    if (!sshd_available())
        cr_skip_test("openssh-server is not installed (scripts/deps.sh installs it)");
    rt_setup(&fixture.rt);
    sshd_start(&fixture.sshd, fixture.rt.root);
}

static void rfix_fini(void)
{
    if (fixture.sshd.dir)
        sshd_stop(&fixture.sshd);
    if (fixture.rt.root)
        rt_teardown(&fixture.rt);
}

static char *vm_xml(const char *name, int mem)
{
    return fmt("<domain type='qemu'>\n  <name>%s</name>\n  <uuid>" UUID "</uuid>\n"
               "  <memory>%d</memory>\n  <vcpu>1</vcpu>\n  <os>\n"
               "    <type arch='x86_64' machine='pc'>hvm</type>\n  </os>\n  <devices>\n"
               "    <serial type='pty'><target port='0'/></serial>\n"
               "    <console type='pty'><target type='serial' port='0'/></console>\n"
               "  </devices>\n</domain>\n", name, mem);
}

/* DIR/NAME with text; returns the path (caller frees) */
static char *put_file(const char *dir, const char *name, const char *text)
{
    char *path = fmt("%s/%s", dir, name);
    cr_assert_eq(write_text(path, text), 0);
    return path;
}

static struct run_result batch(const char *root, const char *uri, const char *script)
{
    const char *argv[] = {"-c", uri, NULL};
    return run_domsh(root, script, argv);
}

TestSuite(remote_ssh, .init = rfix_init, .fini = rfix_fini, .timeout = 400);

Test(remote_ssh, prints_and_exits_as_locally)
{
    struct rfix f = fixture;
    char *xml = vm_xml("vm", 65536);
    char *good = put_file(f.rt.root, "vm.xml", xml);
    char *bad = put_file(f.rt.root, "bad.xml",
                         "<domain type='qemu'><name>x</name>\n<vcpu>z</vcpu>");
    char *script = fmt("define %s\ndefine %s\nlist --all\ndumpxml vm\nstart vm\n"
                       "domstate --reason vm\ndomid vm\nstart\nstart nosuch\n"
                       "define --file %s/missing.xml\ndestroy vm\ndominfo vm\nundefine vm\n"
                       "list --all\n",
                       good, bad, f.rt.root);
    char *local_root = fmt("%s/local", f.rt.root);
    cr_assert_eq(mkdir(local_root, 0700), 0);
    struct run_result loc = batch(local_root, "test:///default", script);
    struct run_result rem = batch(f.rt.root, f.sshd.uri, script);
    cr_assert_str_eq(rem.out, loc.out);
    cr_assert_str_eq(rem.err, loc.err);
    cr_assert_eq(rem.status, loc.status);
    cr_assert_eq(loc.status, 1);
    cr_assert(strstr(loc.err, "bad.xml:2:"), "%s", loc.err);   /* the user's path, not a temp one */
    cr_assert(strstr(loc.out, "running (booted)"), "%s", loc.out);
    run_free(&loc), run_free(&rem);
    struct rt lr = {.root = local_root};
    rt_teardown(&lr);
    free(script), free(good), free(bad), free(xml);
}

Test(remote_ssh, relative_file_uri_and_store_are_remote)
{
    struct rfix f = fixture;
    char *xml = vm_xml("vm", 65536);
    free(put_file(f.rt.root, "vm.xml", xml));
    cr_assert_eq(chdir(f.rt.root), 0);
    /* edit: a local editor on a local temp file, the result defined there */
    char *editor = put_file(f.rt.root, "editor", "#!/bin/sh\nsed -i s/65536/98304/ \"$1\"\n");
    cr_assert_eq(chmod(editor, 0755), 0);
    setenv("EDITOR", editor, 1);
    unsetenv("VISUAL");
    struct run_result r = batch(f.rt.root, f.sshd.uri,
                                "define vm.xml\nconfig-history vm\nuri\nlist --all --name\n"
                                "edit vm\ndumpxml vm\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' defined from vm.xml"), "%s", r.out);
    cr_assert(strstr(r.out, "Domain 'vm' XML configuration edited."), "%s", r.out);
    cr_assert(strstr(r.out, "<memory unit='KiB'>98304</memory>"), "%s", r.out);
    cr_assert(strstr(r.out, "define vm.xml\n"), "%s", r.out);
    cr_assert(strstr(r.out, f.sshd.uri), "%s", r.out);
    char *remote_xml = fmt("%s/config/test/vm.xml", f.sshd.remote_root);
    char *local_xml = fmt("%s/config/test/vm.xml", f.rt.root);
    cr_assert_eq(access(remote_xml, F_OK), 0, "not in the remote store");
    cr_assert_neq(access(local_xml, F_OK), 0, "written to the local store");
    run_free(&r);
    /* an edit the remote host refuses: its one error line, status 1 */
    cr_assert_eq(write_text(editor, "#!/bin/sh\nsed -i s/vcpu/vcpux/ \"$1\"\n"), 0);
    r = batch(f.rt.root, f.sshd.uri, "edit vm\n");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "error: "), "%s", r.err);
    cr_assert_null(strstr(strstr(r.err, "error: ") + 1, "error: "), "one error: %s", r.err);
    free(editor);
    run_free(&r);
    free(remote_xml), free(local_xml), free(xml);
}

/* one command against uri: status 1, exactly one stderr line holding want */
static void assert_one_error(const char *root, const char *uri, const char *want)
{
    struct run_result r = batch(root, uri, "list --all\necho still here\n");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, want), "want '%s' in: %s", want, r.err);
    cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
    cr_assert(strstr(r.out, "still here"), "the shell went on: %s", r.out);
    run_free(&r);
}

Test(remote_ssh, each_connection_failure_is_one_precise_error)
{
    struct rfix f = fixture;
    char *uri = fmt("%s?domsh=/nonexistent/domsh", f.sshd.uri);
    assert_one_error(f.rt.root, uri, "error: no domsh at '/nonexistent/domsh' on 127.0.0.1");
    free(uri);
    /* a program that answers with another protocol version */
    char *fake = put_file(f.rt.root, "old-domsh",
                          "#!/bin/sh\nprintf 'H\\000\\000\\000\\017domsh-remote 99'\n"
                          "cat >/dev/null\n");
    cr_assert_eq(chmod(fake, 0755), 0);
    uri = fmt("%s?domsh=%s", f.sshd.uri, fake);
    assert_one_error(f.rt.root, uri, "speaks protocol version 99, this one speaks version 3");
    free(uri), free(fake);
    char *kh = fmt("%s/known_hosts", f.sshd.dir);
    char *saved = slurp(kh, NULL);
    cr_assert_eq(write_text(kh, ""), 0);
    assert_one_error(f.rt.root, f.sshd.uri, "its host key is not known or has changed");
    uri = fmt("%s?no_verify=1", f.sshd.uri);
    struct run_result r = batch(f.rt.root, uri, "list --all\n");
    cr_assert_eq(r.status, 0, "no_verify=1: %s", r.err);
    run_free(&r);
    cr_assert_eq(write_text(kh, saved), 0);
    char *ak = fmt("%s/authorized_keys", f.sshd.dir);
    cr_assert_eq(write_text(ak, ""), 0);
    assert_one_error(f.rt.root, f.sshd.uri, "the key was refused");
    kill(f.sshd.pid, SIGTERM);   /* nobody listens there any more */
    waitpid(f.sshd.pid, NULL, 0);
    fixture.sshd.pid = 0;
    assert_one_error(f.rt.root, f.sshd.uri, "cannot connect to 127.0.0.1: ssh: connect to host");
    free(uri), free(kh), free(saved), free(ak);
}

/* an interactive-less shell fed line by line, its output in files */
struct live {
    pid_t pid;
    int in;
    char *out, *err;
};

static void live_start(struct live *l, const char *root, const char *uri)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    l->out = fmt("%s/live.out", root);
    l->err = fmt("%s/live.err", root);
    l->pid = fork();
    if (l->pid == 0) {
        dup2(p[0], 0);
        close(p[0]), close(p[1]);
        freopen(l->out, "w", stdout);
        freopen(l->err, "w", stderr);
        setenv("DOMSH_ROOT", root, 1);
        execl(domsh_bin(), domsh_bin(), "-c", uri, (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    l->in = p[1];
}

static void live_send(struct live *l, const char *line)
{
    cr_assert_eq(write(l->in, line, strlen(line)), (ssize_t)strlen(line));
}

/* poll path until it holds want (a 60 s guard, not a timing assertion: an
 * ssh connection took 10-18 s on the loaded CI machine) */
static bool file_has(const char *path, const char *want)
{
    for (int i = 0; i < 6000; i++) {
        char *text = slurp(path, NULL);
        bool ok = text && strstr(text, want);
        free(text);
        if (ok)
            return true;
        usleep(10000);
    }
    return false;
}

/* PID has exited (gone, or a zombie its parent has not reaped yet): a
 * SIGKILL is delivered at once, but the process closes its pipes only
 * when it is scheduled, which on a loaded machine can come after the
 * shell's next read; a 10 s guard */
static bool exited(pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        char *path = fmt("/proc/%d/stat", (int)pid);
        char *text = slurp(path, NULL);
        char *p = text ? strrchr(text, ')') : NULL;
        bool gone = !p || p[2] == 'Z' || p[2] == 'X';
        free(path), free(text);
        if (gone)
            return true;
        usleep(10000);
    }
    return false;
}

static int live_end(struct live *l)
{
    close(l->in);
    int st = 0;
    waitpid(l->pid, &st, 0);
    free(l->out), free(l->err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(remote_ssh, dropped_connection_reconnects_and_nothing_is_half_applied)
{
    struct rfix f = fixture;
    char *xml = vm_xml("vm", 65536), *bigger = vm_xml("vm", 131072);
    char *first = put_file(f.rt.root, "vm.xml", xml);
    char *second = put_file(f.rt.root, "vm2.xml", bigger);
    struct live l;
    live_start(&l, f.rt.root, f.sshd.uri);
    char *line = fmt("define %s\n", first);
    live_send(&l, line);
    cr_assert(file_has(l.out, "Domain 'vm' defined"));
    /* killed while idle: the next command reconnects and runs */
    pid_t ssh = sshd_client_pid(&f.sshd);
    cr_assert(ssh > 0);
    kill(ssh, SIGKILL);
    cr_assert(exited(ssh));
    live_send(&l, "domstate vm\n");
    cr_assert(file_has(l.err, "Reconnected to the hypervisor\n"));
    cr_assert(file_has(l.out, "shut off"));
    /* killed mid-command: define waits for the domain lock we hold */
    char *locks = fmt("%s/run/test/.locks", f.sshd.remote_root);   /* store_lock's file */
    mkdir(locks, 0700);
    char *lock = fmt("%s/vm", locks);
    free(locks);
    int fd = open(lock, O_RDWR | O_CREAT, 0600);
    cr_assert(fd >= 0 && flock(fd, LOCK_EX) == 0);
    free(line);
    line = fmt("define %s\necho after the drop\n", second);
    live_send(&l, line);
    usleep(1500 * 1000);   /* let the request reach the remote side (either way the
                              checks below hold) */
    ssh = sshd_client_pid(&f.sshd);
    cr_assert(ssh > 0);
    kill(ssh, SIGKILL);
    cr_assert(file_has(l.err, "error: lost the connection to 127.0.0.1 during 'define' "
                              "(ssh killed by signal 9)"));
    cr_assert(file_has(l.out, "after the drop"), "the shell went on");
    flock(fd, LOCK_UN);
    close(fd);
    /* the remote define finishes whole once it gets the lock */
    char *stored = fmt("%s/config/test/vm.xml", f.sshd.remote_root);
    cr_assert(file_has(stored, "<memory unit='KiB'>131072</memory>"));
    live_send(&l, "dominfo vm\n");
    cr_assert(file_has(l.out, "Max memory:     131072 KiB"));
    cr_assert_eq(live_end(&l), 1);   /* the dropped define failed here */
    free(line), free(lock), free(stored), free(first), free(second), free(xml), free(bigger);
}

Test(remote_stdio, answers_a_version_mismatch_with_its_own)
{
    char *root = tmp_root();
    char *cmd = fmt("printf 'H\\000\\000\\000\\017domsh-remote 99' | DOMSH_ROOT='%s' '%s' "
                    "--stdio test:///default > '%s/reply'", root, domsh_bin(), root);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *path = fmt("%s/reply", root);
    size_t len = 0;
    char *reply = slurp(path, &len);
    const char want[] = "H\0\0\0\036domsh-remote 3 test:///default";
    cr_assert_eq(len, sizeof(want) - 1);
    cr_assert_eq(memcmp(reply, want, len), 0);
    free(reply), free(path), free(cmd);
    rm_rf(root);
    free(root);
}

/* ---- console and TAB over SSH, in a real terminal (tmux) ------------- */

/* tmux send-keys to window 0: text literally (-l), or one key name */
static void send_keys(const char *sock, const char *keys, bool literal)
{
    const char *argv[] = {"tmux", "-S", sock, "send-keys", "-t", ":0", literal ? "-l" : keys,
                          literal ? keys : NULL, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execvp("tmux", (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tmux send-keys %s failed", keys);
}

/* the pane once it shows want after the last `after` (NULL: anywhere), a
 * 60 s guard; asserts, showing the pane */
static void pane_wait_after(const char *sock, const char *dir, const char *after,
                            const char *want)
{
    char *cmd = fmt("tmux -S '%s' capture-pane -p -J -S -100 -t :0 > '%s/pane'", sock, dir);
    char *path = fmt("%s/pane", dir);
    char *text = NULL;
    for (int i = 0; i < 600; i++) {
        free(text);
        text = system(cmd) == 0 ? slurp(path, NULL) : NULL;
        const char *from = text;
        const char *p = text && after ? strstr(text, after) : NULL;
        for (; p; p = strstr(p + 1, after))
            from = p;
        if (from && (!after || from != text) && strstr(from, want))
            break;
        usleep(100000);
    }
    cr_assert(text && strstr(text, want), "want '%s' on the screen:\n%s", want,
              text ? text : "");
    free(cmd), free(path), free(text);
}

static void pane_wait(const char *sock, const char *dir, const char *want)
{
    pane_wait_after(sock, dir, NULL, want);
}

Test(remote_ssh, console_and_completion_over_ssh)
{
    struct rfix f = fixture;
    char *xml = vm_xml("vmcons", 65536);
    char *path = put_file(f.rt.root, "vm.xml", xml);
    char *script = fmt("define %s\nstart vmcons\n", path);
    struct run_result r = batch(f.rt.root, f.sshd.uri, script);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char *sock = fmt("%s/tmux.sock", f.rt.root);
    char *shell = fmt("env DOMSH_ROOT='%s' '%s' -c '%s'", f.rt.root, domsh_bin(), f.sshd.uri);
    char *cmd = fmt("tmux -S '%s' -f /dev/null new-session -d -x 120 -y 40 \"%s\"", sock, shell);
    cr_assert_eq(system(cmd), 0);
    pane_wait(sock, f.rt.root, "domsh # ");
    send_keys(sock, "console vmc", true);
    send_keys(sock, "Tab", false);
    pane_wait(sock, f.rt.root, "domsh # console vmcons ");   /* TAB asked the remote */
    send_keys(sock, "Enter", false);
    pane_wait(sock, f.rt.root, "Escape character is ^]");
    send_keys(sock, "echo remote-hello", true);
    send_keys(sock, "Enter", false);
    pane_wait(sock, f.rt.root, "remote-hello\n");
    send_keys(sock, "C-]", false);
    pane_wait_after(sock, f.rt.root, "fake# ", "domsh # ");   /* detached: the local prompt */
    send_keys(sock, "domstate vmcons", true);
    send_keys(sock, "Enter", false);
    pane_wait(sock, f.rt.root, "domstate vmcons\nrunning");   /* back at the prompt */
    free(cmd);
    cmd = fmt("tmux -S '%s' kill-server", sock);
    cr_assert_eq(system(cmd), 0);
    free(cmd), free(shell), free(sock), free(script), free(path), free(xml);
}
