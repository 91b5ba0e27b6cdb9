/* test_console.c: the console client.  Unit tests for the terminal side
 * (escape parsing and scanning, raw mode and its restore); the session
 * tests drive the real binary in a private tmux server (see below). */
#include <criterion/criterion.h>

#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../core/runtime/console.h"
#include "helpers.h"

static int parse_ok(const char *s)
{
    int c = -1;
    struct err *e = NULL;
    cr_assert_eq(console_parse_escape(s, &c, &e), 0, "'%s' refused: %s", s, e ? e->msg : "");
    return c;
}

static void parse_bad(const char *s)
{
    int c = -1;
    struct err *e = NULL;
    cr_assert_eq(console_parse_escape(s, &c, &e), -1, "'%s' accepted", s);
    cr_assert_eq(e->code, ERR_ARGS);
    char *want = fmt("invalid string '%s' for escape sequence", s);
    cr_assert_str_eq(e->msg, want);
    free(want);
    cr_assert_eq(c, -1);
    err_free(e);
}

Test(console_escape, parse_virsh_rules)
{
    cr_assert_eq(parse_ok("^]"), 0x1d);
    cr_assert_eq(parse_ok("^a"), 0x01);
    cr_assert_eq(parse_ok("^A"), 0x01);
    cr_assert_eq(parse_ok("^@"), 0x00);
    cr_assert_eq(parse_ok("^["), 0x1b);
    cr_assert_eq(parse_ok("^\\"), 0x1c);
    cr_assert_eq(parse_ok("^^"), 0x1e);
    cr_assert_eq(parse_ok("^_"), 0x1f);
    cr_assert_eq(parse_ok("~"), '~');
    cr_assert_eq(parse_ok("x"), 'x');
    parse_bad("");
    parse_bad("^");
    parse_bad("^1");
    parse_bad("^?");
    parse_bad("ab");
    parse_bad("^]]");
}

Test(console_escape, names)
{
    char b[3];
    cr_assert_str_eq(console_escape_name(0x1d, b), "^]");
    cr_assert_str_eq(console_escape_name(0x01, b), "^A");
    cr_assert_str_eq(console_escape_name(0x00, b), "^@");
    cr_assert_str_eq(console_escape_name(0x7f, b), "^?");
    cr_assert_str_eq(console_escape_name('~', b), "~");
}

/* the escape is found wherever it falls, not only at the start of a read */
Test(console_escape, scan_every_byte)
{
    const unsigned char a[] = "ls -l\x1d" "rest";
    cr_assert_eq(console_scan_escape(a, sizeof(a) - 1, 0x1d), 5);
    cr_assert_eq(console_scan_escape((const unsigned char *)"\x1d", 1, 0x1d), 0);
    cr_assert_eq(console_scan_escape((const unsigned char *)"hello", 5, 0x1d), 5);
    cr_assert_eq(console_scan_escape((const unsigned char *)"a~b~", 4, '~'), 1);
    unsigned char big[4096];
    memset(big, 'x', sizeof(big));
    big[4095] = 0x01;
    cr_assert_eq(console_scan_escape(big, sizeof(big), 0x01), 4095);
    cr_assert_eq(console_scan_escape(big, 4095, 0x01), 4095);
    /* a NUL escape (^@) in data that holds other NULs' neighbours */
    const unsigned char z[] = {'a', 'b', 0, 'c'};
    cr_assert_eq(console_scan_escape(z, 4, 0), 2);
}

static bool same_termios(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
           a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
           memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

Test(console_tty, raw_then_restore)
{
    int m, s;
    cr_assert_eq(openpty(&m, &s, NULL, NULL, NULL), 0);
    struct termios before, during, after;
    tcgetattr(s, &before);
    cr_assert(before.c_lflag & ICANON);

    struct console_tty t;
    struct err *e = NULL;
    cr_assert_eq(console_tty_raw(&t, s, &e), 0);
    tcgetattr(s, &during);
    cr_assert_eq(during.c_lflag & (ICANON | ECHO | ISIG), 0, "not raw");
    cr_assert_eq(during.c_oflag & OPOST, 0);

    console_tty_restore(&t);
    console_tty_restore(&t);    /* twice is harmless */
    tcgetattr(s, &after);
    cr_assert(same_termios(&before, &after), "terminal settings not restored");
    close(m);
    close(s);
}

/* typed-ahead input survives entering raw mode: it is the guest's */
Test(console_tty, raw_keeps_typeahead)
{
    int m, s;
    cr_assert_eq(openpty(&m, &s, NULL, NULL, NULL), 0);
    struct termios raw;
    tcgetattr(s, &raw);
    cfmakeraw(&raw);
    tcsetattr(s, TCSANOW, &raw);
    cr_assert_eq(write(m, "abc", 3), 3);
    struct console_tty t;
    struct err *e = NULL;
    cr_assert_eq(console_tty_raw(&t, s, &e), 0);
    char buf[8];
    cr_assert_eq(read(s, buf, sizeof(buf)), 3);
    console_tty_restore(&t);
    close(m);
    close(s);
}

Test(console_tty, refuses_non_terminal)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    struct console_tty t;
    struct err *e = NULL;
    cr_assert_eq(console_tty_raw(&t, p[0], &e), -1);
    cr_assert_str_eq(e->msg, "Cannot run interactive console without a controlling TTY");
    cr_assert(!t.raw);
    console_tty_restore(&t);   /* nothing to do, must not touch the pipe */
    err_free(e);
    close(p[0]);
    close(p[1]);
}

