/* monitor.h: what running domains cost, over time (top).
 *
 * A monitor takes samples of every domain (core/runtime/stats_watch.c:
 * the supervisors asked in parallel over connections kept open, the
 * answers awaited for at most the timeout, so a wedged supervisor or
 * emulator costs one timeout per sample and shows as "no answer") and turns
 * the difference between two samples into rates: %CPU of the emulator
 * split into guest (its vCPU threads) and overhead (the rest), %WAIT (time
 * the vCPU threads were runnable but waiting for a host CPU), disk IOPS,
 * bytes/s and mean latency, network bytes and packets per second.  Only
 * small counters are kept between samples, never whole statistics.  Part
 * of core/domains: it lists domains with their states. */
#ifndef DOMSH_MONITOR_H
#define DOMSH_MONITOR_H

#include <stdbool.h>

#include "../base/err.h"
#include "../runtime/runtime.h"
#include "../store/store.h"

/* the counters rates come from */
struct mon_counters {
    unsigned long long cpu, vcpu, wait;              /* ns */
    unsigned long long blk_reqs, blk_bytes, blk_ns;
    unsigned long long rx_bytes, tx_bytes, rx_pkts, tx_pkts;
};

struct mon_row {
    char name[80];
    int id;
    enum dom_state state;
    bool answered;                   /* false: the supervisor timed out */
    double cpu, guest, overhead, wait;   /* percent of one host CPU */
    unsigned long long rss_kib, mem_kib, balloon_kib;
    double iops, disk_bps, disk_lat_ms;
    double rx_bps, tx_bps, rx_pps, tx_pps;
    long long uptime_s;
    struct mon_counters c;           /* this sample's totals */
};

struct mon_host {
    int cpus;
    double load[3];
    unsigned long long mem_total_kib, mem_avail_kib;
    int running, paused, other, shutoff;
};

struct monitor {
    struct store *st;
    int timeout_ms;
    long long when_ms;               /* this sample, monotonic */
    long long time_ms;               /* this sample, wall clock */
    struct mon_host host;
    struct mon_row *rows;            /* active domains, by name */
    size_t nrows;
    struct stats_watch *watch;       /* connections and files between samples */
};

void mon_init(struct monitor *m, struct store *st, int timeout_ms);
/* a new sample; rates are against the previous one (0 for a domain seen
 * the first time) */
int mon_sample(struct monitor *m, struct err **e);
void mon_free(struct monitor *m);

#endif
