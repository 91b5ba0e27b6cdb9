/* complete (hidden): print the completions of the last word, one per
 * line, without a terminal.  The words are joined with blanks into a line,
 * exactly as if typed before TAB; scripts/domsh.bash-completion and the
 * tests use it. */
#include "../shell/shell.h"

#include "../completion/complete.h"
#include "../core/base/buf.h"

enum { COMPLETE_OPT_WORDS };

static const struct opt_def complete_opts[] = {
    [COMPLETE_OPT_WORDS] = { "words", OPT_ARGV, OPT_EMPTY_OK, "word",
                             "the words of the line (give them after --); the last "
                             "is completed" },
};

static int run_complete(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct buf line = {0};
    for (size_t i = 0; i < a->argv.n; i++) {
        if (i)
            buf_addc(&line, ' ');
        buf_add(&line, a->argv.v[i]);
    }
    struct strv c = {0};
    complete_line(sh, buf_str(&line), &c);
    buf_reset(&line);            /* now the output: one write, not one per line */
    for (size_t i = 0; i < c.n; i++) {
        buf_add(&line, c.v[i]);
        buf_addc(&line, '\n');
    }
    fwrite(line.s ? line.s : "", 1, line.len, sh->out);
    strv_free(&c);
    buf_free(&line);
    return 0;
}

const struct cmd_def cmd_complete = {
    .name = "complete",
    .group = "shell",
    .summary = "print the completions of a command line",
    .desc = "Print the candidates for the last of WORDS, one per line, as TAB "
            "would offer them (quoted so that the completed line parses).  "
            "Give the words after --, the last one possibly empty: "
            "complete -- start ''.",
    .opts = complete_opts,
    .nopts = NOPTS(complete_opts),
    .flags = CMD_NOSTORE | CMD_LOCAL | CMD_HIDDEN,
    .target_opt = -1,
    .run = run_complete,
};
