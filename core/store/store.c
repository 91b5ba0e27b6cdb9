/* store.c: the durable per-URI store (see store.h for the layout).
 * Every write is atomic (.new, fsync, rename, fsync dir) so a crash leaves
 * the old or the new file, never a mix.  Listing never parses XML: names
 * come from file names (names.c), so `list --all` stays cheap with
 * thousands of domains. */
#include "store.h"
#include "../xml/domain.h"
#include "../base/fsutil.h"
#include "../base/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- roots ---------------------------------------------------------- */

static const char *uri_driver(const char *uri, enum store_driver *drv)
{
    static const struct { const char *uri; enum store_driver drv; } known[] = {
        {"qemu:///system", DRIVER_QEMU},
        {"qemu:///session", DRIVER_QEMU},
        {"test:///default", DRIVER_TEST},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(uri, known[i].uri) == 0) {
            *drv = known[i].drv;
            return known[i].uri;
        }
    return NULL;
}

static char *xdg_dir(const char *var, const char *fallback_under_home)
{
    const char *v = getenv(var);
    if (v && *v == '/')
        return xstrdup(v);
    const char *home = getenv("HOME");
    return xasprintf("%s/%s", home && *home ? home : "/", fallback_under_home);
}

/* /tmp/domsh-$UID: ours and 0700, or refused (another user could plant links) */
static char *private_tmp_dir(struct err **e)
{
    char *dir = xasprintf("/tmp/domsh-%u", (unsigned)getuid());
    struct stat sb;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        err_sys(e, ERR_IO, "cannot create directory '%s'", dir);
        free(dir);
        return NULL;
    }
    if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != getuid() ||
        (sb.st_mode & 077)) {
        err_set(e, ERR_IO, "refusing runtime directory '%s': not a private directory owned by uid %u",
                dir, (unsigned)getuid());
        free(dir);
        return NULL;
    }
    return dir;
}

static int set_roots(struct store *st, const char *root, struct err **e)
{
    const char *drv = store_driver_name(st);
    if (root && *root) {
        st->config_dir = xasprintf("%s/config/%s", root, drv);
        st->run_dir = xasprintf("%s/run/%s", root, drv);
        st->log_dir = xasprintf("%s/log/%s", root, drv);
        return 0;
    }
    if (getuid() == 0) {
        st->config_dir = xasprintf("/etc/domsh/%s", drv);
        st->run_dir = xasprintf("/run/domsh/%s", drv);
        st->log_dir = xasprintf("/var/log/domsh/%s", drv);
        return 0;
    }
    AUTOFREE char *cfg = xdg_dir("XDG_CONFIG_HOME", ".config");
    AUTOFREE char *state = xdg_dir("XDG_STATE_HOME", ".local/state");
    const char *xrun = getenv("XDG_RUNTIME_DIR");
    AUTOFREE char *run = xrun && *xrun == '/' ? xasprintf("%s/domsh", xrun) : private_tmp_dir(e);
    if (!run)
        return -1;
    st->config_dir = xasprintf("%s/domsh/%s", cfg, drv);
    st->run_dir = xasprintf("%s/%s", run, drv);
    st->log_dir = xasprintf("%s/domsh/%s/log", state, drv);
    return 0;
}

struct store *store_open(const char *uri, struct err **e)
{
    return store_open_at(uri, getenv("DOMSH_ROOT"), e);
}

struct store *store_open_at(const char *uri, const char *root, struct err **e)
{
    if (!uri || !*uri)
        uri = getenv("DOMSH_DEFAULT_URI");
    if (!uri || !*uri)
        uri = getuid() == 0 ? "qemu:///system" : "qemu:///session";
    enum store_driver drv;
    const char *canon = uri_driver(uri, &drv);
    if (!canon) {
        err_set(e, ERR_ARGS, "no connection driver available for '%s' "
                "(known: qemu:///system, qemu:///session, test:///default)", uri);
        return NULL;
    }
    struct store *st = xcalloc(1, sizeof(*st));
    st->uuid_lock = -1;
    st->staged_fd = -1;
    st->uri = xstrdup(canon);
    st->driver = drv;
    if (set_roots(st, root, e) < 0) {
        store_close(st);
        return NULL;
    }
    return st;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    free(st->uri);
    free(st->config_dir);
    free(st->run_dir);
    free(st->log_dir);
    free(st);
}

