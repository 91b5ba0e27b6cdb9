/* test_top.c: `top` in a real terminal (a private tmux server whose socket
 * is in the test's DOMSH_ROOT) and `top -b` for scripts.  The busy domain
 * runs a console `flood`, so its CPU counter moves; waits poll the screen
 * with a generous guard and never assert on time. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "../core/runtime/jsonscan.h"
#include "helpers.h"
#include "rt_helpers.h"

struct term {
    struct rt rt;
    char *sock;
};

/* tmux -S SOCK ARGS... (NULL-terminated); its stdout when out != NULL */
static void tm(struct term *t, char **out, const char *first, ...)
{
    const char *argv[24] = {"tmux", "-S", t->sock, "-f", "/dev/null"};
    va_list ap;
    va_start(ap, first);
    argv_append(argv, 5, 24, first, ap);
    va_end(ap);
    char *path = fmt("%s/tmux.out", t->rt.root);
    pid_t pid = fork();
    if (pid == 0) {
        freopen(path, "w", stdout);
        execvp("tmux", (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tmux %s failed", first);
    if (out)
        *out = slurp(path, NULL);
    free(path);
}

/* the pane once it shows want (and not avoid, when given) */
static char *pane_with(struct term *t, const char *want, const char *avoid)
{
    char *s = NULL;
    for (int i = 0; i < 1500; i++) {
        tm(t, &s, "capture-pane", "-p", "-t", ":0", NULL);
        if (strstr(s, want) && !(avoid && strstr(s, avoid)))
            return s;
        free(s);
        usleep(20000);
    }
    tm(t, &s, "capture-pane", "-p", "-t", ":0", NULL);
    cr_assert_fail("the pane never showed '%s'%s%s; it shows:\n%s", want,
                   avoid ? " without " : "", avoid ? avoid : "", s);
    return s;
}

static void term_open(struct term *t)
{
    rt_setup(&t->rt);
    t->sock = fmt("%s/tmux.sock", t->rt.root);
    static const char *const names[] = {"alpha", "bravo", "charlie"};
    for (int i = 0; i < 3; i++) {
        rt_define(&t->rt, names[i], NULL, NULL, NULL);
        char *line = fmt("start %s", names[i]);
        free(rt_ok(&t->rt, line));
        free(line);
    }
    char *shell = fmt("env DOMSH_ROOT='%s' PS1='$ ' sh", t->rt.root);
    tm(t, NULL, "new-session", "-d", "-x", "150", "-y", "30", shell, NULL);
    free(shell);
}

static void term_close(struct term *t)
{
    tm(t, NULL, "kill-server", NULL);
    rt_teardown(&t->rt);
    free(t->sock);
}

/* the row of NAME on the screen, from its name on */
static const char *row_of(const char *screen, const char *name)
{
    char *key = fmt(" %s ", name);
    const char *p = strstr(screen, key);
    free(key);
    return p;
}

/* keep BUSY's guest printing (CPU for its emulator and supervisor) */
static int keep_busy(struct term *t, const char *busy)
{
    int fd = rt_attach(&t->rt, busy, "", PROTO_ATT_NO_REPLAY, NULL);
    cr_assert_geq(fd, 0);
    rt_send(fd, "flood 3000000\r");
    return fd;
}

Test(top, screen_sort_filter_console_quit, .timeout = 180)
{
    struct term t;
    term_open(&t);
    /* after: written, then renamed, so it is never read half made */
    char *cmd = fmt("stty -g > %s/before; %s -c test:///default top -d 0.5; echo rc=$?; "
                    "stty -g > %s/after.new && mv %s/after.new %s/after", t.rt.root, domsh_bin(),
                    t.rt.root, t.rt.root, t.rt.root);
    tm(&t, NULL, "send-keys", "-t", ":0", "-l", cmd, NULL);
    tm(&t, NULL, "send-keys", "-t", ":0", "Enter", NULL);
    free(cmd);
    free(pane_with(&t, " charlie ", NULL));
    /* N: by name; the rows come alphabetically */
    tm(&t, NULL, "send-keys", "-t", ":0", "N", NULL);
    char *s = pane_with(&t, "sort NAME", NULL);
    cr_assert(row_of(s, "alpha") < row_of(s, "bravo") && row_of(s, "bravo") < row_of(s, "charlie"),
              "%s", s);
    free(s);
    /* a busy bravo: its %CPU moves and P (by CPU) puts it first */
    int busy = keep_busy(&t, "bravo");
    tm(&t, NULL, "send-keys", "-t", ":0", "P", NULL);
    for (int i = 0; i < 300; i++) {
        s = pane_with(&t, "sort %CPU", NULL);
        double cpu = 0;
        const char *r = row_of(s, "bravo");
        cr_assert(r, "%s", s);
        sscanf(r, " bravo running %lf", &cpu);
        bool first = row_of(s, "bravo") < row_of(s, "alpha") &&
                     row_of(s, "bravo") < row_of(s, "charlie");
        free(s);
        if (cpu > 0 && first)
            break;
        cr_assert_lt(i, 299, "bravo's %%CPU never moved to the top");
        usleep(100000);
    }
    close(busy);
    /* / filters by name */
    tm(&t, NULL, "send-keys", "-t", ":0", "/", "c", "h", "a", "Enter", NULL);
    s = pane_with(&t, "filter: cha", " alpha ");
    cr_assert(row_of(s, "charlie") && !row_of(s, "bravo"), "%s", s);
    free(s);
    /* c: the console of the selected domain; ^] comes back to top */
    tm(&t, NULL, "send-keys", "-t", ":0", "c", NULL);
    free(pane_with(&t, "Connected to domain 'charlie'", NULL));
    tm(&t, NULL, "send-keys", "-t", ":0", "C-]", NULL);
    free(pane_with(&t, "filter: cha", "Connected to domain"));
    /* S: a snapshot of the selected domain, its line on the message row */
    tm(&t, NULL, "send-keys", "-t", ":0", "S", NULL);
    free(pane_with(&t, "Domain snapshot", NULL));
    char *snaps = rt_ok(&t.rt, "snapshot-list charlie --name");
    cr_assert(strlen(snaps) > 1, "no snapshot of charlie: '%s'", snaps);
    free(snaps);
    /* q: out, status 0, the terminal as it was */
    tm(&t, NULL, "send-keys", "-t", ":0", "q", NULL);
    free(pane_with(&t, "rc=0", NULL));
    char *before = fmt("%s/before", t.rt.root), *after = fmt("%s/after", t.rt.root);
    for (int i = 0; i < 100 && access(after, F_OK) != 0; i++)
        usleep(50000);
    char *b = slurp(before, NULL), *a = slurp(after, NULL);
    cr_assert(b && a && strcmp(a, b) == 0, "stty -g changed: '%s' -> '%s'", b, a);
    free(a);
    free(b);
    free(before);
    free(after);
    term_close(&t);
}

Test(top, batch_json_two_samples, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "one", NULL, NULL, NULL);
    free(rt_ok(&t, "start one"));
    char *out = rt_ok(&t, "top -b -n 2 -d 0.2 --json");
    int samples = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), samples++) {
        const char *end = jscan_end(line);
        cr_assert(end && *end == '\0', "not one JSON value: %s", line);
        const char *doms = jscan_key(line, "domains"), *host = jscan_key(line, "host");
        cr_assert(doms && host, "%s", line);
        char name[16] = "", state[16] = "";
        const char *d0 = jscan_nth(doms, 0);
        cr_assert(d0 && jscan_str(d0, "name", name, sizeof(name)) &&
                  jscan_str(d0, "state", state, sizeof(state)), "%s", line);
        cr_assert_str_eq(name, "one");
        cr_assert_str_eq(state, "running");
        long long cpus = 0;
        cr_assert(jscan_num(host, "cpus", &cpus) && cpus >= 1, "%s", line);
        cr_assert(jscan_key(d0, "cpu_guest") && jscan_key(d0, "wait") &&
                  jscan_key(d0, "disk_iops") && jscan_key(d0, "uptime_s"), "%s", line);
    }
    cr_assert_eq(samples, 2);
    free(out);
    out = rt_ok(&t, "top -b -n 1 -d 0.2 --csv");
    cr_assert(strncmp(out, "time,id,name,state,cpu,", 23) == 0, "%s", out);
    cr_assert(strstr(out, ",one,running,"), "%s", out);
    free(out);
    struct run_result r = rt_run(&t, "top");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: top needs a terminal; use top -b for samples\n");
    run_free(&r);
    r = rt_run(&t, "top -b -d 0");
    cr_assert_eq(r.status, 1);
    run_free(&r);
    rt_teardown(&t);
}

