/* remote_priv.h: what ssh.c, forward.c and diagnose.c share. */
#ifndef DOMSH_REMOTE_PRIV_H
#define DOMSH_REMOTE_PRIV_H

#include "remote.h"

/* fork+exec argv with its stdin/stdout/stderr on pipes held in c */
int rconn_spawn(struct rconn *c, char **argv, struct err **e);
/* wait up to ms for pid to exit, then SIGKILL it; its wait status */
int rconn_reap(pid_t pid, int ms);
/* the last meaningful line of what ssh wrote on stderr, or NULL */
char *rssh_last_line(const struct buf *tail);
/* -o ServerAliveInterval/-o ServerAliveCountMax for u, unless the user's
 * ssh configuration sets its own (keepalive.c) */
void rssh_keepalive(const struct ruri *u, const char *prog, struct strv *argv);

#define RSSH_STR_(x) #x
#define RSSH_STR(x) RSSH_STR_(x)

#endif
