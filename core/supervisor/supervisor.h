/* supervisor.h: the per-domain supervisor (`domsh supervise SPEC`).
 *
 * One process per running domain, exec'd by `start` after a double fork
 * and setsid.  It runs the emulator (QEMU, or `domsh fake-guest` for the
 * test backend) as its direct child with -S -no-shutdown, is the only QMP
 * client, owns the console devices (its own pty per device plus the
 * emulator's chardev socket), applies on_poweroff / on_reboot / on_crash
 * from QMP events, serves RUN/NAME/sup.sock (proto.h) and records every
 * state change in RUN/NAME/status.  It exits once the emulator is reaped
 * and the final state is written.
 *
 * Everything lives in one statically sized struct sup (no allocation in the
 * loop, no libxml2: the shell did the XML work and wrote the launch spec).
 *
 * Launch spec (RUN/NAME/launch, written by the shell, one item a line):
 *   name N | uri U | id N | transient 0|1 | paused 0|1 | mem_kib N
 *   log PATH (emulator + supervisor log) | console_log PATH
 *   on_poweroff|on_reboot|on_crash ACTION
 *   dev NAME SOCKET MASTER_FD SLAVE_FD      (a console device)
 *   alias NAME TARGET                        (console0 -> serial0)
 *   arg WORD                                 (emulator argv, in order)
 *   qmp_pre JSON                             (QMP command run before `cont`)
 *   vnc_query 1      (record query-vnc's family=, host=, service= lines in
 *                     RUN/NAME/vnc.display for vncdisplay/domdisplay)
 *   incoming 1       the emulator was started to receive a migration stream
 *                    (QEMU: `-incoming defer`, put in argv by the backend):
 *                    no `cont`; the domain reads "paused (incoming)" until a
 *                    client sends `migrate-in` (below), and is destroyed if
 *                    none does within SUP_INCOMING_WAIT_MS
 *
 * Migration (supervisor_migrate.c), commands on sup.sock (CMD frames):
 *   migrate-out URI [live] [resume] [why=WORD]
 *       send the guest's state to URI: "fd" (the descriptor passed with this
 *       frame, SCM_RIGHTS: a file for save, the caller already wrote its
 *       header), "unix:/PATH" or "tcp:HOST:PORT" (never exec:).  Unless
 *       `live`, the vCPUs are stopped first (state "paused (WORD)", default
 *       "saving") so the image is consistent and small; bandwidth is
 *       unlimited.  PROGRESS frames follow every ~200 ms, then OK
 *       "status=completed transferred=N total=N" with the guest still
 *       stopped (the caller then sends `finish` or `resume`), or, with
 *       `resume`, running again if it ran before.  On failure or cancel the
 *       guest is put back as it was (running if it ran) and ERR says why.
 *       A requester that disconnects before the end cancels the migration.
 *   migrate-in URI [paused] [reason=WORD]
 *       only after `incoming 1`: `migrate-incoming` from URI ("fd" as above,
 *       or "unix:/PATH", "tcp:HOST:PORT" to listen on), PROGRESS frames, then
 *       `cont` (state "running (WORD)", default "restored") unless `paused`,
 *       and OK.  A failed stream or a requester that goes away destroys the
 *       emulator (state "shut off (failed)"): nothing half-restored runs.
 *   migrate-cancel
 *       cancel the outgoing migration in flight (Ctrl-C of save); OK at once,
 *       the migrate-out request then ends with ERR "operation canceled".
 *   finish saved|migrated
 *       quit the emulator after a completed migrate-out; the final state is
 *       "shut off (saved)" / "shut off (migrated)"; answered once reaped.
 *   migrate-out flags for live migration (why=migrating): bandwidth=MIB,
 *       postcopy-bandwidth=MIB (this migration only), auto-converge, postcopy (capability
 *       postcopy-ram), postcopy-after-precopy (switch once the first pass
 *       is done); migrate-in takes `postcopy` too, and `cont`s the guest as
 *       soon as its side reports postcopy-active.  migrate-in `hold` (for
 *       --copy-storage-all) ends paused, "paused (migrating)", for the shell
 *       to stop the NBD exports first; the resume then reads "running (migrated)".
 *
 * The migration job (supervisor_migjob.c): every migrate-out/in is a job with libvirt's
 * statistics, kept from its query-migrate answers:
 *   job-info             OK "type=none" or "type=unbounded operation=OP
 *                        time_elapsed=MS memory_processed=N ... errmsg=TEXT"
 *                        (the keys of libvirt's typed job parameters, errmsg
 *                        last); a finished job's line is written to
 *                        RUN/NAME/job.completed for `domjobinfo --completed`
 *   job-abort            cancel the outgoing job (the requester's ERR then says
 *                        "operation aborted: JOB: canceled by client")
 *   migrate-set-speed MIB [postcopy] / migrate-get-speed [postcopy]
 *                        the bandwidth of live migrations (save and snapshot
 *                        always go unlimited), or of their post-copy phase
 *                        (QEMU's max-postcopy-bandwidth, 0: unlimited); applied
 *                        at once to a running one
 *   migrate-postcopy     switch the running migration to post-copy
 *
 * Jobs (supervisor_job.c), for disk snapshots:
 *   job {"execute": CMD, "arguments": {"job-id": ID, ...}}
 *       run the QMP command that creates job ID (snapshot-save/-load/
 *       -delete, block-commit with auto-dismiss off) and answer when it has
 *       concluded and been dismissed: OK, or ERR with the job's error;
 *       PROGRESS frames every SUP_JOB_POLL_MS before.  A job that becomes
 *       ready (active commit) is completed.  One job at a
 *       time, never during a migration; a requester that goes away before
 *       the switch-over has the job canceled. */