const char *store_driver_name(const struct store *st)
{
    return st->driver == DRIVER_TEST ? "test" : "qemu";
}

/* the config dir, created on the first write */
static int ensure_config_dir(struct store *st, struct err **e)
{
    if (access(st->config_dir, F_OK) == 0)
        return 0;
    return mkdir_p(st->config_dir, 0700, e);
}

/* ---- names and lookup ----------------------------------------------- */

/* a name that cannot escape the config dir; anything else simply does not exist */
bool store_name_safe(const char *name)
{
    return dom_name_valid(name, NULL);    /* the one name rule (domain.h) */
}

static char *xml_path(const struct store *st, const char *name)
{
    return xasprintf("%s/%s.xml", st->config_dir, name);
}

/* the uuid index lives beside the XML files so that one fsync of the
 * config dir makes a define durable, link included */
static char *uuid_link_path(const struct store *st, const char *canon_uuid)
{
    return xasprintf("%s/%s.uuid", st->config_dir, canon_uuid);
}

bool store_exists(struct store *st, const char *name)
{
    if (!store_name_safe(name))
        return false;
    AUTOFREE char *path = xml_path(st, name);
    return access(path, F_OK) == 0;
}

/* canonical lower-case 8-4-4-4-12 form of a 32-hex uuid (dashes optional) */
static bool uuid_canon(const char *s, char out[37])
{
    unsigned char raw[16];
    if (!uuid_parse(s, raw))
        return false;
    uuid_format(raw, out);
    return true;
}

char *store_name_by_uuid(struct store *st, const char *uuid)
{
    char canon[37];
    if (!uuid_canon(uuid, canon))
        return NULL;
    AUTOFREE char *link = uuid_link_path(st, canon);
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    /* a link left by a crash between the link and the XML is stale */
    return store_exists(st, target) ? xstrdup(target) : NULL;
}

/* ---- locks ---------------------------------------------------------- */

/* RUN/.locks: beside the run state, not in the config dir, so listing
 * the config dir reads only configs (the dot hides it from the run dir's
 * listing of domains) */
static int open_lock(struct store *st, const char *path, struct err **e)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        AUTOFREE char *dir = xasprintf("%s/.locks", st->run_dir);
        if (mkdir_p(dir, 0700, e) < 0)
            return -1;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0)
        return err_sys(e, ERR_IO, "cannot open lock '%s'", path);
    return fd;
}

int store_lock(struct store *st, const char *name, bool wait, struct err **e)
{
    if (!store_name_safe(name))
        return err_set(e, ERR_ARGS, "invalid domain name '%s'", name);
    AUTOFREE char *path = xasprintf("%s/.locks/%s", st->run_dir, name);
    int fd = open_lock(st, path, e);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno == EINTR)
            continue;
        int saved = errno;
        close(fd);
        if (saved == EWOULDBLOCK)
            return err_set(e, ERR_BUSY, "another shell is changing domain '%s'", name);
        errno = saved;
        return err_sys(e, ERR_IO, "cannot lock '%s'", path);
    }
    return fd;
}

void store_unlock(int fd)
{
    if (fd >= 0)
        close(fd);   /* closing the only descriptor releases the flock */
}

/* ---- load, save, remove --------------------------------------------- */

char *store_load_text(struct store *st, const char *name, struct err **e)
{
    if (!store_name_safe(name)) {
        err_set(e, ERR_NOT_FOUND, "domain '%s' is not defined", name);
        return NULL;
    }
    AUTOFREE char *path = xml_path(st, name);
    struct err *rerr = NULL;
    char *text = read_file_max(path, DOM_MAX_XML, NULL, &rerr);
    if (!text && rerr->code == ERR_NOT_FOUND)
        err_set(e, ERR_NOT_FOUND, "domain '%s' is not defined", name);
    else if (!text)
        err_set(e, rerr->code, "%s", rerr->msg);
    err_free(rerr);
    return text;
}

