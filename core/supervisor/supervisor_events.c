/* supervisor_events.c: the domain's event stream (proto.h, EVENT frames).
 *
 * Every event gets the next per-supervisor sequence number and a wall
 * clock time, goes into a small backlog ring and out to every subscribed
 * client.  The backlog is how no event is lost between a supervisor
 * starting and a listener noticing it: a listener woken by inotify
 * subscribes with the time it started listening and first receives every
 * kept event from that time on, then live ones.  A subscriber that cannot
 * take an event at once (socket full) is disconnected rather than let the
 * guest wait; it sees EOF and the sequence numbers tell it what it missed.
 *
 * Every event is also appended to the domain's journal, RUN/.events/NAME
 * ("PID SEQ MS TYPE[ DETAIL]" a line, one write each), which outlives this
 * supervisor: a listener that noticed a short-lived supervisor too late to
 * connect (started and destroyed within its reaction time) reads what it
 * missed there (core/runtime/events.c).
 *
 * Lifecycle events use libvirt's event/detail words (virsh event). */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

/* one whole frame without waiting; a short write closes the subscriber
 * (a torn frame must never be followed by another) */
static void send_event(struct sup *s, int ci, const struct sup_event *ev)
{
    char frame[PROTO_HDR + SUP_EVENT_TEXT + 48];
    int n = snprintf(frame + PROTO_HDR, sizeof(frame) - PROTO_HDR, "%llu %lld %s", ev->seq,
                     ev->ms, ev->text);
    size_t len = (size_t)n < sizeof(frame) - PROTO_HDR ? (size_t)n : sizeof(frame) - PROTO_HDR - 1;
    proto_header(frame, PROTO_EVENT, len);
    ssize_t w;
    do
        w = send(s->client[ci].fd, frame, PROTO_HDR + len, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)(PROTO_HDR + len)) {
        sup_log(s, "event subscriber too slow or gone: disconnected");
        sup_client_close(s, ci);
    }
}

/* RUN/.events/NAME, opened on the first event; one that grew past
 * SUP_JOURNAL_MAX starts again (a listener then skips to its end) */
static void journal_write(struct sup *s, const struct sup_event *ev)
{
    struct sup_events *q = &s->events;
    if (!q->journal_tried) {
        char dir[SUP_PATH + 16], path[SUP_PATH + 300];
        q->journal_tried = true;
        q->journal = -1;
        snprintf(dir, sizeof(dir), "%s/../.events", s->run_dir);
        snprintf(path, sizeof(path), "%s/%s", dir, s->name);
        struct stat sb;
        mkdir(dir, 0700);
        bool big = stat(path, &sb) == 0 && sb.st_size > SUP_JOURNAL_MAX;
        q->journal = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (big ? O_TRUNC : 0),
                          0600);
    }
    if (q->journal < 0)
        return;
    char line[SUP_EVENT_TEXT + 64];
    int n = snprintf(line, sizeof(line), "%d %llu %lld %s\n", (int)getpid(), ev->seq, ev->ms,
                     ev->text);
    if (n > 0 && (size_t)n < sizeof(line) && write(q->journal, line, (size_t)n) < 0)
        sup_log(s, "cannot append to the event journal: %s", strerror(errno));
}

