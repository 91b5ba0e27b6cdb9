/* test_events.c: the event stream (supervisor EVENT frames, `event`).
 *  - ordering: `event --all --loop --json` runs while 4 shells make 200
 *    lifecycle changes on 4 domains, every domain started after the
 *    listener (inotify + the supervisor's backlog); the listener sees each
 *    change exactly once, in order per domain, with sequence numbers
 *    1, 2, ... per supervisor and no loss reported.
 *  - kinds: reboot, balloon-change and console attach/detach events with
 *    their virsh wording; `event DOM` without --loop stops after one. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "helpers.h"
#include "rt_helpers.h"

#define SHELLS 4
#define CYCLES 12        /* suspend, resume, destroy, start: 1 + 4*12 + 1 = 50 changes */

static pid_t listener(struct rt *t, const char *out, const char *const extra[])
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive a failed test */
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char *errp = fmt("%s.err", out);
        int efd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(efd, 2);
        setenv("DOMSH_ROOT", t->root, 1);
        const char *argv[16] = {domsh_bin(), "-q", "-c", "test:///default", "event"};
        size_t n = 5;
        for (size_t i = 0; extra[i] && n < 15; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    return pid;
}

/* wait (up to tenths/10 s) until FILE holds at least n lines containing WANT */
static bool wait_lines(const char *file, const char *want, int n, int tenths)
{
    for (int i = 0; i < tenths; i++) {
        char *text = slurp(file, NULL);
        int count = 0;
        for (char *p = text; p && (p = strstr(p, want)); p += strlen(want))
            count++;
        free(text);
        if (count >= n)
            return true;
        usleep(100000);
    }
    return false;
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the listener failed (%d)", st);
}

static char *shell_script(const char *dom)
{
    char *s = fmt("start %s\n", dom);
    for (int c = 0; c < CYCLES; c++) {
        char *next = fmt("%ssuspend %s\nresume %s\ndestroy %s\nstart %s\n", s, dom, dom, dom, dom);
        free(s);
        s = next;
    }
    char *last = fmt("%sdestroy %s\n", s, dom);
    free(s);
    return last;
}

/* each line of OUT for DOM: its detail must follow the expected cycle and
 * its seq count 1..4 within each supervisor */
static void check_domain(const char *text, const char *dom)
{
    static const char *const cycle[] = {"Suspended Paused", "Resumed Unpaused",
                                        "Stopped Destroyed", "Started Booted"};
    char *key = fmt("{\"domain\": \"%s\",", dom);
    int n = 0;
    for (const char *p = text; (p = strstr(p, key)); p++, n++) {
        unsigned long long seq = 0;
        char detail[64] = "";
        const char *s = strstr(p, "\"seq\": "), *d = strstr(p, "\"detail\": \"");
        cr_assert(s && d);
        seq = strtoull(s + 7, NULL, 10);
        sscanf(d + 11, "%63[^\"]", detail);
        const char *want = n == 0 ? "Started Booted"
                         : n == 4 * CYCLES + 1 ? "Stopped Destroyed" : cycle[(n - 1) % 4];
        cr_assert_str_eq(detail, want, "%s event %d: '%s', expected '%s'", dom, n, detail, want);
        unsigned long long want_seq = n == 0 ? 1 : (unsigned long long)((n - 1) % 4 + 2);
        if (want_seq == 5)
            want_seq = 1;
        cr_assert_eq(seq, want_seq, "%s event %d (%s): seq %llu, expected %llu", dom, n, detail,
                     seq, want_seq);
    }
    cr_assert_eq(n, 4 * CYCLES + 2, "%s: %d lifecycle events, expected %d", dom, n, 4 * CYCLES + 2);
    free(key);
}

Test(events, two_hundred_changes_from_four_shells, .timeout = 240)
{
    struct rt t;
    rt_setup(&t);
    char *names[SHELLS];
    for (int i = 0; i < SHELLS; i++) {
        names[i] = fmt("ev%d", i);
        rt_define(&t, names[i], NULL, NULL, NULL);
    }
    rt_define(&t, "probe", NULL, NULL, NULL);
    char *out = fmt("%s/events.out", t.root);
    pid_t l = listener(&t, out, (const char *const[]){"--all", "--loop", "--json",
                                                       "--event", "lifecycle", NULL});
    /* the listener is ready once it reports a domain it did not see start */
    bool ready = false;
    for (int i = 0; i < 20 && !ready; i++) {
        free(rt_ok(&t, "start probe"));
        ready = wait_lines(out, "\"probe\"", 1, 20);
        free(rt_ok(&t, "destroy probe"));
    }
    cr_assert(ready, "the listener never reported anything");
    pid_t kids[SHELLS];
    for (int i = 0; i < SHELLS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char *script = shell_script(names[i]);
            const char *argv[] = {"-q", "-c", "test:///default", NULL};
            struct run_result r = run_domsh(t.root, script, argv);
            int rc = r.status == 0 ? 0 : 1;
            if (rc)
                fprintf(stderr, "shell %d: %s\n", i, r.err);
            run_free(&r);
            free(script);
            _exit(rc);
        }
    }
    for (int i = 0; i < SHELLS; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "shell %d failed", i);
    }
    /* a 60 s guard, not a timing assertion: the listener may be starved
     * by QEMU tests running beside it */
    if (!wait_lines(out, "\"domain\": \"ev", SHELLS * (4 * CYCLES + 2), 600)) {
        char *seen = slurp(out, NULL), *errp = fmt("%s.err", out), *errs = slurp(errp, NULL);
        cr_assert(0, "the listener did not see every change: stderr '%s', output:\n%s",
                  errs ? errs : "", seen ? seen : "");
    }
    usleep(300000);              /* nothing more may come */
    stop(l);
    char *text = slurp(out, NULL);
    for (int i = 0; i < SHELLS; i++)
        check_domain(text, names[i]);
    char *errp = fmt("%s.err", out);
    char *errs = slurp(errp, NULL);
    cr_assert(!strstr(errs, "lost"), "the listener reported a loss: %s", errs);
    free(errs);
    free(errp);
    free(text);
    free(out);
    for (int i = 0; i < SHELLS; i++)
        free(names[i]);
    rt_teardown(&t);
}

