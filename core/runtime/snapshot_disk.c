/* snapshot_disk.c: disk snapshots of a shut off domain, with qemu-img
 * (snapshot_disk.h).  QEMU does not run, so the image files are ours:
 *   internal  (qcow2 disks by default)  qemu-img snapshot -c / -a / -d
 *   external  (other formats, or --diskspec ...,snapshot=external)
 *             a qcow2 overlay FILE-stem.SNAP over the disk (qemu-img create
 *             -b); the config then points at the overlay.  Revert puts a
 *             fresh overlay over the same base; delete merges the overlay
 *             back (qemu-img commit) when it is the disk's active image. */
#include "snapshot_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../base/qmp.h"

static void drain(int fd, struct buf *b)
{
    char chunk[512];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            buf_addn(b, chunk, (size_t)n);
    close(fd);
}

/* run qemu-img ARGS (stdout into *out when out); its first stderr line
 * becomes the error */
int rt_qemu_img_out(char *const argv[], char **out, struct err **e)
{
    int o[2], p[2];
    if (pipe2(o, O_CLOEXEC) < 0 || pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, ERR_INTERNAL, "cannot create a pipe");
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(o[1], 1);
        dup2(p[1], 2);
        execvp("qemu-img", argv);
        dprintf(2, "cannot execute qemu-img: %s\n", strerror(errno));
        _exit(127);
    }
    close(o[1]);
    close(p[1]);
    struct buf so = {0}, se = {0};
    drain(o[0], &so);            /* small outputs: stdout first cannot block stderr */
    drain(p[0], &se);
    int st = 0;
    bool ok = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    char *msg = xstrdup(buf_str(&se));
    msg[strcspn(msg, "\n")] = '\0';
    if (!ok)
        err_set(e, ERR_BACKEND, "qemu-img %s failed: %s", argv[1], *msg ? msg : "no message");
    free(msg);
    buf_free(&se);
    if (ok && out)
        *out = buf_steal(&so);
    buf_free(&so);
    return ok ? 0 : -1;
}

static int qemu_img(char *const argv[], struct err **e)
{
    return rt_qemu_img_out(argv, NULL, e);
}

/* KEY of `qemu-img info --output=json FILE` (caller frees), or NULL */
char *snap_image_info(const char *file, const char *key, struct err **e)
{
    char *argv[] = { "qemu-img", "info", "-U", "--output=json", (char *)file, NULL };
    AUTOFREE char *json = NULL;
    char val[4096];
    if (rt_qemu_img_out(argv, &json, e) < 0)
        return NULL;
    if (!qjson_str(json, key, val, sizeof(val))) {
        err_set(e, ERR_INVALID, "'%s' has no %s", file, key);
        return NULL;
    }
    return xstrdup(val);
}

const char *snap_disk_format(const struct dnode *d)
{
    const char *t = dnode_attr(dnode_child(d, "driver"), "type");
    return t && *t ? t : "raw";
}

/* the writable file disks: device disk, a source file, not read-only */
bool snap_writable_disk(const struct dnode *d, const char **target, const char **file)
{
    const char *dev = dnode_attr(d, "device");
    *target = dnode_attr(dnode_child(d, "target"), "dev");
    *file = dnode_attr(dnode_child(d, "source"), "file");
    return (!dev || strcmp(dev, "disk") == 0) && !dnode_child(d, "readonly") && *target && *file;
}

static struct snap_disk *spec_for(struct snapshot *req, const char *target)
{
    for (size_t i = 0; i < req->ndisks; i++)
        if (strcmp(req->disks[i].name, target) == 0)
            return &req->disks[i];
    return NULL;
}

/* FILE's directory and stem + "." + SNAP: /img/vm.qcow2 -> /img/vm.s1 */
char *snap_overlay_path(const char *file, const char *snap)
{
    const char *slash = strrchr(file, '/'), *dot = strrchr(file, '.');
    size_t stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - file) : strlen(file);
    return xasprintf("%.*s.%s", (int)stem, file, snap);
}

