/* test_pty_noinotify.c: a user has 128 inotify instances, and each running
 * domain's supervisor takes one to see its published pty opened; with them
 * all taken (the 129th domain, or another program holding them) the
 * supervisor looks for a reader every SUP_PTY_PROBE_MS instead, so what
 * is typed on the pty still reaches the guest and its answer comes back.
 * `event` likewise looks at the run directory on a timer.
 * Run as a uid of its own (root's instances are shared with the rest of
 * the suite): that uid's instances are all taken by this test first. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "rel_helpers.h"

enum { OK, NO_SETUID = 10, EXHAUST, START, TTYCONSOLE, OPEN, NO_ANSWER, NO_FALLBACK, NO_EVENTS };

/* the binaries, copied where the uid can run them (a checkout under
 * /root is not open to it) */
static char *bin;

static int sh_as_user(const char *root, const char *line, char *out, size_t n)
{
    char *cmd = fmt("DOMSH_ROOT='%s' '%s' -q -c test:///default %s 2>&1", root, bin, line);
    FILE *p = popen(cmd, "r");
    size_t len = p ? fread(out, 1, n - 1, p) : 0;
    out[len] = '\0';
    free(cmd);
    return p ? pclose(p) : -1;
}

/* typed on the pty, answered on it (10 s guard) */
static bool pty_round_trip(const char *pty)
{
    int fd = open(pty, O_RDWR | O_NOCTTY);
    if (fd < 0)
        return false;
    char buf[8192];
    size_t len = 0;
    bool seen = false;
    for (time_t stop = time(NULL) + 10; !seen && time(NULL) < stop;) {
        if (write(fd, "echo via-pty\r", 13) != 13)
            break;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        while (!seen && poll(&p, 1, 500) == 1) {
            ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
            if (r <= 0)
                break;
            buf[len += (size_t)r] = '\0';
            seen = strstr(buf, "via-pty\r\nfake#") != NULL;
            if (len > sizeof(buf) / 2)
                len = 0;
        }
    }
    close(fd);
    return seen;
}

/* `event --loop` without inotify looks at the run dir every 200 ms: a
 * pause and a resume done meanwhile are both heard */
static bool events_heard(const char *root)
{
    char out[4096], *outf = fmt("%s/events.out", root);
    char *cmd = fmt("DOMSH_ROOT='%s' timeout 20 '%s' -q -c test:///default event vm --all --loop "
                    "--timeout 4 >'%s' 2>&1", root, bin, outf);
    pid_t pid = fork();
    if (pid == 0)
        _exit(system(cmd) == 0 ? 0 : 1);
    usleep(800 * 1000);
    sh_as_user(root, "suspend vm", out, sizeof(out));
    sh_as_user(root, "resume vm", out, sizeof(out));
    wait_status(pid);
    char *text = slurp(outf, NULL);
    bool heard = text && strstr(text, "Suspended") && strstr(text, "Resumed");
    if (!heard)
        fprintf(stderr, "event printed: %s\n", text ? text : "(nothing)");
    free(text);
    free(cmd);
    free(outf);
    return heard;
}

static int as_user(const char *root)
{
    if (setgroups(0, NULL) < 0 || setgid(54321) < 0 || setuid(54321) < 0)
        return NO_SETUID;
    int taken = 0;
    while (inotify_init1(IN_CLOEXEC) >= 0)
        taken++;
    if (errno != EMFILE || taken == 0)
        return EXHAUST;
    char out[4096], *xml = fmt("%s/vm.xml", root), *line = fmt("define %s", xml);
    write_text(xml, "<domain type='test'><name>vm</name><memory>65536</memory><os><type>hvm"
                    "</type></os><devices><serial type='pty'/></devices></domain>");
    if (sh_as_user(root, line, out, sizeof(out)) != 0 || sh_as_user(root, "start vm", out,
                                                                     sizeof(out)) != 0)
        return START;
    int rc = sh_as_user(root, "ttyconsole vm", out, sizeof(out)) != 0 ? TTYCONSOLE : OK;
    out[strcspn(out, "\n")] = '\0';
    if (rc == OK && !pty_round_trip(out))
        rc = NO_ANSWER;
    char *log_path = fmt("%s/log/test/vm.log", root), *log = slurp(log_path, NULL);
    if (rc == OK && !(log && strstr(log, "no inotify watch for the published ptys")))
        rc = NO_FALLBACK;
    if (rc == OK && !events_heard(root))
        rc = NO_EVENTS;
    sh_as_user(root, "destroy vm", out, sizeof(out));
    return rc;
}

Test(console_pty, pty_input_and_events_work_without_inotify, .timeout = 60)
{
    if (getuid() != 0)
        cr_skip_test("needs root (to run as a uid of its own)");
    char *root = tmp_root();
    cr_assert_eq(chown(root, 54321, 54321), 0);
    bin = fmt("%s/bin/domsh", root);
    char *cp = fmt("mkdir -m 755 '%s/bin' && cp '%s' '%s-supervisor' '%s/bin/'", root, domsh_bin(),
                   domsh_bin(), root);
    cr_assert_eq(system(cp), 0, "%s", cp);
    free(cp);
    pid_t pid = fork();
    if (pid == 0)
        _exit(as_user(root));
    int st = wait_status(pid);
    rm_rf(root);
    free(bin);
    cr_assert(WIFEXITED(st), "the child died (%d)", st);
    cr_assert_eq(WEXITSTATUS(st), OK, "step %d failed (10 setuid, 11 exhaust inotify, 12 start, "
                 "13 ttyconsole, 15 no answer on the pty, 16 no fallback in the log, 17 event heard "
                 "nothing)",
                 WEXITSTATUS(st));
    free(root);
}
