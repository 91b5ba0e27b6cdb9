/* proto.h: the wire format of RUN/NAME/sup.sock, the supervisor's control
 * and console socket (unix stream, 0600 in a 0700 directory).
 *
 * Every message is a frame: 1 byte type, 2 bytes payload length (big
 * endian), then the payload (at most PROTO_MAX bytes).
 *
 *  client -> supervisor
 *    CMD     text: "status" | "shutdown" | "reboot" | "reset" | "destroy"
 *            | "destroy-graceful" | "suspend" | "resume"
 *            | "qmp JSON" (one QMP command; OK carries QEMU's whole
 *              {"return": ...} line)
 *            | "events SINCE_MS": subscribe.  OK "pid=P seq=LAST lost=0|1",
 *              then EVENT frames: every kept event whose time is >= SINCE_MS
 *              (the supervisor keeps its last 64), then live ones; lost=1
 *              when one at or after SINCE_MS was already dropped.
 *            answered by one OK (text) or ERR (message) frame; "destroy"
 *            is answered once QEMU is reaped and the final state written.
 *    ATTACH  1 flag byte (PROTO_ATT_*) + device name ("serial0", "console0",
 *            "parallel0"; empty = the first console device).  Answered by OK
 *            or ERR ("Active console session exists for this domain"); after
 *            OK the ring buffer is replayed (unless NO_REPLAY) as DATA frames,
 *            then live output follows.  The connection is then a console.
 *    DATA    bytes for the guest (ignored from read-only clients)
 *    RESIZE  4 bytes: rows, cols (u16 big endian) -> TIOCSWINSZ on the pty
 *    DETACH  empty: the client leaves
 *
 *  supervisor -> client
 *    OK / ERR  replies (above).  OK to "status" is key=value words:
 *            "state=running reason=booted id=3 qemu_pid=N cpu_time_ns=N
 *            used_mem_kib=N"
 *    DATA    guest output
 *    DETACH  text: why the client was detached (another client used --force)
 *    EXIT    text: the guest stopped (reason); the console session ends
 *    EVENT   text "SEQ MS TYPE[ DETAIL]": SEQ counts 1, 2, ... per supervisor
 *            (a gap means events were lost), MS is wall-clock milliseconds,
 *            TYPE a virsh event name (lifecycle, reboot, balloon-change,
 *            device-added, device-removed, block-job) or "console", DETAIL
 *            e.g. "Started Booted", "524288KiB", "attached serial0"
 *
 * A client that sends nothing but CMD frames is a control client; it may
 * send several commands on one connection.
 *
 * File descriptors: a CMD frame may carry one open file descriptor as
 * SCM_RIGHTS ancillary data on its first byte (proto_send_fd); the
 * supervisor keeps the last one received per client for the command that
 * names "fd" (migrate-out fd, migrate-in fd: supervisor.h).  Long commands
 * (migration) answer with any number of PROGRESS frames before their OK/ERR:
 *    PROGRESS  text: "status=active transferred=N remaining=N total=N" */
#ifndef DOMSH_PROTO_H
#define DOMSH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum proto_type {
    PROTO_CMD = 'C',
    PROTO_OK = 'K',
    PROTO_ERR = 'E',
    PROTO_ATTACH = 'A',
    PROTO_DATA = 'D',
    PROTO_RESIZE = 'W',
    PROTO_DETACH = 'Q',
    PROTO_EXIT = 'X',
    PROTO_EVENT = 'V',
    PROTO_PROGRESS = 'P',
};

#define PROTO_HDR 3u
#define PROTO_MAX 65535u

#define PROTO_ATT_READONLY 0x01u
#define PROTO_ATT_FORCE 0x02u
#define PROTO_ATT_NO_REPLAY 0x04u

#define PROTO_BUSY_MSG "Active console session exists for this domain"
/* the supervisor's refusal of migrate-cancel past a switch to post-copy;
 * the migrating shell, whose Ctrl-C asked, waits on for the end */
#define SUP_POSTCOPY_NO_ABORT "cannot abort migration in post-copy mode"

/* a received frame; payload points into the reader's buffer */
struct frame {
    uint8_t type;
    uint16_t len;
    const char *payload;
};

/* incremental frame reader over a byte stream (static buffer, no malloc) */
struct frame_reader {
    char buf[PROTO_HDR + PROTO_MAX];
    size_t len;
    size_t consumed;     /* bytes of the last frame returned, dropped on next call */
};

/* write a header into hdr[PROTO_HDR] */
void proto_header(char hdr[PROTO_HDR], enum proto_type type, size_t len);
/* blocking write of one whole frame (retries EINTR / short writes); -1 on error */
int proto_send(int fd, enum proto_type type, const void *payload, size_t len);
int proto_send_str(int fd, enum proto_type type, const char *text);
/* the same, with passfd sent as SCM_RIGHTS along with the frame's first byte */
int proto_send_fd(int fd, enum proto_type type, const char *text, int passfd);

/* read() once into the reader: >0 bytes read, 0 EOF, -1 error (EAGAIN too) */
long frame_fill(struct frame_reader *r, int fd);
/* the same with recvmsg(): a descriptor passed with the bytes replaces
 * *passed (the previous one is closed); *passed stays -1 otherwise */
long frame_fill_fd(struct frame_reader *r, int fd, int *passed);
/* next complete frame from the buffer: true and *f set, or false */
bool frame_next(struct frame_reader *r, struct frame *f);

/* client side: connect to the supervisor socket of a domain (path in run
 * dir); ERR_STATE "domain is not running" when nobody answers */
int sup_connect(const char *sock_path, struct err **e);
/* the same, but a supervisor whose backlog is full (stopped: it accepts
 * nobody) is tried again for at most timeout_ms, then ERR_TIMEOUT */
int sup_connect_timeout(const char *sock_path, int timeout_ms, struct err **e);
/* one command round trip with a timeout (ms); *reply (may be NULL) gets
 * the OK text (caller frees); an ERR reply becomes ERR_BACKEND */
int sup_request(const char *sock_path, const char *cmd, int timeout_ms, char **reply,
                struct err **e);
/* console attach: connects, sends ATTACH, waits for OK; returns the
 * connected fd (frames follow) or -1 with ERR_BUSY / ERR_NOT_FOUND ... */
int console_attach_fd(const char *sock_path, const char *dev, unsigned flags,
                      struct err **e);

#endif