int snap_overlay_create(struct dnode *d, const char *file, const char *over, struct err **e)
{
    char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", (char *)snap_disk_format(d),
                     "-b", (char *)file, (char *)over, NULL };
    if (access(over, F_OK) == 0)
        return err_set(e, ERR_EXISTS, "the overlay '%s' already exists", over);
    if (qemu_img(argv, e) < 0)
        return -1;
    dnode_set_attr(dnode_ensure(d, "source"), "file", over);
    dnode_set_attr(dnode_ensure(d, "driver"), "type", "qcow2");
    return 0;
}

/* one disk: internal or external per the request, recorded in req */
static int create_one(struct dnode *d, const char *target, const char *file, struct snapshot *req,
                      struct err **e)
{
    struct snap_disk *spec = spec_for(req, target);
    const char *mode = spec && spec->snapshot ? spec->snapshot
                       : strcmp(snap_disk_format(d), "qcow2") == 0 ? "internal" : "external";
    if (!spec)
        spec = snapshot_add_disk(req, target, NULL, NULL, NULL);
    if (!spec->snapshot)
        spec->snapshot = xstrdup(mode);
    if (strcmp(mode, "no") == 0)
        return 0;
    if (strcmp(mode, "internal") == 0) {
        if (strcmp(snap_disk_format(d), "qcow2") != 0)
            return err_set(e, ERR_UNSUPPORTED, "disk '%s' is %s: internal snapshots need qcow2",
                           target, snap_disk_format(d));
        char *argv[] = { "qemu-img", "snapshot", "-c", req->name, (char *)file, NULL };
        return qemu_img(argv, e);
    }
    if (!spec->file)
        spec->file = snap_overlay_path(file, req->name);
    free(spec->driver);
    spec->driver = xstrdup("qcow2");
    AUTOFREE char *base = xstrdup(file);
    return snap_overlay_create(d, base, spec->file, e);
}

int snap_disks_create(struct dnode *def, struct snapshot *req, bool *changed, struct err **e)
{
    struct dnode *devs = dnode_child(def, "devices");
    *changed = false;
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        struct dnode *d = dnode_nth(devs, "disk", i);
        const char *target, *file;
        if (!snap_writable_disk(d, &target, &file))
            continue;
        if (create_one(d, target, file, req, e) < 0)
            return -1;
        const struct snap_disk *spec = spec_for(req, target);
        *changed |= spec && spec->snapshot && strcmp(spec->snapshot, "external") == 0;
    }
    return 0;
}

bool snap_disks_any(const struct snapshot *s)
{
    for (size_t i = 0; i < s->ndisks; i++)
        if (s->disks[i].snapshot && strcmp(s->disks[i].snapshot, "no") != 0)
            return true;
    return false;
}

int snap_disks_check(const struct snapshot *s, const struct dnode *def, struct err **e)
{
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const char *target, *file;
        if (!snap_writable_disk(dnode_nth(devs, "disk", i), &target, &file))
            continue;
        const struct snap_disk *sd = spec_for((struct snapshot *)s, target);
        if (sd && sd->snapshot && strcmp(sd->snapshot, "no") != 0 && access(file, R_OK) != 0)
            return err_set(e, ERR_NOT_FOUND, "snapshot '%s': disk '%s' needs '%s', which is "
                           "missing", s->name, target, file);
    }
    return 0;
}

int snap_disks_revert(const struct snapshot *s, struct dnode *def, struct err **e)
{
    struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        struct dnode *d = dnode_nth(devs, "disk", i);
        const char *target, *file;
        if (!snap_writable_disk(d, &target, &file))
            continue;
        const struct snap_disk *sd = spec_for((struct snapshot *)s, target);
        if (!sd || !sd->snapshot || strcmp(sd->snapshot, "no") == 0)
            continue;
        if (strcmp(sd->snapshot, "internal") == 0) {
            char *argv[] = { "qemu-img", "snapshot", "-a", s->name, (char *)file, NULL };
            if (qemu_img(argv, e) < 0)
                return -1;
            continue;
        }
        /* def is the domain before the overlay: a fresh one over the same
         * base, under the snapshot's overlay name when that is free (so a
         * later delete merges it) */
        AUTOFREE char *base = xstrdup(file);
        AUTOFREE char *tag = xasprintf("%s-%lld", s->name, (long long)time(NULL));
        AUTOFREE char *over = sd->file && access(sd->file, F_OK) != 0 ? xstrdup(sd->file)
                              : snap_overlay_path(base, tag);
        if (snap_overlay_create(d, base, over, e) < 0)
            return -1;
    }
    return 0;
}

