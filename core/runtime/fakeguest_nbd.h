/* fakeguest_nbd.h: `migrate --copy-storage-all` in the test backend's fake
 * guest: the QMP commands QEMU gets for it (migrate_storage.h), on the real
 * image files.  The NBD protocol itself is replaced by a tiny one of ours,
 * but the bytes really go through the server's socket (so through an ssh
 * forward of it too, as QEMU's do):
 *   client -> server  "export NAME\n"                  answer "ok\n" / "no\n"
 *                     "write OFF LEN\n" + LEN bytes     answer "ok\n" / "error\n"
 *                     "size LEN\n" (truncate the file)  answer "ok\n" / "error\n"
 * The QMP side:
 *   nbd-server-start {"addr": {"type": "unix", "data": {"path": P}}}
 *           listens on P; nbd-server-stop closes it and its connections
 *   block-export-add {"type": "nbd", "node-name", "name", "writable"}
 *   blockdev-add {"driver": "nbd", "node-name", "server": {"path": P},
 *           "export": NAME}: connects to P and asks for NAME (refused as
 *           QEMU's client would be: no server, no such export); blockdev-del
 *   blockdev-mirror {"job-id", "device", "target", "sync": "full"}: a job
 *           writing the device's image file through the target's
 *           connection, FGN_CHUNK bytes per block step (`slowblock MS` paces
 *           it), then READY (BLOCK_JOB_READY); a write the server does not
 *           answer "ok" (it stopped, the connection broke) fails the job
 *           ("Input/output error")
 *   block-job-cancel {"device", "force"}: a READY mirror without force
 *           writes the file once more (what the guest changed meanwhile)
 *           and concludes (BLOCK_JOB_COMPLETED); otherwise it concludes
 *           with "Operation canceled"
 *   job-dismiss, and the mirrors' entries in query-jobs. */
#ifndef DOMSH_FAKEGUEST_NBD_H
#define DOMSH_FAKEGUEST_NBD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "fakeguest_block.h"

#define FGN_MAX 8
#define FGN_CHUNK 65536

struct fgn_node {            /* a blockdev-add'ed nbd client */
    char name[64];
    int fd;                  /* its connection to the export */
    bool used;
};

struct fgn_export {          /* the server's side */
    char name[64], file[1024];
    bool used;
};

enum fgn_stage { FGN_FREE, FGN_RUN, FGN_READY, FGN_DONE };

struct fgn_mirror {
    char id[64], error[128];
    char src[1024];
    int node;                /* its target: index in fg_nbd.node */
    enum fgn_stage stage;
    long long off, len, due_ms;
};

struct fg_nbd {
    int listen_fd;           /* nbd-server-start's socket, or -1 */
    char path[108];
    struct fgn_export exp[FGN_MAX];
    int conn[FGN_MAX];       /* the server's connections (-1: free) */
    int conn_export[FGN_MAX];    /* the export each asked for, -1: none yet */
    struct fgn_node node[FGN_MAX];
    struct fgn_mirror m[FGN_MAX];
};

void fgn_init(struct fg_nbd *n);
/* one of the commands above (answered on fd); false when cmd is not one */
bool fgn_qmp(struct fg_nbd *n, struct fg_block *b, int fd, const char *cmd, const char *line);
/* the mirrors' next steps when due */
void fgn_step(struct fg_nbd *n, int fd, unsigned step_ms);
int fgn_timeout(const struct fg_nbd *n);         /* ms, -1: nothing due */
/* the server's sockets to poll (listener, connections) into p (room for
 * FGN_POLLFDS); then fgn_serve answers what is readable there */
#define FGN_POLLFDS (1 + FGN_MAX)
size_t fgn_pollfds(const struct fg_nbd *n, struct pollfd *p);
void fgn_serve(struct fg_nbd *n, const struct pollfd *p, size_t np);
/* the emulator quits: its server and connections close */
void fgn_end(struct fg_nbd *n);

#endif
