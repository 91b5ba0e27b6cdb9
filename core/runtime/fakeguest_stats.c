/* fakeguest_stats.c: the fake guest's statistics (see fakeguest.h). */
#include "fakeguest.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/qmp.h"

#define FG_BALLOON_PATH "/machine/peripheral/balloon0"

void fg_stats_init(struct fg_stats *st, const char *disks_csv, unsigned long long mem_kib)
{
    memset(st, 0, sizeof(*st));
    st->mem_kib = mem_kib;
    for (const char *p = disks_csv; p && *p && st->ndisks < FG_STATS_DISKS;) {
        size_t len = strcspn(p, ",");
        snprintf(st->disk[st->ndisks++], sizeof(st->disk[0]), "%.*s", (int)len, p);
        p += len + (p[len] == ',');
    }
}

static void blockstats(struct fg_stats *st, char *ret, size_t n)
{
    unsigned long long k = ++st->block_queries;
    size_t o = (size_t)snprintf(ret, n, "[");
    for (size_t i = 0; i < st->ndisks && o < n; i++) {
        unsigned long long rd = k * (10 + i), wr = k * (5 + i);
        o += (size_t)snprintf(ret + o, n - o,
                              "%s{\"device\": \"\", \"qdev\": \"%s\", \"node-name\": "
                              "\"drive-%s-format\", \"stats\": {\"rd_bytes\": %llu, "
                              "\"wr_bytes\": %llu, \"rd_operations\": %llu, \"wr_operations\": "
                              "%llu, \"flush_operations\": %llu, \"rd_total_time_ns\": %llu, "
                              "\"wr_total_time_ns\": %llu, \"flush_total_time_ns\": %llu}}",
                              i ? ", " : "", st->disk[i], st->disk[i], rd * 4096, wr * 4096, rd,
                              wr, k, rd * 100000, wr * 200000, k * 50000);
    }
    if (o < n)
        snprintf(ret + o, n - o, "]");
}

/* like QEMU: -1 for every stat until a polling interval is set */
static void guest_stats(struct fg_stats *st, unsigned long long actual_kib, char *ret, size_t n)
{
    long long total = (long long)actual_kib * 1024, on = st->poll_interval > 0;
    long long free_mem = on ? total / 4 : -1, avail = on ? total / 2 : -1;
    long long caches = on ? total / 8 : -1, zero = on ? 0 : -1;
    snprintf(ret, n,
             "{\"stats\": {\"stat-swap-in\": %lld, \"stat-swap-out\": %lld, "
             "\"stat-major-faults\": %lld, \"stat-minor-faults\": %lld, "
             "\"stat-free-memory\": %lld, \"stat-total-memory\": %lld, "
             "\"stat-available-memory\": %lld, \"stat-disk-caches\": %lld}, "
             "\"last-update\": %lld}",
             zero, zero, on ? 7LL : -1LL, on ? 1234LL : -1LL, free_mem, on ? total : -1, avail, caches,
             on ? 1700000000LL : 0);
}

bool fg_stats_reply(struct fg_stats *st, const char *cmd, const char *line,
                    unsigned long long actual_kib, char *ret, size_t n)
{
    char path[64] = "", prop[64] = "";
    qjson_str(line, "path", path, sizeof(path));
    qjson_str(line, "property", prop, sizeof(prop));
    if (strcmp(cmd, "query-blockstats") == 0) {
        blockstats(st, ret, n);
    } else if (strcmp(cmd, "query-cpus-fast") == 0) {
        snprintf(ret, n, "[{\"cpu-index\": 0, \"thread-id\": %d, \"qom-path\": "
                 "\"/machine/unattached/device[0]\", \"target\": \"x86_64\"}]", (int)getpid());
    } else if (strcmp(cmd, "qom-set") == 0 && strcmp(path, FG_BALLOON_PATH) == 0 &&
               strcmp(prop, "guest-stats-polling-interval") == 0) {
        long long v = 0;
        qjson_num(line, "value", &v);
        st->poll_interval = v;
        snprintf(ret, n, "{}");
    } else if (strcmp(cmd, "qom-get") == 0 && strcmp(path, FG_BALLOON_PATH) == 0 &&
               strcmp(prop, "guest-stats") == 0) {
        guest_stats(st, actual_kib, ret, n);
    } else if (strcmp(cmd, "qom-get") == 0 && strcmp(path, FG_BALLOON_PATH) == 0 &&
               strcmp(prop, "guest-stats-polling-interval") == 0) {
        snprintf(ret, n, "%lld", st->poll_interval);
    } else {
        return false;
    }
    return true;
}
