/* fakeguest.h: the test backend's "emulator" (`domsh fake-guest`).
 *
 * It behaves like `qemu-system-* -S -no-shutdown` as far as the supervisor
 * can tell: a QMP server socket (greeting, qmp_capabilities, cont, stop,
 * system_powerdown, system_reset, quit, query-status, query-balloon,
 * set-action) and, per character device, a connection to the unix socket
 * the supervisor listens on, made before anything else as QEMU's
 * `socket,server=off` chardev does (it does not start if it cannot; output
 * is dropped once the supervisor has closed it).  After `cont` it prints a banner and a prompt and echoes what
 * it is sent; the lines `poweroff`, `reboot`, `panic` raise the events QEMU
 * raises for a guest doing that (SHUTDOWN guest-shutdown, RESET or
 * SHUTDOWN guest-reset, GUEST_PANICKED); `flood N` prints N lines of 64
 * bytes; `echo WORDS` prints WORDS with $((A op B)) expanded; ACPI
 * powerdown powers the guest off.  Migration (save/restore): fakeguest_mig.h;
 * disks, disk snapshots and block jobs: fakeguest_block.h;
 * the console commands `inc`, `counter`, `bootid` show the state it carries. */
#ifndef DOMSH_FAKEGUEST_H
#define DOMSH_FAKEGUEST_H

#include <stdbool.h>
#include <stddef.h>

struct fake_guest_opts {
    const char *name;
    const char *qmp_path;
    unsigned long long mem_kib;
    char *const *chardevs;     /* socket paths, one per device */
    size_t nchardevs;
    const char *disks;         /* the disks' aliases, comma-separated, or NULL */
    const char *disk_files;    /* their source files, comma-separated with a ',' in a
                                * name doubled ("" none), or NULL */
    bool incoming;             /* wait for migrate-incoming (QEMU's -incoming defer) */
};

/* runs until quit / SIGTERM; returns the process exit status */
int fake_guest_main(const struct fake_guest_opts *o);

#endif

/* fakeguest_stats.c: the statistics QEMU answers (query-blockstats,
 * query-cpus-fast, qom-set/qom-get of the balloon's guest stats), with
 * deterministic counters so that every field of domstats can be tested:
 * the Kth query-blockstats reports, for disk i (0-based),
 *   rd_operations = K*(10+i), rd_bytes = 4096 per read,
 *   wr_operations = K*(5+i),  wr_bytes = 4096 per write, flush_operations = K,
 *   rd/wr/flush_total_time_ns = 100 000 / 200 000 / 50 000 per operation;
 * the guest stats (once a polling interval is set) are fixed values
 * derived from the memory size (fakeguest_stats.c). */
#define FG_STATS_DISKS 8
struct fg_stats {
    char disk[FG_STATS_DISKS][32];   /* the disks' aliases (qdev ids) */
    size_t ndisks;
    unsigned long long block_queries;
    long long poll_interval;
    unsigned long long mem_kib;
};
void fg_stats_init(struct fg_stats *st, const char *disks_csv, unsigned long long mem_kib);
/* the "return" value of CMD (the QMP line is LINE) into ret: true when CMD
 * is a statistics command */
bool fg_stats_reply(struct fg_stats *st, const char *cmd, const char *line,
                    unsigned long long actual_kib, char *ret, size_t n);
