/* stats.c: gathering a domain's statistics (see stats.h). */
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/proto.h"
#include "../devices/devices.h"
#include "../xml/domain.h"
#include "backend.h"
#include "jsonscan.h"
#include "live_devices.h"
#include "stats_priv.h"

#define BALLOON_PATH "/machine/peripheral/balloon0"

const char *const stats_ask_json[ASK_N] = {
    [ASK_BLOCK] = "{\"execute\": \"query-blockstats\"}",
    [ASK_BALLOON] = "{\"execute\": \"query-balloon\"}",
    [ASK_GUEST] = "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"" BALLOON_PATH
                  "\", \"property\": \"guest-stats\"}}",
    [ASK_CPUS] = "{\"execute\": \"query-cpus-fast\"}",
};

/* ---- small files ---------------------------------------------------- */

static size_t read_text(const char *path, char *out, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out[0] = '\0';
        return 0;
    }
    ssize_t r = read(fd, out, n - 1);
    close(fd);
    out[r > 0 ? r : 0] = '\0';
    return r > 0 ? (size_t)r : 0;
}

static bool read_ull(const char *path, unsigned long long *out)
{
    char buf[64];
    char *end;
    if (!read_text(path, buf, sizeof(buf)))
        return false;
    *out = strtoull(buf, &end, 10);
    return end != buf;
}

static unsigned long long ticks_ns(unsigned long long ticks)
{
    long hz = sysconf(_SC_CLK_TCK);
    return ticks * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
}

/* utime and stime (fields 14, 15) of a /proc/.../stat file, in ns */
static bool proc_cpu(const char *path, unsigned long long *user, unsigned long long *sys)
{
    char buf[1024];
    read_text(path, buf, sizeof(buf));
    char *p = strrchr(buf, ')');
    unsigned long long u, s;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u, &s) != 2)
        return false;
    *user = ticks_ns(u);
    *sys = ticks_ns(s);
    return true;
}

static void emulator_usage(struct dom_stats *s)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->status.qemu_pid);
    if (proc_cpu(path, &s->cpu_user, &s->cpu_system))
        s->cpu_time = s->cpu_user + s->cpu_system;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)s->status.qemu_pid);
    read_text(path, buf, sizeof(buf));
    const char *rss = strstr(buf, "VmRSS:");
    if (rss)
        s->rss_kib = strtoull(rss + 6, NULL, 10);
}

static void vcpu_usage(struct dom_stats *s)
{
    for (size_t i = 0; i < s->nvcpu; i++) {
        struct stat_vcpu *v = &s->vcpu[i];
        char path[96], buf[128];
        unsigned long long u, sy;
        if (!v->tid)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)s->status.qemu_pid, v->tid);
        if (proc_cpu(path, &u, &sy))
            v->time_ns = u + sy;
        snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)s->status.qemu_pid,
                 v->tid);
        if (read_text(path, buf, sizeof(buf)))
            sscanf(buf, "%*u %llu", &v->wait_ns);
    }
}

/* host side of a tap: its rx is what the guest sent */
void stats_net_usage(struct stat_net *n)
{
    static const char *const keys[] = {"tx_bytes", "tx_packets", "tx_errors", "tx_dropped",
                                       "rx_bytes", "rx_packets", "rx_errors", "rx_dropped"};
    unsigned long long *dst[] = {&n->rx_bytes, &n->rx_pkts, &n->rx_errs, &n->rx_drop,
                                 &n->tx_bytes, &n->tx_pkts, &n->tx_errs, &n->tx_drop};
    if (!*n->name)
        return;
    n->have_io = true;
    for (size_t k = 0; k < 8; k++) {
        char path[160];
        snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", n->name, keys[k]);
        n->have_io = read_ull(path, dst[k]) && n->have_io;
    }
}

/* capacity from a qcow2 header (virtual size, big endian at offset 24),
 * else the file's size */
