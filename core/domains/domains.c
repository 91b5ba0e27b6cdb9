/* domains.c: resolving what the user typed to a domain, and listing
 * domains with their states (domains.h). */
#include "domains.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

unsigned domains_state_class(enum dom_state s)
{
    switch (s) {
    case DOM_NOSTATE:
    case DOM_SHUTOFF:
        return ST_SHUTOFF;
    case DOM_RUNNING:
    case DOM_BLOCKED:
        return ST_RUNNING;
    case DOM_PAUSED:
        return ST_PAUSED;
    default:
        return dom_state_active(s) ? ST_OTHER : ST_SHUTOFF;
    }
}

static void set_add(struct domain_set *s, size_t *cap, char *name, const struct dom_status *st,
                    bool persistent)
{
    xgrow(&s->v, cap, s->n + 1, sizeof(*s->v));
    s->v[s->n++] = (struct domain_info){.name = name, .st = st, .persistent = persistent};
}

static bool wanted(unsigned want, const struct dom_status *st, bool persistent)
{
    if ((want & ST_PERSISTENT) && !persistent)
        return false;
    /* a stale transient domain is gone, not shut off */
    if (!persistent && !dom_state_active(st->state))
        return false;
    return (domains_state_class(st->state) & want) != 0;
}

/* merge the sorted RUN/ names (with their states) and the sorted defined
 * names; DEFINED is NULL when the config dir was not read */
static void merge(struct store *st, unsigned want, struct strv *run, const struct dom_status *rs,
                  struct strv *defined, struct domain_set *out)
{
    static const struct dom_status shutoff = {.state = DOM_SHUTOFF, .id = -1,
                                              .reason = "unknown"};
    size_t cap = 0, i = 0, k = 0, nd = defined ? defined->n : 0;
    xgrow(&out->v, &cap, run->n + nd, sizeof(*out->v));   /* one allocation */
    while (i < run->n || k < nd) {
        int c = i == run->n ? 1 : k == nd ? -1 : strcmp(run->v[i], defined->v[k]);
        if (c > 0) {             /* defined, never ran since boot */
            if (wanted(want, &shutoff, true))
                set_add(out, &cap, steal_ptr(&defined->v[k]), &shutoff, true);
            k++;
            continue;
        }
        bool persistent = c == 0 || (!defined && store_exists(st, run->v[i]));
        if (wanted(want, &rs[i], persistent))
            set_add(out, &cap, steal_ptr(&run->v[i]), &rs[i], persistent);
        i++;
        k += c == 0;
    }
}

int domains_list(struct store *st, unsigned want, struct domain_set *out, struct err **e)
{
    struct strv run = {0}, defined = {0};
    memset(out, 0, sizeof(*out));
    if (!(want & ST_ANY))
        want |= ST_ANY;
    bool read_store = (want & ST_SHUTOFF) != 0;
    if (rt_list_run(st, &run, e) < 0 || (read_store && store_list(st, &defined, e) < 0)) {
        strv_free(&run);
        strv_free(&defined);
        return -1;
    }
    struct dom_status *rs = xcalloc(run.n ? run.n : 1, sizeof(*rs));
    for (size_t i = 0; i < run.n; i++)
        rt_status_read(st, run.v[i], &rs[i], NULL);
    merge(st, want, &run, rs, read_store ? &defined : NULL, out);
    out->status = rs;
    strv_free(&run);
    strv_free(&defined);
    return 0;
}

void domain_set_free(struct domain_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].name);
    free(s->v);
    free(s->status);
    s->v = NULL;
    s->status = NULL;
    s->n = 0;
}

static char *name_by_running_id(struct store *st, long id)
{
    struct domain_set running;
    char *found = NULL;
    if (domains_list(st, ST_ACTIVE, &running, NULL) < 0)
        return NULL;
    for (size_t i = 0; i < running.n && !found; i++)
        if (running.v[i].st->id == id)
            found = steal_ptr(&running.v[i].name);
    domain_set_free(&running);
    return found;
}

static bool running_transient(struct store *st, const char *name)
{
    struct dom_status s;
    return store_name_safe(name) && rt_status_read(st, name, &s, NULL) == 0 &&
           dom_state_active(s.state);
}

char *domains_lookup(struct store *st, const char *key, struct err **e)
{
    char *end = NULL;
    errno = 0;
    long id = strtol(key, &end, 10);
    char *name = NULL;
    if (*key && *end == '\0' && errno == 0 && id >= 0)
        name = name_by_running_id(st, id);
    if (!name)
        name = store_name_by_uuid(st, key);
    if (!name && (store_exists(st, key) || running_transient(st, key)))
        name = xstrdup(key);
    if (!name)
        err_set(e, ERR_NOT_FOUND,
                "failed to get domain '%s': no domain with matching name, uuid or id", key);
    return name;
}
