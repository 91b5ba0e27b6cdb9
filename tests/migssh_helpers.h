/* migssh_helpers.h: what the suites of migration over SSH share
 * (test_migrate_ssh.c, test_migrate_stall.c): the source root t, a private
 * sshd whose sessions have their own root d (the "remote host"). */
#ifndef DOMSH_MIGSSH_HELPERS_H
#define DOMSH_MIGSSH_HELPERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "rt_helpers.h"
#include "sshd_helpers.h"

/* a suite whose tests have T (the source), S (the sshd) and D (its
 * sessions' root), set up and torn down around each test */
#define MIGSSH_SUITE(suite, secs)                                         \
    static struct rt T, D;                                                \
    static struct sshd S;                                                 \
    static void migssh_suite_setup(void) { migssh_setup(&T, &S, &D); }    \
    static void migssh_suite_teardown(void) { migssh_teardown(&T, &S); }  \
    TestSuite(suite, .init = migssh_suite_setup, .fini = migssh_suite_teardown, .timeout = secs)

/* t's root, an sshd in it, d the sessions' root (skips without sshd) */
void migssh_setup(struct rt *t, struct sshd *s, struct rt *d);
void migssh_teardown(struct rt *t, struct sshd *s);
/* `list` of root t names vm (running) or not, within 20 s */
void migssh_runs_in(struct rt *t, bool yes);
/* a running "vm" in t whose counter is n */
void migssh_vm_at(struct rt *t, int n);
/* no ssh of this sshd is left (the forward and the request channel) */
void migssh_no_ssh_left(const struct sshd *s);
/* wait for the migrating shell, which must exit with status; its stderr */
char *migssh_shell_exits(pid_t pid, const char *errf, int status);
/* its stderr is "error: Failed to migrate domain 'vm' to URI" then one
 * error line holding want */
void migssh_one_error(const char *err, const struct sshd *s, const char *want);

#endif