static void block_size(struct stat_block *b)
{
    struct stat sb;
    int fd = *b->path ? open(b->path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    unsigned char hdr[32];
    off_t end = lseek(fd, 0, SEEK_END);
    b->physical = S_ISREG(sb.st_mode) ? (unsigned long long)sb.st_size
                                      : (unsigned long long)(end > 0 ? end : 0);
    b->allocation = S_ISREG(sb.st_mode) ? (unsigned long long)sb.st_blocks * 512 : b->physical;
    b->capacity = b->physical;
    if (pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
        memcmp(hdr, "QFI\xfb", 4) == 0) {
        b->capacity = 0;
        for (int i = 24; i < 32; i++)
            b->capacity = b->capacity << 8 | hdr[i];
    }
    b->have_size = true;
    close(fd);
}

static void from_xml(struct dom_stats *s, const struct dnode *dom)
{
    const char *machine = dnode_attr(dnode_path(dom, "os/type"), "machine");
    s->balloon_maximum = dom_memory_kib(dom);
    s->balloon_current = dom_current_memory_kib(dom);
    s->vcpu_maximum = s->vcpu_current = dom_vcpus(dom);   /* 0.7.1 has no vcpu current= */
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk") && s->nblock < STATS_MAX_DEV; i++) {
        const struct dnode *d = dnode_nth(devs, "disk", i);
        struct stat_block *b = &s->block[s->nblock++];
        const char *src = dev_get(d, "source.file");
        src = src ? src : dev_get(d, "source.dev");
        snprintf(b->name, sizeof(b->name), "%s", dev_get(d, "target.dev") ? dev_get(d, "target.dev") : "");
        snprintf(b->path, sizeof(b->path), "%s", src ? src : "");
        AUTOFREE char *alias = rt_disk_alias(machine && strstr(machine, "q35"), d);
        snprintf(b->alias, sizeof(b->alias), "%s", alias ? alias : "");
        block_size(b);
    }
    for (size_t i = 0; devs && i < dnode_count(devs, "interface") && s->nnet < STATS_MAX_DEV;
         i++) {
        const struct dnode *d = dnode_nth(devs, "interface", i);
        struct stat_net *n = &s->net[s->nnet++];
        const char *dev = dev_get(d, "target.dev"), *mac = dev_get(d, "mac.address");
        snprintf(n->name, sizeof(n->name), "%s", dev ? dev : "");
        snprintf(n->mac, sizeof(n->mac), "%s", mac ? mac : "");
    }
}

/* ---- QMP through the supervisor: one connection, answers in order --- */

static int read_answers(int fd, struct asks *a, int timeout_ms)
{
    struct frame_reader *r = xmalloc(sizeof(*r));
    r->len = r->consumed = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = 0;
    for (int k = 0; k < ASK_N && rc == 0; k++) {
        struct frame f;
        while (a->want[k] && rc == 0 && !frame_next(r, &f)) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            long left = timeout_ms - ((now.tv_sec - t0.tv_sec) * 1000L +
                                      (now.tv_nsec - t0.tv_nsec) / 1000000L);
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (left <= 0 || poll(&p, 1, (int)left) <= 0 || frame_fill(r, fd) <= 0)
                rc = -1;
        }
        if (a->want[k] && rc == 0 && f.type == PROTO_OK)
            a->answer[k] = xstrndup(f.payload, f.len);
    }
    free(r);
    return rc;
}

static int ask_supervisor(struct store *st, const char *name, struct asks *a, int timeout_ms)
{
    AUTOFREE char *sock = rt_sock_path(st, name);
    int fd = sup_connect(sock, NULL);
    if (fd < 0)
        return -1;
    int rc = 0;
    for (int k = 0; k < ASK_N && rc == 0; k++)
        if (a->want[k]) {
            AUTOFREE char *cmd = xasprintf("qmp %s", stats_ask_json[k]);
            rc = proto_send_str(fd, PROTO_CMD, cmd);
        }
    if (rc == 0)
        rc = read_answers(fd, a, timeout_ms);
    close(fd);
    return rc;
}

/* a blockstats entry names its disk by qdev id ("virtio-disk0", or a QOM
 * path holding it) or by node name "drive-ALIAS-format" */
