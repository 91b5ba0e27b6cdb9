/* rundir.h: the vocabulary both sides of the supervisor boundary share.
 *
 * The shell side (core/runtime) and the supervisor (core/supervisor) meet
 * only through files in RUN/NAME/ and frames on RUN/NAME/sup.sock.  Their
 * names, the state words of RUN/NAME/status and the timeouts that must
 * stay in order live here once, so neither side spells them out.  This is
 * base: it may call libc only. */
#ifndef DOMSH_RUNDIR_H
#define DOMSH_RUNDIR_H

#include <stdbool.h>

/* files in RUN/NAME/ */
#define RUNF_STATUS "status"           /* key=value state, written by the supervisor */
#define RUNF_LIVE "live.xml"           /* the running definition */
#define RUNF_SUP_SOCK "sup.sock"       /* the supervisor's control socket (proto.h) */
#define RUNF_QMP_SOCK "qmp.sock"       /* the emulator's QMP socket (supervisor only) */
#define RUNF_LAUNCH "launch"           /* the launch spec, written by start */
#define RUNF_VNC_SOCK "vnc.sock"
#define RUNF_VNC_DISPLAY "vnc.display"
#define RUNF_JOB_DONE "job.completed" /* the last finished job's statistics (supervisor_job.c) */

/* the supervisor gives up on an emulator that is not ready within
 * SUP_SETUP_TIMEOUT_MS; `start` waits a little longer, so it always hears
 * the supervisor's own verdict rather than timing out first */
#define SUP_SETUP_TIMEOUT_MS 30000
#define START_WAIT_TIMEOUT_MS 45000
_Static_assert(START_WAIT_TIMEOUT_MS > SUP_SETUP_TIMEOUT_MS + 5000,
               "start must outwait the supervisor's setup");

enum dom_state {
    DOM_NOSTATE = 0,
    DOM_RUNNING,
    DOM_BLOCKED,
    DOM_PAUSED,
    DOM_SHUTDOWN,
    DOM_SHUTOFF,
    DOM_CRASHED,
    DOM_PMSUSPENDED,
    DOM_STATE_LAST
};

/* the word after state= in RUN/NAME/status ("running", "shutoff", ...) */
const char *dom_state_key(enum dom_state s);
/* a status word, or a display name, back to the state; DOM_NOSTATE if unknown */
enum dom_state dom_state_from_key(const char *word);
/* what virsh prints: "running", "shut off", "in shutdown", ... */
const char *dom_state_name(enum dom_state s);
/* running, blocked, paused, shutdown, crashed-but-alive, pmsuspended */
bool dom_state_active(enum dom_state s);

#endif
