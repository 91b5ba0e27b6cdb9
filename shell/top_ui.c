/* top_ui.c: the full-screen `top` (ncurses).  One loop: a sample every
 * delay, keys in between (getch with a 100 ms timeout), the screen redrawn
 * after either.  Raw mode: ^C is a key (quit), so the terminal is restored
 * by endwin() on every way out; SIGTERM/SIGHUP set a flag the loop sees. */
#include "top_view.h"

#include <curses.h>
#include <term.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lex.h"
#include "../core/runtime/stats.h"

#define UI_TICK_MS 100
#define FIRST_ROW 3

enum ui_view { VIEW_CPU, VIEW_NET, VIEW_BLOCK, VIEW_N };

static const enum top_field view_cols[VIEW_N][12] = {
    [VIEW_CPU] = {TF_ID, TF_NAME, TF_STATE, TF_CPU, TF_GUEST, TF_OVERHEAD, TF_WAIT, TF_RSS,
                  TF_BALLOON, TF_MEM, TF_UPTIME},
    [VIEW_NET] = {TF_ID, TF_NAME, TF_STATE, TF_RX_BPS, TF_TX_BPS, TF_RX_PPS, TF_TX_PPS,
                  TF_CPU, TF_UPTIME},
    [VIEW_BLOCK] = {TF_ID, TF_NAME, TF_STATE, TF_IOPS, TF_DISK_BPS, TF_DISK_LAT, TF_CPU,
                    TF_UPTIME},
};
static const size_t view_ncols[VIEW_N] = {11, 9, 8};

struct ui {
    struct shell *sh;
    struct monitor *m;
    int delay_ms;
    enum ui_view view;
    enum top_field sort;
    bool reverse;                /* ascending numbers / descending names */
    char filter[64];
    char selected[80];           /* name of the selected domain */
    size_t *order, norder;       /* rows shown, sorted */
    char msg[160];
    bool color;
};

static volatile sig_atomic_t ui_stop;

static void on_signal(int sig)
{
    ui_stop = sig;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

static const struct ui *sort_ui;     /* qsort has no context argument */

static int cmp_rows(const void *pa, const void *pb)
{
    const struct mon_row *a = &sort_ui->m->rows[*(const size_t *)pa];
    const struct mon_row *b = &sort_ui->m->rows[*(const size_t *)pb];
    struct top_cells ca, cb;
    top_cells(a, &ca);
    top_cells(b, &cb);
    int f = sort_ui->sort, r;
    if (top_fields[f].numeric)     /* biggest first */
        r = ca.num[f] < cb.num[f] ? 1 : ca.num[f] > cb.num[f] ? -1 : 0;
    else
        r = strcmp(ca.text[f], cb.text[f]);
    if (!r)
        r = strcmp(a->name, b->name);
    return sort_ui->reverse ? -r : r;
}

static void arrange(struct ui *u)
{
    free(u->order);
    u->order = xcalloc(u->m->nrows ? u->m->nrows : 1, sizeof(size_t));
    u->norder = 0;
    for (size_t i = 0; i < u->m->nrows; i++)
        if (!*u->filter || strstr(u->m->rows[i].name, u->filter))
            u->order[u->norder++] = i;
    sort_ui = u;
    qsort(u->order, u->norder, sizeof(size_t), cmp_rows);
}

static int selected_index(const struct ui *u)
{
    for (size_t i = 0; i < u->norder; i++)
        if (strcmp(u->m->rows[u->order[i]].name, u->selected) == 0)
            return (int)i;
    return u->norder ? 0 : -1;
}

/* the view's columns that fit the width */
static size_t fitting(const struct ui *u, int width)
{
    size_t n = 0;
    int used = 0;
    for (; n < view_ncols[u->view]; n++) {
        int w = abs(top_fields[view_cols[u->view][n]].width) + (n ? 1 : 0);
        if (used + w > width)
            break;
        used += w;
    }
    return n;
}

static short state_pair(const struct mon_row *r)
{
    if (!r->answered)
        return 3;
    /* the colours of list's state column (shell/out.c), in curses pairs */
    return r->state == DOM_RUNNING ? 1 : r->state == DOM_CRASHED ? 3 : 2;
}

static void draw_rows(struct ui *u, size_t ncols)
{
    int sel = selected_index(u);
    if (sel >= 0)
        snprintf(u->selected, sizeof(u->selected), "%s", u->m->rows[u->order[sel]].name);
    char line[512];
    for (size_t i = 0; i < u->norder && (int)i + FIRST_ROW < LINES - 1; i++) {
        const struct mon_row *r = &u->m->rows[u->order[i]];
        struct top_cells c;
        top_cells(r, &c);
        top_line(&c, view_cols[u->view], ncols, false, line, sizeof(line));
        bool on = (int)i == sel;
        if (on)
            attron(A_REVERSE);
        mvaddnstr(FIRST_ROW + (int)i, 0, line, COLS);
        short pair = state_pair(r);
        if (u->color && pair && !on) {  /* colour only the state column */
            int x = abs(top_fields[TF_ID].width) + abs(top_fields[TF_NAME].width) + 2;
            mvchgat(FIRST_ROW + (int)i, x, abs(top_fields[TF_STATE].width), A_NORMAL, pair, NULL);
        }
        if (on)
            attroff(A_REVERSE);
    }
}

static void draw(struct ui *u)
{
    char line[512];
    erase();
    top_summary(u->m, line, sizeof(line));
    mvaddnstr(0, 0, line, COLS);
    snprintf(line, sizeof(line), "view %d (1 cpu 2 net 3 disk)  sort %s%s  delay %.1fs%s%s  "
             "P M N < > / d Enter c p s D q", (int)u->view + 1, top_fields[u->sort].header,
             u->reverse ? " (rev)" : "", u->delay_ms / 1000.0, *u->filter ? "  filter: " : "",
             u->filter);
    mvaddnstr(1, 0, line, COLS);
    size_t ncols = fitting(u, COLS);
    top_line(NULL, view_cols[u->view], ncols, true, line, sizeof(line));
    attron(A_REVERSE);
    mvaddnstr(2, 0, line, COLS);
    for (int x = (int)strlen(line); x < COLS; x++)
        addch(' ');
    attroff(A_REVERSE);
    draw_rows(u, ncols);
    if (!u->norder)
        mvaddnstr(FIRST_ROW, 0, *u->filter ? "(no running domain matches the filter)"
                                           : "(no running domain)", COLS);
    mvaddnstr(LINES - 1, 0, u->msg, COLS);
    refresh();
}

/* a line typed on the bottom row (Enter ends, Escape cancels: false) */
static bool prompt(const char *question, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    timeout(-1);
    bool ok = false;
    for (;;) {
        move(LINES - 1, 0);
        clrtoeol();
        printw("%s%s", question, out);
        refresh();
        int ch = getch();
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
            ok = true;
            break;
        }
        if (ch == 27 || ch == 3 || ui_stop)
            break;
        if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len)
            out[--len] = '\0';
        else if (ch >= 32 && ch < 127 && len + 1 < n) {
            out[len++] = (char)ch;
            out[len] = '\0';
        }
    }
    timeout(UI_TICK_MS);
    return ok;
}

