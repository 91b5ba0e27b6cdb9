/* fuzz_lex.c: libFuzzer target for the tokenizer and the option parser.
 * Any line: lex_split (full and partial) must succeed or fail with a
 * message; every word must survive lex_quote -> lex_split unchanged; each
 * command's words go through args_parse of the named command (or of every
 * command, chosen by the first byte, when the name is unknown). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/err.h"
#include "../core/base/mem.h"
#include "../shell/cmd.h"
#include "../shell/lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_quote_roundtrip(const char *word)
{
    AUTOFREE char *q = lex_quote(word);
    struct lex_line l = {0};
    struct err *e = NULL;
    if (lex_split(q, false, &l, &e) < 0 || l.n != 1 || l.cmds[0].n != 1 ||
        strcmp(l.cmds[0].v[0], word) != 0) {
        fprintf(stderr, "fuzz_lex: quote round trip failed for [%s] -> [%s] (%s)\n", word, q,
                e ? e->msg : "split differs");
        abort();
    }
    lex_line_free(&l);
}

static void parse_args(const struct cmd_def *cmd, const struct strv *words, bool partial)
{
    struct cmd_args a = {0};
    struct err *e = NULL;
    if (args_parse(cmd, words->v, words->n, partial, &a, &e) < 0 && (!e || !e->msg)) {
        fprintf(stderr, "fuzz_lex: args_parse failed without a message\n");
        abort();
    }
    args_free(&a);
    err_free(e);
}

static void run(const char *line, bool partial, uint8_t pick)
{
    struct lex_line l = {0};
    struct err *e = NULL;
    if (lex_split(line, partial, &l, &e) < 0) {
        if (!e || !e->msg)
            abort();
        err_free(e);
        lex_line_free(&l);
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        const struct strv *w = &l.cmds[i];
        for (size_t k = 0; k < w->n; k++)
            if (*w->v[k] || !partial)
                check_quote_roundtrip(w->v[k]);
        if (w->n == 0)
            continue;
        const struct cmd_def *cmd = cmd_find(w->v[0]);
        if (!cmd && cmd_table_len)
            cmd = cmd_table[pick % cmd_table_len];
        if (cmd)
            parse_args(cmd, w, partial);
    }
    lex_line_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    AUTOFREE char *line = xstrndup((const char *)data, size);   /* stops at a NUL */
    uint8_t pick = size ? data[0] : 0;
    run(line, false, pick);
    run(line, true, pick);
    return 0;
}
