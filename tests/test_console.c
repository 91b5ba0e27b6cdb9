/* test_console.c: the console client.  Unit tests for the terminal side
 * (escape parsing and scanning, raw mode and its restore); the session
 * tests drive the real binary in a private tmux server (see below). */
#include <criterion/criterion.h>

#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../core/console.h"
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
