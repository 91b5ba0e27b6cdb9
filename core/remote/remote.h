/* remote.h: the remote layer: a shell driving domsh on another host over
 * OpenSSH.  It owns the remote URIs (qemu+ssh://, test+ssh://), the frame
 * format spoken between a shell and `domsh --stdio URI` on the far side,
 * and the ssh transport (spawn, version handshake, failure diagnosis,
 * close).  It calls core/base only: what runs a command on either side is
 * the shell's (shell/remote.c on the client, shell/serve.c on the server).
 *
 * Wire format (one ssh channel, both directions): a frame is 1 type byte,
 * 4 bytes payload length (big endian), the payload (<= RFRAME_MAX).
 * A string list ("strv") payload is each string as 4 bytes length + bytes.
 *
 *  client -> server
 *    HELLO    "domsh-remote N" (N = RPROTO_VERSION); always the first frame
 *    RUN      strv: flags ("q" quiet, "r" read-only), then the command's
 *             words; a word "\x01FILE" names a local file whose content
 *             follows as FILE frames (chunks, then one empty FILE frame),
 *             in word order
 *    FILE     a chunk of the next attached file; empty = end of that file
 *    COMPLETE strv: the words of a line, the last one being completed
 *    INTR     (empty) Ctrl-C while a RUN is under way: the server raises
 *             SIGINT in itself, so the command stops as it would locally
 *             (a save or migration is canceled, the guest runs on)
 *    GO       (empty) while `migrate-receive --copy-storage` waits, the
 *             memory arrived and the source's disk mirrors ended: stop
 *             the NBD server and run the guest (rintr_watch_events)
 *  server -> client
 *    HELLO    "domsh-remote N URI" (URI: the server's canonical local URI)
 *    FAIL     text: the server cannot serve (bad URI, version mismatch)
 *    OUT/ERR  bytes the command wrote on its stdout / stderr
 *    EXIT     text: the command's exit status ("0" / "1")
 *    LIST     strv: completion candidates (answer to COMPLETE)
 * A version mismatch is answered with FAIL naming both versions; the
 * server then exits.  The server finishes a command it started even when
 * the channel drops (store writes are atomic), so a lost connection never
 * leaves a half-applied change. */
#ifndef DOMSH_REMOTE_H
#define DOMSH_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/mem.h"

#define RPROTO_VERSION 3   /* 2: INTR, 3: GO */
#define RPROTO_MAGIC "domsh-remote"
#define RFRAME_MAX (1u << 20)
#define RFILE_MARK '\x01'   /* RUN word prefix: the content of a local file follows */

enum rframe_type {
    RF_HELLO = 'H',
    RF_RUN = 'R',
    RF_FILE = 'F',
    RF_COMPLETE = 'C',
    RF_FAIL = '!',
    RF_OUT = 'O',
    RF_ERR = 'E',
    RF_EXIT = 'X',
    RF_LIST = 'L',
    RF_INTR = 'I',
    RF_GO = 'G',
};

/* ---- URIs (uri.c) ---- */

/* DRIVER+ssh://[user@]host[:port]/PATH[?keyfile=F&no_verify=1&no_tty=1&domsh=P] */
struct ruri {
    char *user, *host;      /* user NULL: ssh's default */
    int port;               /* 0: ssh's default */
    char *local_uri;        /* the URI on the far side: "qemu:///system" */
    char *canon;            /* "qemu+ssh://user@host:port/system" (no query) */
    char *keyfile;          /* -i */
    char *domsh;            /* remote program (absolute); NULL: this program's path */
    bool no_verify;         /* StrictHostKeyChecking=no */
    bool no_tty;            /* accepted for libvirt compatibility (BatchMode is always on) */
};

bool ruri_is_remote(const char *uri);
int ruri_parse(const char *uri, struct ruri *u, struct err **e);
void ruri_free(struct ruri *u);

/* ---- frames (frame.c) ---- */

#define RFRAME_HDR 5
/* the header of a frame of len bytes */
void rframe_header(unsigned char hdr[RFRAME_HDR], char type, size_t len);
/* one whole frame (retries EINTR and short writes); -1 with errno */
int rframe_send(int fd, char type, const void *payload, size_t len);
int rframe_send_str(int fd, char type, const char *text);
/* one whole frame into *payload (reset first): 1, 0 on a clean EOF before
 * any byte, -1 on error or a malformed frame (errno EPROTO) */
