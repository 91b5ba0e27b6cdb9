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

/* seconds since PID started (field 22 of its stat, against /proc/uptime) */
static long long uptime_of(pid_t pid)
{
    char path[64], buf[1024], up[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    read_file(path, buf, sizeof(buf));
    read_file("/proc/uptime", up, sizeof(up));
    char *p = strrchr(buf, ')');
    unsigned long long start;
    long hz = sysconf(_SC_CLK_TCK);
    if (!p || pid <= 0 || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
                                        "%*d %*d %*d %*d %*d %*d %llu", &start) != 1)
        return 0;
    return (long long)(atof(up) - (double)start / (double)(hz > 0 ? hz : 100));
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
    m->scratch = xmalloc(sizeof(*m->scratch));
    m->cache = stats_cache_new();
}

void mon_free(struct monitor *m)
{
    free(m->rows);
    free(m->scratch);
    stats_cache_free(m->cache);
    memset(m, 0, sizeof(*m));
}

static const struct mon_row *previous(const struct monitor *m, const char *name)
{
    for (size_t i = 0; i < m->nrows; i++)
        if (strcmp(m->rows[i].name, name) == 0)
            return &m->rows[i];
    return NULL;
}

static void fill_row(struct monitor *m, struct mon_row *r, const char *name,
                     const struct dom_status *ds, double secs)
{
    struct dom_stats *s = m->scratch;
    struct err *e = NULL;
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->id = ds->id;
    r->state = ds->state;
    if (stats_collect_cached(m->cache, m->st, name, ds, MON_GROUPS, m->timeout_ms, s, &e) < 0) {
        err_free(e);             /* gone between the listing and now */
        return;
    }
    r->answered = !s->no_answer;
    r->rss_kib = s->rss_kib;
    r->mem_kib = s->balloon_maximum;
    r->balloon_kib = s->balloon_current;
    r->uptime_s = uptime_of(s->status.qemu_pid);
    totals(s, &r->c);
    const struct mon_row *old = previous(m, name);
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

/* every domain with its state in one pass (domains_list: one status read
 * per running domain, no repair); the defined ones not running are
 * counted as shut off */
int mon_sample(struct monitor *m, struct err **e)
{
    struct domain_set set = {0};
    if (domains_list(m->st, ST_ANY, &set, e) < 0)
        return -1;
    long long now = clock_ms(CLOCK_MONOTONIC);
    double secs = m->when_ms ? (double)(now - m->when_ms) / 1000.0 : 0;
    struct mon_row *rows = xcalloc(set.n ? set.n : 1, sizeof(*rows));
    size_t n = 0;
    struct mon_host h = {0};
    host_info(&h);
    for (size_t i = 0; i < set.n; i++) {
        const struct domain_info *d = &set.v[i];
        if (!dom_state_active(d->st.state)) {
            h.shutoff += d->persistent;
            continue;
        }
        count_state(&h, d->st.state);
        fill_row(m, &rows[n++], d->name, &d->st, secs);
    }
    domain_set_free(&set);
    stats_cache_sweep(m->cache);
    free(m->rows);
    m->rows = rows;
    m->nrows = n;
    m->host = h;
    m->when_ms = now;
    m->time_ms = clock_ms(CLOCK_REALTIME);
    return 0;
}