Test(events, kinds_and_wording, .timeout = 120)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "k", NULL, NULL, NULL);
    free(rt_ok(&t, "start k"));
    char *out = fmt("%s/events.out", t.root);
    pid_t l = listener(&t, out, (const char *const[]){"k", "--all", "--loop", NULL});
    usleep(500000);
    free(rt_ok(&t, "setmem k 32768 --live"));
    cr_assert(wait_lines(out, "event 'balloon-change' for domain 'k': 32768KiB", 1, 300));
    int fd = rt_attach(&t, "k", "", PROTO_ATT_READONLY, NULL);
    cr_assert_geq(fd, 0);
    cr_assert(wait_lines(out, "event 'console' for domain 'k': attached serial0", 1, 300));
    rt_guest_line(&t, "k", "reboot", "Welcome");
    close(fd);
    cr_assert(wait_lines(out, "event 'console' for domain 'k': detached serial0", 2, 300));
    cr_assert(wait_lines(out, "event 'reboot' for domain 'k'\n", 1, 300));
    char *img = fmt("%s/d.img", t.root);
    cr_assert_eq(write_text(img, ""), 0);
    rt_okf(&t, "attach-disk k %s vdb --live", img);
    cr_assert(wait_lines(out, "event 'device-added' for domain 'k': virtio-disk1\n", 1, 300));
    free(rt_ok(&t, "detach-disk k vdb --live"));
    cr_assert(wait_lines(out, "event 'device-removed' for domain 'k': virtio-disk1\n", 1, 300));
    free(img);
    stop(l);
    free(out);

    /* without --loop: the first event ends it, with the virsh summary */
    out = fmt("%s/one.out", t.root);
    l = listener(&t, out, (const char *const[]){"k", "--event", "lifecycle", NULL});
    usleep(500000);
    free(rt_ok(&t, "suspend k"));
    int st;
    waitpid(l, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *text = slurp(out, NULL);
    cr_assert_str_eq(text, "event 'lifecycle' for domain 'k': Suspended Paused\n"
                           "events received: 1\n");
    free(text);
    free(out);
    rt_teardown(&t);
}

Test(events, bad_usage)
{
    struct rt t;
    rt_setup(&t);
    struct run_result r = rt_run(&t, "event --loop");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: one of --list, --all, or --event <type> is required\n");
    run_free(&r);
    r = rt_run(&t, "event --event nosuch");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "nosuch"), "%s", r.err);
    run_free(&r);
    r = rt_run(&t, "event --all --timeout 1");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "event loop timed out\nevents received: 0\n");
    run_free(&r);
    rt_teardown(&t);
}

/* a supervisor that starts and ends while the listener is not looking (here:
 * stopped) is never connected to; its events come from the journal, in
 * order, once each */
Test(events, a_supervisor_gone_before_the_listener_looked, .timeout = 120)
{
    struct rt t;
    rt_setup(&t);
    rt_define(&t, "brief", NULL, NULL, NULL);
    rt_define(&t, "probe", NULL, NULL, NULL);
    char *out = fmt("%s/events.out", t.root);
    pid_t l = listener(&t, out, (const char *const[]){"--all", "--loop", "--event", "lifecycle",
                                                       NULL});
    bool ready = false;
    for (int i = 0; i < 20 && !ready; i++) {
        free(rt_ok(&t, "start probe"));
        ready = wait_lines(out, "domain 'probe'", 1, 20);
        free(rt_ok(&t, "destroy probe"));
    }
    cr_assert(ready, "the listener never reported anything");
    kill(l, SIGSTOP);
    free(rt_ok(&t, "start brief"));
    free(rt_ok(&t, "suspend brief"));
    free(rt_ok(&t, "destroy brief"));
    kill(l, SIGCONT);
    bool all = wait_lines(out, "domain 'brief'", 3, 300);
    usleep(300000);              /* nothing more may come */
    stop(l);
    char *text = slurp(out, NULL);
    cr_assert(all, "%s", text);
    const char *a = strstr(text, "for domain 'brief': Started Booted");
    const char *b = a ? strstr(a, "for domain 'brief': Suspended Paused") : NULL;
    const char *c = b ? strstr(b, "for domain 'brief': Stopped Destroyed") : NULL;
    cr_assert(c, "not in order: %s", text);
    cr_assert_null(strstr(c + strlen("for domain 'brief': Stopped Destroyed"), "domain 'brief'"),
                   "delivered twice: %s", text);
    free(text);
    free(out);
    rt_teardown(&t);
}
