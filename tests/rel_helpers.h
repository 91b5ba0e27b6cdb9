/* rel_helpers.h: helpers for the reliability tests (crash, concurrency,
 * hostile input, permissions): background domsh processes, a fast store
 * root, process counting. */
#ifndef DOMSH_REL_HELPERS_H
#define DOMSH_REL_HELPERS_H

#include <sys/types.h>

/* a private root on tmpfs (/dev/shm) when there is one, else tmp_root():
 * these tests need rename atomicity across a kill, not fsync speed */
char *fast_root(void);
/* start domsh ARGV... in its own process group with DOMSH_ROOT=root and
 * the NULL-terminated "KEY=VALUE" list env (may be NULL); stdin is
 * /dev/null, stdout and stderr go to out_fd (-1: /dev/null) */
pid_t spawn_domsh(const char *root, const char *const env[], const char *const argv[],
                  int out_fd);
/* wait for pid; the raw wait status */
int wait_status(pid_t pid);
/* processes whose command line (NULs read as spaces) contains needle */
int count_procs(const char *needle);
/* microseconds since *t0 (CLOCK_MONOTONIC) */
long usec_since(const struct timespec *t0);

#endif