static void emit_line(void *ctx, const char *key, const char *val, bool num)
{
    int *y = ctx;
    if (*y < LINES - 1)
        mvprintw((*y)++, 2, "%s=%s", key, val);
}

/* Enter: the selected domain's devices and their counters, until a key */
static void detail(struct ui *u)
{
    struct err *e = NULL;
    struct dom_stats *s = stats_get(u->sh->store, u->selected, STATS_ALL, &e);
    erase();
    int y = 0;
    mvprintw(y++, 0, "Domain '%s' (any key: back)", u->selected);
    if (s)
        stats_fields(s, STATS_ALL, emit_line, &y);
    else
        mvprintw(y, 0, "%s", e && e->msg ? e->msg : "no statistics");
    err_free(e);
    free(s);
    refresh();
    timeout(-1);
    getch();
    timeout(UI_TICK_MS);
}

/* c: the console, full terminal; back to top after ^] */
static void console(struct ui *u)
{
    def_prog_mode();
    endwin();
    char *line = xasprintf("console %s", u->selected);
    dispatch_line(u->sh, line);
    free(line);
    reset_prog_mode();
    refresh();
}

/* p, s, D: the shell's own command (its checks, locks and messages); what
 * it prints goes to the bottom line */
static void run_command(struct ui *u, const char *cmd)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return;
    FILE *out = u->sh->out, *err = u->sh->err;
    u->sh->out = u->sh->err = mem;
    char *name = lex_quote(u->selected);     /* a name may hold blanks or quotes */
    char *line = xasprintf("%s %s", cmd, name);
    free(name);
    dispatch_line(u->sh, line);
    free(line);
    fclose(mem);
    u->sh->out = out;
    u->sh->err = err;
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    const char *last = strrchr(text, '\n');
    snprintf(u->msg, sizeof(u->msg), "%s", last ? last + 1 : text);
    free(text);
}

