/* main.c: global options, then one of three modes: words on the command
 * line (one word goes through the tokenizer: `domsh 'a; b'`), the REPL
 * when stdin is a terminal, or commands read from stdin (no banner, no
 * prompt).  The exit status is 1 if any command failed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/remote/remote.h"
#include "../core/runtime/console.h"
#include "../core/store/store.h"
#include "out.h"
#include "remote.h"
#include "repl.h"
#include "serve.h"
#include "shell.h"

static void usage(FILE *f)
{
    fputs("usage: domsh [-c URI] [-q] [-r] [-e CHAR] [-h] [-v|-V] [COMMAND [ARGS...]]\n"
          "\n"
          "  -c, --connect URI   qemu:///system, qemu:///session or test:///default,\n"
          "                      or a host over ssh: qemu+ssh://[USER@]HOST[:PORT]/system\n"
          "                      (default: $DOMSH_DEFAULT_URI, else by user)\n"
          "  -q, --quiet         no informational lines\n"
          "  -r, --readonly      refuse commands that change anything\n"
          "  -e, --escape CHAR   console escape: one character or ^X (default ^])\n"
          "  -h, --help          this help and the list of commands\n"
          "  -v, --version       the version; -V the version and the drivers\n"
          "\n"
          "With no COMMAND, domsh reads commands from stdin: interactively on a\n"
          "terminal, else one per line with no prompt.  One quoted argument may hold\n"
          "several commands: domsh 'define f.xml; start vm'.\n\ncommands:\n", f);
    for (size_t i = 0; i < cmd_table_len; i++)
        if (!(cmd_table[i]->flags & CMD_HIDDEN))
            fprintf(f, "  %-20s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
}

/* stdin without a terminal: one command line per line; a line ending in a
 * backslash continues on the next (the tokenizer elides backslash-newline) */
static int run_stdin(struct shell *sh)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    struct buf cmd = {0};
    int failed = 0;
    while (!sh->quit && (len = getline(&line, &cap, stdin)) >= 0) {
        buf_addn(&cmd, line, (size_t)len);
        size_t bs = 0;
        for (ssize_t i = len - 1 - (len > 0 && line[len - 1] == '\n'); i >= 0 && line[i] == '\\'; i--)
            bs++;
        if (bs % 2 == 1 && len > 0 && line[len - 1] == '\n')
            continue;
        failed |= dispatch_line(sh, buf_str(&cmd));
        fflush(sh->out);   /* a reader of the pipe sees each command's output as it ends */
        buf_reset(&cmd);
    }
    if (cmd.len && !sh->quit)
        failed |= dispatch_line(sh, buf_str(&cmd));
    buf_free(&cmd);
    free(line);
    return failed;
}

static int parse_global(struct shell *sh, int argc, char **argv, bool *stdio)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'}, {"quiet", no_argument, NULL, 'q'},
        {"readonly", no_argument, NULL, 'r'},     {"escape", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'v'},
        {"stdio", no_argument, NULL, 'S'},   /* hidden: the server of remote URIs */
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:c:qre:hvV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': free(sh->uri); sh->uri = xstrdup(optarg); break;
        case 'q': sh->quiet = true; break;
        case 'r': sh->readonly = true; break;
        case 'e': {
            struct err *e = NULL;
            if (console_parse_escape(optarg, &sh->escape, &e) < 0) {
                fprintf(stderr, "error: %s\n", e->msg);
                err_free(e);
                return 1;
            }
            break;
        }
        case 'S': *stdio = true; break;
        case 'h': usage(stdout); return 0;
        case 'v': printf("%s\n", DOMSH_VERSION); return 0;
        case 'V': printf("domsh %s\ndrivers: qemu test\n", DOMSH_VERSION); return 0;
        case ':':
            fprintf(stderr, "error: option '%s' requires an argument\n", argv[optind - 1]);
            return 1;
        default:
            fprintf(stderr, "error: unsupported option '%s' (see domsh -h)\n", argv[optind - 1]);
            return 1;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct shell sh = {.escape = 0x1d, .out = stdout, .err = stderr};
    bool stdio = false;
    int rc = parse_global(&sh, argc, argv, &stdio);
    if (rc < 0 && stdio)
        rc = optind + 1 == argc ? serve_stdio(&sh, argv[optind]) : 1;
    if (rc < 0 && (sh.uri || ruri_is_remote(getenv("DOMSH_DEFAULT_URI")))) {
        /* -c is checked at once, as virsh connects at startup (a remote
         * URI is parsed now, connected on first use) */
        struct err *e = NULL;
        AUTOFREE char *uri = sh.uri ? xstrdup(sh.uri) : NULL;
        if (shell_set_uri(&sh, uri, false, &e) < 0) {
            fprintf(stderr, "error: %s\n", e->msg);
            err_free(e);
            rc = 1;
        }
    }
    if (rc < 0) {
        sh.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && out_color_init();
        int nwords = argc - optind;
        if (nwords == 1)
            rc = dispatch_line(&sh, argv[optind]);
        else if (nwords > 1)
            rc = dispatch_words(&sh, argv + optind, (size_t)nwords);
        else if (isatty(STDIN_FILENO)) {
            sh.interactive = true;
            rc = repl_run(&sh);
        } else
            rc = run_stdin(&sh);
    }
    store_close(sh.store);
    remote_free(sh.remote);
    free(sh.uri);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 1;
    return rc;
}