static bool entry_is(const char *entry, const char *alias)
{
    char qdev[160] = "", node[96] = "";
    jscan_str(entry, "qdev", qdev, sizeof(qdev));
    jscan_str(entry, "node-name", node, sizeof(node));
    AUTOFREE char *want_node = xasprintf("drive-%s-format", alias);
    AUTOFREE char *in_path = xasprintf("/%s/", alias);
    return strcmp(qdev, alias) == 0 || strstr(qdev, in_path) || strcmp(node, want_node) == 0;
}

static void parse_blockstats(struct dom_stats *s, const char *ret)
{
    for (size_t i = 0; i < s->nblock; i++) {
        const char *alias = s->block[i].alias, *e = NULL;
        for (size_t k = 0; *alias && (e = jscan_nth(ret, k)) && !entry_is(e, alias); k++)
            ;
        const char *st = e ? jscan_key(e, "stats") : NULL;
        if (!st)
            continue;
        struct stat_block *b = &s->block[i];
        long long v[8] = {0};
        static const char *const keys[8] = {
            "rd_operations", "rd_bytes", "rd_total_time_ns", "wr_operations",
            "wr_bytes", "wr_total_time_ns", "flush_operations", "flush_total_time_ns"};
        for (int k = 0; k < 8; k++)
            jscan_num(st, keys[k], &v[k]);
        b->rd_reqs = (unsigned long long)v[0], b->rd_bytes = (unsigned long long)v[1];
        b->rd_times = (unsigned long long)v[2], b->wr_reqs = (unsigned long long)v[3];
        b->wr_bytes = (unsigned long long)v[4], b->wr_times = (unsigned long long)v[5];
        b->fl_reqs = (unsigned long long)v[6], b->fl_times = (unsigned long long)v[7];
        b->have_io = true;
    }
}

static long long kib_or_unknown(const char *obj, const char *key)
{
    long long v;
    return jscan_num(obj, key, &v) && v >= 0 ? v / 1024 : -1;
}

static void parse_guest_mem(struct dom_stats *s, const char *ret)
{
    const char *st = jscan_key(ret, "stats");
    struct stat_guest_mem *g = &s->guest;
    long long v;
    g->swap_in = kib_or_unknown(st, "stat-swap-in");
    g->swap_out = kib_or_unknown(st, "stat-swap-out");
    g->major_fault = jscan_num(st, "stat-major-faults", &v) && v >= 0 ? v : -1;
    g->minor_fault = jscan_num(st, "stat-minor-faults", &v) && v >= 0 ? v : -1;
    g->unused = kib_or_unknown(st, "stat-free-memory");
    g->available = kib_or_unknown(st, "stat-total-memory");
    g->usable = kib_or_unknown(st, "stat-available-memory");
    g->disk_caches = kib_or_unknown(st, "stat-disk-caches");
    g->last_update = jscan_num(ret, "last-update", &v) && v > 0 ? v : -1;
}

static void parse_cpus(struct dom_stats *s, const char *ret)
{
    const char *c;
    for (size_t k = 0; (c = jscan_nth(ret, k)) && s->nvcpu < STATS_MAX_VCPU; k++) {
        long long tid = 0;
        jscan_num(c, "thread-id", &tid);
        s->vcpu[s->nvcpu++].tid = (int)tid;
    }
}

void stats_parse_answers(struct dom_stats *s, const struct asks *a)
{
    const char *ret;
    long long actual;
    if (a->answer[ASK_BLOCK] && (ret = jscan_key(a->answer[ASK_BLOCK], "return")))
        parse_blockstats(s, ret);
    if (a->answer[ASK_BALLOON] && (ret = jscan_key(a->answer[ASK_BALLOON], "return")) &&
        jscan_num(ret, "actual", &actual))
        s->balloon_current = (unsigned long long)actual / 1024;
    if (a->answer[ASK_GUEST] && (ret = jscan_key(a->answer[ASK_GUEST], "return")))
        parse_guest_mem(s, ret);
    if (a->answer[ASK_CPUS] && (ret = jscan_key(a->answer[ASK_CPUS], "return")))
        parse_cpus(s, ret);
}

static void unknown_guest_mem(struct stat_guest_mem *g)
{
    g->swap_in = g->swap_out = g->major_fault = g->minor_fault = -1;
    g->unused = g->available = g->usable = g->disk_caches = g->last_update = -1;
}

