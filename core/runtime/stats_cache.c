/* stats_cache.c: definitions kept between samples (see stats.h). */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cache_entry {
    char name[80];
    struct stat id;              /* of live.xml when the definition was read */
    bool used;                   /* since the last sweep */
    struct dom_stats def;
};

struct stats_cache {
    struct cache_entry **v;
    size_t n;
};

struct stats_cache *stats_cache_new(void)
{
    return xcalloc(1, sizeof(struct stats_cache));
}

void stats_cache_free(struct stats_cache *c)
{
    for (size_t i = 0; c && i < c->n; i++)
        free(c->v[i]);
    if (c)
        free(c->v);
    free(c);
}

void stats_cache_sweep(struct stats_cache *c)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i]->used) {
            c->v[i]->used = false;
            c->v[k++] = c->v[i];
        } else {
            free(c->v[i]);
        }
    }
    c->n = k;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static struct cache_entry *entry(struct stats_cache *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i]->name, name) == 0)
            return c->v[i];
    c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
    struct cache_entry *n = xcalloc(1, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s", name);
    return c->v[c->n++] = n;
}

int stats_collect_cached(struct stats_cache *c, struct store *st, const char *name,
                         const struct dom_status *status, unsigned groups, int timeout_ms,
                         struct dom_stats *out, struct err **e)
{
    AUTOFREE char *live = xasprintf("%s/%s/" RUNF_LIVE, st->run_dir, name);
    struct stat now;
    struct cache_entry *ce = entry(c, name);
    ce->used = true;
    bool known = stat(live, &now) == 0;
    if (!known || !same_file(&now, &ce->id) || !ce->def.active) {
        if (stats_definition(st, name, status, &ce->def, e) < 0) {
            ce->def.active = false;
            return -1;
        }
        ce->id = now;
    }
    *out = ce->def;
    out->status = *status;
    stats_live(st, out, groups, timeout_ms);
    return 0;
}
