/* save.c: save, restore and managed save (save.h), over the supervisor's
 * migration commands (migrate.h). */
#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../xml/domain.h"
#include "backend.h"
#include "runtime.h"
#include "save_priv.h"

char *managed_save_path(const struct store *st, const char *name)
{
    return xasprintf("%s/save/%s.save", st->config_dir, name);
}

bool managed_save_exists(const struct store *st, const char *name)
{
    AUTOFREE char *path = managed_save_path(st, name);
    return access(path, F_OK) == 0;
}

int managed_save_remove(const struct store *st, const char *name, struct err **e)
{
    AUTOFREE char *path = managed_save_path(st, name);
    if (unlink(path) < 0 && errno != ENOENT)
        return err_sys(e, ERR_IO, "cannot remove '%s'", path);
    save_fsync_dir(path);
    return 0;
}

/* the definition to keep in the image: the running one (hardware as it
 * runs, live-only data dropped) or the caller's, which must be the same
 * domain */
static char *saved_definition(struct store *st, const char *name, const char *xml,
                              struct err **e)
{
    AUTOFREE char *live = store_live_text(st, name);
    if (!live) {
        err_set(e, ERR_STATE, "domain '%s' is not running", name);
        return NULL;
    }
    struct dnode *run = dom_load_string(live, strlen(live), "live configuration", NULL, e);
    struct dnode *alt = run && xml ? dom_load_string(xml, strlen(xml), "--xml", NULL, e) : NULL;
    char *out = NULL;
    if (alt && (strcmp(dom_name(alt), name) != 0 || strcmp(dom_uuid(alt), dom_uuid(run)) != 0))
        err_set(e, ERR_INVALID, "the XML given with --xml is not domain '%s' (name and uuid "
                "must match)", name);
    else if (run && (!xml || alt))
        out = dom_format(alt ? alt : run, 0);
    dnode_free(run);
    dnode_free(alt);
    return out;
}

/* the guest stopped for the save comes back if anything after it fails */
static void resume_if(struct store *st, const char *name, bool was_running)
{
    if (was_running)
        sup_op_resume(st, name, NULL);
}

/* the image at PATH, the guest afterwards as mode says */
enum save_mode {
    SAVE_STOP,               /* save: stopped for good once the image is sealed */
    SAVE_KEEP,               /* a snapshot's memory: the guest runs on as it was */
    SAVE_KEEP_STOPPED,       /* ... but stays stopped for the caller to resume */
};

static int save_image_locked(struct store *st, const char *name, const char *path,
                             const char *xml, unsigned flags, enum save_mode mode,
                             struct rt_progress *p, struct err **e)
{
    struct dom_status ds;
    if (rt_status(st, name, &ds, e) < 0)
        return -1;
    if (ds.state != DOM_RUNNING && ds.state != DOM_PAUSED)
        return err_set(e, ERR_STATE, "Requested operation is not valid: domain is not running");
    AUTOFREE char *def = saved_definition(st, name, xml, e);
    if (!def)
        return -1;
    bool running = ds.state == DOM_RUNNING;
    uint32_t hflags = (flags & SAVE_RUNNING) || (!(flags & SAVE_PAUSED) && running)
                          ? SAVE_IMG_RUNNING : 0;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_sys(e, ERR_IO, "cannot create '%s'", path);
    bool keep = mode != SAVE_STOP;
    struct rt_mig m = { .uri = "fd", .fd = fd,
                        .flags = mode == SAVE_KEEP ? "resume why=snapshot"
                                 : mode == SAVE_KEEP_STOPPED ? "why=snapshot" : "why=saving",
                        .progress = p };
    int rc = save_write_head(fd, path, hflags, def, e);
    if (rc == 0)
        rc = rt_migrate_out(st, name, &m, e);
    if (rc == 0 && save_seal(fd, path, hflags, strlen(def), e) < 0) {
        resume_if(st, name, running && mode != SAVE_KEEP);
        rc = -1;
    }
    close(fd);
    if (rc < 0) {
        unlink(path);            /* never leave half an image behind */
        return -1;
    }
    return keep ? 0 : rt_migrate_finish(st, name, "saved", e);
}

int rt_save_memory(struct store *st, const char *name, const char *path, struct rt_progress *p,
                   struct err **e)
{
    return save_image_locked(st, name, path, NULL, 0, SAVE_KEEP, p, e);
}

int rt_save_memory_stopped(struct store *st, const char *name, const char *path,
                           struct rt_progress *p, struct err **e)
{
    return save_image_locked(st, name, path, NULL, 0, SAVE_KEEP_STOPPED, p, e);
}

int rt_save(struct store *st, const char *name, const char *path, const char *xml,
            unsigned flags, struct rt_progress *p, struct err **e)
{
    int lock = store_lock(st, name, false, e);
    if (lock < 0)
        return -1;
    int rc = save_image_locked(st, name, path, xml, flags, SAVE_STOP, p, e);
    store_unlock(lock);
    return rc;
}

/* the image's domain may come back as the persistent domain of that name
 * (same uuid) or as a transient one, never over another domain */
int restore_target_ok(struct store *st, const struct dnode *dom, bool *persistent,
                      struct err **e)
{
    const char *name = dom_name(dom);
    struct dom_status ds;
    if (rt_status(st, name, &ds, e) < 0)
        return -1;
    if (dom_state_active(ds.state))
        return err_set(e, ERR_STATE, "domain '%s' is already active", name);
    char uuid[37];
    *persistent = store_exists(st, name);
    if (*persistent && store_uuid(st, name, uuid) && strcmp(uuid, dom_uuid(dom)) != 0)
        return err_set(e, ERR_EXISTS, "domain '%s' is already defined with uuid %s", name, uuid);
    AUTOFREE char *owner = store_name_by_uuid(st, dom_uuid(dom));
    if (owner && strcmp(owner, name) != 0)
        return err_set(e, ERR_EXISTS, "domain '%s' already exists with uuid %s", owner,
                       dom_uuid(dom));
    return 0;
}

