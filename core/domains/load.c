/* load.c: the one way to read a domain's definition (domains.h).
 * A running domain has two: RUN/NAME/live.xml (what runs, with its id and
 * pty paths) and CONFIG/NAME.xml (the next boot).  Which one a command
 * shows, and how it is parsed, is decided here: the running one goes
 * through the live parse (dom_load_live) so nothing it alone knows is lost
 * on the way, the persistent one through define's. */
#include "domains.h"

#include <stdlib.h>
#include <string.h>

#include "../runtime/runtime.h"
#include "../xml/domain.h"

static bool is_active(struct store *st, const char *name)
{
    struct dom_status s;
    struct err *e = NULL;
    bool active = rt_status(st, name, &s, &e) == 0 && dom_state_active(s.state);
    err_free(e);
    return active;
}

/* RUN/NAME/live.xml when VIEW allows it and NAME runs, else NULL (and an
 * error when VIEW asks for nothing else) */
static char *running_text(struct store *st, const char *name, enum domains_view view,
                          struct err **e)
{
    char *text = view != DOMAINS_INACTIVE && is_active(st, name) ? store_live_text(st, name) : NULL;
    if (!text && view == DOMAINS_LIVE)
        err_set(e, ERR_STATE, "domain '%s' is not running", name);
    return text;
}

char *domains_load_text(struct store *st, const char *name, enum domains_view view, bool *live,
                        struct err **e)
{
    char *text = running_text(st, name, view, e);
    if (live)
        *live = text != NULL;
    if (text || view == DOMAINS_LIVE)
        return text;
    return store_load_text(st, name, e);
}

struct dnode *domains_load(struct store *st, const char *name, enum domains_view view,
                           bool *live, struct err **e)
{
    AUTOFREE char *text = running_text(st, name, view, e);
    if (live)
        *live = text != NULL;
    if (text)
        return dom_load_live(text, strlen(text), "live configuration", e);
    return view == DOMAINS_LIVE ? NULL : store_load(st, name, e);
}
