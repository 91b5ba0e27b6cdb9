/* out.c: tables, JSON and colours (see out.h). */
#include "out.h"
#include "../core/base/buf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

/* ---- tables --------------------------------------------------------- */

void table_init(struct table *t, size_t ncols, const char *const *headers)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    table_add_row(t, headers, -1, COLOR_NONE);
}

void table_init_full(struct table *t, size_t ncols, const char *const *headers)
{
    table_init(t, ncols, headers);
    t->empty = "-";
    t->full = true;
}

/* display width of a UTF-8 string (code points; good enough for names) */
static size_t text_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            w++;
    return w;
}

void table_add_row(struct table *t, const char *const *cells, int col_colored,
                   enum out_color color)
{
    xgrow(&t->cell, &t->ccap, t->ncells + t->ncols, sizeof(*t->cell));
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = cells[c] && *cells[c] ? cells[c] : t->empty ? t->empty : "";
        size_t len = strlen(s);
        t->cell[t->ncells++] = (struct table_cell){
            .off = t->text.len, .len = len, .width = text_width(s, len),
            .color = (int)c == col_colored ? color : COLOR_NONE};
        buf_addn(&t->text, s, len + 1);
    }
}

void table_free(struct table *t)
{
    buf_free(&t->text);
    free(t->cell);
    memset(t, 0, sizeof(*t));
}

int out_term_width(void)
{
    struct winsize ws;
    if (!isatty(STDOUT_FILENO))
        return 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    return cols && atoi(cols) > 0 ? atoi(cols) : 80;
}

static void fit_width(size_t *w, size_t ncols, int term)
{
    size_t total = 1;
    for (size_t c = 0; c < ncols; c++)
        total += w[c] + (c ? 3 : 0);
    while (term > 0 && total > (size_t)term) {
        size_t wide = 0;
        for (size_t c = 1; c < ncols; c++)
            if (w[c] > w[wide])
                wide = c;
        if (w[wide] <= 8)
            return;
        w[wide]--;
        total--;
    }
}

static void pad_to(struct buf *line, size_t n, char c)
{
    static const char spaces[] = "                                ";
    for (size_t k; n > 0; n -= k) {
        k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        if (c == ' ')
            buf_addn(line, spaces, k);
        else
            for (size_t i = 0; i < k; i++)
                buf_addc(line, c);
    }
}

static void add_cell(struct buf *line, struct shell *sh, const char *s, size_t len,
                     size_t tw, enum out_color color, size_t width, bool pad)
{
    if (sh->color)
        buf_add(line, out_color_start(sh, color));
    if (tw > width) {
        /* cut by code points, keep room for the marker */
        size_t keep = 0, n = 0;
        while (s[n] && keep < width - 1) {
            n++;
            while (((unsigned char)s[n] & 0xc0) == 0x80)
                n++;
            keep++;
        }
        buf_addn(line, s, n);
        buf_addc(line, '~');
        tw = width;
    } else {
        buf_addn(line, s, len);
    }
    if (sh->color)
        buf_add(line, out_color_end(sh));
    if (pad && tw < width)
        pad_to(line, width - tw, ' ');
}

/* a row's newline, the dashes under the header, and the buffer written
 * when it holds 32 KiB or the table is done */
static void end_line(struct buf *out, struct shell *sh, bool header, const size_t *w,
                     size_t ncols, bool last)
{
    buf_addc(out, '\n');
    if (header) {
        size_t dashes = 0;
        for (size_t c = 0; c < ncols; c++)
            dashes += w[c] + 3;
        pad_to(out, dashes, '-');
        buf_addc(out, '\n');
    }
    if (out->len >= 32768 || last) {
        fwrite(out->s, 1, out->len, sh->out);
        buf_reset(out);
    }
}

/* the lines are built in a buffer written every 32 KiB: thousands of
 * rows (list --all) cost a few writes, not a stdio call per cell */
void table_print(const struct table *t, struct shell *sh)
{
    size_t nrows = t->ncells / t->ncols;
    AUTOFREE size_t *w = xcalloc(t->ncols, sizeof(*w));
    for (size_t i = 0; i < t->ncells; i++)
        if (t->cell[i].width > w[i % t->ncols])
            w[i % t->ncols] = t->cell[i].width;
    if (!t->full)
        fit_width(w, t->ncols, out_term_width());
    struct buf out = {0};
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const struct table_cell *cell = &t->cell[r * t->ncols + c];
            buf_addn(&out, "   ", c ? 3 : 1);
            add_cell(&out, sh, t->text.s + cell->off, cell->len, cell->width, cell->color, w[c],
                     c + 1 < t->ncols);
        }
        end_line(&out, sh, r == 0, w, t->ncols, r + 1 == nrows);
    }
    buf_free(&out);
}

