/* save.h: save images, and the drivers of save, restore and managed save.
 *
 * An image is our header, the domain XML, then the emulator's migration
 * stream (QEMU's, or the fake guest's), in one file:
 *
 *   0   "DomshSav" magic (8 bytes)
 *   8   u32 version (1)            12  u32 flags (SAVE_IMG_RUNNING: resume on restore)
 *   16  u32 complete mark          20  u32 xml length
 *   24  u64 stream offset (4 KiB aligned)   32  u64 stream length
 *   40  24 bytes reserved (zero)   64  the XML, NUL-padded to the stream offset
 *
 * little endian.  The complete mark (SAVE_IMG_COMPLETE) and the stream
 * length are written last, after the stream, then the file is fsynced; only
 * then is the guest stopped for good.  An image without the mark (the save
 * was killed, the disk filled up) or whose size disagrees with its header is
 * refused by restore with one line saying so, and nothing else is touched.
 *
 * Managed save images live beside the config: CONFIG/save/NAME.save. */
#ifndef DOMSH_SAVE_H
#define DOMSH_SAVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"
#include "../store/store.h"
#include "migrate.h"

struct dnode;

#define SAVE_IMG_MAGIC "DomshSav"
#define SAVE_IMG_VERSION 1u
#define SAVE_IMG_COMPLETE 0x504d4f43u   /* "COMP" */
#define SAVE_IMG_RUNNING 0x1u
#define SAVE_IMG_HDR 64u

struct save_image {
    uint32_t version, flags;
    bool complete;
    char *xml;               /* the domain as it ran (caller frees) */
    uint64_t data_offset, data_len;
};

/* read and check an image's header and XML: ERR_NOT_FOUND, ERR_INVALID
 * "'F' is not a domsh save image", "save image 'F' is incomplete ..." */
int save_image_read(const char *path, struct save_image *img, struct err **e);
void save_image_free(struct save_image *img);
/* replace the XML of a complete image (a new file renamed over the old) */
int save_image_set_xml(const char *path, const char *xml, struct err **e);

#define SAVE_RUNNING 0x1u    /* --running: restore into running */
#define SAVE_PAUSED 0x2u     /* --paused: restore into paused */

/* save the running domain NAME to PATH and stop it ("shut off (saved)");
 * xml (may be NULL) replaces the saved definition (same name and uuid).
 * On failure or Ctrl-C the guest runs on as it was and PATH is removed. */
int rt_save(struct store *st, const char *name, const char *path, const char *xml,
            unsigned flags, struct rt_progress *p, struct err **e);
/* restore the image at PATH (xml may replace its definition); *name gets
 * the domain's name (caller frees).  flags SAVE_RUNNING / SAVE_PAUSED
 * override the state recorded in the image. */
int rt_restore(struct store *st, const char *path, const char *xml, unsigned flags,
               struct rt_progress *p, char **name, struct err **e);

/* --running / --paused to SAVE_* flags; both: ERR_ARGS */
int save_state_flags(bool running, bool paused, unsigned *flags, struct err **e);
/* an --xml FILE argument (NULL: none) read whole; *xml NULL when none */
int save_xml_arg(const char *file, char **xml, struct err **e);

/* start NAME from its managed save image (the caller holds the domain
 * lock and checked it is shut off); the image is removed once the guest
 * runs.  A broken image is reported ("... start --force-boot discards
 * it") and kept. */
int rt_restore_managed(struct store *st, const char *name, unsigned flags,
                       struct rt_progress *p, struct err **e);
/* managed save of NAME (persistent, running or paused) */
int rt_managed_save(struct store *st, const char *name, unsigned flags, struct rt_progress *p,
                    struct err **e);

/* a snapshot's memory: the running domain NAME's state into an image at
 * PATH; the guest runs on (or stays paused) as it was.  The caller holds
 * the domain lock. */
int rt_save_memory(struct store *st, const char *name, const char *path, struct rt_progress *p,
                   struct err **e);
/* the same, but the guest is left stopped ("paused (snapshot)") for the
 * caller to switch its disks and resume it; on failure it runs on */
int rt_save_memory_stopped(struct store *st, const char *name, const char *path,
                           struct rt_progress *p, struct err **e);
/* start the shut off domain NAME from the image at PATH (which must hold
 * NAME); def (may be NULL) replaces the image's definition (a snapshot
 * revert: the disks on fresh overlays).  The caller holds the domain lock. */
int rt_restore_locked(struct store *st, const char *name, const char *path,
                      const struct dnode *def, unsigned flags, struct rt_progress *p,
                      struct err **e);

/* managed save of every running persistent domain, in parallel, each
 * bounded by timeout_ms (then canceled: that guest runs on); saved gets
 * the names saved; an error lists the others with why */
int rt_managed_save_all(struct store *st, int timeout_ms, struct strv *saved, struct err **e);

/* CONFIG/save/NAME.save (caller frees) */
char *managed_save_path(const struct store *st, const char *name);
bool managed_save_exists(const struct store *st, const char *name);
int managed_save_remove(const struct store *st, const char *name, struct err **e);

#endif
