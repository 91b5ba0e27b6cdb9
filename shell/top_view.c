/* top_view.c: cells and lines of `top` (see top_view.h). */
#include "top_view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const struct top_field_def top_fields[TOP_NFIELDS] = {
    [TF_ID] = {"id", "ID", 4, true, 0},
    [TF_NAME] = {"name", "NAME", -16, false, 0},
    [TF_STATE] = {"state", "STATE", -9, false, 0},
    [TF_CPU] = {"cpu", "%CPU", 6, true, 1},
    [TF_GUEST] = {"cpu_guest", "%GUEST", 7, true, 1},
    [TF_OVERHEAD] = {"cpu_overhead", "%OVHD", 6, true, 1},
    [TF_WAIT] = {"wait", "%WAIT", 6, true, 1},
    [TF_RSS] = {"rss_kib", "RSS", 7, true, 0},
    [TF_BALLOON] = {"balloon_kib", "BALLOON", 8, true, 0},
    [TF_MEM] = {"mem_kib", "MAXMEM", 7, true, 0},
    [TF_IOPS] = {"disk_iops", "IOPS", 7, true, 1},
    [TF_DISK_BPS] = {"disk_bps", "DISK/s", 7, true, 0},
    [TF_DISK_LAT] = {"disk_latency_ms", "LAT ms", 7, true, 3},
    [TF_RX_BPS] = {"net_rx_bps", "RX/s", 7, true, 0},
    [TF_TX_BPS] = {"net_tx_bps", "TX/s", 7, true, 0},
    [TF_RX_PPS] = {"net_rx_pps", "RXpk/s", 7, true, 1},
    [TF_TX_PPS] = {"net_tx_pps", "TXpk/s", 7, true, 1},
    [TF_UPTIME] = {"uptime_s", "UPTIME", 9, true, 0},
};

/* 1536 -> "1.5K"; KiB values are scaled from K */
static void human(char *out, size_t n, double v, bool kib)
{
    static const char units[] = " KMGTP";
    int u = kib ? 1 : 0;
    while (v >= 1000 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%.0f", v);
    else
        snprintf(out, n, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void uptime_text(char *out, size_t n, long long s)
{
    if (s >= 86400)
        snprintf(out, n, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
    else
        snprintf(out, n, "%02lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
}

void top_cells(const struct mon_row *r, struct top_cells *c)
{
    memset(c, 0, sizeof(*c));
    double v[TOP_NFIELDS] = {
        [TF_ID] = r->id, [TF_CPU] = r->cpu, [TF_GUEST] = r->guest,
        [TF_OVERHEAD] = r->overhead, [TF_WAIT] = r->wait, [TF_RSS] = (double)r->rss_kib,
        [TF_BALLOON] = (double)r->balloon_kib, [TF_MEM] = (double)r->mem_kib,
        [TF_IOPS] = r->iops, [TF_DISK_BPS] = r->disk_bps, [TF_DISK_LAT] = r->disk_lat_ms,
        [TF_RX_BPS] = r->rx_bps, [TF_TX_BPS] = r->tx_bps, [TF_RX_PPS] = r->rx_pps,
        [TF_TX_PPS] = r->tx_pps, [TF_UPTIME] = (double)r->uptime_s,
    };
    memcpy(c->num, v, sizeof(v));
    snprintf(c->text[TF_NAME], sizeof(c->text[0]), "%s", r->name);
    snprintf(c->text[TF_STATE], sizeof(c->text[0]), "%s",
             r->answered ? dom_state_name(r->state) : "no answer");
    for (int k = 0; k < TOP_NFIELDS; k++) {
        char *t = c->text[k];
        if (!top_fields[k].numeric)
            continue;
        if (k == TF_ID)
            snprintf(t, sizeof(c->text[0]), "%d", r->id);
        else if (!r->answered && k != TF_UPTIME)
            snprintf(t, sizeof(c->text[0]), "-");
        else if (k == TF_UPTIME)
            uptime_text(t, sizeof(c->text[0]), r->uptime_s);
        else if (k == TF_RSS || k == TF_BALLOON || k == TF_MEM)
            human(t, sizeof(c->text[0]), v[k], true);
        else if (k == TF_DISK_BPS || k == TF_RX_BPS || k == TF_TX_BPS)
            human(t, sizeof(c->text[0]), v[k], false);
        else
            snprintf(t, sizeof(c->text[0]), k == TF_DISK_LAT ? "%.2f" : "%.1f", v[k]);
    }
}

void top_summary(const struct monitor *m, char *out, size_t n)
{
    time_t now = (time_t)(m->time_ms / 1000);
    struct tm tm;
    char when[16];
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%H:%M:%S", &tm);
    const struct mon_host *h = &m->host;
    snprintf(out, n, "domsh top - %s  %d CPUs  load %.2f %.2f %.2f  mem %.1f/%.1f GiB free  "
             "domains: %d running, %d paused, %d other, %d shut off",
             when, h->cpus, h->load[0], h->load[1], h->load[2],
             (double)h->mem_avail_kib / 1048576.0, (double)h->mem_total_kib / 1048576.0,
             h->running, h->paused, h->other, h->shutoff);
}

void top_line(const struct top_cells *c, const enum top_field *cols, size_t ncols, bool header,
              char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ncols && o < n; i++) {
        const struct top_field_def *f = &top_fields[cols[i]];
        const char *t = header ? f->header : c->text[cols[i]];
        int w = f->width;
        int wrote = snprintf(out + o, n - o, "%s%*.*s", i ? " " : "", w, w < 0 ? -w : w, t);
        o += wrote > 0 ? (size_t)wrote : 0;
    }
}

static const enum top_field all_cols[TOP_NFIELDS] = {
    TF_ID, TF_NAME, TF_STATE, TF_CPU, TF_GUEST, TF_OVERHEAD, TF_WAIT, TF_RSS, TF_BALLOON,
    TF_MEM, TF_IOPS, TF_DISK_BPS, TF_DISK_LAT, TF_RX_BPS, TF_TX_BPS, TF_RX_PPS, TF_TX_PPS,
    TF_UPTIME,
};

void top_header(char *out, size_t n)
{
    top_line(NULL, all_cols, TOP_NFIELDS, true, out, n);
}

void top_row_text(const struct mon_row *r, char *out, size_t n)
{
    struct top_cells c;
    top_cells(r, &c);
    top_line(&c, all_cols, TOP_NFIELDS, false, out, n);
}
