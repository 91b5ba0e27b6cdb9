/* store.h: the durable per-URI store.
 * Roots (DESIGN.md): root user /etc/domsh/DRIVER, /run/domsh/DRIVER,
 * /var/log/domsh/DRIVER; others $XDG_CONFIG_HOME/domsh/DRIVER,
 * $XDG_RUNTIME_DIR/domsh/DRIVER (fallback /tmp/domsh-$UID, 0700, refused
 * if not ours), $XDG_STATE_HOME/domsh/DRIVER/log.  DOMSH_ROOT=DIR puts
 * config, run and log under DIR/{config,run,log}/DRIVER.
 *   CONFIG/NAME.xml       persistent XML (atomic: .new, fsync, rename, fsync dir)
 *   CONFIG/UUID.uuid      symlink -> NAME (uuid index: O(1) duplicate check; beside
 *                         the XML so one fsync of CONFIG makes a define durable)
 *   CONFIG/autostart/NAME symlink -> ../NAME.xml
 *   RUN/NAME/             live state (runtime.h)
 *   RUN/.locks/NAME       flock target (define/undefine/start/destroy/edit):
 *                         not in CONFIG, whose listing then reads configs only
 *   LOG/NAME.log, LOG/NAME.console.log */
#ifndef DOMSH_STORE_H
#define DOMSH_STORE_H

#include <stdbool.h>

#include "../base/err.h"
#include "../base/fsutil.h"   /* write_file_atomic, read_file_max: callers of the store use them */
#include "../base/mem.h"
#include "../xml/tree.h"

enum store_driver { DRIVER_QEMU, DRIVER_TEST };

struct store {
    char *uri;            /* canonical: qemu:///system, qemu:///session, test:///default */
    enum store_driver driver;
    char *config_dir, *run_dir, *log_dir;
    int uuid_lock;        /* CONFIG/.uuid.lock while a save is staged, else -1 */
    int staged_fd;        /* CONFIG/NAME.xml.new written, not yet synced, else -1 */
    /* the backend's rules for a definition's shape: what its start would
     * refuse on any host (a cdrom on virtio, a second VNC, ...), checked
     * by every save so define and edit refuse it as libvirt's qemu driver
     * does; set by rt_store_open (the store cannot see the backends),
     * NULL: none (libvirt's test driver checks no shape either) */
    int (*check_shape)(const struct dnode *dom, struct err **e);
};

/* uri NULL: $DOMSH_DEFAULT_URI, else qemu:///system for root, qemu:///session otherwise */
struct store *store_open(const char *uri, struct err **e);
/* the same with root in place of $DOMSH_ROOT (NULL or "": the usual roots);
 * a second store in one process, e.g. the destination of a local migration */
struct store *store_open_at(const char *uri, const char *root, struct err **e);
void store_close(struct store *st);
const char *store_driver_name(const struct store *st);   /* "qemu" / "test" */

/* sorted names of persistent domains (from the CONFIG/NAME.xml files; no parsing) */
int store_list(struct store *st, struct strv *names, struct err **e);
bool store_exists(struct store *st, const char *name);
/* a name that cannot escape the config dir (any other simply does not exist) */
bool store_name_safe(const char *name);
/* the name owning UUID, or NULL */
char *store_name_by_uuid(struct store *st, const char *uuid);
/* the canonical uuid of persistent domain NAME, read from its stored file
 * without parsing (cheap enough for list --uuid of thousands) */
bool store_uuid(struct store *st, const char *name, char out[37]);
/* RUN/NAME/live.xml (the running definition) or NULL when not running */
char *store_live_text(struct store *st, const char *name);

/* exclusive flock on RUN/.locks/NAME; wait=false fails with ERR_BUSY
 * "another shell is changing domain 'NAME'"; returns fd, -1 on error */
int store_lock(struct store *st, const char *name, bool wait, struct err **e);
void store_unlock(int fd);

/* load+validate CONFIG/NAME.xml */
struct dnode *store_load(struct store *st, const char *name, struct err **e);
/* the raw bytes of CONFIG/NAME.xml (canonical, as written by store_save) */
char *store_load_text(struct store *st, const char *name, struct err **e);
/* atomically write the (validated) domain; refuses a name or uuid that
 * belongs to another domain; caller holds the lock */
int store_save(struct store *st, const struct dnode *dom, struct err **e);
/* the checks store_save makes before writing anything (valid name, uuid
 * not owned by another name, name not defined with another uuid), for
 * callers that write something else first (history); canon gets the
 * canonical uuid */
int store_check_save(struct store *st, const struct dnode *dom, char canon[37], struct err **e);
int store_remove(struct store *st, const char *name, struct err **e);
/* store_save in two halves, for a change that adds to the same commit
 * (history): stage checks, makes the uuid link and writes
 * CONFIG/NAME.xml.new (the one data write); stage_sync fsyncs it, with
 * ALONG_FD (a directory fd, or -1) synced at the same time; commit
 * renames it over NAME.xml and syncs the config dir; unstage drops a
 * staged file.  Caller holds the lock. */
int store_stage(struct store *st, const struct dnode *dom, struct err **e);
int store_stage_sync(struct store *st, const char *name, int along_fd, struct err **e);
int store_commit(struct store *st, const char *name, struct err **e);
void store_unstage(struct store *st, const char *name);
/* CONFIG/NAME.xml (caller frees) */
char *store_config_path(const struct store *st, const char *name);

bool store_autostart(struct store *st, const char *name);
int store_set_autostart(struct store *st, const char *name, bool on, struct err **e);

#endif
