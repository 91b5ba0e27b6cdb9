/* rundir.c: state words shared by the supervisor and the shell side. */
#include "rundir.h"

#include <string.h>

static const char *const state_names[] = {
    [DOM_NOSTATE] = "no state",
    [DOM_RUNNING] = "running",
    [DOM_BLOCKED] = "idle",
    [DOM_PAUSED] = "paused",
    [DOM_SHUTDOWN] = "in shutdown",
    [DOM_SHUTOFF] = "shut off",
    [DOM_CRASHED] = "crashed",
    [DOM_PMSUSPENDED] = "pmsuspended",
};
_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == DOM_STATE_LAST,
               "state_names out of step with enum dom_state");

static const char *const state_keys[] = {
    [DOM_NOSTATE] = "nostate",
    [DOM_RUNNING] = "running",
    [DOM_BLOCKED] = "blocked",
    [DOM_PAUSED] = "paused",
    [DOM_SHUTDOWN] = "shutdown",
    [DOM_SHUTOFF] = "shutoff",
    [DOM_CRASHED] = "crashed",
    [DOM_PMSUSPENDED] = "pmsuspended",
};
_Static_assert(sizeof(state_keys) / sizeof(state_keys[0]) == DOM_STATE_LAST,
               "state_keys out of step with enum dom_state");

const char *dom_state_key(enum dom_state s)
{
    return s < DOM_STATE_LAST ? state_keys[s] : "nostate";
}

const char *dom_state_name(enum dom_state s)
{
    return s < DOM_STATE_LAST ? state_names[s] : "no state";
}

bool dom_state_active(enum dom_state s)
{
    /* DOM_CRASHED only comes from a live supervisor (on_crash=preserve);
     * a dead one reads as DOM_SHUTOFF */
    return s != DOM_NOSTATE && s != DOM_SHUTOFF && s < DOM_STATE_LAST;
}

enum dom_state dom_state_from_key(const char *v)
{
    for (int i = 0; i < DOM_STATE_LAST; i++)
        if (strcmp(v, state_keys[i]) == 0 || strcmp(v, state_names[i]) == 0)
            return (enum dom_state)i;
    return DOM_NOSTATE;
}
