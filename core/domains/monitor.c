/* monitor.c: samples and rates for top (see monitor.h). */
#include "monitor.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domains.h"
#include "../runtime/stats.h"

#define MON_GROUPS (STATS_CPU | STATS_BALLOON | STATS_VCPU | STATS_NET | STATS_BLOCK)

static long long clock_ms(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

static void read_file(const char *path, char *out, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t r = fd < 0 ? 0 : read(fd, out, n - 1);
    if (fd >= 0)
        close(fd);
    out[r > 0 ? r : 0] = '\0';
}

static void host_info(struct mon_host *h)
{
    char buf[4096];
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    h->cpus = n > 0 ? (int)n : 1;
    read_file("/proc/loadavg", buf, sizeof(buf));
    sscanf(buf, "%lf %lf %lf", &h->load[0], &h->load[1], &h->load[2]);
    read_file("/proc/meminfo", buf, sizeof(buf));
    const char *t = strstr(buf, "MemTotal:"), *a = strstr(buf, "MemAvailable:");
    h->mem_total_kib = t ? strtoull(t + 9, NULL, 10) : 0;
    h->mem_avail_kib = a ? strtoull(a + 13, NULL, 10) : 0;
}

/* seconds since the emulator started: its start time against /proc/uptime */
static long long uptime_of(const struct dom_stats *s, double up_s)
{
    long hz = sysconf(_SC_CLK_TCK);
    if (!s->start_ticks)
        return 0;
    return (long long)(up_s - (double)s->start_ticks / (double)(hz > 0 ? hz : 100));
}

static void totals(const struct dom_stats *s, struct mon_counters *c)
{
    memset(c, 0, sizeof(*c));
    c->cpu = s->cpu_time;
    for (size_t i = 0; i < s->nvcpu; i++) {
        c->vcpu += s->vcpu[i].time_ns;
        c->wait += s->vcpu[i].wait_ns;
    }
    for (size_t i = 0; i < s->nblock; i++) {
        const struct stat_block *b = &s->block[i];
        c->blk_reqs += b->rd_reqs + b->wr_reqs;
        c->blk_bytes += b->rd_bytes + b->wr_bytes;
        c->blk_ns += b->rd_times + b->wr_times;
    }
    for (size_t i = 0; i < s->nnet; i++) {
        const struct stat_net *n = &s->net[i];
        c->rx_bytes += n->rx_bytes, c->tx_bytes += n->tx_bytes;
        c->rx_pkts += n->rx_pkts, c->tx_pkts += n->tx_pkts;
    }
}

static double rate(unsigned long long now, unsigned long long before, double secs)
{
    return now > before && secs > 0 ? (double)(now - before) / secs : 0;
}

static void rates(struct mon_row *r, const struct mon_counters *old, double secs)
{
    const struct mon_counters *c = &r->c;
    r->cpu = rate(c->cpu, old->cpu, secs) / 1e7;      /* ns/s -> percent */
    r->guest = rate(c->vcpu, old->vcpu, secs) / 1e7;
    r->guest = r->guest > r->cpu ? r->cpu : r->guest;
    r->overhead = r->cpu - r->guest;
    r->wait = rate(c->wait, old->wait, secs) / 1e7;
    r->iops = rate(c->blk_reqs, old->blk_reqs, secs);
    r->disk_bps = rate(c->blk_bytes, old->blk_bytes, secs);
    unsigned long long reqs = c->blk_reqs > old->blk_reqs ? c->blk_reqs - old->blk_reqs : 0;
    r->disk_lat_ms = reqs && c->blk_ns > old->blk_ns ? (double)(c->blk_ns - old->blk_ns) / reqs / 1e6 : 0;
    r->rx_bps = rate(c->rx_bytes, old->rx_bytes, secs);
    r->tx_bps = rate(c->tx_bytes, old->tx_bytes, secs);
    r->rx_pps = rate(c->rx_pkts, old->rx_pkts, secs);
    r->tx_pps = rate(c->tx_pkts, old->tx_pkts, secs);
}

void mon_init(struct monitor *m, struct store *st, int timeout_ms)
{
    memset(m, 0, sizeof(*m));
    m->st = st;
    m->timeout_ms = timeout_ms;
    m->watch = stats_watch_new(st, MON_GROUPS, timeout_ms);
}

void mon_free(struct monitor *m)
{
    free(m->rows);
    stats_watch_free(m->watch);
    memset(m, 0, sizeof(*m));
}

/* the previous sample's row of NAME: both are by name, *at walks along */
static const struct mon_row *previous(const struct monitor *m, const char *name, size_t *at)
{
    int c = 1;
    while (*at < m->nrows && (c = strcmp(m->rows[*at].name, name)) < 0)
        (*at)++;
    return *at < m->nrows && c == 0 ? &m->rows[*at] : NULL;
}

static void fill_row(struct mon_row *r, const struct dom_stats *s, const struct mon_row *old,
                     double secs, double up_s)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", s->name);
    r->id = s->status.id;
    r->state = s->status.state;
    r->answered = !s->no_answer;
    r->rss_kib = s->rss_kib;
    r->mem_kib = s->balloon_maximum;
    r->balloon_kib = s->balloon_current;
    r->uptime_s = uptime_of(s, up_s);
    totals(s, &r->c);
    if (old && r->answered && old->answered)
        rates(r, &old->c, secs);
}

static void count_state(struct mon_host *h, enum dom_state st)
{
    if (st == DOM_RUNNING)
        h->running++;
    else if (st == DOM_PAUSED)
        h->paused++;
    else
        h->other++;
}

/* defined domains that are not running: the store's names less the
 * watch's active ones (both sorted) */
static int count_shutoff(struct monitor *m, struct err **e)
{
    struct strv defined = {0};
    if (store_list(m->st, &defined, e) < 0)
        return -1;
    size_t n = stats_watch_count(m->watch), j = 0;
    int off = 0;
    for (size_t i = 0; i < defined.n; i++) {
        int c = 1;
        while (j < n && (c = strcmp(stats_watch_nth(m->watch, j)->name, defined.v[i])) < 0)
            j++;
        off += !(c == 0 && stats_watch_nth(m->watch, j)->active);
    }
    strv_free(&defined);
    return off;
}

/* every running domain (the watch: RUN/'s names, one question per
 * supervisor, asked in parallel) and the host around them */
int mon_sample(struct monitor *m, struct err **e)
{
    if (stats_watch_sample(m->watch, e) < 0)
        return -1;
    long long now = clock_ms(CLOCK_MONOTONIC);
    double secs = m->when_ms ? (double)(now - m->when_ms) / 1000.0 : 0;
    size_t nw = stats_watch_count(m->watch), n = 0, at = 0;
    struct mon_row *rows = xcalloc(nw ? nw : 1, sizeof(*rows));
    struct mon_host h = {0};
    char up[64];
    host_info(&h);
    read_file("/proc/uptime", up, sizeof(up));
    int off = count_shutoff(m, e);
    if (off < 0) {
        free(rows);
        return -1;
    }
    h.shutoff = off;
    for (size_t i = 0; i < nw; i++) {
        const struct dom_stats *s = stats_watch_nth(m->watch, i);
        if (!s->active)
            continue;
        count_state(&h, s->status.state);
        fill_row(&rows[n++], s, previous(m, s->name, &at), secs, atof(up));
    }
    free(m->rows);
    m->rows = rows;
    m->nrows = n;
    m->host = h;
    m->when_ms = now;
    m->time_ms = clock_ms(CLOCK_REALTIME);
    return 0;
}
