/* lex.c: the tokenizer and its inverse (grammar in lex.h). */
#include "lex.h"

#include <stdlib.h>
#include <string.h>

#include "../core/base/buf.h"

struct lexer {
    const char *s;
    size_t i;
    bool partial;
    struct lex_line *out;
    struct strv cur;     /* words of the command being read */
    struct buf word;
    bool in_word;
};

static void end_word(struct lexer *lx)
{
    if (!lx->in_word)
        return;
    strv_push(&lx->cur, buf_str(&lx->word));
    buf_reset(&lx->word);
    lx->in_word = false;
}

static void end_cmd(struct lexer *lx)
{
    end_word(lx);
    if (lx->cur.n == 0)
        return;
    struct lex_line *o = lx->out;
    xgrow(&o->cmds, &o->cap, o->n + 1, sizeof(*o->cmds));
    o->cmds[o->n++] = lx->cur;
    memset(&lx->cur, 0, sizeof(lx->cur));
}

/* '...': literal up to the next ' */
static int single_quoted(struct lexer *lx, struct err **e)
{
    const char *start = lx->s + lx->i + 1;
    const char *close = strchr(start, '\'');
    if (!close) {
        if (!lx->partial)
            return err_set(e, ERR_ARGS, "missing '");
        lx->out->open_quote = '\'';
        close = start + strlen(start);
    }
    buf_addn(&lx->word, start, (size_t)(close - start));
    lx->i = (size_t)(close - lx->s) + (*close ? 1 : 0);
    return 0;
}

/* "...": backslash escapes the next character */
static int double_quoted(struct lexer *lx, struct err **e)
{
    const char *s = lx->s;
    size_t i = lx->i + 1;
    while (s[i] && s[i] != '"') {
        if (s[i] == '\\' && s[i + 1])
            i++;
        buf_addc(&lx->word, s[i++]);
    }
    if (!s[i]) {
        if (!lx->partial)
            return err_set(e, ERR_ARGS, "missing \"");
        lx->out->open_quote = '"';
        lx->i = i;
        return 0;
    }
    lx->i = i + 1;
    return 0;
}

/* one step inside a word; returns 1 when the word ended (at a separator) */
static int word_step(struct lexer *lx, struct err **e)
{
    char c = lx->s[lx->i];
    if (c == ' ' || c == '\t' || c == '\n' || c == ';') {
        end_word(lx);
        return 1;
    }
    if (c == '\'')
        return single_quoted(lx, e);
    if (c == '"')
        return double_quoted(lx, e);
    if (c == '\\') {
        char next = lx->s[lx->i + 1];
        if (!next) {
            lx->i++;
            return lx->partial ? 0 : err_set(e, ERR_ARGS, "dangling \\");
        }
        if (next != '\n')
            buf_addc(&lx->word, next);
        lx->i += 2;
        return 0;
    }
    buf_addc(&lx->word, c);
    lx->i++;
    return 0;
}

/* between words: blanks, separators, comments; returns true when a word starts */
static bool between_words(struct lexer *lx)
{
    const char *s = lx->s;
    char c = s[lx->i];
    if (c == ' ' || c == '\t') {
        lx->i++;
    } else if (c == '\\' && s[lx->i + 1] == '\n') {
        lx->i += 2;
    } else if (c == '\n' || c == ';') {
        end_cmd(lx);
        lx->i++;
    } else if (c == '#') {
        while (s[lx->i] && s[lx->i] != '\n')
            lx->i++;
    } else {
        lx->in_word = true;
        return true;
    }
    return false;
}

int lex_split(const char *s, bool partial, struct lex_line *out, struct err **e)
{
    memset(out, 0, sizeof(*out));
    struct lexer lx = {.s = s, .partial = partial, .out = out};
    int rc = 0;
    while (s[lx.i] && rc >= 0) {
        if (!lx.in_word && !between_words(&lx))
            continue;
        rc = word_step(&lx, e);
    }
    if (rc < 0) {
        strv_free(&lx.cur);
        buf_free(&lx.word);
        lex_line_free(out);
        return -1;
    }
    if (partial && !lx.in_word)
        lx.in_word = true;   /* the empty word under the cursor */
    end_cmd(&lx);
    buf_free(&lx.word);
    return 0;
}

void lex_line_free(struct lex_line *l)
{
    for (size_t i = 0; i < l->n; i++)
        strv_free(&l->cmds[i]);
    free(l->cmds);
    memset(l, 0, sizeof(*l));
}

/* a table, not strspn: with this many accepted bytes glibc's strspn
 * costs about 1000 instructions a word (complete offers 10000 names) */
bool lex_word_plain(const char *word)
{
    static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789_./:=,@%+-^~";
    static bool table[256], ready;
    if (!ready) {
        for (const char *p = plain; *p; p++)
            table[(unsigned char)*p] = true;
        ready = true;
    }
    if (!*word || *word == '#')
        return false;
    for (const unsigned char *p = (const unsigned char *)word; *p; p++)
        if (!table[*p])
            return false;
    return true;
}

char *lex_quote(const char *word)
{
    if (lex_word_plain(word))
        return xstrdup(word);
    /* single quotes keep everything literal; a ' itself becomes \' outside */
    struct buf b = {0};
    buf_add_sh_quoted(&b, word);
    return buf_steal(&b);
}