struct dnode *store_load(struct store *st, const char *name, struct err **e)
{
    size_t len = 0;
    AUTOFREE char *path = xml_path(st, name);
    if (!store_exists(st, name)) {
        err_set(e, ERR_NOT_FOUND, "domain '%s' is not defined", name);
        return NULL;
    }
    AUTOFREE char *text = read_file_max(path, DOM_MAX_XML, &len, e);
    return text ? dom_load_string(text, len, path, NULL, e) : NULL;
}

/* uuid of a stored domain, read from its canonical file without parsing */
bool store_uuid(struct store *st, const char *name, char out[37])
{
    AUTOFREE char *text = store_load_text(st, name, NULL);
    const char *p = text ? strstr(text, "<uuid>") : NULL;
    if (!p)
        return false;
    p += strlen("<uuid>");
    const char *q = strstr(p, "</uuid>");
    if (!q || q - p > 40)
        return false;
    AUTOFREE char *raw = xstrndup(p, (size_t)(q - p));
    return uuid_canon(raw, out);
}

static int check_duplicates(struct store *st, const char *name, const char *uuid,
                            struct err **e)
{
    AUTOFREE char *owner = store_name_by_uuid(st, uuid);
    if (owner && strcmp(owner, name) != 0)
        return err_set(e, ERR_EXISTS, "operation failed: domain '%s' is already defined with "
                       "uuid %s", owner, uuid);
    char old[37];
    if (!owner && store_exists(st, name) && store_uuid(st, name, old) &&
        strcmp(old, uuid) != 0)
        return err_set(e, ERR_EXISTS, "operation failed: domain '%s' already exists with uuid %s",
                       name, old);
    return 0;
}

