/* fakeguest_mig.h: migration in the test backend's fake guest.
 *
 * QEMU's QMP surface for migration to and from a descriptor, on a small,
 * deterministic guest state: getfd (SCM_RIGHTS), migrate-set-capabilities
 * (events, postcopy-ram, auto-converge), migrate-set-parameters and
 * query-migrate-parameters (max-bandwidth and max-postcopy-bandwidth, which
 * pace the stream before and after a switch to post-copy, and downtime-limit), migrate / migrate-incoming "fd:NAME" or "unix:/PATH"
 * (incoming: listen there, one connection; a migration to another host
 * reaches it through an SSH forward), query-migrate (QEMU's figures: ram
 * transferred/remaining/total, mbps, dirty-sync-count, page-size,
 * expected-downtime, downtime, total-time, setup-time),
 * migrate-start-postcopy (the source stops and sends the rest, unpaced unless
 * max-postcopy-bandwidth says otherwise; the
 * destination side of post-copy is QEMU's only), migrate_cancel, MIGRATION
 * events.  The header and the RAM are pass 1 (dirty-sync-count 1), the
 * "END" marker pass 2, sent one step later.  The stream is
 *   "DOMSH-FAKEGUEST-STATE 1\n" "name N\n" "counter C\n" "boot_id B\n"
 *   "ram_kib K\n" "\n"  then K KiB of a pattern seeded by C and B, then
 *   "END\n"
 * (a KiB of "RAM" per MiB of guest memory), written and read 4 KiB per
 * step of the guest's poll loop, `delay_ms` apart (the guest command
 * `slowmig MS`), so progress, Ctrl-C and kill -9 can be tested.  A stream
 * that is truncated or altered fails the incoming side, as QEMU does. */
#ifndef DOMSH_FAKEGUEST_MIG_H
#define DOMSH_FAKEGUEST_MIG_H

#include <stdbool.h>
#include <stddef.h>

/* what migrates */
struct fg_vmstate {
    const char *name;
    unsigned long long counter;
    char boot_id[40];
    unsigned long long ram_kib;
};

enum fgm_dir { FGM_NONE, FGM_OUT, FGM_IN };

struct fg_mig {
    int passed_fd;           /* the descriptor of the last QMP message, or -1 */
    int named_fd;            /* getfd's, or -1 */
    int listen_fd;           /* incoming "unix:": the socket waiting for the source, or -1 */
    char listen_path[108];
    char fdname[64];
    enum fgm_dir dir;
    char status[16];         /* none, setup, active, completed, failed, cancelled */
    char error[128];
    bool events, postcopy, auto_converge;
    bool postcopy_active;
    bool stop_guest;         /* the vCPUs must stop now (post-copy switch); the guest clears it */
    long long max_bandwidth; /* bytes/s, 0: none */
    long long max_postcopy_bandwidth;   /* bytes/s after the switch, 0: none */
    long long pc_start_ms;   /* the switch to post-copy */
    size_t pc_start_pos;
    long long downtime_limit;
    long long start_ms, stop_ms;   /* of the migration, of the vCPUs' stop (0: running) */
    unsigned delay_ms;
    long long next_ms;       /* next step due (monotonic ms) */
    char *stream;            /* out: the whole stream; in: what arrived */
    size_t len, cap, pos;
    long long finishing_until_ms;  /* out done: still finish-migrate until then */
};

/* a QMP command of migration; false when cmd is not one of them.
 * incoming: the guest waits for migrate-incoming.  The reply (and any
 * event) is written on qmp_fd. */
bool fgm_qmp(struct fg_mig *m, int qmp_fd, const char *cmd, const char *line,
             const struct fg_vmstate *vm, bool incoming);

/* QEMU reports an outgoing migration completed a moment before its run
 * state leaves finish-migrate, and refuses `cont` in between ("Migration
 * is not finalized yet"); the fake guest keeps that window (FGM_FINISH_MS)
 * so the supervisor's answer to it is tested on every save */
#define FGM_FINISH_MS 50
bool fgm_finishing(const struct fg_mig *m);
/* the guest's vCPUs start or stop (for the downtime query-migrate reports) */
void fgm_vcpus(struct fg_mig *m, bool running);

enum fgm_done { FGM_BUSY, FGM_OUT_DONE, FGM_IN_DONE, FGM_FAILED };
/* one step of the transfer when due; FGM_IN_DONE fills *vm from the stream */
enum fgm_done fgm_step(struct fg_mig *m, int qmp_fd, struct fg_vmstate *vm);
/* poll timeout for the next step (-1: nothing to do) */
int fgm_timeout(const struct fg_mig *m);
void fgm_init(struct fg_mig *m);

#endif
