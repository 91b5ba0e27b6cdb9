/* domains.c: resolving what the user typed to a domain (domains.h). */
#include "domains.h"

#include "../runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>

static char *name_by_running_id(struct store *st, long id)
{
    struct strv active = {0};
    char *found = NULL;
    rt_list_active(st, &active, NULL);
    for (size_t i = 0; i < active.n && !found; i++) {
        struct dom_status s;
        if (rt_status(st, active.v[i], &s, NULL) == 0 && s.id == id)
            found = xstrdup(active.v[i]);
    }
    strv_free(&active);
    return found;
}

static bool running_transient(struct store *st, const char *name)
{
    struct dom_status s;
    return store_name_safe(name) && rt_status(st, name, &s, NULL) == 0 &&
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
