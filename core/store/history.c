/* history.c: the kept versions of each domain's config (see history.h).
 * A change writes no second copy of anything: the replaced config is kept
 * by a hard link to its file (its data was synced when it was written),
 * and the change's line "EPOCH SUMMARY" is the target of the SEQ.txt
 * symlink (metadata only).  Both are made before the new config is
 * renamed into place, so one commit carries config and history; the .txt
 * comes last, so a change is listed only once its version is there.
 * Entries written by older versions (.txt and .xml as regular files)
 * read the same. */
#include "history.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../xml/domain.h"
#include "../base/mem.h"

#define SUMMARY_MAX 200
#define EXT4_MAGIC 0xEF53          /* also ext2 and ext3 */
#define XFS_MAGIC 0x58465342
#define TMPFS_MAGIC 0x01021994

char *history_dir(struct store *st, const char *name)
{
    return xasprintf("%s/history/%s", st->config_dir, name);
}

static int make_dir(const char *path, struct err **e)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return err_sys(e, ERR_IO, "cannot create '%s'", path);
    return 0;
}

/* sequence numbers of the kept changes, ascending */
static int list_seqs(const char *dir, unsigned **seqs, size_t *n, struct err **e)
{
    *seqs = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : err_sys(e, ERR_IO, "cannot read '%s'", dir);
    size_t cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        char *end;
        unsigned long v = strtoul(de->d_name, &end, 10);
        if (end == de->d_name || strcmp(end, ".txt") != 0 || v == 0 || v > 99999999)
            continue;
        xgrow(seqs, &cap, *n + 1, sizeof(**seqs));
        (*seqs)[(*n)++] = (unsigned)v;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++)          /* insertion sort: a few dozen entries */
        for (size_t k = i; k > 0 && (*seqs)[k - 1] > (*seqs)[k]; k--) {
            unsigned t = (*seqs)[k];
            (*seqs)[k] = (*seqs)[k - 1];
            (*seqs)[k - 1] = t;
        }
    return 0;
}

static char *entry_path(const char *dir, unsigned seq, const char *ext)
{
    return xasprintf("%s/%06u.%s", dir, seq, ext);
}

/* remove the first COUNT (oldest) changes */
static void drop_entry(const char *dir, unsigned seq)
{
    AUTOFREE char *txt = entry_path(dir, seq, "txt");
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    unlink(txt);
    unlink(xml);
}

static void drop_oldest(const char *dir, const unsigned *seqs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        drop_entry(dir, seqs[i]);
}

static char *one_line(const char *s)
{
    char *t = xstrndup(s ? s : "", SUMMARY_MAX);
    for (char *p = t; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return t;
}

/* the history dir of NAME, created, and the next sequence number */
static int next_seq(struct store *st, const char *name, char **dir, unsigned **seqs, size_t *n,
                    unsigned *seq, struct err **e)
{
    AUTOFREE char *top = xasprintf("%s/history", st->config_dir);
    *dir = history_dir(st, name);
    *seqs = NULL;
    if (make_dir(top, e) < 0 || make_dir(*dir, e) < 0 || list_seqs(*dir, seqs, n, e) < 0)
        return -1;
    *seq = *n ? (*seqs)[*n - 1] + 1 : 1;
    return 0;
}

static int write_info(const char *dir, unsigned seq, const char *summary, struct err **e)
{
    AUTOFREE char *txt = entry_path(dir, seq, "txt");
    AUTOFREE char *line = one_line(summary);
    AUTOFREE char *info = xasprintf("%lld %s", (long long)time(NULL), line);
    if (symlink(info, txt) < 0)
        return err_sys(e, ERR_IO, "cannot create '%s'", txt);
    return 0;
}

/* does one sync of the config dir make the history entry durable too?
 * On a journalling file system that commits metadata changes in order
 * (ext3/ext4 with a journal, xfs) it does: the entry was made before the
 * config's rename, so it is in the same or an earlier commit; tmpfs keeps
 * nothing anyway.  Elsewhere (ext2, btrfs's per-inode log, nfs...) the
 * history dir gets its own sync. */
static bool ordered_metadata(const char *dir)
{
    struct statfs sf;
    struct stat sb;
    if (statfs(dir, &sf) < 0 || stat(dir, &sb) < 0)
        return false;
    if (sf.f_type == XFS_MAGIC || sf.f_type == TMPFS_MAGIC)
        return true;
    if (sf.f_type != EXT4_MAGIC)
        return false;
    /* ext2 shares the magic: a journal shows as /proc/fs/jbd2/DEV-8 */
    char link[PATH_MAX], *name;
    AUTOFREE char *sys = xasprintf("/sys/dev/block/%u:%u", major(sb.st_dev), minor(sb.st_dev));
    ssize_t n = readlink(sys, link, sizeof(link) - 1);
    if (n <= 0)
        return false;
    link[n] = '\0';
    name = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
    AUTOFREE char *jbd = xasprintf("/proc/fs/jbd2/%s-8", name);
    return access(jbd, F_OK) == 0;
}

static int sync_dir(const char *dir, struct err **e)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 ? fsync(fd) : -1;
    if (fd >= 0)
        close(fd);
    return rc < 0 ? err_sys(e, ERR_IO, "cannot sync '%s'", dir) : 0;
}

int history_record(struct store *st, const char *name, const char *old_xml,
                   const char *summary, struct err **e)
{
    AUTOFREE char *dir = NULL;
    AUTOFREE unsigned *seqs = NULL;
    size_t n;
    unsigned seq;
    if (next_seq(st, name, &dir, &seqs, &n, &seq, e) < 0)
        return -1;
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    if (old_xml && write_file_atomic(xml, old_xml, strlen(old_xml), 0600, e) < 0)
        return -1;
    if (write_info(dir, seq, summary, e) < 0 || sync_dir(dir, e) < 0)
        return -1;
    if (n + 1 > HISTORY_MAX)
        drop_oldest(dir, seqs, n + 1 - HISTORY_MAX);
    return 0;
}