#ifndef DOMSH_SUPERVISOR_H
#define DOMSH_SUPERVISOR_H

#include <stdbool.h>
#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "entry.h"
#include "../base/proto.h"
#include "../base/qmp.h"
#include "../base/rundir.h"

#define SUP_MAX_DEVS 8
#define SUP_MAX_ALIASES 8
#define SUP_MAX_CLIENTS 32
#define SUP_MAX_ARGS 512
#define SUP_MAX_PRE 8
#define SUP_ARGBUF (64 * 1024)
#define SUP_RING (64 * 1024)
#define SUP_PATH 1024
#define SUP_PENDING 16
#define SUP_CONSOLE_LOG_MAX (2u * 1024u * 1024u)
#define SUP_CONSOLE_LOG_KEEP 3
#define SUP_CHUNK 16384          /* guest output read at once */
/* without inotify (a user has 128 instances, so 128 running domains take
 * them all) a published pty is asked for a new reader this often */
#define SUP_PTY_PROBE_MS 200
#define SUP_PTY_STALL_MS 5000    /* a pty reader taking nothing this long stops holding the guest */
#define SUP_LOGBUF 8192          /* console log output gathered before one write */
#define SUP_LOG_FLUSH_MS 50      /* ... or once it is this old */
#define SUP_EVENT_BACKLOG 64     /* events kept for late subscribers */
#define SUP_EVENT_TEXT 192
#define SUP_JOURNAL_MAX (1024 * 1024)   /* RUN/.events/NAME starts again past this */
#define SUP_INCOMING_WAIT_MS 60000
#define SUP_MIG_POLL_MS 200
/* QEMU reports an outgoing migration completed a moment before its run
 * state leaves finish-migrate; a `cont` in between is refused ("Migration
 * is not finalized yet") and asked again every SUP_MIG_CONT_RETRY_MS */
#define SUP_MIG_CONT_RETRY_MS 20
#define SUP_MIG_CONT_WAIT_MS 10000
#define SUP_JOB_POLL_MS 500      /* query-jobs while a job runs, in case an event is missed */

enum sup_action { ACT_DESTROY, ACT_RESTART, ACT_PRESERVE, ACT_RENAME_RESTART };

