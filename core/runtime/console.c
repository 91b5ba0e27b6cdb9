/* console.c: the console session: attach to the supervisor's socket
 * (core/proto.h), then copy guest output to the terminal and keystrokes
 * to the guest until the escape character, a --force takeover, the guest
 * stopping or a signal.  Signals arrive through a signalfd so that the
 * loop, not a handler, decides, and the terminal is restored on every
 * path before anything is printed. */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../base/rundir.h"
#include "../base/fsutil.h"
#include "../base/proto.h"
#include "../store/store.h"

/* a whole frame plus room for the next read: large reads, few syscalls */
#define IN_CAP (2u * (PROTO_HDR + PROTO_MAX))

struct session {
    const struct console_opts *o;
    int sock, sigfd;
    sigset_t oldmask;
    struct console_tty tty;
    unsigned char *in;        /* bytes from the supervisor not yet parsed */
    size_t in_len;
    bool done;
    unsigned char last_out;   /* last byte shown: end on a fresh line */
    enum console_end end;
    char *msg;                /* EXIT text, or why we were detached */
    bool kicked;              /* another client took over (--force) */
    int signo;                /* signal that ended the session, or 0 */
    struct err *fail;         /* I/O failure that ended it */
};

/* the terminal's size to the device pty (read-write clients only) */
static void send_resize(struct session *s)
{
    struct winsize ws;
    if (s->o->readonly || ioctl(s->o->out_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
        return;
    unsigned char p[4] = { ws.ws_row >> 8, ws.ws_row & 0xff, ws.ws_col >> 8, ws.ws_col & 0xff };
    proto_send(s->sock, PROTO_RESIZE, p, sizeof(p));
}

static void finish(struct session *s, enum console_end end, const char *msg, size_t len)
{
    s->done = true;
    s->end = end;
    if (msg && !s->msg)
        s->msg = xstrndup(msg, len);
}

/* one frame from the supervisor; DATA payloads are packed down to *w so
 * that one write() shows a whole batch */
static void on_frame(struct session *s, unsigned type, unsigned char *p, size_t len, size_t *w)
{
    switch (type) {
    case PROTO_DATA:
        memmove(s->in + *w, p, len);
        *w += len;
        break;
    case PROTO_EXIT:
        finish(s, CONSOLE_END_GUEST, (const char *)p, len);
        break;
    case PROTO_DETACH:
        s->kicked = true;
        finish(s, CONSOLE_END_GUEST, (const char *)p, len);
        break;
    default:              /* OK/ERR of nothing we asked: ignore */
        break;
    }
}

static void from_supervisor(struct session *s)
{
    ssize_t n;
    do
        n = read(s->sock, s->in + s->in_len, IN_CAP - s->in_len);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (!s->done)
            err_set(&s->fail, ERR_BACKEND, "lost the connection to the domain supervisor");
        s->done = true;
        return;
    }
    s->in_len += (size_t)n;
    size_t pos = 0, w = 0;
    while (!s->done && s->in_len - pos >= PROTO_HDR) {
        size_t len = ((size_t)s->in[pos + 1] << 8) | s->in[pos + 2];
        if (s->in_len - pos < PROTO_HDR + len)
            break;
        on_frame(s, s->in[pos], s->in + pos + PROTO_HDR, len, &w);
        pos += PROTO_HDR + len;
    }
    if (w)
        s->last_out = s->in[w - 1];
    if (w && write_all(s->o->out_fd, s->in, w) < 0 && !s->done) {
        err_sys(&s->fail, ERR_IO, "cannot write to the terminal");
        s->done = true;
    }
    memmove(s->in, s->in + pos, s->in_len - pos);
    s->in_len -= pos;
}

/* keystrokes: everything before the escape goes to the guest (unless
 * read-only); the escape itself ends the session, wherever it falls */
static void from_terminal(struct session *s)
{
    unsigned char buf[4096];
    ssize_t n;
    do
        n = read(s->o->in_fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        err_set(&s->fail, ERR_IO, "end of file on the terminal");
        s->done = true;
        return;
    }
    size_t k = console_scan_escape(buf, (size_t)n, s->o->escape);
    if (k && !s->o->readonly && proto_send(s->sock, PROTO_DATA, buf, k) < 0) {
        err_set(&s->fail, ERR_BACKEND, "lost the connection to the domain supervisor");
        s->done = true;
        return;
    }
    if (k < (size_t)n) {
        proto_send(s->sock, PROTO_DETACH, NULL, 0);
        finish(s, CONSOLE_END_ESCAPE, NULL, 0);
    }
}

static void on_signal(struct session *s)
{
    struct signalfd_siginfo si;
    while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGWINCH)
            send_resize(s);
        else if (si.ssi_signo != SIGPIPE && !s->signo) {
            s->signo = (int)si.ssi_signo;
            s->done = true;
        }
    }
}

/* Every asynchronous signal whose usual effect is to end the process ends
 * the session instead, and takes that effect once the terminal is sane
 * again; SIGPIPE (a dead socket shows in read/write) and SIGWINCH (resize)
 * are read too.  They are all blocked before raw mode is set, so none can
 * kill us with the terminal raw.  A signal that whoever started us set to
 * be ignored (nohup: SIGHUP; a script's background job: SIGINT, SIGQUIT)
 * stays ignored: blocked, it would be queued and read like any other. */
static const int session_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
                                       SIGALRM, SIGPIPE, SIGWINCH, 0 };

