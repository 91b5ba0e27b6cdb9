/* echo: print the arguments, optionally re-quoted for a POSIX shell or
 * escaped for XML (as virsh's echo); handy to check the tokenizer. */
#include "../shell/shell.h"

#include <string.h>

#include "../core/base/buf.h"

enum { ECHO_OPT_SHELL, ECHO_OPT_XML, ECHO_OPT_ERR, ECHO_OPT_STRING };

static const struct opt_def echo_opts[] = {
    [ECHO_OPT_SHELL] = { "shell", OPT_BOOL, 0, NULL, "escape for use in a POSIX shell" },
    [ECHO_OPT_XML] = { "xml", OPT_BOOL, 0, NULL, "escape for XML use" },
    [ECHO_OPT_ERR] = { "err", OPT_BOOL, 0, NULL, "write to standard error instead" },
    [ECHO_OPT_STRING] = { "string", OPT_ARGV, OPT_EMPTY_OK, "string", "the words to print",
                          .alias = "str" },
};

/* POSIX shell quoting: words without metacharacters stay as they are,
 * others go in single quotes with ' written as '\'' (virsh does the same) */
static void add_shell_word(struct buf *b, const char *s)
{
    if (*s && !strpbrk(s, "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")) {
        buf_add(b, s);
        return;
    }
    buf_add_sh_quoted(b, s);
}

static int run_echo(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct buf line = {0}, word = {0};
    for (size_t i = 0; i < a->argv.n; i++) {
        buf_reset(&word);
        if (args_bool(a, ECHO_OPT_XML))
            buf_add_xml(&word, a->argv.v[i], true);
        else
            buf_add(&word, a->argv.v[i]);
        if (i)
            buf_addc(&line, ' ');
        if (args_bool(a, ECHO_OPT_SHELL))
            add_shell_word(&line, buf_str(&word));
        else
            buf_add(&line, buf_str(&word));
    }
    fprintf(args_bool(a, ECHO_OPT_ERR) ? sh->err : sh->out, "%s\n", buf_str(&line));
    buf_free(&line);
    buf_free(&word);
    return 0;
}

const struct cmd_def cmd_echo = {
    .name = "echo",
    .group = "shell",
    .summary = "echo arguments",
    .desc = "Print the arguments separated by single spaces.  With --shell each "
            "word is quoted so that a POSIX shell reads it back unchanged; with "
            "--xml the characters & < > ' \" are written as XML entities.",
    .opts = echo_opts,
    .nopts = NOPTS(echo_opts),
    .flags = CMD_NOSTORE | CMD_LOCAL,
    .target_opt = -1,
    .run = run_echo,
};