/* ---- the session against a scripted supervisor -------------------------
 * The test plays the supervisor on RUN/NAME/sup.sock and the user on the
 * master side of a pty whose slave is the client's terminal; the client
 * runs console_run() in a child process. */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "../core/base/proto.h"
#include "../core/store/store.h"

struct fake {
    char *root;
    struct store st;
    int lsock, conn;        /* listening socket, accepted client */
    int m, s;               /* pty master (the user), slave (client's tty) */
    pid_t pid;
    struct termios before;
    const int *ignore;      /* signals the client inherits as ignored (0-terminated) */
};

static void fake_listen(struct fake *f)
{
    f->root = tmp_root();
    f->st.run_dir = f->root;
    char *dir = fmt("%s/dom1", f->root);
    cr_assert_eq(mkdir(dir, 0700), 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sup.sock", dir);
    free(dir);
    f->lsock = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_eq(bind(f->lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(f->lsock, 4), 0);
    struct winsize ws = { .ws_row = 33, .ws_col = 101 };
    cr_assert_eq(openpty(&f->m, &f->s, NULL, NULL, &ws), 0);
    tcgetattr(f->s, &f->before);
}

/* the signals a user (kill, a closed window) sends a console client */
static const int user_signals[] = { SIGTERM, SIGHUP, SIGQUIT, SIGINT, SIGUSR1, SIGALRM, 0 };

/* the client's signal dispositions are the test's choice, not inherited
 * from whoever runs the suite (a script's background job has SIGINT and
 * SIGQUIT ignored, nohup SIGHUP): default, except f->ignore */
static void set_dispositions(const struct fake *f)
{
    for (const int *p = user_signals; *p; p++)
        signal(*p, SIG_DFL);
    for (const int *p = f->ignore; p && *p; p++)
        signal(*p, SIG_IGN);
}

/* child: the client; exits 0 ok, 1 error, 2 ok+guest end; ROOT/said gets
 * the error or the closing message */
static void fake_client(struct fake *f, const struct console_opts *o0)
{
    f->pid = fork();
    cr_assert_neq(f->pid, -1);
    if (f->pid)
        return;
    set_dispositions(f);
    struct console_opts o = *o0;
    o.name = "dom1";
    o.in_fd = o.out_fd = f->s;
    if (!o.escape)
        o.escape = CONSOLE_ESCAPE_DEFAULT;
    enum console_end end;
    char *msg = NULL;
    struct err *e = NULL;
    int rc = console_run(&f->st, &o, &end, &msg, &e);
    char *path = fmt("%s/said", f->root);
    write_text(path, rc < 0 ? e->msg : msg ? msg : "");
    free(path), free(msg), err_free(e), free(f->root);
    _exit(rc < 0 ? 1 : end == CONSOLE_END_GUEST ? 2 : 0);
}

static bool wait_in(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 10000) == 1;     /* a hang guard, not a timing check */
}

/* read one frame from the client */
static int fake_frame(struct fake *f, char *payload, size_t cap)
{
    unsigned char h[PROTO_HDR];
    cr_assert(wait_in(f->conn), "no frame from the client");
    if (recv(f->conn, h, PROTO_HDR, MSG_WAITALL) != PROTO_HDR)
        return -1;
    size_t len = ((size_t)h[1] << 8) | h[2];
    cr_assert_lt(len, cap);
    if (len)
        cr_assert_eq(recv(f->conn, payload, len, MSG_WAITALL), (ssize_t)len);
    payload[len] = '\0';
    return h[0];
}

/* accept the client, check its ATTACH, answer OK and replay */
static void fake_attach(struct fake *f, unsigned want_flags, const char *replay)
{
    cr_assert(wait_in(f->lsock), "client never connected");
    f->conn = accept(f->lsock, NULL, NULL);
    char p[128];
    cr_assert_eq(fake_frame(f, p, sizeof(p)), PROTO_ATTACH);
    cr_assert_eq((unsigned char)p[0], want_flags);
    proto_send_str(f->conn, PROTO_OK, "");
    if (replay)
        proto_send_str(f->conn, PROTO_DATA, replay);
}

/* what the user's terminal shows, until it contains want */
static char *screen_until(struct fake *f, const char *want)
{
    static char buf[65536];
    size_t n = 0;
    buf[0] = '\0';
    while (!strstr(buf, want)) {
        cr_assert(wait_in(f->m), "terminal never showed '%s' (got '%s')", want, buf);
        ssize_t r = read(f->m, buf + n, sizeof(buf) - 1 - n);
        cr_assert_gt(r, 0);
        n += (size_t)r;
        buf[n] = '\0';
    }
    return buf;
}

static int fake_wait(struct fake *f)
{
    int st;
    cr_assert_eq(waitpid(f->pid, &st, 0), f->pid);
    struct termios after;
    tcgetattr(f->s, &after);
    cr_assert(same_termios(&f->before, &after), "terminal left in raw mode");
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* what the client said at the end */
static char *fake_said(struct fake *f)
{
    static char said[512];
    char *path = fmt("%s/said", f->root);
    char *t = slurp(path, NULL);
    snprintf(said, sizeof(said), "%s", t ? t : "(nothing)");
    free(t);
    free(path);
    return said;
}

static void fake_free(struct fake *f)
{
    close(f->conn);
    close(f->lsock);
    close(f->m);
    close(f->s);
    rm_rf(f->root);
    free(f->root);
}

Test(console_session, banner_replay_keys_escape_mid_chunk)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ 0 });
    fake_attach(&f, 0, "boot banner\r\nguest# ");
    char *scr = screen_until(&f, "guest# ");
    cr_assert(strstr(scr, "Connected to domain 'dom1'\r\nEscape character is ^] (Ctrl + ])\r\n"));
    cr_assert_lt(strstr(scr, "Connected"), strstr(scr, "boot banner"), "banner after replay");

    char p[256];
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_RESIZE);
    cr_assert_eq(((unsigned char)p[0] << 8 | (unsigned char)p[1]), 33);
    cr_assert_eq(((unsigned char)p[2] << 8 | (unsigned char)p[3]), 101);

    /* the escape in the middle of one chunk: what precedes it is sent */
    cr_assert_eq(write(f.m, "ls\r\x1dnot-sent", 12), 12);
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_DATA);
    cr_assert_str_eq(p, "ls\r");
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_DETACH);
    cr_assert_eq(fake_wait(&f), 0);
    fake_free(&f);
}

