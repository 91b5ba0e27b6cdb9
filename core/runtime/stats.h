/* stats.h: what a domain costs and does, gathered for domstats,
 * domblkstat, domifstat, dommemstat, cpu-stats, domblkinfo and top.
 *
 * Sources: RUN/NAME/status (state), the live XML (disks, interfaces,
 * vCPU and memory sizes), QMP through the supervisor on one sup.sock
 * connection (query-blockstats, query-balloon, qom-get of the balloon's
 * guest-stats, query-cpus-fast for the vCPU thread ids), /proc of the
 * emulator (CPU user/system time, RSS, per-thread CPU time and schedstat
 * run-queue wait) and /sys/class/net/TAP/statistics (host side of a tap:
 * its rx is the guest's tx, so they are swapped as libvirt does).  A
 * supervisor that does not answer within the timeout leaves the QMP
 * fields out and sets no_answer; the rest is still filled in. */
#ifndef DOMSH_STATS_H
#define DOMSH_STATS_H

#include <stdbool.h>

#include "../base/err.h"
#include "../store/store.h"
#include "runtime.h"

enum stats_group {
    STATS_STATE = 0x01,
    STATS_CPU = 0x02,
    STATS_BALLOON = 0x04,
    STATS_VCPU = 0x08,
    STATS_NET = 0x10,
    STATS_BLOCK = 0x20,
    STATS_ALL = 0x3f,
};

#define STATS_MAX_VCPU 64
#define STATS_MAX_DEV 16

struct stat_vcpu {
    int tid;                        /* host thread id, 0 unknown */
    unsigned long long time_ns;     /* CPU time of the thread */
    unsigned long long wait_ns;     /* time runnable but not running (schedstat) */
};

struct stat_block {
    char name[32];                  /* target dev: vda, hdc */
    char path[256];                 /* source file or device, "" when none */
    char alias[32];                 /* its qdev id (query-blockstats names it so) */
    bool have_io;                   /* the counters below are known */
    unsigned long long rd_reqs, rd_bytes, rd_times, wr_reqs, wr_bytes, wr_times;
    unsigned long long fl_reqs, fl_times;
    bool have_size;
    unsigned long long capacity, allocation, physical;   /* bytes */
};

struct stat_net {
    char name[32];                  /* host device (vnet0), "" when none */
    char mac[24];
    bool have_io;
    unsigned long long rx_bytes, rx_pkts, rx_errs, rx_drop;
    unsigned long long tx_bytes, tx_pkts, tx_errs, tx_drop;
};

/* guest memory statistics of the balloon driver, KiB; -1 when unknown */
struct stat_guest_mem {
    long long swap_in, swap_out, major_fault, minor_fault;
    long long unused, available, usable, disk_caches, last_update;
};

struct dom_stats {
    char name[80];
    struct dom_status status;
    bool active, no_answer;
    unsigned long long cpu_time, cpu_user, cpu_system;   /* ns */
    unsigned long long rss_kib, balloon_current, balloon_maximum;   /* KiB */
    unsigned long long start_ticks;  /* the emulator's start, clock ticks since boot
                                        (stats_watch only, else 0) */
    struct stat_guest_mem guest;
    unsigned vcpu_current, vcpu_maximum;
    size_t nvcpu;
    struct stat_vcpu vcpu[STATS_MAX_VCPU];
    size_t nblock;
    struct stat_block block[STATS_MAX_DEV];
    size_t nnet;
    struct stat_net net[STATS_MAX_DEV];
};

/* the groups asked for of domain NAME (shut off ones get state, sizes and
 * devices only); QMP waits at most timeout_ms */
int stats_collect(struct store *st, const char *name, unsigned groups, int timeout_ms,
                  struct dom_stats *out, struct err **e);
/* the same for a domain whose state the caller just read */
int stats_collect_known(struct store *st, const char *name, const struct dom_status *status,
                        unsigned groups, int timeout_ms, struct dom_stats *out, struct err **e);
/* the two halves of stats_collect_known: what the definition says (sizes,
 * devices, disk sizes), then what the running domain does (QMP, /proc) */
int stats_definition(struct store *st, const char *name, const struct dom_status *status,
                     struct dom_stats *out, struct err **e);
void stats_live(struct store *st, struct dom_stats *out, unsigned groups, int timeout_ms);

/* stats_watch.c: the domains of RUN/ watched over many samples (top): one
 * sup.sock connection per running domain kept open and asked in parallel,
 * the emulator's /proc files kept open, the definition read again only
 * when live.xml changes.  GROUPS as above (STATS_CPU, _BALLOON, _VCPU,
 * _NET, _BLOCK; the guest memory statistics are not asked); a supervisor
 * that does not answer within timeout_ms sets no_answer for that sample.
 * vCPU time here is the thread's run time from schedstat (ns). */
struct stats_watch;
struct stats_watch *stats_watch_new(struct store *st, unsigned groups, int timeout_ms);
int stats_watch_sample(struct stats_watch *w, struct err **e);
/* RUN/'s domains of the last sample, by name (active tells which run) */
size_t stats_watch_count(const struct stats_watch *w);
const struct dom_stats *stats_watch_nth(const struct stats_watch *w, size_t i);
void stats_watch_free(struct stats_watch *w);

/* ask the guest's balloon driver for memory statistics every SECONDS
 * (0: stop); the domain must be running */
int stats_set_period(struct store *st, const char *name, int seconds, struct err **e);
/* the block device of S named DEV (target "vda" or source path), or NULL */
const struct stat_block *stats_find_block(const struct dom_stats *s, const char *dev);
/* the interface of S named IF (host device or MAC), or NULL */
const struct stat_net *stats_find_net(const struct dom_stats *s, const char *ifname);



/* stats_fields.c: S as libvirt's typed parameters (virsh domstats names:
 * state.state, cpu.time, balloon.current, vcpu.0.time, net.0.rx.bytes,
 * block.0.rd.reqs, ...), in virsh's order, for the groups asked for;
 * unknown values are left out.  num is set when the value is a number
 * (str then holds it in decimal). */
typedef void (*stats_emit_fn)(void *ctx, const char *key, const char *str, bool num);
void stats_fields(const struct dom_stats *s, unsigned groups, stats_emit_fn emit, void *ctx);
/* every domain (defined or running), sorted; with a state mask of
 * STATS_LIST_* only those */
#define STATS_LIST_ACTIVE 0x1u
#define STATS_LIST_INACTIVE 0x2u
#define STATS_LIST_RUNNING 0x4u
#define STATS_LIST_PAUSED 0x8u
#define STATS_LIST_SHUTOFF 0x10u
int stats_domains(struct store *st, unsigned list_mask, struct strv *out, struct err **e);

/* stats_collect of one domain into a new struct (caller frees), for the
 * one-domain commands: a supervisor that does not answer within
 * STATS_TIMEOUT_MS is an error (ERR_TIMEOUT) */
#define STATS_TIMEOUT_MS 2000
struct dom_stats *stats_get(struct store *st, const char *name, unsigned groups, struct err **e);

#endif