int snap_disks_delete(const struct snapshot *s, struct dnode *cur, bool *changed, struct err **e)
{
    struct dnode *devs = dnode_child(cur, "devices");
    *changed = false;
    for (size_t k = 0; k < s->ndisks; k++) {
        const struct snap_disk *sd = &s->disks[k];
        struct dnode *d = NULL;
        const char *target = NULL, *file = NULL;
        for (size_t i = 0; devs && i < dnode_count(devs, "disk") && !d; i++)
            if (snap_writable_disk(dnode_nth(devs, "disk", i), &target, &file) &&
                strcmp(target, sd->name) == 0)
                d = dnode_nth(devs, "disk", i);
        if (!sd->snapshot || strcmp(sd->snapshot, "no") == 0 || !d)
            continue;
        if (strcmp(sd->snapshot, "internal") == 0) {
            char *argv[] = { "qemu-img", "snapshot", "-d", s->name, (char *)file, NULL };
            if (qemu_img(argv, e) < 0)
                return -1;
        } else if (sd->file && strcmp(file, sd->file) == 0) {
            if (snap_disk_merge(d, sd->file, e) < 0)
                return -1;
            *changed = true;
        }
    }
    return 0;
}

int snap_disk_merge(struct dnode *d, const char *overlay, struct err **e)
{
    char *commit[] = { "qemu-img", "commit", "-q", (char *)overlay, NULL };
    AUTOFREE char *base = snap_image_info(overlay, "full-backing-filename", e);
    AUTOFREE char *fmt = base ? snap_image_info(overlay, "backing-filename-format", NULL) : NULL;
    if (!base || qemu_img(commit, e) < 0)
        return -1;
    dnode_set_attr(dnode_ensure(d, "source"), "file", base);
    dnode_set_attr(dnode_ensure(d, "driver"), "type", fmt ? fmt : "raw");
    if (unlink(overlay) < 0)
        return err_sys(e, ERR_IO, "merged, but cannot remove the overlay '%s'", overlay);
    return 0;
}

/* the writable disks of def, "TARGET=FILE;..." (caller frees) */
static char *disk_sig(const struct dnode *def)
{
    struct buf b = {0};
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const char *target, *file;
        if (snap_writable_disk(dnode_nth(devs, "disk", i), &target, &file))
            buf_printf(&b, "%s=%s;", target, file);
    }
    return buf_steal(&b);
}

bool snap_same_disks(const struct dnode *a, const struct dnode *b)
{
    if (!a || !b)
        return false;
    AUTOFREE char *x = disk_sig(a);
    AUTOFREE char *y = disk_sig(b);
    return strcmp(x, y) == 0;
}

const char *snap_file_of(const struct dnode *def, const char *target)
{
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const char *t, *file;
        if (snap_writable_disk(dnode_nth(devs, "disk", i), &t, &file) && strcmp(t, target) == 0)
            return file;
    }
    return NULL;
}

int snap_disks_supported(const struct dnode *def, const struct snapshot *req, struct err **e)
{
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const struct dnode *d = dnode_nth(devs, "disk", i);
        const char *dev = dnode_attr(d, "device"), *t, *f;
        const char *target = dnode_attr(dnode_child(d, "target"), "dev");
        if ((dev && strcmp(dev, "disk") != 0) || dnode_child(d, "readonly") || !target ||
            snap_writable_disk(d, &t, &f))
            continue;
        const struct snap_disk *sd = spec_for((struct snapshot *)req, target);
        if (!sd || !sd->snapshot || strcmp(sd->snapshot, "no") != 0)
            return err_set(e, ERR_UNSUPPORTED, "disk '%s' is writable and not a file: it cannot "
                           "be snapshotted (--diskspec %s,snapshot=no leaves it out)", target,
                           target);
    }
    return 0;
}