Test(console_session, other_escape_and_live_output)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ .escape = 0x01, .no_replay = true });
    fake_attach(&f, PROTO_ATT_NO_REPLAY, NULL);
    screen_until(&f, "Escape character is ^A (Ctrl + A)\r\n");
    char p[256];
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_RESIZE);
    /* ^] is an ordinary byte now */
    cr_assert_eq(write(f.m, "a\x1d", 2), 2);
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_DATA);
    cr_assert_str_eq(p, "a\x1d");
    /* output split across frames and reads arrives whole */
    proto_send_str(f.conn, PROTO_DATA, "hello-");
    proto_send_str(f.conn, PROTO_DATA, "42\r\n");
    screen_until(&f, "hello-42\r\n");
    cr_assert_eq(write(f.m, "\x01", 1), 1);
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_DETACH);
    cr_assert_eq(fake_wait(&f), 0);
    fake_free(&f);
}

Test(console_session, readonly_sends_nothing_but_detaches)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ .readonly = true });
    fake_attach(&f, PROTO_ATT_READONLY, "out\r\n");
    screen_until(&f, "out\r\n");
    cr_assert_eq(write(f.m, "typed\x1d", 6), 6);
    char p[256];
    /* no RESIZE, no DATA: the first frame is the DETACH */
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_DETACH);
    cr_assert_eq(fake_wait(&f), 0);
    fake_free(&f);
}

Test(console_session, guest_exit_ends_with_status_0)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ 0 });
    fake_attach(&f, 0, NULL);
    screen_until(&f, "Escape character");
    proto_send_str(f.conn, PROTO_DATA, "reboot: Power down\r\n");
    proto_send_str(f.conn, PROTO_EXIT, "guest shut down");
    cr_assert_eq(fake_wait(&f), 2);
    cr_assert_str_eq(fake_said(&f), "Console of domain 'dom1' closed: guest shut down");
    fake_free(&f);
}

Test(console_session, takeover_is_an_error_with_the_reason)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ .force = true });
    fake_attach(&f, PROTO_ATT_FORCE, NULL);
    screen_until(&f, "Escape character");
    proto_send_str(f.conn, PROTO_DETACH, "another client took over the console (--force)");
    cr_assert_eq(fake_wait(&f), 1);
    cr_assert_str_eq(fake_said(&f), "disconnected from domain 'dom1': "
                     "another client took over the console (--force)");
    fake_free(&f);
}

