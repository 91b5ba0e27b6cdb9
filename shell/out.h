/* out.h: output helpers shared by commands: virsh-style tables that fit
 * the terminal, a small JSON emitter (one document per command), and
 * terminfo colours (only when stdout is a terminal and NO_COLOR is unset). */
#ifndef DOMSH_OUT_H
#define DOMSH_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../core/base/buf.h"
#include "../core/base/mem.h"
#include "shell.h"

#define DOMSH_VERSION "0.1.0"

enum out_color { COLOR_NONE, COLOR_GREEN, COLOR_YELLOW, COLOR_RED, COLOR_DIM };

/* a table: header row then data rows, printed as virsh does
 * (" Id   Name   State", dashes, rows; columns 3 spaces apart).  The
 * table owns copies of its cells, all in one buffer (list --all has
 * 30000 cells: one allocation per cell was a third of its time);
 * table_free releases them. */
struct table_cell {
    size_t off, len;            /* in text */
    size_t width;               /* display width (code points) */
    enum out_color color;
};
struct table {
    size_t ncols;
    struct buf text;            /* the cells' bytes, each NUL-terminated */
    struct table_cell *cell;    /* row-major, header first */
    size_t ncells, ccap;
    const char *empty;          /* shown for a NULL or "" cell ("" after table_init) */
    bool full;                  /* never cut a column to fit the terminal */
};

void table_init(struct table *t, size_t ncols, const char *const *headers);
/* a table whose cells are values to copy (device sources, settings):
 * never cut to the terminal, "-" for an empty cell (virsh's domblklist) */
void table_init_full(struct table *t, size_t ncols, const char *const *headers);
/* add one row of ncols cells; color applies to cell col_colored (-1: none) */
void table_add_row(struct table *t, const char *const *cells, int col_colored,
                   enum out_color color);
/* print; on a terminal the widest column is cut to fit the width */
void table_print(const struct table *t, struct shell *sh);
void table_free(struct table *t);
/* a table too long to hold (list --all of 10000 domains): ROW fills
 * cells[ncols] (pointers valid until its next call) and the colour of
 * column col_colored for row I; it is called twice per row, to measure
 * the columns and to print, so nothing is kept per row */
#define TABLE_MAX_COLS 8
typedef void table_row_fn(void *ctx, size_t i, const char **cells, enum out_color *color);
void table_print_rows(struct shell *sh, size_t ncols, const char *const *headers, size_t nrows,
                      int col_colored, table_row_fn *row, void *ctx);

/* set up terminfo for stdout (main, once, when stdout is a terminal and
 * NO_COLOR is unset); false when the terminal has no colours */
bool out_color_init(void);
/* colour for a domain state word ("running", "paused", "shut off", ...) */
enum out_color out_state_color(const char *state);
/* the escape sequences (terminfo setaf/sgr0), "" when colour is off */
const char *out_color_start(struct shell *sh, enum out_color c);
const char *out_color_end(struct shell *sh);
/* terminal width of stdout, 0 when not a terminal */
int out_term_width(void);

/* JSON: build into a buf, then json_print adds a newline */
struct json {
    struct buf b;
    int depth;
    bool need_comma[32];
    bool compact;        /* one line (JSON lines: event, top -b) */
};
void json_obj_begin(struct json *j, const char *key);   /* key NULL inside arrays/top */
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);   /* v NULL: null */
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_double(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_print(struct json *j, struct shell *sh);   /* writes and frees */

#endif
