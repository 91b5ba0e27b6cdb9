/* complete.h: the completion engine and its readline glue.
 * complete_line() answers "what can the word at the end of this line
 * be?" from the command and option tables: command names at the start,
 * --options not yet given, else the completer of the option the word fills
 * (as the parser would fill it).  The readline TAB key and the hidden
 * `complete` command both use it. */
#ifndef DOMSH_COMPLETE_H
#define DOMSH_COMPLETE_H

#include "../shell/shell.h"

/* candidates for the last word of line (the text before the cursor):
 * whole words quoted with lex_quote() so the completed line parses,
 * sorted, without duplicates.  Returns out->n. */
size_t complete_line(struct shell *sh, const char *line, struct strv *out);

/* every candidate word (unquoted, unfiltered) for the last of words[0..n-1];
 * against a remote host the values of an option come from there */
void complete_words(struct shell *sh, char *const *words, size_t n, struct strv *raw);

/* readline set-up for the REPL: TAB runs complete_line, Ctrl-C clears the
 * line instead of killing the shell.  Keeps sh in the one readline global. */
void complete_init(struct shell *sh);
/* before each readline(): forget a Ctrl-C seen while a command ran */
void complete_reset_interrupt(void);

#endif