static struct dnode *load_definition(struct store *st, const char *name, bool active,
                                     struct err **e)
{
    AUTOFREE char *live = active ? store_live_text(st, name) : NULL;
    if (live)
        return dom_parse(live, strlen(live), RUNF_LIVE, e);
    return store_load(st, name, e);
}

int stats_collect(struct store *st, const char *name, unsigned groups, int timeout_ms,
                  struct dom_stats *out, struct err **e)
{
    struct dom_status status;
    if (rt_status(st, name, &status, e) < 0)
        return -1;
    return stats_collect_known(st, name, &status, groups, timeout_ms, out, e);
}

static void live_usage(struct store *st, struct dom_stats *out, unsigned groups,
                       int timeout_ms)
{
    struct asks a = {.want = {[ASK_BLOCK] = groups & STATS_BLOCK,
                              [ASK_BALLOON] = groups & STATS_BALLOON,
                              [ASK_GUEST] = groups & STATS_BALLOON,
                              [ASK_CPUS] = groups & STATS_VCPU}};
    bool any = a.want[ASK_BLOCK] || a.want[ASK_BALLOON] || a.want[ASK_CPUS];
    if (any && ask_supervisor(st, out->name, &a, timeout_ms) < 0)
        out->no_answer = true;
    stats_parse_answers(out, &a);
    for (int k = 0; k < ASK_N; k++)
        free(a.answer[k]);
    emulator_usage(out);
    vcpu_usage(out);
    for (size_t i = 0; i < out->nnet; i++)
        stats_net_usage(&out->net[i]);
}

int stats_definition(struct store *st, const char *name, const struct dom_status *status,
                     struct dom_stats *out, struct err **e)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    unknown_guest_mem(&out->guest);
    out->status = *status;
    out->active = dom_state_active(out->status.state);
    struct dnode *dom = load_definition(st, name, out->active, e);
    if (!dom)
        return -1;
    from_xml(out, dom);
    dnode_free(dom);
    return 0;
}

void stats_live(struct store *st, struct dom_stats *out, unsigned groups, int timeout_ms)
{
    if (out->active)
        live_usage(st, out, groups, timeout_ms);
}

int stats_collect_known(struct store *st, const char *name, const struct dom_status *status,
                        unsigned groups, int timeout_ms, struct dom_stats *out, struct err **e)
{
    if (stats_definition(st, name, status, out, e) < 0)
        return -1;
    stats_live(st, out, groups, timeout_ms);
    return 0;
}

int stats_set_period(struct store *st, const char *name, int seconds, struct err **e)
{
    AUTOFREE char *sock = rt_sock_path(st, name);
    AUTOFREE char *cmd = xasprintf("qmp {\"execute\": \"qom-set\", \"arguments\": {\"path\": \""
                                   BALLOON_PATH "\", \"property\": "
                                   "\"guest-stats-polling-interval\", \"value\": %d}}", seconds);
    return sup_request(sock, cmd, 5000, NULL, e);
}

const struct stat_block *stats_find_block(const struct dom_stats *s, const char *dev)
{
    for (size_t i = 0; i < s->nblock; i++)
        if (strcmp(s->block[i].name, dev) == 0 || (*s->block[i].path &&
                                                   strcmp(s->block[i].path, dev) == 0))
            return &s->block[i];
    return NULL;
}

const struct stat_net *stats_find_net(const struct dom_stats *s, const char *ifname)
{
    for (size_t i = 0; i < s->nnet; i++)
        if ((*s->net[i].name && strcmp(s->net[i].name, ifname) == 0) ||
            (*s->net[i].mac && strcasecmp(s->net[i].mac, ifname) == 0))
            return &s->net[i];
    return NULL;
}

struct dom_stats *stats_get(struct store *st, const char *name, unsigned groups, struct err **e)
{
    struct dom_stats *s = xmalloc(sizeof(*s));
    if (stats_collect(st, name, groups, STATS_TIMEOUT_MS, s, e) == 0 && !s->no_answer)
        return s;
    if (s->no_answer)
        err_set(e, ERR_TIMEOUT, "domain '%s': its supervisor did not answer in time", name);
    free(s);
    return NULL;
}
