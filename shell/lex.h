/* lex.h: the one tokenizer for typed lines, `domsh 'a; b'` and stdin, and
 * its inverse.  Grammar (virsh's): blanks separate words; unquoted ';' or
 * newline ends a command; '#' at the start of a word comments to the end of
 * the line; '...' is literal; "..." honours backslash escapes; outside
 * quotes '\x' is x and backslash-newline is elided; adjacent pieces join
 * ("c'd'" is "cd").  Nothing is expanded ($VAR, *, ~ stay as typed). */
#ifndef DOMSH_LEX_H
#define DOMSH_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/err.h"
#include "../core/base/mem.h"

struct lex_line {
    struct strv *cmds;   /* one word vector per command; empty commands dropped */
    size_t n, cap;
    char open_quote;     /* partial mode: quote still open at the end, else 0 */
};

/* split s into commands.  Errors (ERR_ARGS): "missing \"", "missing '",
 * "dangling \\".  partial=true (completion) tolerates an open quote or a
 * trailing backslash, and guarantees the last command exists and that its
 * last word is the word under the cursor ("" after a blank or ';'). */
int lex_split(const char *s, bool partial, struct lex_line *out, struct err **e);
void lex_line_free(struct lex_line *l);

/* quote word so that lex_split gives it back unchanged (caller frees);
 * words of plain characters come back as they are */
char *lex_quote(const char *word);
/* true if word needs no quoting */
bool lex_word_plain(const char *word);

#endif