static struct dnode *restore_definition(const char *path, const struct save_image *img,
                                        const char *xml, struct err **e)
{
    struct dnode *saved = dom_load_string(img->xml, strlen(img->xml), path, NULL, e);
    if (!saved || !xml)
        return saved;
    struct dnode *alt = dom_load_string(xml, strlen(xml), "--xml", NULL, e);
    if (alt && (strcmp(dom_name(alt), dom_name(saved)) != 0 ||
                strcmp(dom_uuid(alt), dom_uuid(saved)) != 0)) {
        err_set(e, ERR_INVALID, "the XML given with --xml is not the saved domain '%s' (name "
                "and uuid must match)", dom_name(saved));
        dnode_free(alt);
        alt = NULL;
    }
    dnode_free(saved);
    return alt;
}

static int feed_image(struct store *st, const char *name, const char *path,
                      const struct save_image *img, bool paused, struct rt_progress *p,
                      struct err **e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || lseek(fd, (off_t)img->data_offset, SEEK_SET) < 0) {
        err_sys(e, ERR_IO, "cannot read '%s'", path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct rt_mig m = { .uri = "fd", .fd = fd, .flags = paused ? "paused" : "reason=restored",
                        .progress = p };
    int rc = rt_migrate_in(st, name, &m, e);
    close(fd);
    return rc;
}

static int restore_locked(struct store *st, const char *path, const struct save_image *img,
                          const struct dnode *dom, unsigned flags, struct rt_progress *p,
                          struct err **e)
{
    bool persistent = false;
    const char *name = dom_name(dom);
    if (restore_target_ok(st, dom, &persistent, e) < 0)
        return -1;
    int id;
    if (backend_start(st, dom, START_INCOMING | (persistent ? 0 : START_TRANSIENT), &id, e) < 0)
        return -1;
    bool paused = (flags & SAVE_PAUSED) ||
                  (!(flags & SAVE_RUNNING) && !(img->flags & SAVE_IMG_RUNNING));
    if (feed_image(st, name, path, img, paused, p, e) == 0)
        return 0;
    sup_op_destroy(st, name, NULL);     /* nothing half-restored stays */
    return -1;
}

int save_state_flags(bool running, bool paused, unsigned *flags, struct err **e)
{
    if (running && paused)
        return err_set(e, ERR_ARGS, "options --running and --paused are mutually exclusive");
    *flags = (running ? SAVE_RUNNING : 0) | (paused ? SAVE_PAUSED : 0);
    return 0;
}

int save_xml_arg(const char *file, char **xml, struct err **e)
{
    *xml = file ? read_file_max(file, 10u * 1024u * 1024u, NULL, e) : NULL;
    return file && !*xml ? -1 : 0;
}

int rt_restore_locked(struct store *st, const char *name, const char *path,
                      const struct dnode *def, unsigned flags, struct rt_progress *p,
                      struct err **e)
{
    struct save_image img;
    if (save_image_read(path, &img, e) < 0)
        return -1;
    struct dnode *dom = dom_load_string(img.xml, strlen(img.xml), path, NULL, e);
    int rc = -1;
    if (dom && strcmp(dom_name(dom), name) != 0)
        err_set(e, ERR_INVALID, "the image '%s' holds domain '%s', not '%s'", path,
                dom_name(dom), name);
    else if (dom)
        rc = restore_locked(st, path, &img, def ? def : dom, flags, p, e);
    dnode_free(dom);
    save_image_free(&img);
    return rc;
}

int rt_restore_managed(struct store *st, const char *name, unsigned flags,
                       struct rt_progress *p, struct err **e)
{
    AUTOFREE char *path = managed_save_path(st, name);
    struct save_image img;
    struct err *why = NULL;
    if (save_image_read(path, &img, &why) < 0) {
        err_set(e, why->code, "%s; 'start --force-boot' discards it", why->msg);
        err_free(why);
        return -1;
    }
    save_image_free(&img);
    if (rt_restore_locked(st, name, path, NULL, flags, p, e) < 0)
        return -1;
    return managed_save_remove(st, name, e);
}

int rt_managed_save(struct store *st, const char *name, unsigned flags, struct rt_progress *p,
                    struct err **e)
{
    if (!store_exists(st, name))
        return err_set(e, ERR_STATE, "cannot do managed save for transient domain");
    AUTOFREE char *path = managed_save_path(st, name);
    AUTOFREE char *dir = xasprintf("%s/save", st->config_dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return err_sys(e, ERR_IO, "cannot create '%s'", dir);
    return rt_save(st, name, path, NULL, flags, p, e);
}

int rt_restore(struct store *st, const char *path, const char *xml, unsigned flags,
               struct rt_progress *p, char **name, struct err **e)
{
    struct save_image img;
    if (save_image_read(path, &img, e) < 0)
        return -1;
    struct dnode *dom = restore_definition(path, &img, xml, e);
    int rc = -1, lock = dom ? store_lock(st, dom_name(dom), false, e) : -1;
    if (lock >= 0) {
        rc = restore_locked(st, path, &img, dom, flags, p, e);
        store_unlock(lock);
    }
    if (rc == 0)
        *name = xstrdup(dom_name(dom));
    dnode_free(dom);
    save_image_free(&img);
    return rc;
}
