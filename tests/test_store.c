/* test_store.c: the durable store (atomic writes, locks, name rules,
 * duplicates) and the runtime status reader. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/runtime.h"
#include "../core/store.h"
#include "helpers.h"

/* ---- runtime status ------------------------------------------------- */

static unsigned long long my_start_ticks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    char *text = slurp(path, NULL);
    char *p = strrchr(text, ')');
    for (int f = 2; f < 22; f++)
        p = strchr(p + 1, ' ');
    unsigned long long t = strtoull(p + 1, NULL, 10);
    free(text);
    return t;
}

static void write_status(const char *run, const char *name, const char *body)
{
    char *dir = fmt("%s/%s", run, name);
    mkdir(run, 0700);
    mkdir(dir, 0700);
    char *path = fmt("%s/status", dir);
    cr_assert_eq(write_text(path, body), 0);
    free(path);
    free(dir);
}

Test(runtime, state_names)
{
    cr_assert_str_eq(dom_state_name(DOM_SHUTOFF), "shut off");
    cr_assert_str_eq(dom_state_name(DOM_RUNNING), "running");
    cr_assert_str_eq(dom_state_name(DOM_PAUSED), "paused");
    cr_assert(dom_state_active(DOM_RUNNING));
    cr_assert(dom_state_active(DOM_PAUSED));
    cr_assert(!dom_state_active(DOM_SHUTOFF));
}

Test(runtime, status_from_file)
{
    char *root = tmp_root();
    char *run = fmt("%s/run", root);
    struct store st = {.run_dir = run, .config_dir = root, .log_dir = root};
    struct dom_status s;

    /* nothing runs: shut off, never an error */
    cr_assert_eq(rt_status(&st, "ghost", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_eq(s.id, -1);

    /* a live supervisor (this process) */
    char *body = fmt("state=running\nreason=booted\nid=7\nsup_pid=%d\nsup_start=%llu\n",
                     (int)getpid(), my_start_ticks(getpid()));
    write_status(run, "alive", body);
    cr_assert_eq(rt_status(&st, "alive", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_RUNNING);
    cr_assert_str_eq(s.reason, "booted");
    cr_assert_eq(s.id, 7);

    /* same pid, other start time: the pid was reused */
    free(body);
    body = fmt("state=paused\nid=8\nsup_pid=%d\nsup_start=1\n", (int)getpid());
    write_status(run, "reused", body);
    cr_assert_eq(rt_status(&st, "reused", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_str_eq(s.reason, "crashed");

    /* a dead supervisor */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    free(body);
    body = fmt("state=running\nid=9\nsup_pid=%d\n", (int)child);
    write_status(run, "dead", body);
    cr_assert_eq(rt_status(&st, "dead", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_str_eq(s.reason, "crashed");
    cr_assert_eq(s.id, -1);

    struct strv active = {0};
    cr_assert_eq(rt_list_active(&st, &active, NULL), 0);
    cr_assert_eq(active.n, 1);
    cr_assert_str_eq(active.v[0], "alive");
    strv_free(&active);

    free(body);
    free(run);
    rm_rf(root);
    free(root);
}
