/* stats_fields.c: statistics under libvirt's names (see stats.h). */
#include "stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* libvirt's reason numbers per state (virDomain*Reason) */
static int reason_number(enum dom_state st, const char *reason)
{
    static const char *const running[] = {"unknown", "booted", "migrated", "restored",
                                           "from-snapshot", "unpaused", NULL};
    static const char *const paused[] = {"unknown", "user", "migration", "save", "dump",
                                         "ioerror", "watchdog", "from-snapshot", NULL};
    static const char *const shutoff[] = {"unknown", "shutdown", "destroyed", "crashed",
                                          "migrated", "saved", "failed", "from-snapshot", NULL};
    static const char *const other[] = {"unknown", "user", NULL};
    static const char *const crashed[] = {"unknown", "panicked", NULL};
    const char *const *t = st == DOM_RUNNING ? running : st == DOM_PAUSED ? paused
                         : st == DOM_SHUTOFF ? shutoff : st == DOM_CRASHED ? crashed : other;
    for (int i = 0; t[i]; i++)
        if (strcmp(t[i], reason) == 0)
            return i;
    return 0;
}

struct out {
    stats_emit_fn emit;
    void *ctx;
};

static void num(struct out *o, unsigned long long v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void num(struct out *o, unsigned long long v, const char *fmt, ...)
{
    char key[64], val[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof(key), fmt, ap);
    va_end(ap);
    snprintf(val, sizeof(val), "%llu", v);
    o->emit(o->ctx, key, val, true);
}

static void str(struct out *o, const char *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void str(struct out *o, const char *v, const char *fmt, ...)
{
    char key[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof(key), fmt, ap);
    va_end(ap);
    o->emit(o->ctx, key, v, false);
}

static void balloon_fields(struct out *o, const struct dom_stats *s)
{
    const struct stat_guest_mem *g = &s->guest;
    const struct { const char *key; long long v; } guest[] = {
        {"swap_in", g->swap_in}, {"swap_out", g->swap_out}, {"major_fault", g->major_fault},
        {"minor_fault", g->minor_fault}, {"unused", g->unused}, {"available", g->available},
        {"usable", g->usable}, {"last-update", g->last_update}, {"disk_caches", g->disk_caches},
    };
    num(o, s->balloon_current, "balloon.current");
    num(o, s->balloon_maximum, "balloon.maximum");
    for (size_t i = 0; s->active && i < sizeof(guest) / sizeof(guest[0]); i++)
        if (guest[i].v >= 0)
            num(o, (unsigned long long)guest[i].v, "balloon.%s", guest[i].key);
    if (s->active)
        num(o, s->rss_kib, "balloon.rss");
}

static void vcpu_fields(struct out *o, const struct dom_stats *s)
{
    num(o, s->vcpu_current, "vcpu.current");
    num(o, s->vcpu_maximum, "vcpu.maximum");
    for (size_t i = 0; i < s->nvcpu; i++) {
        num(o, s->status.state == DOM_RUNNING ? 1 : 0, "vcpu.%zu.state", i);
        num(o, s->vcpu[i].time_ns, "vcpu.%zu.time", i);
        num(o, s->vcpu[i].wait_ns, "vcpu.%zu.wait", i);
    }
}

static void net_fields(struct out *o, const struct dom_stats *s)
{
    num(o, s->nnet, "net.count");
    for (size_t i = 0; i < s->nnet; i++) {
        const struct stat_net *n = &s->net[i];
        if (*n->name)
            str(o, n->name, "net.%zu.name", i);
        if (!n->have_io)
            continue;
        const struct { const char *k; unsigned long long v; } f[] = {
            {"rx.bytes", n->rx_bytes}, {"rx.pkts", n->rx_pkts}, {"rx.errs", n->rx_errs},
            {"rx.drop", n->rx_drop}, {"tx.bytes", n->tx_bytes}, {"tx.pkts", n->tx_pkts},
            {"tx.errs", n->tx_errs}, {"tx.drop", n->tx_drop},
        };
        for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
            num(o, f[k].v, "net.%zu.%s", i, f[k].k);
    }
}

static void block_fields(struct out *o, const struct dom_stats *s)
{
    num(o, s->nblock, "block.count");
    for (size_t i = 0; i < s->nblock; i++) {
        const struct stat_block *b = &s->block[i];
        str(o, b->name, "block.%zu.name", i);
        if (*b->path)
            str(o, b->path, "block.%zu.path", i);
        const struct { const char *k; unsigned long long v; } f[] = {
            {"rd.reqs", b->rd_reqs}, {"rd.bytes", b->rd_bytes}, {"rd.times", b->rd_times},
            {"wr.reqs", b->wr_reqs}, {"wr.bytes", b->wr_bytes}, {"wr.times", b->wr_times},
            {"fl.reqs", b->fl_reqs}, {"fl.times", b->fl_times},
        };
        for (size_t k = 0; b->have_io && k < sizeof(f) / sizeof(f[0]); k++)
            num(o, f[k].v, "block.%zu.%s", i, f[k].k);
        if (b->have_size) {
            num(o, b->allocation, "block.%zu.allocation", i);
            num(o, b->capacity, "block.%zu.capacity", i);
            num(o, b->physical, "block.%zu.physical", i);
        }
    }
}

void stats_fields(const struct dom_stats *s, unsigned groups, stats_emit_fn emit, void *ctx)
{
    struct out o = {emit, ctx};
    if (groups & STATS_STATE) {
        num(&o, (unsigned long long)s->status.state, "state.state");
        num(&o, (unsigned long long)reason_number(s->status.state, s->status.reason),
            "state.reason");
    }
    if ((groups & STATS_CPU) && s->active) {
        num(&o, s->cpu_time, "cpu.time");
        num(&o, s->cpu_user, "cpu.user");
        num(&o, s->cpu_system, "cpu.system");
    }
    if (groups & STATS_BALLOON)
        balloon_fields(&o, s);
    if (groups & STATS_VCPU)
        vcpu_fields(&o, s);
    if (groups & STATS_NET)
        net_fields(&o, s);
    if (groups & STATS_BLOCK)
        block_fields(&o, s);
}

static bool listed(unsigned mask, enum dom_state st)
{
    bool active = dom_state_active(st);
    return !mask || ((mask & STATS_LIST_ACTIVE) && active) ||
           ((mask & STATS_LIST_INACTIVE) && !active) ||
           ((mask & STATS_LIST_RUNNING) && st == DOM_RUNNING) ||
           ((mask & STATS_LIST_PAUSED) && st == DOM_PAUSED) ||
           ((mask & STATS_LIST_SHUTOFF) && st == DOM_SHUTOFF);
}

int stats_domains(struct store *st, unsigned list_mask, struct strv *out, struct err **e)
{
    struct strv all = {0};
    if (store_list(st, &all, e) < 0 || rt_list_active(st, &all, e) < 0) {
        strv_free(&all);
        return -1;
    }
    strv_sort(&all);
    strv_uniq(&all);
    for (size_t i = 0; i < all.n; i++) {
        struct dom_status ds;
        if (rt_status(st, all.v[i], &ds, NULL) == 0 && listed(list_mask, ds.state))
            strv_push(out, all.v[i]);
    }
    strv_free(&all);
    return 0;
}
