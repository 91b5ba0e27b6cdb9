/* console.h: the client side of the console PTY bridge.
 * `console DOM` connects to the domain's supervisor (RUN/NAME/sup.sock),
 * attaches to one character device, puts the terminal in raw mode and
 * copies bytes both ways until the escape character, a takeover, the
 * guest stopping or a signal.  The terminal is restored on every path.
 * The terminal helpers are separate so they can be tested without a
 * supervisor. */
#ifndef DOMSH_CONSOLE_H
#define DOMSH_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <termios.h>

#include "../base/err.h"
#include "../base/mem.h"

struct store;

#define CONSOLE_ESCAPE_DEFAULT 0x1d   /* ^] */

/* -e CHAR, virsh's rules: one character other than '^', or '^' followed by
 * a letter or one of @[\]^_ (meaning that control character).  ERR_ARGS
 * "invalid string 'S' for escape sequence" otherwise. */
int console_parse_escape(const char *s, int *out, struct err **e);
/* how to show it: "^]", "^A", "~" (buf of at least 3 bytes) */
const char *console_escape_name(int esc, char buf[static 3]);
/* offset of the first escape byte in buf[0..n), or n: every byte is
 * looked at, not only the first of a read */
size_t console_scan_escape(const unsigned char *buf, size_t n, int esc);

/* the terminal saved before raw mode */
struct console_tty {
    int fd;
    bool raw;
    struct termios saved;
};

/* save fd's settings and switch it to raw mode (cfmakeraw, typed-ahead
 * input kept); ERR_STATE when fd is not a terminal */
int console_tty_raw(struct console_tty *t, int fd, struct err **e);
/* put back what console_tty_raw saved; safe to call twice */
void console_tty_restore(struct console_tty *t);

struct console_opts {
    const char *name;        /* domain name (canonical) */
    const char *dev;         /* "serial0", "console0", "parallel0"; NULL = default */
    bool force, readonly, no_replay;
    int escape;              /* byte that detaches */
    int in_fd, out_fd;       /* terminal (normally 0 and 1) */
};

/* how a session ended (console_run returns 0 for these) */
enum console_end {
    CONSOLE_END_ESCAPE,      /* the user typed the escape character */
    CONSOLE_END_GUEST,       /* the guest stopped; the supervisor closed */
};

/* ERR_STATE "Cannot run interactive console without a controlling TTY"
 * unless both fds are terminals (start --console checks before starting) */
int console_check_tty(int in_fd, int out_fd, struct err **e);
/* options for domain NAME on stdin/stdout with escape byte esc */
void console_opts_init(struct console_opts *o, const char *name, int esc);

/* the whole interactive session; on success *end says why it ended and
 * *msg (may be NULL) gets the line to show the user when the guest ended
 * it ("Console of domain 'NAME' closed: domain shut off") */
int console_run(struct store *st, const struct console_opts *o, enum console_end *end,
                char **msg, struct err **e);
/* console_run, then that line on info (NULL: not shown, e.g. under -q);
 * what `console` does (stdout is flushed first) */
int console_run_print(struct store *st, const struct console_opts *o, FILE *info,
                      struct err **e);
/* `start --console`, `create --console`: the default device of the domain
 * that was just started, everything it printed since boot replayed */
int console_after_start(struct store *st, const char *name, int esc, FILE *info,
                        struct err **e);

#endif
