/* console_tty.c: the terminal side of `console`: the escape character
 * (parsing, naming, finding it in input) and raw mode with its restore.
 * Kept apart from the session loop so it is testable without a guest. */
#include "console.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

int console_parse_escape(const char *s, int *out, struct err **e)
{
    size_t len = s ? strlen(s) : 0;

    if (len == 1 && s[0] != '^') {
        *out = (unsigned char)s[0];
        return 0;
    }
    /* ^X is X's control character: the letters and @ [ \ ] ^ _ (0x40-0x5f) */
    if (len == 2 && s[0] == '^' &&
        (isalpha((unsigned char)s[1]) || strchr("@[\\]^_", s[1]))) {
        *out = toupper((unsigned char)s[1]) ^ 0x40;
        return 0;
    }
    return err_set(e, ERR_ARGS, "invalid string '%s' for escape sequence", s ? s : "");
}

const char *console_escape_name(int esc, char buf[static 3])
{
    esc &= 0xff;
    if (esc < 0x20 || esc == 0x7f) {
        buf[0] = '^';
        buf[1] = (char)(esc ^ 0x40);
        buf[2] = '\0';
    } else {
        buf[0] = (char)esc;
        buf[1] = '\0';
    }
    return buf;
}

size_t console_scan_escape(const unsigned char *buf, size_t n, int esc)
{
    const unsigned char *p = memchr(buf, esc & 0xff, n);
    return p ? (size_t)(p - buf) : n;
}

int console_tty_raw(struct console_tty *t, int fd, struct err **e)
{
    struct termios raw;

    t->fd = fd;
    t->raw = false;
    if (tcgetattr(fd, &t->saved) < 0)
        return err_set(e, ERR_STATE, "Cannot run interactive console without a controlling TTY");
    raw = t->saved;
    cfmakeraw(&raw);
    /* TCSANOW keeps what was typed ahead (it belongs to the guest) */
    if (tcsetattr(fd, TCSANOW, &raw) < 0)
        return err_sys(e, ERR_IO, "cannot put the terminal in raw mode");
    t->raw = true;
    return 0;
}

void console_tty_restore(struct console_tty *t)
{
    if (!t->raw)
        return;
    /* drain our output first; retry if a signal interrupts the wait */
    while (tcsetattr(t->fd, TCSADRAIN, &t->saved) < 0 && errno == EINTR)
        ;
    t->raw = false;
}