struct sup_dev {
    char name[32];
    char sock[SUP_PATH];     /* the emulator's chardev server socket */
    int qfd;                 /* our connection to it */
    int master, slave;       /* our pty; the slave is closed once set up, so the master
                              * sees POLLHUP whenever nobody has the published pty open */
    int rw_client;           /* client slot of the read-write console, or -1 */
    int watch;               /* inotify watch of the slave's path (IN_OPEN) */
    bool pty_reader;         /* someone has the slave open: output waits for them */
    bool pty_stalled;        /* that reader took nothing for SUP_PTY_STALL_MS: drop */
    size_t pend_len;         /* output the pty did not take yet (guest not read meanwhile) */
    long long pend_since_ms; /* last progress on pend */
    char pend[SUP_CHUNK];
    size_t ring_head, ring_len;
    char ring[SUP_RING];
};

struct sup_alias {
    char name[32];
    int dev;
};

struct sup_client {
    int fd;                  /* -1: free slot */
    int dev;                 /* attached console device, or -1 (control client) */
    unsigned flags;          /* PROTO_ATT_* */
    bool wait_exit;          /* a destroy waiting for the emulator to be reaped */
    bool subscribed;         /* receives EVENT frames (supervisor_events.c) */
    int passed_fd;           /* last descriptor received (SCM_RIGHTS), or -1 */
    struct frame_reader rd;
};

struct sup_pending {         /* QMP commands in flight, answered in order */
    int client;              /* slot to answer, or -1 */
    char what[24];
    char dev_id[32];         /* a device_add's id: device-added once it worked */
};

struct sup_event {
    unsigned long long seq;  /* 1, 2, ... per supervisor */
    long long ms;            /* wall clock, ms since the epoch */
    char text[SUP_EVENT_TEXT];   /* "TYPE[ DETAIL]" */
};

struct sup_events {          /* the backlog ring, oldest at head */
    struct sup_event ring[SUP_EVENT_BACKLOG];
    size_t head, len;
    unsigned long long seq;  /* last sequence number given */
    long long dropped_ms;    /* time of the newest event dropped from the ring */
    int journal;             /* RUN/.events/NAME, appended (events.h), or -1 */
    bool journal_tried;
};

enum sup_mig_kind { MIG_NONE, MIG_OUT, MIG_IN_WAIT, MIG_IN };

/* a job's figures (query-migrate), -1 when not reported (supervisor_migjob.c) */
enum sup_migjob_stat { JS_PROCESSED, JS_REMAINING, JS_TOTAL, JS_BPS, JS_DIRTY_RATE, JS_PAGE_SIZE,
                    JS_ITERATION, JS_POSTCOPY_REQS, JS_CONSTANT, JS_NORMAL, JS_NORMAL_BYTES,
                    JS_DOWNTIME, JS_SETUP_TIME, JS_THROTTLE, JS_LAST };

struct sup_migjob {
    char op[16];             /* save, snapshot, migration-out, migration-in, restore; "": none */
    char type[12];           /* unbounded, completed, failed, cancelled */
    long long start_ms, end_ms;
    long long stat[JS_LAST];
    char errmsg[160];
};

struct sup_mig {             /* the one migration of this domain (supervisor_migrate.c) */
    enum sup_mig_kind kind;
    int client;              /* requester, answered at the end, or -1 */
    bool live, resume, paused_after, was_running, stopped, cancel, failed, query_inflight;
    bool hold;               /* in: end paused "migrating" (arrived_held) */
    bool aborted;            /* the cancel came from job-abort, not the requester */
    bool auto_converge, postcopy, postcopy_after, postcopy_asked, postcopy_active;
    int postcopy_client;     /* who asked for the switch (answered), or -1 */
    long long bandwidth_mib; /* migrate-out bandwidth=, 0: the stored speed */
    long long pc_bandwidth_mib;   /* postcopy-bandwidth=, 0: the stored one */
    char why[24];            /* reason while stopped (out) or after cont (in) */
    char prev_reason[32];    /* out: the running reason to put back after a cancel */
    char result[160];        /* the final answer, sent after the last QMP step */
    long long next_query_ms; /* 0: none due */
    long long deadline_ms;   /* MIG_IN_WAIT: destroy when no migrate-in came by then */
    long long cont_retry_ms, cont_deadline_ms;  /* `cont` refused as not finalized yet */
    long long transferred, total, remaining;
};