static void move_selection(struct ui *u, int by)
{
    int i = selected_index(u) + by;
    if (i < 0 || !u->norder)
        i = 0;
    if (u->norder && i >= (int)u->norder)
        i = (int)u->norder - 1;
    if (u->norder)
        snprintf(u->selected, sizeof(u->selected), "%s", u->m->rows[u->order[i]].name);
}

static void set_sort(struct ui *u, enum top_field f)
{
    u->reverse = u->sort == f ? !u->reverse : false;
    u->sort = f;
}

/* < and >: the sort column moves through the view's columns */
static void shift_sort(struct ui *u, int by)
{
    size_t n = view_ncols[u->view], at = 0;
    for (size_t i = 0; i < n; i++)
        if (view_cols[u->view][i] == u->sort)
            at = i;
    u->sort = view_cols[u->view][(at + n + (size_t)(by + (int)n)) % n];
    u->reverse = false;
}

static void ask_delay(struct ui *u)
{
    char text[16];
    double d;
    char *end;
    if (!prompt("delay (seconds): ", text, sizeof(text)))
        return;
    d = strtod(text, &end);
    if (end == text || *end || !(d >= 0.1 && d <= 3600))
        snprintf(u->msg, sizeof(u->msg), "error: delay must be 0.1 to 3600 seconds");
    else
        u->delay_ms = (int)(d * 1000);
}

/* one key: false to quit */
static bool key(struct ui *u, int ch)
{
    bool have = selected_index(u) >= 0;
    char answer[8];
    switch (ch) {
    case 'q': case 3: return false;
    case 'P': set_sort(u, TF_CPU); break;
    case 'M': set_sort(u, TF_RSS); break;
    case 'N': set_sort(u, TF_NAME); break;
    case '<': shift_sort(u, -1); break;
    case '>': shift_sort(u, 1); break;
    case '1': case '2': case '3': u->view = (enum ui_view)(ch - '1'); break;
    case '/': prompt("filter (name contains): ", u->filter, sizeof(u->filter)); break;
    case 'd': ask_delay(u); break;
    case KEY_UP: case 'k': move_selection(u, -1); break;
    case KEY_DOWN: case 'j': move_selection(u, 1); break;
    case '\n': case '\r': case KEY_ENTER: if (have) detail(u); break;
    case 'c': if (have) console(u); break;
    case 'p': if (have) run_command(u, u->m->rows[u->order[selected_index(u)]].state ==
                                              DOM_PAUSED ? "resume" : "suspend"); break;
    case 's': if (have) run_command(u, "shutdown"); break;
    case 'S': if (have) run_command(u, "snapshot-create-as"); break;
    case 'D':
        if (have && prompt("destroy this domain? (y/N) ", answer, sizeof(answer)) &&
            (answer[0] == 'y' || answer[0] == 'Y'))
            run_command(u, "destroy");
        break;
    default: break;
    }
    return true;
}

static void ui_colors(struct ui *u)
{
    u->color = has_colors() && !getenv("NO_COLOR");
    if (!u->color)
        return;
    start_color();
    use_default_colors();
    init_pair(1, COLOR_GREEN, -1);
    init_pair(2, COLOR_YELLOW, -1);
    init_pair(3, COLOR_RED, -1);
}

static int ui_loop(struct ui *u, struct err **e)
{
    long long next = 0;
    int rc = 0;
    for (;;) {
        if (mono_ms() >= next) {
            if ((rc = mon_sample(u->m, e)) < 0)
                break;
            next = mono_ms() + u->delay_ms;
            arrange(u);
            draw(u);
        }
        int ch = getch();
        if (ui_stop)
            break;
        if (ch == ERR)
            continue;
        u->msg[0] = ch == KEY_RESIZE ? u->msg[0] : '\0';
        if (!key(u, ch))
            break;
        arrange(u);
        draw(u);
    }
    return rc;
}

int top_view_run(struct shell *sh, struct monitor *m, int delay_ms, struct err **e)
{
    struct ui u = {.sh = sh, .m = m, .delay_ms = delay_ms, .sort = TF_CPU};
    struct sigaction sa = {.sa_handler = on_signal}, old_term, old_hup;
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    ui_stop = 0;
    /* the shell's terminfo entry (colours, shell/out.c) is put back after */
    TERMINAL *shell_term = cur_term;
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        set_curterm(shell_term);
        return err_set(e, ERR_INTERNAL, "cannot set up the terminal (TERM=%s)",
                       getenv("TERM") ? getenv("TERM") : "");
    }
    raw();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(UI_TICK_MS);
    ui_colors(&u);
    int rc = ui_loop(&u, e);
    endwin();
    delscreen(scr);              /* and its terminfo entry: nothing left behind */
    set_curterm(shell_term);
    free(u.order);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return rc;
}
