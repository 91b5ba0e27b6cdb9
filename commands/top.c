/* top: what the running domains cost, refreshed: full screen (ncurses,
 * shell/top_view.c) on a terminal, or samples for scripts with -b. */
#include "../shell/shell.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include "../core/domains/monitor.h"
#include "../shell/out.h"
#include "../shell/top_view.h"

#define TOP_SUP_TIMEOUT_MS 500

enum { TOP_OPT_BATCH, TOP_OPT_ITERATIONS, TOP_OPT_DELAY, TOP_OPT_JSON, TOP_OPT_CSV };

static const struct opt_def top_opts[] = {
    [TOP_OPT_BATCH] = {.name = "batch", .kind = OPT_BOOL, .alias = "b",
                       .help = "print samples instead of the full-screen view"},
    [TOP_OPT_ITERATIONS] = {.name = "iterations", .kind = OPT_INT, .flags = OPT_NAMED,
                            .alias = "n", .argname = "count",
                            .help = "stop after COUNT samples (default: until interrupted)"},
    [TOP_OPT_DELAY] = {.name = "delay", .kind = OPT_STRING, .flags = OPT_NAMED, .alias = "d",
                       .argname = "seconds", .help = "seconds between samples (default 2)"},
    [TOP_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                      .help = "batch: one JSON object per sample, one per line"},
    [TOP_OPT_CSV] = {.name = "csv", .kind = OPT_BOOL,
                     .help = "batch: a header, then one CSV row per domain per sample"},
};

static void print_json(struct shell *sh, const struct monitor *m)
{
    struct json j = {.compact = true};
    json_obj_begin(&j, NULL);
    json_int(&j, "time", m->time_ms);
    json_obj_begin(&j, "host");
    json_int(&j, "cpus", m->host.cpus);
    json_arr_begin(&j, "load");
    for (int i = 0; i < 3; i++)
        json_double(&j, NULL, m->host.load[i], 2);
    json_arr_end(&j);
    json_uint(&j, "mem_total_kib", m->host.mem_total_kib);
    json_uint(&j, "mem_available_kib", m->host.mem_avail_kib);
    json_int(&j, "running", m->host.running);
    json_int(&j, "paused", m->host.paused);
    json_int(&j, "other", m->host.other);
    json_int(&j, "shutoff", m->host.shutoff);
    json_obj_end(&j);
    json_arr_begin(&j, "domains");
    for (size_t i = 0; i < m->nrows; i++) {
        const struct mon_row *r = &m->rows[i];
        struct top_cells c;
        top_cells(r, &c);
        json_obj_begin(&j, NULL);
        for (size_t k = 0; k < TOP_NFIELDS; k++)
            if (top_fields[k].numeric)
                json_double(&j, top_fields[k].key, c.num[k], top_fields[k].decimals);
            else
                json_str(&j, top_fields[k].key, c.text[k]);
        json_bool(&j, "answered", r->answered);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    json_print(&j, sh);
}

static void print_csv(struct shell *sh, const struct monitor *m, bool header)
{
    if (header) {
        fprintf(sh->out, "time");
        for (size_t k = 0; k < TOP_NFIELDS; k++)
            fprintf(sh->out, ",%s", top_fields[k].key);
        fprintf(sh->out, ",answered\n");
    }
    for (size_t i = 0; i < m->nrows; i++) {
        struct top_cells c;
        top_cells(&m->rows[i], &c);
        fprintf(sh->out, "%lld", m->time_ms);
        for (size_t k = 0; k < TOP_NFIELDS; k++)
            if (top_fields[k].numeric)
                fprintf(sh->out, ",%.*f", top_fields[k].decimals, c.num[k]);
            else
                fprintf(sh->out, ",%s", c.text[k]);
        fprintf(sh->out, ",%d\n", m->rows[i].answered);
    }
}

static void print_text(struct shell *sh, const struct monitor *m)
{
    char line[512];
    top_summary(m, line, sizeof(line));
    fprintf(sh->out, "%s\n", line);
    top_header(line, sizeof(line));
    fprintf(sh->out, "%s\n", line);
    for (size_t i = 0; i < m->nrows; i++) {
        top_row_text(&m->rows[i], line, sizeof(line));
        fprintf(sh->out, "%s\n", line);
    }
    fputc('\n', sh->out);
}

/* sleep ms, or less when Ctrl-C / SIGTERM arrives (then false) */
static bool pause_ms(int sig_fd, int ms)
{
    struct pollfd p = {.fd = sig_fd, .events = POLLIN};
    return poll(&p, 1, ms) == 0;
}

static int batch(struct shell *sh, struct monitor *m, long long count, int delay_ms,
                 int format, struct err **e)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old);
    int sig = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    /* a first, silent sample: every printed one has rates */
    int rc = mon_sample(m, e);
    bool go = rc == 0 && pause_ms(sig, delay_ms < 1000 ? delay_ms : 1000);
    for (long long i = 0; go && (count <= 0 || i < count); i++) {
        if (i && !pause_ms(sig, delay_ms))
            break;
        if ((rc = mon_sample(m, e)) < 0)
            break;
        if (format == TOP_OPT_JSON)
            print_json(sh, m);
        else if (format == TOP_OPT_CSV)
            print_csv(sh, m, i == 0);
        else
            print_text(sh, m);
        fflush(sh->out);
    }
    struct signalfd_siginfo si;
    while (read(sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    }
    close(sig);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int top_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    long long count = 0;
    double delay = 2;
    if (args_int(a, TOP_OPT_ITERATIONS, &count, e) < 0)
        return -1;
    if (args_has(a, TOP_OPT_ITERATIONS) && count < 1)
        return err_set(e, ERR_ARGS, "iterations must be at least 1");
    const char *d = args_str(a, TOP_OPT_DELAY);
    char *end = NULL;
    if (d && ((delay = strtod(d, &end)), end == d || *end || !(delay >= 0.1 && delay <= 3600)))
        return err_set(e, ERR_ARGS, "delay '%s' must be a number of seconds from 0.1 to 3600", d);
    bool json = args_bool(a, TOP_OPT_JSON), csv = args_bool(a, TOP_OPT_CSV);
    if (json && csv)
        return err_set(e, ERR_ARGS, "--json and --csv exclude each other");
    bool batch_mode = args_bool(a, TOP_OPT_BATCH) || json || csv;
    if (!batch_mode && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
        return err_set(e, ERR_ARGS, "top needs a terminal; use top -b for samples");
    struct monitor m;
    mon_init(&m, sh->store, TOP_SUP_TIMEOUT_MS);
    int rc = batch_mode ? batch(sh, &m, count, (int)(delay * 1000),
                                json ? TOP_OPT_JSON : csv ? TOP_OPT_CSV : -1, e)
                        : top_view_run(sh, &m, (int)(delay * 1000), e);
    mon_free(&m);
    return rc;
}

const struct cmd_def cmd_top = {
    .name = "top", .group = "monitor", .summary = "what the running domains cost, live",
    .desc = "A full-screen view of the running domains, refreshed every few seconds: "
            "%CPU split into guest and overhead, vCPU run-queue wait, memory, disk and "
            "network rates, uptime.  -b prints samples for scripts instead.",
    .opts = top_opts, .nopts = NOPTS(top_opts),
    .target_opt = -1, .run = top_run,
};