int rframe_recv(int fd, char *type, struct buf *payload);
void rstrv_encode(struct buf *b, const char *s, size_t len);
void rstrv_encode_all(struct buf *b, char *const *v, size_t n);
/* split a strv payload; -1 when malformed */
int rstrv_decode(const char *p, size_t len, struct strv *out);

/* ---- the ssh transport (ssh.c) ---- */

struct rconn {
    pid_t pid;            /* the ssh process, 0 when closed */
    int wfd, rfd, efd;    /* its stdin, stdout, stderr */
    struct buf errtail;   /* the last bytes ssh wrote on stderr (diagnosis) */
    char *remote_uri;     /* from the server's HELLO */
};

/* argv of ssh for u (prog: $DOMSH_SSH, else "ssh"), up to and including
 * the host; tty: -t instead of -T (console) */
void rssh_argv(const struct ruri *u, bool tty, struct strv *argv);
/* the remote program path: u->domsh, else this program's own absolute path */
char *rssh_domsh_path(const struct ruri *u);
/* a word quoted for the remote login shell (ssh joins its words with blanks) */
char *rssh_quote(const char *word);

/* spawn ssh running `DOMSH --stdio URI` and shake hands; on failure the
 * error says why (unknown host key, refused key, no domsh, version) */
int rconn_open(struct rconn *c, const struct ruri *u, struct err **e);
bool rconn_is_open(const struct rconn *c);
/* one frame to the server (SIGPIPE-safe); -1 with errno */
int rconn_send(struct rconn *c, char type, const void *payload, size_t len);
/* next frame from the server, keeping ssh's stderr drained; as rframe_recv */
int rconn_recv(struct rconn *c, char *type, struct buf *payload);
/* the same, also waiting on intr_fd (-1: none): 2 when it is readable
 * first (nothing was read from the server) */
int rconn_recv_or(struct rconn *c, int intr_fd, char *type, struct buf *payload);
/* after a failed send/recv: close, reap ssh and record the precise error
 * ("during" names what was under way, e.g. "'start vm'") */
int rconn_fail(struct rconn *c, const struct ruri *u, const char *during, struct err **e);
void rconn_close(struct rconn *c);

/* ---- a unix socket forwarded through ssh (forward.c) ---- */

/* `ssh -N -o ExitOnForwardFailure=yes -o StreamLocalBindUnlink=yes -L
 * LOCAL:REMOTE HOST` with the options of u: connecting to LOCAL reaches the
 * listener at REMOTE on HOST (a migration stream).  ssh dies with us
 * (PR_SET_PDEATHSIG) and runs in its own process group (Ctrl-C is ours). */
struct rforward {
    pid_t pid;            /* 0 when closed */
    int efd;              /* its stderr */
    int hold;             /* outliving: ssh's stdin, ours (<= 0: none) */
    int status;           /* its wait status, once rforward_alive saw it end */
    struct buf errtail;
    char *local;
};

/* start the forward and wait (up to ms) until ssh listens at local */
int rforward_open(struct rforward *f, const struct ruri *u, const char *local,
                  const char *remote, int ms, struct err **e);
/* the same for a stream that must go on if we die (post-copy: past the
 * switch the guest runs on the far side, on pages still coming): no
 * PR_SET_PDEATHSIG, and ssh runs the remote `DOMSH --stdio URI` on a stdin
 * we hold instead of -N; once we are gone that session ends and ssh exits
 * as soon as the forwarded stream closes (it waits for open channels) */
int rforward_open_outliving(struct rforward *f, const struct ruri *u, const char *local,
                            const char *remote, int ms, struct err **e);
/* ssh still runs (false: it exited, or was killed) */
bool rforward_alive(struct rforward *f);
/* the last line ssh wrote on stderr ("channel 2: open failed: ..."), else
 * how it ended ("ssh exit status 255": a quiet LogLevel hides ssh's own
 * words), or NULL */
char *rforward_said(struct rforward *f);
/* stop ssh (SIGKILL: it holds nothing to clean up), remove the local socket */
void rforward_close(struct rforward *f);

/* ---- the server's ear for INTR (intr.c) ---- */

/* while a command runs on the server, a thread (every signal blocked)
 * reads the channel: INTR raises SIGINT in the server, which the command
 * takes as a local Ctrl-C; GO and the channel's end (EOF, a broken frame)
 * are told on rintr_watch_events as one byte each: 'g', then 'x' */
struct rintr_watch;
struct rintr_watch *rintr_watch_start(int in_fd);
/* readable when GO came or the channel ended (-1: no watch) */
int rintr_watch_events(const struct rintr_watch *w);
void rintr_watch_stop(struct rintr_watch *w);     /* NULL: nothing */

#endif
