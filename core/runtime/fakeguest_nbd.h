/* fakeguest_nbd.h: `migrate --copy-storage-all` in the test backend's fake
 * guest: the QMP commands QEMU gets for it (migrate_storage.h), on the real
 * image files.  Both "hosts" of a test are this machine, so the NBD
 * protocol itself is replaced by a registry beside the server's socket:
 *   nbd-server-start {"addr": {"type": "unix", "data": {"path": P}}}
 *           listens on P and writes P.exports ("pid N", then a line per
 *           export: "NAME FILE"); nbd-server-stop closes and removes both
 *   block-export-add {"type": "nbd", "node-name", "name", "writable"}
 *   blockdev-add {"driver": "nbd", "node-name", "server": {"path": P},
 *           "export": NAME}: refused as QEMU's client would be when P has
 *           no live server or no such export; blockdev-del of such a node
 *   blockdev-mirror {"job-id", "device", "target", "sync": "full"}: a job
 *           copying the device's image file over the export's file,
 *           FGN_CHUNK bytes per block step (`slowblock MS` paces it), then
 *           READY (BLOCK_JOB_READY); a step that finds the server gone
 *           fails the job ("Input/output error")
 *   block-job-cancel {"device", "force"}: a READY mirror without force
 *           copies the file once more (what the guest changed meanwhile)
 *           and concludes (BLOCK_JOB_COMPLETED); otherwise it concludes
 *           with "Operation canceled"
 *   job-dismiss, and the mirrors' entries in query-jobs. */
#ifndef DOMSH_FAKEGUEST_NBD_H
#define DOMSH_FAKEGUEST_NBD_H

#include <stdbool.h>

#include "fakeguest_block.h"

#define FGN_MAX 8
#define FGN_CHUNK 65536

struct fgn_node {            /* a blockdev-add'ed nbd client */
    char name[64], file[1024];
    char registry[128];      /* its server's P.exports */
    bool used;
};

enum fgn_stage { FGN_FREE, FGN_RUN, FGN_READY, FGN_DONE };

struct fgn_mirror {
    char id[64], error[128];
    char src[1024], dst[1024];
    char registry[128];      /* its target's server: alive while P.exports names a live pid */
    enum fgn_stage stage;
    long long off, len, due_ms;
};

struct fg_nbd {
    int listen_fd;           /* nbd-server-start's socket, or -1 */
    char path[108];
    struct fgn_node node[FGN_MAX];
    struct fgn_mirror m[FGN_MAX];
};

void fgn_init(struct fg_nbd *n);
/* one of the commands above (answered on fd); false when cmd is not one */
bool fgn_qmp(struct fg_nbd *n, struct fg_block *b, int fd, const char *cmd, const char *line);
/* the mirrors' next steps when due */
void fgn_step(struct fg_nbd *n, int fd, unsigned step_ms);
int fgn_timeout(const struct fg_nbd *n);         /* ms, -1: nothing due */
/* the emulator quits: its server's registry goes */
void fgn_end(struct fg_nbd *n);

#endif