Test(console_session, busy_is_refused_before_any_banner)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ 0 });
    cr_assert(wait_in(f.lsock));
    f.conn = accept(f.lsock, NULL, NULL);
    char p[128];
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_ATTACH);
    proto_send_str(f.conn, PROTO_ERR, PROTO_BUSY_MSG);
    cr_assert_eq(fake_wait(&f), 1);
    cr_assert_str_eq(fake_said(&f), PROTO_BUSY_MSG);
    struct pollfd pf = { .fd = f.m, .events = POLLIN };
    cr_assert_eq(poll(&pf, 1, 0), 0, "something was printed");
    fake_free(&f);
}

Test(console_session, signals_restore_the_terminal)
{
    for (const int *sig = user_signals; *sig; sig++) {
        struct fake f = { 0 };
        fake_listen(&f);
        fake_client(&f, &(struct console_opts){ 0 });
        fake_attach(&f, 0, NULL);
        screen_until(&f, "Escape character");
        kill(f.pid, *sig);
        /* raw mode was undone before the signal took its default effect */
        cr_assert_eq(fake_wait(&f), 128 + *sig, "signal %d", *sig);
        fake_free(&f);
    }
}

/* a signal at each moment of the attach: while the client waits for the
 * supervisor's answer, just after it (raw mode being set up), and just
 * after the banner.  Whichever the client is doing, it ends by that
 * signal and the terminal is as it was (fake_wait checks) */
Test(console_session, signal_at_any_moment_of_the_attach, .timeout = 300)
{
    const size_t nsigs = sizeof(user_signals) / sizeof(user_signals[0]) - 1;
    for (size_t round = 0; round < 60; round++) {
        int sig = user_signals[round % nsigs], moment = (int)(round % 3);
        struct fake f = { 0 };
        fake_listen(&f);
        fake_client(&f, &(struct console_opts){ 0 });
        cr_assert(wait_in(f.lsock), "client never connected");
        f.conn = accept(f.lsock, NULL, NULL);
        char p[128];
        cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_ATTACH);
        if (moment >= 1)
            proto_send_str(f.conn, PROTO_OK, "");
        if (moment == 2)
            screen_until(&f, "Escape character");
        kill(f.pid, sig);
        cr_assert_eq(fake_wait(&f), 128 + sig, "round %zu: signal %d at moment %d", round, sig, moment);
        fake_free(&f);
    }
}

/* signals the user's environment ignores (nohup, a script's background
 * job) do not end the session: output still flows, the escape detaches */
Test(console_session, ignored_signals_stay_ignored)
{
    struct fake f = { .ignore = (const int[]){ SIGHUP, SIGINT, SIGQUIT, 0 } };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ 0 });
    fake_attach(&f, 0, NULL);
    screen_until(&f, "Escape character");
    char p[256];
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_RESIZE);
    kill(f.pid, SIGHUP);
    kill(f.pid, SIGINT);
    kill(f.pid, SIGQUIT);
    proto_send_str(f.conn, PROTO_DATA, "still attached\r\n");
    screen_until(&f, "still attached\r\n");
    cr_assert_eq(write(f.m, "\x1d", 1), 1);
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_DETACH);
    cr_assert_eq(fake_wait(&f), 0);
    fake_free(&f);
}

Test(console_session, sigwinch_sends_resize)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ 0 });
    fake_attach(&f, 0, NULL);
    screen_until(&f, "Escape character");
    char p[256];
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_RESIZE);
    struct winsize ws = { .ws_row = 50, .ws_col = 132 };
    ioctl(f.m, TIOCSWINSZ, &ws);
    kill(f.pid, SIGWINCH);     /* the pty is not the child's controlling tty */
    cr_assert_eq(fake_frame(&f, p, sizeof(p)), PROTO_RESIZE);
    cr_assert_eq(((unsigned char)p[0] << 8 | (unsigned char)p[1]), 50);
    cr_assert_eq(((unsigned char)p[2] << 8 | (unsigned char)p[3]), 132);
    cr_assert_eq(write(f.m, "\x1d", 1), 1);
    cr_assert_eq(fake_wait(&f), 0);
    fake_free(&f);
}

Test(console_session, supervisor_gone_is_an_error)
{
    struct fake f = { 0 };
    fake_listen(&f);
    fake_client(&f, &(struct console_opts){ 0 });
    fake_attach(&f, 0, NULL);
    screen_until(&f, "Escape character");
    shutdown(f.conn, SHUT_RDWR);
    cr_assert_eq(fake_wait(&f), 1);
    cr_assert_str_eq(fake_said(&f), "lost the connection to the domain supervisor");
    fake_free(&f);
}