/* rows made on demand: each is made twice, to measure and to print */
void table_print_rows(struct shell *sh, size_t ncols, const char *const *headers, size_t nrows,
                      int col_colored, table_row_fn *row, void *ctx)
{
    AUTOFREE size_t *w = xcalloc(ncols, sizeof(*w));
    const char *cells[TABLE_MAX_COLS];
    enum out_color color;
    for (size_t r = 0; r <= nrows; r++) {
        const char *const *v = r ? (row(ctx, r - 1, cells, &color), cells) : headers;
        for (size_t c = 0; c < ncols; c++) {
            size_t tw = text_width(v[c], strlen(v[c]));
            w[c] = tw > w[c] ? tw : w[c];
        }
    }
    fit_width(w, ncols, out_term_width());
    struct buf out = {0};
    for (size_t r = 0; r <= nrows; r++) {
        color = COLOR_NONE;
        const char *const *v = r ? (row(ctx, r - 1, cells, &color), cells) : headers;
        for (size_t c = 0; c < ncols; c++) {
            size_t len = strlen(v[c]);
            buf_addn(&out, "   ", c ? 3 : 1);
            add_cell(&out, sh, v[c], len, text_width(v[c], len),
                     (int)c == col_colored ? color : COLOR_NONE, w[c], c + 1 < ncols);
        }
        end_line(&out, sh, r == 0, w, ncols, r == nrows);
    }
    buf_free(&out);
}

/* ---- colours -------------------------------------------------------- */

enum out_color out_state_color(const char *state)
{
    if (strcmp(state, "running") == 0)
        return COLOR_GREEN;
    if (strcmp(state, "paused") == 0 || strcmp(state, "in shutdown") == 0 ||
        strcmp(state, "pmsuspended") == 0)
        return COLOR_YELLOW;
    if (strcmp(state, "crashed") == 0)
        return COLOR_RED;
    return COLOR_NONE;
}

bool out_color_init(void)
{
    int err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
        return false;
    const char *setaf = tigetstr("setaf");
    return setaf && setaf != (char *)-1;
}

const char *out_color_start(struct shell *sh, enum out_color c)
{
    static const int ansi[] = {[COLOR_GREEN] = 2, [COLOR_YELLOW] = 3, [COLOR_RED] = 1};
    if (!sh->color || c == COLOR_NONE)
        return "";
    if (c == COLOR_DIM) {
        const char *dim = tigetstr("dim");
        return dim && dim != (char *)-1 ? dim : "";
    }
    const char *s = tiparm(tigetstr("setaf"), ansi[c]);
    return s ? s : "";
}

const char *out_color_end(struct shell *sh)
{
    if (!sh->color)
        return "";
    const char *s = tigetstr("sgr0");
    return s && s != (char *)-1 ? s : "";
}

/* ---- JSON ----------------------------------------------------------- */

static void json_sep(struct json *j, const char *key)
{
    if (j->need_comma[j->depth])
        buf_addc(&j->b, ',');
    j->need_comma[j->depth] = true;
    if (j->depth > 0 && !j->compact) {
        buf_addc(&j->b, '\n');
        for (int i = 0; i < j->depth; i++)
            buf_add(&j->b, "  ");
    }
    if (key) {
        buf_add_json_str(&j->b, key);
        buf_add(&j->b, ": ");
    }
}

static void json_open(struct json *j, const char *key, char c)
{
    json_sep(j, key);
    buf_addc(&j->b, c);
    if (j->depth < 31)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
    bool had = j->need_comma[j->depth];
    j->depth--;
    if (had && !j->compact) {
        buf_addc(&j->b, '\n');
        for (int i = 0; i < j->depth; i++)
            buf_add(&j->b, "  ");
    }
    buf_addc(&j->b, c);
}

void json_obj_begin(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr_begin(struct json *j, const char *key) { json_open(j, key, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

void json_str(struct json *j, const char *key, const char *v)
{
    json_sep(j, key);
    if (v)
        buf_add_json_str(&j->b, v);
    else
        buf_add(&j->b, "null");
}

void json_int(struct json *j, const char *key, long long v)
{
    json_sep(j, key);
    buf_printf(&j->b, "%lld", v);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
    json_sep(j, key);
    buf_printf(&j->b, "%llu", v);
}

void json_double(struct json *j, const char *key, double v, int decimals)
{
    json_sep(j, key);
    buf_printf(&j->b, "%.*f", decimals, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
    json_sep(j, key);
    buf_add(&j->b, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
    json_str(j, key, NULL);
}

void json_print(struct json *j, struct shell *sh)
{
    fprintf(sh->out, "%s\n", buf_str(&j->b));
    buf_free(&j->b);
}
