/* rt_helpers.h: helpers for the runtime tests (test backend, real binary).
 * Each test gets a private DOMSH_ROOT; rt_teardown() destroys what the test
 * started (and kills by PID, from the status files, whatever did not stop)
 * and removes the root. */
#ifndef DOMSH_RT_HELPERS_H
#define DOMSH_RT_HELPERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "helpers.h"

struct rt {
    char *root;
};

void rt_setup(struct rt *t);
void rt_teardown(struct rt *t);

/* a suite whose tests share `static struct rt T`, set up and torn down
 * around each test (needs <criterion/criterion.h>) */
#define RT_SUITE(suite, secs)                                \
    static struct rt T;                                      \
    static void rt_suite_setup(void) { rt_setup(&T); }       \
    static void rt_suite_teardown(void) { rt_teardown(&T); } \
    TestSuite(suite, .init = rt_suite_setup, .fini = rt_suite_teardown, .timeout = secs)

/* the same with two roots, `static struct rt T, D` (a migration's source
 * and destination) */
#define RT_SUITE_PAIR(suite, secs)                                            \
    static struct rt T, D;                                                    \
    static void rt_pair_setup(void) { rt_setup(&T); rt_setup(&D); }          \
    static void rt_pair_teardown(void) { rt_teardown(&D); rt_teardown(&T); } \
    TestSuite(suite, .init = rt_pair_setup, .fini = rt_pair_teardown, .timeout = secs)

/* assert that `domstate --reason NAME` reaches WANT (rt_wait_state) */
#define RT_EXPECT_STATE(t, name, want)                                                  \
    do {                                                                                \
        char *seen_ = NULL;                                                             \
        cr_assert(rt_wait_state(t, name, want, &seen_), "%s: expected '%s', got '%s'", \
                  name, want, seen_);                                                   \
    } while (0)

/* rt_ok of a formatted line, output dropped */
void rt_okf(struct rt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `domsh -q -c test:///default LINE` in t's root, in the background:
 * stdin and stdout /dev/null, stderr to ERRFILE; its pid */
pid_t rt_spawn(struct rt *t, const char *line, const char *errfile);
/* the same with stdout to outfile (NULL: /dev/null) */
pid_t rt_spawn_out(struct rt *t, const char *line, const char *outfile, const char *errfile);
/* `domsh -q -c test:///default LINE` in t's root */
struct run_result rt_run(struct rt *t, const char *line);
/* same, asserting exit status 0; returns stdout (caller frees) */
char *rt_ok(struct rt *t, const char *line);
/* define NAME from xml (written to ROOT/NAME.xml first) */
void rt_define_xml(struct rt *t, const char *name, const char *xml);
/* define NAME with the given on_* actions (NULL: element left out) and a
 * serial + console pty */
void rt_define(struct rt *t, const char *name, const char *on_poweroff, const char *on_reboot,
               const char *on_crash);
/* "running (booted)" etc. (caller frees) */
char *rt_state(struct rt *t, const char *name);
/* poll `domstate --reason` until it equals want (up to 10 s); the last
 * state seen is returned in *seen when it never matched (caller frees) */
bool rt_wait_state(struct rt *t, const char *name, const char *want, char **seen);

/* assert that `domstate --reason NAME` starts with prefix within 60 s (a
 * loaded host takes seconds to open an ssh connection) */
void rt_state_starts(struct rt *t, const char *name, const char *prefix);

/* poll `domjobinfo ARGS` in t until its output holds want (10 s); that
 * output (caller frees) */
char *rt_job_until(struct rt *t, const char *args, const char *want);
/* once the migration of t's vm by shell flows: migrate-postcopy, then
 * SIGKILL of the migrating shell (reaped) */
void rt_kill_after_the_switch(struct rt *t, pid_t shell);

/* a console connection (ATTACH with flags; -1 on refusal, errmsg set) */
int rt_attach(struct rt *t, const char *name, const char *dev, unsigned flags, char **errmsg);
void rt_send(int fd, const char *text);
/* read DATA frames until the output contains want, an EXIT frame or EOF
 * (up to 10 s); returns everything read (caller frees); *last_type gets
 * the type of the last frame (may be NULL) */
char *rt_read_until(int fd, const char *want, int *last_type);
/* type a line on the guest console and wait for want in its output */
void rt_guest_line(struct rt *t, const char *name, const char *line, const char *want);

/* RUN/NAME/FILE path (caller frees) */
char *rt_run_path(struct rt *t, const char *name, const char *file);
/* a key of RUN/NAME/status as a number (-1 when absent) */
long rt_status_num(struct rt *t, const char *name, const char *key);
bool pid_alive(pid_t pid);

#endif
