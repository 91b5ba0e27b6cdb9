/* event: print the events of running domains as virsh event does, from
 * every supervisor's stream (core/runtime/events.c), with no daemon. */
#include "../shell/shell.h"

#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "../completion/completers.h"
#include "../core/runtime/events.h"
#include "../shell/out.h"

enum {
    EVENT_OPT_DOMAIN,
    EVENT_OPT_EVENT,
    EVENT_OPT_ALL,
    EVENT_OPT_LIST,
    EVENT_OPT_LOOP,
    EVENT_OPT_TIMEOUT,
    EVENT_OPT_TIMESTAMP,
    EVENT_OPT_JSON,
};

static const struct opt_def event_opts[] = {
    [EVENT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .argname = "domain",
                          .help = "only this domain (default: every domain, also ones started later)",
                          .complete = comp_domains},
    [EVENT_OPT_EVENT] = {.name = "event", .kind = OPT_STRING, .flags = OPT_NAMED,
                         .argname = "name", .help = "only events of this kind",
                         .choices = ev_names, .complete = comp_choices},
    [EVENT_OPT_ALL] = {.name = "all", .kind = OPT_BOOL, .help = "every kind of event"},
    [EVENT_OPT_LIST] = {.name = "list", .kind = OPT_BOOL, .help = "list the event kinds"},
    [EVENT_OPT_LOOP] = {.name = "loop", .kind = OPT_BOOL,
                        .help = "keep printing until interrupted (default: stop after one)"},
    [EVENT_OPT_TIMEOUT] = {.name = "timeout", .kind = OPT_INT, .flags = OPT_NAMED,
                           .argname = "seconds", .help = "stop after this many seconds"},
    [EVENT_OPT_TIMESTAMP] = {.name = "timestamp", .kind = OPT_BOOL,
                             .help = "prefix each line with the time of the event"},
    [EVENT_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                        .help = "one JSON object per line {domain, seq, time, event, detail}"},
};

static void print_event(struct shell *sh, const struct dom_event *ev, bool stamp, bool json)
{
    if (ev->lost)
        fprintf(sh->err, "warning: %llu event(s) of domain '%s' were lost\n", ev->lost,
                ev->domain);
    if (json) {
        struct json j = {.compact = true};
        json_obj_begin(&j, NULL);
        json_str(&j, "domain", ev->domain);
        json_uint(&j, "seq", ev->seq);
        json_int(&j, "time", ev->ms);
        json_str(&j, "event", ev->type);
        json_str(&j, "detail", ev->detail);
        json_obj_end(&j);
        json_print(&j, sh);
    } else {
        if (stamp) {
            time_t t = (time_t)(ev->ms / 1000);
            struct tm tm;
            char when[32];
            gmtime_r(&t, &tm);
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
            fprintf(sh->out, "%s.%03d+0000: ", when, (int)(ev->ms % 1000));
        }
        fprintf(sh->out, "event '%s' for domain '%s'%s%s\n", ev->type, ev->domain,
                *ev->detail ? ": " : "", ev->detail);
    }
    fflush(sh->out);
}

/* Ctrl-C / SIGTERM end the loop (as a readable signalfd), not the shell */
static int block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, old);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int listen_loop(struct shell *sh, const struct cmd_args *a, struct ev_listener *l,
                       long long timeout_s, struct err **e)
{
    const char *only = args_str(a, EVENT_OPT_EVENT);
    bool loop = args_bool(a, EVENT_OPT_LOOP), json = args_bool(a, EVENT_OPT_JSON);
    sigset_t old;
    int sig = block_signals(&old);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = 0, got = 0, count = 0;
    struct dom_event ev;
    do {
        int left = -1;
        if (timeout_s > 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long used = (now.tv_sec - t0.tv_sec) * 1000LL + (now.tv_nsec - t0.tv_nsec) / 1000000;
            left = used >= timeout_s * 1000 ? 0 : (int)(timeout_s * 1000 - used);
        }
        got = ev_next(l, left, sig, &ev, e);
        if (got == 1 && (!only || strcmp(ev.type, only) == 0)) {
            print_event(sh, &ev, args_bool(a, EVENT_OPT_TIMESTAMP), json);
            count++;
        }
    } while (got == 1 && (loop || !count));
    if (got < 0)
        rc = -1;
    else if (!json && got == 0 && timeout_s > 0 && (loop || !count))
        fprintf(sh->out, "event loop timed out\n");
    if (rc == 0 && !json)
        fprintf(sh->out, "events received: %d\n", count);
    struct signalfd_siginfo si;  /* taken here, so unblocking does not kill us */
    while (read(sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    }
    close(sig);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int event_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (args_bool(a, EVENT_OPT_LIST)) {
        for (size_t i = 0; ev_names[i]; i++)
            fprintf(sh->out, "%s\n", ev_names[i]);
        return 0;
    }
    if (!args_bool(a, EVENT_OPT_ALL) && !args_has(a, EVENT_OPT_EVENT))
        return err_set(e, ERR_ARGS, "one of --list, --all, or --event <type> is required");
    long long timeout_s = 0;
    if (args_int(a, EVENT_OPT_TIMEOUT, &timeout_s, e) < 0)
        return -1;
    if (args_has(a, EVENT_OPT_TIMEOUT) && timeout_s < 1)
        return err_set(e, ERR_ARGS, "timeout must be a positive number of seconds");
    struct ev_listener *l = ev_listen(sh->store, a->dom_name, e);
    if (!l)
        return -1;
    int rc = listen_loop(sh, a, l, timeout_s, e);
    ev_close(l);
    return rc;
}

const struct cmd_def cmd_event = {
    .name = "event", .group = "domain", .summary = "print the events of running domains",
    .desc = "Subscribes to every running domain's supervisor (or DOMAIN's only) and to the "
            "run directory, so domains started later are followed too.  Lifecycle events use "
            "libvirt's words (Started Booted, Suspended Paused, Stopped Destroyed, ...); each "
            "event carries its domain's sequence number (--json), and a gap is reported on "
            "stderr.",
    .opts = event_opts, .nopts = NOPTS(event_opts),
    .target_opt = EVENT_OPT_DOMAIN, .run = event_run,
};
