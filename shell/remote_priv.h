/* remote_priv.h: what remote.c shares with remote_tty.c only. */
#ifndef DOMSH_SHELL_REMOTE_PRIV_H
#define DOMSH_SHELL_REMOTE_PRIV_H

#include "../core/remote/remote.h"
#include "remote.h"

struct remote {
    struct ruri uri;
    struct rconn conn;
    bool was_open;      /* a connection was open once: a new one is a reconnection */
};

/* open the connection if needed (noticing one that dropped while idle) */
int remote_connected(struct shell *sh, struct err **e);

#endif
