/* migrate_remote.h: live migration to another host over SSH (issue 14).
 *
 * No daemon and no port of ours.  The source shell opens one connection of
 * the remote shell's kind (core/remote: `ssh ... HOST DOMSH --stdio URI`,
 * handshake and its precise errors included) and runs the hidden command
 * `migrate-receive` there, sending the domain's XML along as a file.  That
 * command (rt_migrate_receive, on the destination host) starts the domain
 * with `incoming 1`, asks its supervisor for `migrate-in
 * unix:RUN/NAME/migrate.sock` and prints "listening PATH" once the
 * emulator listens; it then watches its channel: the source closing it
 * (EOF, or the connection dropping) means "give up", and the destination
 * is destroyed.  The source forwards a socket of its own run dir to that
 * path (`ssh -N -o ExitOnForwardFailure=yes -o StreamLocalBindUnlink=yes
 * -L local:remote`) and runs `migrate-out unix:LOCAL`; the memory goes
 * through the SSH forward, never an open TCP port.  The destination
 * answers success once its migrate-in ended (the guest runs there, or
 * stays paused) and only then is the source finished "migrated".
 *
 * Failure at any step (the destination refusing, the forward or the
 * connection dying, the stream breaking, Ctrl-C, no answer in time:
 * migrate_limits.h): the source guest runs on where it was, the
 * destination is destroyed.  With post-copy (`migrate-receive --postcopy`)
 * the destination runs the guest from the switch on, and the forward
 * outlives the migrating shell (rforward_open_outliving), as a local
 * migration's socketpair does.
 *
 * --copy-storage-all (migrate_storage.h): the source sends the domain to
 * start there (--xml: other disk paths) and `--copy-storage vda=BYTES,...`
 * (its images' virtual sizes); migrate-receive makes the missing images,
 * starts the domain, exports the disks on RUN/NAME/nbd.sock and prints
 * "nbd PATH" before "listening PATH", its migrate-in holding the guest
 * paused at the end.  The source mirrors every disk through a second
 * forward (RUN/NAME/nbd-fwd.sock) until READY, migrates the memory, ends
 * the mirrors and sends GO (remote.h); the destination then stops its
 * server and runs the guest, and answers.  Any failure before GO: the
 * source's mirrors canceled, it runs on its disks, the destination
 * destroyed and the images it made removed. */
#ifndef DOMSH_MIGRATE_REMOTE_H
#define DOMSH_MIGRATE_REMOTE_H

#include <stdbool.h>
#include <stdio.h>

#include "../base/err.h"
#include "../store/store.h"
#include "migrate_live.h"

/* source side: move the running or paused domain NAME of src to the
 * remote URI desturi (qemu+ssh://, test+ssh://) */
int rt_migrate_remote(struct store *src, const char *name, const char *desturi,
                      const struct rt_live_mig *o, struct err **e);

/* destination side (`migrate-receive`) */
struct rt_receive {
    const char *xml_path;       /* the domain as it runs in the source */
    const char *def_path;       /* --persistent: the definition to store here, or NULL */
    bool paused;                /* the source was paused: arrive paused */
    bool postcopy;              /* enable post-copy; `cont` here once it switched */
    int channel_fd;             /* readable (data or EOF): the source gave up */
    /* --copy-storage-all: "vda=SIZE,...", the source images' virtual
     * sizes (mig_storage_plan_dest), or NULL; then events_fd (the server's
     * rintr_watch_events) tells the source's GO from its giving up */
    const char *copy_sizes;
    int events_fd;
    FILE *announce;             /* "listening PATH" */
};
int rt_migrate_receive(struct store *st, const struct rt_receive *r, struct err **e);

/* what migrate-receive prints once the emulator listens, and before it
 * with --copy-storage, where its NBD server listens */
#define RT_RECEIVE_LISTENING "listening "
#define RT_RECEIVE_NBD "nbd "

#endif