static bool ignored(int signo)
{
    struct sigaction sa;
    return sigaction(signo, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

static int signals_block(struct session *s, struct err **e)
{
    sigset_t set;
    sigemptyset(&set);
    for (const int *p = session_signals; *p; p++)
        if (*p == SIGPIPE || *p == SIGWINCH || !ignored(*p))
            sigaddset(&set, *p);
    if (sigprocmask(SIG_BLOCK, &set, &s->oldmask) < 0)
        return err_sys(e, ERR_INTERNAL, "cannot block signals");
    s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (s->sigfd < 0) {
        sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
        return err_sys(e, ERR_INTERNAL, "cannot create a signalfd");
    }
    return 0;
}

/* collect what is still pending (a SIGPIPE from a dead socket must not
 * kill us once unblocked), then put the old mask back */
static void signals_unblock(struct session *s)
{
    on_signal(s);
    close(s->sigfd);
    sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

static void loop(struct session *s)
{
    struct pollfd p[3] = {
        { .fd = s->sock, .events = POLLIN },
        { .fd = s->o->in_fd, .events = POLLIN },
        { .fd = s->sigfd, .events = POLLIN },
    };
    while (!s->done) {
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            err_sys(&s->fail, ERR_INTERNAL, "poll failed");
            break;
        }
        if (p[2].revents)
            on_signal(s);
        if (!s->done && p[0].revents)
            from_supervisor(s);
        if (!s->done && p[1].revents)
            from_terminal(s);
    }
}

static void banner(struct session *s)
{
    char esc[3], line[256];
    console_escape_name(s->o->escape, esc);
    int n = snprintf(line, sizeof(line), "Connected to domain '%s'\r\nEscape character is %s",
                     s->o->name, esc);
    if (esc[0] == '^' && esc[1])
        n += snprintf(line + n, sizeof(line) - (size_t)n, " (Ctrl + %c)", esc[1]);
    if (s->o->readonly)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "; read-only: keystrokes are not sent");
    n += snprintf(line + n, sizeof(line) - (size_t)n, "\r\n");
    write_all(s->o->out_fd, (const unsigned char *)line, (size_t)n);
}

/* the session proper: s->sock is attached; raw mode until it ends */
static int session(struct session *s, struct err **e)
{
    if (signals_block(s, e) < 0)
        return -1;
    if (console_tty_raw(&s->tty, s->o->in_fd, e) < 0) {
        signals_unblock(s);
        return -1;
    }
    banner(s);
    s->last_out = '\n';
    send_resize(s);
    s->in = xmalloc(IN_CAP);
    loop(s);
    free(s->in);
    console_tty_restore(&s->tty);
    /* the shell's next line starts on a line of its own */
    if (s->last_out != '\n')
        write_all(s->o->out_fd, (const unsigned char *)"\n", 1);
    signals_unblock(s);
    if (s->signo) {
        /* whoever sent it gets its usual effect, now that the tty is sane */
        raise(s->signo);
        return err_set(e, ERR_INTERNAL, "console session interrupted by signal SIG%s",
                       sigabbrev_np(s->signo) ? sigabbrev_np(s->signo) : "?");
    }
    if (s->fail) {
        err_set(e, s->fail->code, "%s", s->fail->msg);
        err_clear(&s->fail);
        return -1;
    }
    if (s->kicked)
        return err_set(e, ERR_BUSY, "disconnected from domain '%s': %s", s->o->name,
                       s->msg && *s->msg ? s->msg : "another client took it over");
    return 0;
}

int console_check_tty(int in_fd, int out_fd, struct err **e)
{
    if (!isatty(in_fd) || !isatty(out_fd))
        return err_set(e, ERR_STATE, "Cannot run interactive console without a controlling TTY");
    return 0;
}

void console_opts_init(struct console_opts *o, const char *name, int esc)
{
    *o = (struct console_opts){ .name = name, .escape = esc, .in_fd = STDIN_FILENO,
                                .out_fd = STDOUT_FILENO };
}

int console_run(struct store *st, const struct console_opts *o, enum console_end *end,
                char **msg, struct err **e)
{
    struct session s = { .o = o, .sock = -1, .sigfd = -1 };
    if (console_check_tty(o->in_fd, o->out_fd, e) < 0)
        return -1;
    AUTOFREE char *path = xasprintf("%s/%s/" RUNF_SUP_SOCK, st->run_dir, o->name);
    unsigned flags = (o->readonly ? PROTO_ATT_READONLY : 0) | (o->force ? PROTO_ATT_FORCE : 0) |
                     (o->no_replay ? PROTO_ATT_NO_REPLAY : 0);
    s.sock = console_attach_fd(path, o->dev ? o->dev : "", flags, e);
    if (s.sock < 0)
        return -1;
    int rc = session(&s, e);
    close(s.sock);
    if (rc == 0) {
        *end = s.end;
        *msg = s.end != CONSOLE_END_GUEST ? NULL
               : xasprintf("Console of domain '%s' closed: %s", o->name,
                           s.msg && *s.msg ? s.msg : "the guest stopped");
    }
    free(s.msg);
    return rc;
}

int console_run_print(struct store *st, const struct console_opts *o, FILE *info,
                      struct err **e)
{
    enum console_end end;
    AUTOFREE char *msg = NULL;
    fflush(stdout);
    if (console_run(st, o, &end, &msg, e) < 0)
        return -1;
    if (msg && info)
        fprintf(info, "%s\n", msg);
    return 0;
}

int console_after_start(struct store *st, const char *name, int esc, FILE *info,
                        struct err **e)
{
    struct console_opts o;
    console_opts_init(&o, name, esc);
    return console_run_print(st, &o, info, e);
}
