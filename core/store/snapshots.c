/* snapshots.c: snapshot metadata files (snapshots.h). */
#include "snapshots.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_FILE_MAX (10u * 1024u * 1024u)

char *snap_dir(const struct store *st, const char *dom)
{
    return xasprintf("%s/snapshot/%s", st->config_dir, dom);
}

int snap_name_check(const char *snap, struct err **e)
{
    if (!snap || !store_name_safe(snap))
        return err_set(e, ERR_ARGS, "invalid snapshot name '%s': use 1-64 of A-Z a-z 0-9 _ . + -, "
                       "not starting with '.' or '-'", snap ? snap : "");
    return 0;
}

static char *snap_path(const struct store *st, const char *dom, const char *snap)
{
    return xasprintf("%s/snapshot/%s/%s.xml", st->config_dir, dom, snap);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int snap_list(struct store *st, const char *dom, struct strv *names, struct err **e)
{
    AUTOFREE char *dir = snap_dir(st, dom);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : err_sys(e, ERR_IO, "cannot read '%s'", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".xml") == 0) {
            AUTOFREE char *name = xstrndup(de->d_name, n - 4);
            if (store_name_safe(name))
                strv_push(names, name);
        }
    }
    closedir(d);
    if (names->n > 1)
        qsort(names->v, names->n, sizeof(*names->v), cmp_str);
    return 0;
}

bool snap_any(struct store *st, const char *dom)
{
    struct strv v = {0};
    snap_list(st, dom, &v, NULL);
    bool any = v.n > 0;
    strv_free(&v);
    return any;
}

bool snap_exists(struct store *st, const char *dom, const char *snap)
{
    if (!store_name_safe(snap))
        return false;
    AUTOFREE char *path = snap_path(st, dom, snap);
    return access(path, F_OK) == 0;
}

struct snapshot *snap_load(struct store *st, const char *dom, const char *snap, struct err **e)
{
    if (!snap_exists(st, dom, snap)) {
        err_set(e, ERR_NOT_FOUND, "Domain snapshot not found: no domain snapshot with matching "
                "name '%s'", snap);
        return NULL;
    }
    AUTOFREE char *path = snap_path(st, dom, snap);
    size_t len;
    AUTOFREE char *text = read_file_max(path, SNAP_FILE_MAX, &len, e);
    return text ? snapshot_parse(text, len, path, e) : NULL;
}

int snap_dir_make(const struct store *st, const char *dom, struct err **e)
{
    AUTOFREE char *top = xasprintf("%s/snapshot", st->config_dir);
    AUTOFREE char *dir = snap_dir(st, dom);
    if ((mkdir(top, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
        return err_sys(e, ERR_IO, "cannot create '%s'", dir);
    return 0;
}

int snap_save(struct store *st, const char *dom, const struct snapshot *s, struct err **e)
{
    if (snap_name_check(s->name, e) < 0 || snap_dir_make(st, dom, e) < 0)
        return -1;
    AUTOFREE char *path = snap_path(st, dom, s->name);
    AUTOFREE char *text = snapshot_format(s, true);
    return write_file_atomic(path, text, strlen(text), 0600, e);
}

int snap_remove(struct store *st, const char *dom, const char *snap, struct err **e)
{
    AUTOFREE char *path = snap_path(st, dom, snap);
    if (unlink(path) < 0 && errno != ENOENT)
        return err_sys(e, ERR_IO, "cannot remove '%s'", path);
    return 0;
}

char *snap_current(struct store *st, const char *dom)
{
    AUTOFREE char *path = xasprintf("%s/snapshot/%s/current", st->config_dir, dom);
    char *name = read_file_max(path, 256, NULL, NULL);
    if (name)
        name[strcspn(name, "\n")] = '\0';
    if (name && !snap_exists(st, dom, name)) {
        free(name);
        return NULL;
    }
    return name;
}

int snap_set_current(struct store *st, const char *dom, const char *snap, struct err **e)
{
    AUTOFREE char *path = xasprintf("%s/snapshot/%s/current", st->config_dir, dom);
    if (!snap) {
        if (unlink(path) < 0 && errno != ENOENT)
            return err_sys(e, ERR_IO, "cannot remove '%s'", path);
        return 0;
    }
    if (snap_dir_make(st, dom, e) < 0)
        return -1;
    AUTOFREE char *text = xasprintf("%s\n", snap);
    return write_file_atomic(path, text, strlen(text), 0600, e);
}

int snap_remove_all(struct store *st, const char *dom, struct err **e)
{
    struct strv names = {0};
    int rc = snap_list(st, dom, &names, e);
    for (size_t i = 0; rc == 0 && i < names.n; i++)
        rc = snap_remove(st, dom, names.v[i], e);
    strv_free(&names);
    if (rc == 0)
        rc = snap_set_current(st, dom, NULL, e);
    AUTOFREE char *dir = snap_dir(st, dom);
    if (rc == 0)
        rmdir(dir);              /* memory images the user placed there stay, and so does it */
    return rc;
}