/* an emulator that does not answer QMP (stopped): top does not wait for
 * it longer than its timeout and says so in the row */
Test(top, wedged_emulator_says_no_answer, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "stuck", NULL, NULL, NULL);
    free(rt_ok(&t, "start stuck"));
    long emu = rt_status_num(&t, "stuck", "qemu_pid");
    cr_assert_gt(emu, 0);
    kill((pid_t)emu, SIGSTOP);
    struct run_result r = rt_run(&t, "top -b -n 1 -d 0.2 --csv");
    kill((pid_t)emu, SIGCONT);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ",stuck,no answer,") && strstr(r.out, ",0\n"), "%s", r.out);
    run_free(&r);
    rt_teardown(&t);
}

/* a supervisor that is itself stopped, its listen backlog filled by
 * clients it never accepts: top neither hangs in connect (a blocking
 * connect to a full backlog waits forever) nor shows the domain as shut
 * off; every sample says "no answer", the other domain runs on */
Test(top, stopped_supervisor_says_no_answer, .timeout = 90)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "stopped", NULL, NULL, NULL);
    rt_define(&t, "fine", NULL, NULL, NULL);
    free(rt_ok(&t, "start stopped"));
    free(rt_ok(&t, "start fine"));
    long sup = rt_status_num(&t, "stopped", "sup_pid");
    cr_assert_gt(sup, 0);
    kill((pid_t)sup, SIGSTOP);
    char *sock = rt_run_path(&t, "stopped", "sup.sock");
    int held[40], nheld = 0;
    for (; nheld < 40; nheld++) {
        held[nheld] = -1;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            close(fd);
            break;               /* the backlog is full */
        }
        held[nheld] = fd;
    }
    struct run_result r = rt_run(&t, "top -b -n 3 -d 0.1 --csv");
    kill((pid_t)sup, SIGCONT);
    for (int i = 0; i < nheld; i++)
        close(held[i]);
    cr_assert_lt(nheld, 40, "the backlog never filled");
    cr_assert_eq(r.status, 0, "%s", r.err);
    int stopped = 0, fine = 0;
    for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
        stopped += strstr(l, ",stopped,no answer,") != NULL;
        fine += strstr(l, ",fine,running,") != NULL;
    }
    cr_assert(stopped == 3 && fine == 3, "%s", r.out);
    run_free(&r);
    free(sock);
    rt_teardown(&t);
}
