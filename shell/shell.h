/* shell.h: the shell context, passed explicitly everywhere (no globals,
 * except the one readline forces in completion/complete.c). */
#ifndef DOMSH_SHELL_H
#define DOMSH_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"

struct remote;

struct shell {
    char *uri;               /* as given by -c / connect, NULL = default */
    struct store *store;     /* opened lazily by the dispatcher (NULL when remote) */
    struct remote *remote;   /* a +ssh:// URI: commands run there (shell/remote.h) */
    bool interactive;        /* readline REPL */
    bool quiet;              /* -q: no informational lines */
    bool readonly;           /* -r: refuse CMD_READ_WRITE commands */
    bool json;               /* set per command by --json where supported */
    bool color;              /* stdout is a terminal and NO_COLOR unset */
    bool quit;               /* quit/exit was run */
    int escape;              /* console escape byte, default 0x1d (^]) */
    int last_rc;
    int channel_in;          /* --stdio: the client's frames (migrate-receive watches
                                them for the source giving up); 0: none (never fd 0) */
    int channel_events;      /* --stdio, while a command runs: GO / the channel's end
                                (rintr_watch_events); 0: none */
    FILE *out, *err;
};

/* open sh->store if needed */
int shell_connect(struct shell *sh, struct err **e);
/* informational line (suppressed by -q) */
void shell_info(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* a handler's return: failed, and the message is already printed (remote) */
#define CMD_FAILED_PRINTED (-2)

/* run one tokenized command; prints its error once; returns 0/1 */
int dispatch_words(struct shell *sh, char *const *words, size_t n);
/* the same without virsh's blank line after the command (the --stdio server) */
int dispatch_one(struct shell *sh, char *const *words, size_t n);
/* tokenize a line ("a; b # c") and run each command; returns 1 if any failed */
int dispatch_line(struct shell *sh, const char *line);

#endif
