/* top_view.h: the columns of `top` and its full-screen view.
 *
 * top_view.c turns a monitor row (core/domains/monitor.h) into cells, the
 * same for the ncurses view, batch text, JSON and CSV; top_ui.c is the
 * ncurses view itself (keys in man/cmds/top.1in). */
#ifndef DOMSH_TOP_VIEW_H
#define DOMSH_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/domains/monitor.h"
#include "shell.h"

enum top_field {
    TF_ID, TF_NAME, TF_STATE, TF_CPU, TF_GUEST, TF_OVERHEAD, TF_WAIT, TF_RSS, TF_BALLOON,
    TF_MEM, TF_IOPS, TF_DISK_BPS, TF_DISK_LAT, TF_RX_BPS, TF_TX_BPS, TF_RX_PPS, TF_TX_PPS,
    TF_UPTIME, TOP_NFIELDS
};

struct top_field_def {
    const char *key;         /* JSON / CSV name */
    const char *header;      /* column title */
    int width;               /* negative: left aligned */
    bool numeric;
    int decimals;            /* JSON / CSV */
};
extern const struct top_field_def top_fields[TOP_NFIELDS];

struct top_cells {
    char text[TOP_NFIELDS][96];   /* for people: 1.5G, 12:03:44, "no answer" */
    double num[TOP_NFIELDS];      /* raw values of numeric fields */
};

void top_cells(const struct mon_row *r, struct top_cells *out);
/* the host line: time, CPUs, load, memory, domains by state */
void top_summary(const struct monitor *m, char *out, size_t n);
/* every column (batch text) */
void top_header(char *out, size_t n);
void top_row_text(const struct mon_row *r, char *out, size_t n);
/* fields in cols[0..ncols) only */
void top_line(const struct top_cells *c, const enum top_field *cols, size_t ncols, bool header,
              char *out, size_t n);

/* top_ui.c: the full-screen view until q; the terminal is restored on
 * every way out */
int top_view_run(struct shell *sh, struct monitor *m, int delay_ms, struct err **e);

#endif