struct sup_job {             /* the one QMP job of this domain (supervisor_job.c) */
    bool active, complete_sent, concluded, query_inflight;
    int client;              /* requester, answered at the end, or -1 */
    char id[64];
    char error[256];         /* the concluded job's "error", empty when it worked */
    long long next_query_ms; /* 0: none due */
};

struct sup {
    /* from the launch spec */
    char name[256], uri[64];   /* a name is at most DOM_NAME_MAX (224) bytes */
    int id;
    bool transient, start_paused, vnc_query, incoming;
    unsigned long long mem_kib;
    enum sup_action on_poweroff, on_reboot, on_crash;
    char run_dir[SUP_PATH], log_path[SUP_PATH], console_log_path[SUP_PATH];
    char *argv[SUP_MAX_ARGS + 1];
    size_t nargs, argbuf_len;
    char *title;                 /* argv memory to blank in children, or NULL */
    char *qmp_pre[SUP_MAX_PRE];  /* QMP commands to run before `cont` */
    size_t npre;
    char argbuf[SUP_ARGBUF];
    struct sup_dev dev[SUP_MAX_DEVS];
    size_t ndev;
    struct sup_alias alias[SUP_MAX_ALIASES];
    size_t nalias;

    /* runtime */
    pid_t qemu_pid;
    int qemu_status;         /* from waitpid, valid once reaped */
    bool reaped;
    bool arrived_held;       /* paused by migrate-in hold: its resume reads "migrated" */
    int sig_fd, listen_fd, log_fd, console_log_fd;
    int pty_watch_fd;        /* inotify: a published pty opened (-1: none) */
    long long pty_probe_ms;  /* no inotify: next look for a pty reader (0: not needed) */
    long long console_log_size;
    size_t logbuf_len;           /* console log bytes not written yet */
    long long logbuf_since_ms;
    char logbuf[SUP_LOGBUF];
    struct qmp_conn qmp;
    enum dom_state state;
    char reason[32];
    char final_reason[32];   /* recorded when the emulator exits, if set */
    bool destroying, reboot_requested, running_loop;
    long long kill_deadline_ms;   /* SIGKILL the emulator after this (0: none) */
    struct sup_pending pending[SUP_PENDING];
    size_t npending;
    struct sup_client client[SUP_MAX_CLIENTS];
    struct sup_events events;
    struct sup_mig mig;
    struct sup_migjob migjob;   /* the running migration job (op "" when none) */
    long long speed_mib;     /* migrate-set-speed (MiB/s), once speed_set */
    bool speed_set;
    long long pc_speed_mib;  /* migrate-set-speed N postcopy (0: unlimited) */
    struct sup_job job;
};

/* the same; title (may be NULL) is our argv string holding SPEC, blanked
 * in the emulator's child before exec so that only one process ever shows
 * the launch spec on its command line */
int supervisor_run(const char *spec_path, int sync_fd, char *title);

/* supervisor_launch.c */
int sup_read_spec(struct sup *s, const char *path);
const char *sup_action_name(enum sup_action a);
bool sup_action_parse(const char *word, enum sup_action *out);

/* supervisor_life.c: state, events, commands */
void sup_set_state(struct sup *s, enum dom_state st, const char *reason);
void sup_write_status(struct sup *s);
void sup_qmp_line(struct sup *s, const char *line);
void sup_qmp_send(struct sup *s, const char *cmd_json, int client, const char *what);
/* the same with passfd (>= 0) passed to the emulator as SCM_RIGHTS */
void sup_qmp_send_fd(struct sup *s, const char *cmd_json, int passfd, int client,
                     const char *what);
