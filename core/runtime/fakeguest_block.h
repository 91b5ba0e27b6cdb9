/* fakeguest_block.h: the block layer of the test backend's fake guest.
 *
 * Enough of QEMU's QMP block surface for disk snapshots of a running
 * domain, on the real image files (the test writes "guest" data into the
 * active file with qemu-io; the fake guest changes the files the way QEMU
 * would, with qemu-img):
 *   query-block             qdev, node-name, file and format of each disk
 *   transaction             of blockdev-snapshot-sync (mode existing): every
 *                           action is checked (node, an existing qcow2
 *                           overlay whose backing file is the disk's file,
 *                           a new node name) before any disk switches
 *   snapshot-save/-load/-delete   jobs: qemu-img snapshot -c/-a/-d on each
 *                           device; the vmstate (the guest's counter) is
 *                           kept beside the vmstate disk as FILE.fgvm-TAG
 *   block-commit            an active commit job: ready (BLOCK_JOB_READY),
 *                           then on block-job-complete qemu-img commit and
 *                           the disk runs on its base
 *   query-jobs, job-dismiss, job-cancel, JOB_STATUS_CHANGE events
 * Jobs advance one step per FGB_STEP_MS of the guest's poll loop (the
 * console command `slowblock MS` changes it, so a test can kill a shell
 * mid-job).  The console command `blockfail` makes the next transaction
 * fail on its last action (nothing switches), as a full disk would make
 * QEMU's. */
#ifndef DOMSH_FAKEGUEST_BLOCK_H
#define DOMSH_FAKEGUEST_BLOCK_H

#include <stdbool.h>
#include <stddef.h>

#define FGB_DISKS 8
#define FGB_STEP_MS 5

struct fgb_disk {
    char alias[32], node[64], fmt[16];
    char file[1024];
};

enum fgb_stage { FGB_IDLE, FGB_RUN, FGB_READY, FGB_COMPLETE, FGB_DONE };

struct fgb_job {
    char id[64], type[24], tag[128], error[256];
    enum fgb_stage stage;
    bool auto_dismiss;
    size_t disks[FGB_DISKS], ndisks;   /* devices (snapshot jobs) or the committed disk */
    size_t vmstate;                    /* disk holding the vmstate */
    char base[1024];                   /* block-commit's base */
    long long due_ms;
};

struct fg_block {
    struct fgb_disk d[FGB_DISKS];
    size_t n;
    struct fgb_job job;
    bool fail_next;
    unsigned step_ms;        /* FGB_STEP_MS, or what `slowblock MS` says */
};

/* aliases comma-separated, files comma-separated (",," a comma in a
 * name) in the same order */
void fgb_init(struct fg_block *b, const char *aliases, const char *files);
/* a block QMP command (answered on qmp_fd); false when cmd is not one */
bool fgb_qmp(struct fg_block *b, int qmp_fd, const char *cmd, const char *line);
/* the job's next step when due; true when a snapshot-load put the saved
 * VM state back (a guest in prelaunch then continues it, not a new boot) */
bool fgb_step(struct fg_block *b, int qmp_fd, unsigned long long *counter);
int fgb_timeout(const struct fg_block *b);       /* ms, -1: nothing due */
/* query-jobs' answer: extra (other jobs' entries, "" for none) and ours */
void fgb_query_jobs(struct fg_block *b, int fd, const char *extra);
/* QMP answers and events in QEMU's shape, for fakeguest_nbd.c */
void fgb_reply(int fd, const char *ret);
void fgb_error(int fd, const char *desc);
void fgb_event(int fd, const char *name, const char *data);

#endif