void sup_emit(struct sup *s, const char *type, const char *fmt, ...)
{
    struct sup_events *q = &s->events;
    if (q->len == SUP_EVENT_BACKLOG) {       /* the oldest makes room */
        q->dropped_ms = q->ring[q->head].ms;
        q->head = (q->head + 1) % SUP_EVENT_BACKLOG;
        q->len--;
    }
    struct sup_event *ev = &q->ring[(q->head + q->len++) % SUP_EVENT_BACKLOG];
    ev->seq = ++q->seq;
    ev->ms = wall_ms();
    int n = snprintf(ev->text, sizeof(ev->text), "%s", type);
    if (fmt && n > 0 && (size_t)n + 1 < sizeof(ev->text)) {
        ev->text[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ev->text + n, sizeof(ev->text) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    journal_write(s, ev);
    for (int i = 0; i < SUP_MAX_CLIENTS; i++)
        if (s->client[i].fd >= 0 && s->client[i].subscribed)
            send_event(s, i, ev);
}

/* "events SINCE_MS": OK "pid=P seq=LAST lost=0|1", then every kept event
 * at or after SINCE_MS, then live events.  lost=1: an event at or after
 * SINCE_MS already fell out of the backlog. */
void sup_subscribe(struct sup *s, int ci, const char *arg)
{
    char *end;
    long long since = strtoll(arg, &end, 10);
    if (end == arg || *end) {
        sup_reply(s, ci, PROTO_ERR, "events: expected a start time in milliseconds");
        return;
    }
    struct sup_events *q = &s->events;
    char ok[96];
    snprintf(ok, sizeof(ok), "pid=%d seq=%llu lost=%d", (int)getpid(), q->seq,
             q->dropped_ms && q->dropped_ms >= since);
    sup_reply(s, ci, PROTO_OK, ok);
    s->client[ci].subscribed = true;
    for (size_t i = 0; i < q->len && s->client[ci].fd >= 0; i++) {
        const struct sup_event *ev = &q->ring[(q->head + i) % SUP_EVENT_BACKLOG];
        if (ev->ms >= since)
            send_event(s, ci, ev);
    }
}

/* libvirt's detail word for a reason of ours ("from-snapshot" ->
 * "FromSnapshot") */
static void detail_word(const char *reason, char *out, size_t n)
{
    size_t o = 0;
    bool up = true;
    for (const char *p = reason; *p && o + 1 < n; p++) {
        if (*p == '-' || *p == '_') {
            up = true;
            continue;
        }
        out[o++] = up ? (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p) : *p;
        up = false;
    }
    out[o] = '\0';
}

void sup_lifecycle(struct sup *s, enum dom_state old, enum dom_state st, const char *reason)
{
    char word[40];
    detail_word(reason, word, sizeof(word));
    switch (st) {
    case DOM_RUNNING:
        if (old == DOM_PAUSED)
            sup_emit(s, "lifecycle", "Resumed %s", strcmp(reason, "user") == 0 ||
                                                   strcmp(reason, "unpaused") == 0
                                                       ? "Unpaused" : word);
        else
            sup_emit(s, "lifecycle", "Started %s", old == DOM_NOSTATE ? word : "Booted");
        break;
    case DOM_PAUSED:
        if (old == DOM_NOSTATE)
            sup_emit(s, "lifecycle", "Started Booted");
        sup_emit(s, "lifecycle", "Suspended %s", strcmp(reason, "user") == 0 ? "Paused" : word);
        break;
    case DOM_SHUTDOWN:
        sup_emit(s, "lifecycle", "Shutdown Finished");
        break;
    case DOM_CRASHED:
        sup_emit(s, "lifecycle", "Crashed %s", word);
        break;
    case DOM_SHUTOFF:
        sup_emit(s, "lifecycle", "Stopped %s", word);
        break;
    case DOM_PMSUSPENDED:
        sup_emit(s, "lifecycle", "PMSuspended Memory");
        break;
    default:
        break;
    }
}

/* libvirt's name of a QEMU block job type */
static const char *job_kind(const char *type)
{
    static const char *const map[][2] = {
        {"stream", "Block Pull"}, {"mirror", "Block Copy"},
        {"commit", "Block Commit"}, {"backup", "Backup"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    return "Block Job";
}

void sup_publish_qmp_event(struct sup *s, const char *ev, const char *line)
{
    char dev[64] = "", type[32] = "";
    long long actual;
    if (strcmp(ev, "RESET") == 0) {
        sup_emit(s, "reboot", NULL);
    } else if (strcmp(ev, "BALLOON_CHANGE") == 0 && qjson_num(line, "actual", &actual)) {
        sup_emit(s, "balloon-change", "%lldKiB", actual / 1024);
    } else if (strcmp(ev, "DEVICE_DELETED") == 0 && qjson_str(line, "device", dev, sizeof(dev))) {
        sup_emit(s, "device-removed", "%s", dev);
    } else if (strncmp(ev, "BLOCK_JOB_", 10) == 0 && strcmp(ev, "BLOCK_JOB_PENDING") != 0) {
        qjson_str(line, "device", dev, sizeof(dev));
        qjson_str(line, "type", type, sizeof(type));
        char err[8];
        const char *status = strcmp(ev, "BLOCK_JOB_READY") == 0       ? "ready"
                             : strcmp(ev, "BLOCK_JOB_CANCELLED") == 0 ? "canceled"
                             : strcmp(ev, "BLOCK_JOB_ERROR") == 0     ? "failed"
                             : qjson_str(line, "error", err, sizeof(err)) ? "failed"
                                                                         : "completed";
        sup_emit(s, "block-job", "%s for %s %s", job_kind(type), dev, status);
    }
}

/* a device_add sent through "qmp {...}": its id, published once QEMU says
 * it worked (QEMU raises no event for an added device) */
void sup_note_device_add(struct sup *s, const char *json)
{
    char cmd[32], id[32];
    if (!s->npending || !qjson_str(json, "execute", cmd, sizeof(cmd)) ||
        strcmp(cmd, "device_add") != 0 || !qjson_str(json, "id", id, sizeof(id)))
        return;
    snprintf(s->pending[s->npending - 1].dev_id, sizeof(s->pending[0].dev_id), "%s", id);
}