static int link_atomic(const char *target, const char *link, struct err **e)
{
    if (symlink(target, link) == 0)
        return 0;
    AUTOFREE char *tmp = xasprintf("%s.new", link);
    unlink(tmp);
    if (symlink(target, tmp) < 0 || rename(tmp, link) < 0) {
        err_sys(e, ERR_IO, "cannot create link '%s'", link);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int store_check_save(struct store *st, const struct dnode *dom, char canon[37], struct err **e)
{
    const char *name = dom_name(dom), *uuid = dom_uuid(dom);
    if (!dom_name_valid(name, e))
        return -1;
    if (!uuid || !uuid_canon(uuid, canon))
        return err_set(e, ERR_INVALID, "domain '%s' has no valid uuid", name);
    if (st->check_shape && st->check_shape(dom, e) < 0)
        return -1;
    return check_duplicates(st, name, canon, e);
}

/* The caller holds NAME's lock, but two shells defining two names with one
 * uuid hold two different locks: the duplicate check and the claim of the
 * uuid (its link, then the XML, until the rename) happen under one
 * store-wide lock, held for that short moment only (CONFIG/.uuid.lock: no
 * name starts with '.') */
static int uuid_lock(struct store *st, struct err **e)
{
    AUTOFREE char *path = xasprintf("%s/.uuid.lock", st->config_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_sys(e, ERR_IO, "cannot open '%s'", path);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            close(fd);
            return err_sys(e, ERR_IO, "cannot lock '%s'", path);
        }
    return fd;
}

static void uuid_unlock(struct store *st)
{
    if (st->uuid_lock >= 0)
        close(st->uuid_lock);     /* releases the flock */
    st->uuid_lock = -1;
}

/* check, then write: the uuid link first (until the XML exists it is
 * ignored as stale), then CONFIG/NAME.xml.new: the one data write of a
 * change, synced by store_stage_sync.  The uuid lock stays held until
 * store_commit/store_unstage. */
int store_stage(struct store *st, const struct dnode *dom, struct err **e)
{
    if (ensure_config_dir(st, e) < 0 || (st->uuid_lock = uuid_lock(st, e)) < 0)
        return -1;
    const char *name = dom_name(dom);
    char canon[37];
    if (store_check_save(st, dom, canon, e) < 0) {
        uuid_unlock(st);
        return -1;
    }
    AUTOFREE char *link = uuid_link_path(st, canon);
    AUTOFREE char *path = xasprintf("%s/%s.xml.new", st->config_dir, name);
    AUTOFREE char *text = dom_format(dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    if (link_atomic(name, link, e) < 0 ||
        (st->staged_fd = write_unsynced(path, text, strlen(text), 0600, e)) < 0) {
        uuid_unlock(st);
        return -1;
    }
    return 0;
}

int store_stage_sync(struct store *st, const char *name, int along_fd, struct err **e)
{
    int rc = fsync_pair(st->staged_fd, along_fd);
    close(st->staged_fd);
    st->staged_fd = -1;
    if (rc == 0)
        return 0;
    err_sys(e, ERR_IO, "cannot write '%s/%s.xml.new'", st->config_dir, name);
    store_unstage(st, name);
    return -1;
}

/* the rename, then the fsync of the config dir: covers the link and the
 * history's hard link made meanwhile */
int store_commit(struct store *st, const char *name, struct err **e)
{
    AUTOFREE char *path = xml_path(st, name);
    AUTOFREE char *tmp = xasprintf("%s.new", path);
    int rc = rename_synced(tmp, path, e);
    uuid_unlock(st);
    return rc;
}

void store_unstage(struct store *st, const char *name)
{
    if (st->staged_fd >= 0)
        close(st->staged_fd);
    st->staged_fd = -1;
    AUTOFREE char *tmp = xasprintf("%s/%s.xml.new", st->config_dir, name);
    unlink(tmp);
    uuid_unlock(st);
}

char *store_config_path(const struct store *st, const char *name)
{
    return xml_path(st, name);
}

int store_save(struct store *st, const struct dnode *dom, struct err **e)
{
    if (store_stage(st, dom, e) < 0 || store_stage_sync(st, dom_name(dom), -1, e) < 0)
        return -1;
    return store_commit(st, dom_name(dom), e);
}

int store_remove(struct store *st, const char *name, struct err **e)
{
    char uuid[37];
    bool have_uuid = store_uuid(st, name, uuid);
    AUTOFREE char *path = xml_path(st, name);
    if (!store_exists(st, name))
        return err_set(e, ERR_NOT_FOUND, "domain '%s' is not defined", name);
    if (unlink(path) < 0)
        return err_sys(e, ERR_IO, "cannot remove '%s'", path);
    if (fsync_dir_of(path) < 0)
        return err_sys(e, ERR_IO, "cannot sync '%s'", st->config_dir);
    /* the indexes follow the XML; a leftover link is ignored as stale */
    AUTOFREE char *auto_link = xasprintf("%s/autostart/%s", st->config_dir, name);
    unlink(auto_link);
    if (have_uuid) {
        AUTOFREE char *link = uuid_link_path(st, uuid);
        unlink(link);
    }
    return 0;
}

char *store_live_text(struct store *st, const char *name)
{
    if (!store_name_safe(name))
        return NULL;
    AUTOFREE char *path = xasprintf("%s/%s/" RUNF_LIVE, st->run_dir, name);
    return read_file_max(path, DOM_MAX_XML, NULL, NULL);
}

/* ---- autostart ------------------------------------------------------ */

bool store_autostart(struct store *st, const char *name)
{
    if (!store_name_safe(name))
        return false;
    AUTOFREE char *link = xasprintf("%s/autostart/%s", st->config_dir, name);
    struct stat sb;
    return lstat(link, &sb) == 0;
}

int store_set_autostart(struct store *st, const char *name, bool on, struct err **e)
{
    if (!store_exists(st, name))
        return err_set(e, ERR_NOT_FOUND, "domain '%s' is not defined", name);
    AUTOFREE char *dir = xasprintf("%s/autostart", st->config_dir);
    if (on && mkdir_p(dir, 0700, e) < 0)
        return -1;
    AUTOFREE char *link = xasprintf("%s/autostart/%s", st->config_dir, name);
    AUTOFREE char *target = xasprintf("../%s.xml", name);
    if (on && link_atomic(target, link, e) < 0)
        return -1;
    if (!on && unlink(link) < 0 && errno != ENOENT)
        return err_sys(e, ERR_IO, "cannot remove '%s'", link);
    if (fsync_dir_of(link) < 0)
        return err_sys(e, ERR_IO, "cannot sync '%s/autostart'", st->config_dir);
    return 0;
}
