/* events.h: listening to the event streams of running domains, with no
 * daemon (DESIGN.md, "Events").
 *
 * Every supervisor publishes its domain's events on its sup.sock (proto.h,
 * EVENT frames).  A listener subscribes to each running supervisor and
 * watches the run directory with inotify, so a domain started later is
 * picked up too: it subscribes with the time it started listening and the
 * supervisor first replays what it kept since then, so a "Started" raised
 * before the listener noticed the new socket is not lost.  When a domain
 * stops and starts again, the old supervisor's stream is read to its end
 * before the new one's, so events stay in order per domain; sequence
 * numbers show any gap (ev->lost).  A supervisor that came and went
 * before the listener connected is read from the domain's journal,
 * RUN/.events/NAME, which every supervisor appends to. */
#ifndef DOMSH_EVENTS_H
#define DOMSH_EVENTS_H

#include "../base/err.h"
#include "../store/store.h"

struct dom_event {
    char domain[80];
    unsigned long long seq;      /* per supervisor: 1, 2, ... */
    long long ms;                /* wall clock, ms since the epoch */
    char type[32];               /* "lifecycle", "reboot", "balloon-change", ... */
    char detail[200];            /* "Started Booted", "" when none */
    unsigned long long lost;     /* events missed just before this one (at least) */
};

/* the event names a supervisor publishes, NULL-terminated (for --event,
 * --list and completion) */
extern const char *const ev_names[];

struct ev_listener;

/* start listening to DOMAIN (NULL: every domain, including ones started
 * later); events raised from now on are delivered */
struct ev_listener *ev_listen(struct store *st, const char *domain, struct err **e);
/* wait up to timeout_ms (-1: forever) for the next event: 1 and *ev set;
 * 0 on timeout or when stop_fd (-1: none) becomes readable; -1 error */
int ev_next(struct ev_listener *l, int timeout_ms, int stop_fd, struct dom_event *ev,
            struct err **e);
void ev_close(struct ev_listener *l);

#endif
