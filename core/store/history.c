/* history.c: the kept versions of each domain's config (see history.h).
 * Files are written with write_file_atomic; the .txt of a change is
 * written last, so a change is listed only once its version is on disk. */
#include "history.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../xml/domain.h"
#include "../base/mem.h"

#define SUMMARY_MAX 200

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
static void drop_oldest(const char *dir, const unsigned *seqs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        AUTOFREE char *txt = entry_path(dir, seqs[i], "txt");
        AUTOFREE char *xml = entry_path(dir, seqs[i], "xml");
        unlink(txt);
        unlink(xml);
    }
}

static char *one_line(const char *s)
{
    char *t = xstrndup(s ? s : "", SUMMARY_MAX);
    for (char *p = t; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return t;
}

int history_record(struct store *st, const char *name, const char *old_xml,
                   const char *summary, struct err **e)
{
    AUTOFREE char *top = xasprintf("%s/history", st->config_dir);
    AUTOFREE char *dir = history_dir(st, name);
    if (make_dir(top, e) < 0 || make_dir(dir, e) < 0)
        return -1;
    AUTOFREE unsigned *seqs = NULL;
    size_t n;
    if (list_seqs(dir, &seqs, &n, e) < 0)
        return -1;
    unsigned seq = n ? seqs[n - 1] + 1 : 1;
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    AUTOFREE char *txt = entry_path(dir, seq, "txt");
    if (old_xml && write_file_atomic(xml, old_xml, strlen(old_xml), 0600, e) < 0)
        return -1;
    AUTOFREE char *line = one_line(summary);
    AUTOFREE char *info = xasprintf("%lld %s\n", (long long)time(NULL), line);
    if (write_file_atomic(txt, info, strlen(info), 0600, e) < 0)
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

int history_save(struct store *st, const struct dnode *dom, const char *summary,
                 struct err **e)
{
    const char *name = dom_name(dom);
    AUTOFREE char *old = store_exists(st, name) ? store_load_text(st, name, NULL) : NULL;
    AUTOFREE char *text = dom_format(dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    if (store_save(st, dom, e) < 0)
        return -1;       /* refused (e.g. a uuid of another domain): nothing to keep */
    if (old && strcmp(old, text) == 0)
        return 0;
    return history_keep(st, name, old, summary, e);
}

static int read_entry(const char *dir, unsigned seq, struct hist_entry *out, struct err **e)
{
    AUTOFREE char *txt = entry_path(dir, seq, "txt");
    AUTOFREE char *xml = entry_path(dir, seq, "xml");
    AUTOFREE char *info = read_file_max(txt, 4096, NULL, e);
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
    if (access(txt, F_OK) != 0) {
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