int history_keep(struct store *st, const char *name, const char *old_xml,
                 const char *summary, struct err **e)
{
    if (history_record(st, name, old_xml, summary, e) == 0)
        return 0;
    err_prefix(e, "the config of '%s' is saved, but its history entry is not: ", name);
    return -1;
}

/* the entry of a change whose new config is staged: the current config
 * (if any) by a hard link, then the line */
static int link_entry(struct store *st, const char *dir, unsigned seq, const char *name,
                      bool has_old, const char *summary, struct err **e)
{
    AUTOFREE char *cur = store_config_path(st, name);
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    if (has_old && link(cur, xml) < 0) {
        if (errno != EPERM && errno != EXDEV && errno != EMLINK && errno != ENOTSUP)
            return err_sys(e, ERR_IO, "cannot link '%s'", xml);
        /* no hard links here: a copy, as before */
        AUTOFREE char *old = read_file_max(cur, DOM_MAX_XML, NULL, e);
        if (!old || write_file_atomic(xml, old, strlen(old), 0600, e) < 0)
            return -1;
    }
    return write_info(dir, seq, summary, e);
}

int history_commit(struct store *st, const struct dnode *dom, const char *old,
                   const char *summary, struct err **e)
{
    const char *name = dom_name(dom);
    AUTOFREE char *text = dom_format(dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    /* nothing changed: the stored file already is this, durably; writing
     * it again would only move CONFIG's times (and void the kept listing) */
    if (old && strcmp(old, text) == 0)
        return 0;
    AUTOFREE char *dir = NULL;
    AUTOFREE unsigned *seqs = NULL;
    size_t n;
    unsigned seq;
    if (store_stage(st, dom, e) < 0)
        return -1;       /* refused (e.g. a uuid of another domain): nothing to keep */
    if (next_seq(st, name, &dir, &seqs, &n, &seq, e) < 0 ||
        link_entry(st, dir, seq, name, old != NULL, summary, e) < 0) {
        store_unstage(st, name);
        return -1;
    }
    /* the entry is durable before the config is replaced: by the config
     * dir's own sync where metadata is committed in order, else by a
     * sync of its dir that runs beside the new config's (one wait) */
    int hfd = ordered_metadata(dir) ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = store_stage_sync(st, name, hfd, e);
    if (hfd >= 0)
        close(hfd);
    if (rc < 0) {
        drop_entry(dir, seq);
        return -1;
    }
    if (store_commit(st, name, e) < 0)
        return -1;
    if (n + 1 > HISTORY_MAX)
        drop_oldest(dir, seqs, n + 1 - HISTORY_MAX);
    return 0;
}

int history_save(struct store *st, const struct dnode *dom, const char *summary,
                 struct err **e)
{
    const char *name = dom_name(dom);
    AUTOFREE char *old = store_exists(st, name) ? store_load_text(st, name, NULL) : NULL;
    return history_commit(st, dom, old, summary, e);
}

/* "EPOCH SUMMARY": the .txt symlink's target, or an older entry's file */
static char *read_info(const char *txt, struct err **e)
{
    char buf[SUMMARY_MAX + 64];
    ssize_t n = readlink(txt, buf, sizeof(buf) - 1);
    if (n >= 0) {
        buf[n] = '\0';
        return xstrdup(buf);
    }
    return read_file_max(txt, 4096, NULL, e);
}

static bool entry_exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static int read_entry(const char *dir, unsigned seq, struct hist_entry *out, struct err **e)
{
    AUTOFREE char *txt = entry_path(dir, seq, "txt");
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    AUTOFREE char *info = read_info(txt, e);
    if (!info)
        return -1;
    char *sp = strchr(info, ' ');
    char *nl = strchr(info, '\n');
    if (nl)
        *nl = '\0';
    out->seq = seq;
    out->when = strtoll(info, NULL, 10);
    out->summary = xstrdup(sp ? sp + 1 : "");
    out->has_xml = access(xml, F_OK) == 0;
    return 0;
}

int history_entries(struct store *st, const char *name, struct hist_entry **out, size_t *n,
                    struct err **e)
{
    AUTOFREE char *dir = history_dir(st, name);
    AUTOFREE unsigned *seqs = NULL;
    size_t ns;
    *out = NULL;
    *n = 0;
    if (list_seqs(dir, &seqs, &ns, e) < 0)
        return -1;
    *out = xcalloc(ns ? ns : 1, sizeof(**out));
    for (size_t i = 0; i < ns; i++) {
        if (read_entry(dir, seqs[i], &(*out)[*n], e) < 0) {
            history_free(*out, *n);
            *out = NULL;
            *n = 0;
            return -1;
        }
        (*n)++;
    }
    return 0;
}

void history_free(struct hist_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].summary);
    free(v);
}

char *history_load(struct store *st, const char *name, unsigned seq, struct err **e)
{
    AUTOFREE char *dir = history_dir(st, name);
    AUTOFREE char *txt = entry_path(dir, seq, "txt");
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    if (!entry_exists(txt)) {
        err_set(e, ERR_NOT_FOUND, "domain '%s' has no config version %u (see config-history)",
                name, seq);
        return NULL;
    }
    if (access(xml, F_OK) != 0) {
        err_set(e, ERR_NOT_FOUND,
                "version %u of domain '%s' is empty: change %u created the domain", seq, name,
                seq);
        return NULL;
    }
    return read_file_max(xml, 16u * 1024u * 1024u, NULL, e);
}