void sup_command(struct sup *s, int client, const char *cmd);
void sup_destroy(struct sup *s, int client, bool graceful);
void sup_status_text(struct sup *s, char *out, size_t n);
long long sup_now_ms(void);
void sup_log(struct sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* supervisor_console.c */
void sup_guest_output(struct sup *s, struct sup_dev *d);
/* after the consoles are connected: close our slaves, watch for readers */
void sup_console_init(struct sup *s);
/* the poll slots of device d: the guest's socket (not read while the pty
 * holds output back) and the pty master (only while a reader has it) */
void sup_console_slots(struct sup_dev *d, struct pollfd *guest, struct pollfd *pty);
void sup_pty_event(struct sup *s, struct sup_dev *d, short revents);
void sup_console_watch(struct sup *s);       /* pty_watch_fd readable */
int sup_console_timeout(struct sup *s);      /* ms to the next stall check or log flush, -1 none */
void sup_console_tick(struct sup *s);
void sup_console_log_flush(struct sup *s);
int sup_attach(struct sup *s, int client, const char *payload, size_t len);
void sup_client_data(struct sup *s, int client, const char *data, size_t len);
void sup_client_resize(struct sup *s, int client, const char *data, size_t len);
void sup_console_exit(struct sup *s, const char *why);
/* PATH -> PATH.1 -> ... PATH.SUP_CONSOLE_LOG_KEEP (the oldest dropped) */
void sup_log_shift(const char *path);

/* supervisor_ctl.c */
void sup_accept(struct sup *s);
void sup_client_io(struct sup *s, int client);
void sup_client_close(struct sup *s, int client);
void sup_reply(struct sup *s, int client, enum proto_type type, const char *text);

/* supervisor_events.c: the event stream (proto.h EVENT frames) */
void sup_emit(struct sup *s, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sup_subscribe(struct sup *s, int client, const char *since_ms);
void sup_lifecycle(struct sup *s, enum dom_state old, enum dom_state st, const char *reason);
void sup_publish_qmp_event(struct sup *s, const char *ev, const char *line);
void sup_note_device_add(struct sup *s, const char *json);
/* supervisor_migrate.c: true when cmd was a migration command (answered) */
bool sup_mig_command(struct sup *s, int client, const char *cmd);
/* a QMP answer to a command sent with a "mig-" what */
void sup_mig_answer(struct sup *s, const char *what, bool ok, const char *line);
void sup_mig_event(struct sup *s, const char *line);     /* MIGRATION */
void sup_mig_client_gone(struct sup *s, int client);
void sup_mig_tick(struct sup *s);                        /* timers */
long long sup_mig_next_ms(const struct sup *s);          /* next timer, 0: none */
void sup_mig_incoming_ready(struct sup *s);              /* after setup with `incoming 1` */
void sup_mig_end(struct sup *s, const char *why);        /* the emulator is gone */

/* supervisor_migjob.c */
bool sup_migjob_command(struct sup *s, int client, const char *cmd);   /* true: answered */
void sup_migjob_start(struct sup *s);                       /* at mig_begin */
void sup_migjob_update(struct sup *s, const char *line);    /* a query-migrate answer */
/* the job ended: type completed|failed|cancelled; kept in RUN/NAME/job.completed */
void sup_migjob_finish(struct sup *s, const char *type, const char *errmsg);
/* the max-bandwidth (bytes/s) for the migration starting */
long long sup_migjob_bandwidth(const struct sup *s);
/* its max-postcopy-bandwidth (bytes/s, 0: unlimited) */
long long sup_migjob_pc_bandwidth(const struct sup *s);
/* "migration out job", "domain save job", ... (libvirt's words for errors) */
const char *sup_migjob_name(const struct sup *s);
/* ask the emulator to switch the outgoing migration to post-copy (once) */
void sup_migjob_postcopy(struct sup *s, int client);
/* supervisor_job.c: true when cmd was `job {...}` (answered when the job ends) */
bool sup_job_command(struct sup *s, int client, const char *cmd);
void sup_job_answer(struct sup *s, const char *what, bool ok, const char *line);   /* "job-" */
void sup_job_event(struct sup *s, const char *line);     /* JOB_STATUS_CHANGE */
void sup_job_tick(struct sup *s);
long long sup_job_next_ms(const struct sup *s);          /* next timer, 0: none */
void sup_job_client_gone(struct sup *s, int client);
void sup_job_end(struct sup *s, const char *why);        /* the emulator is gone */

/* supervisor_loop.c */
void sup_loop(struct sup *s);
void sup_finish(struct sup *s);

#endif
