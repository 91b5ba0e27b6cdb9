/* repl.c: the interactive loop.  readline with TAB completion
 * (completion/complete.c), a history file appended after every line so a
 * crash loses nothing, Ctrl-C clearing the line, Ctrl-D/quit/exit leaving
 * with status 0. */
#include "repl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "../completion/complete.h"

#define HISTSIZE_DEFAULT 500
#define HISTSIZE_MAX 500000

/* $DOMSH_HISTSIZE, 0..500000; a bad value warns and keeps the default */
static int history_size(struct shell *sh)
{
    const char *v = getenv("DOMSH_HISTSIZE");
    if (!v || !*v)
        return HISTSIZE_DEFAULT;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*end || errno || n < 0 || n > HISTSIZE_MAX) {
        fprintf(sh->err, "warning: bad $DOMSH_HISTSIZE value '%s' (0..%d), using %d\n", v,
                HISTSIZE_MAX, HISTSIZE_DEFAULT);
        return HISTSIZE_DEFAULT;
    }
    return (int)n;
}

/* mkdir -p for the directory part of path (mode 0700: history is private) */
static void make_parent_dirs(const char *path)
{
    AUTOFREE char *dir = xstrdup(path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
}

/* $XDG_STATE_HOME/domsh/history, else ~/.local/state/domsh/history */
static char *history_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    if (state && *state == '/')
        return xasprintf("%s/domsh/history", state);
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    return xasprintf("%s/.local/state/domsh/history", home);
}

static bool blank_line(const char *s)
{
    return s[strspn(s, " \t\n")] == '\0';
}

/* one line into the history list and, at once, the file */
static void remember(const char *path, int size, const char *line)
{
    if (size == 0 || blank_line(line))
        return;
    add_history(line);
    if (!path)
        return;
    if (append_history(1, path) != 0) {
        /* the first line of a new file: append needs it to exist */
        make_parent_dirs(path);
        FILE *f = fopen(path, "a");
        if (f)
            fclose(f);
        append_history(1, path);
    }
    history_truncate_file(path, size);
}

int repl_run(struct shell *sh)
{
    AUTOFREE char *hist = history_path();
    int size = history_size(sh);
    stifle_history(size);
    if (hist)
        read_history(hist);
    complete_init(sh);
    if (!sh->quiet)
        fprintf(sh->out, "Welcome to domsh, the virtual machine shell.\n\n"
                         "Type:  'help' for help with commands\n"
                         "       'quit' to quit\n\n");
    fflush(sh->out);
    while (!sh->quit) {
        complete_reset_interrupt();
        char *line = readline(sh->readonly ? "domsh > " : "domsh # ");
        if (!line) {
            fputc('\n', sh->out);
            break;
        }
        remember(hist, size, line);
        dispatch_line(sh, line);
        fflush(sh->out);
        free(line);
    }
    return 0;
}
