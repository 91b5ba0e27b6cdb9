/* supervisor_migjob.c: the migration under save, snapshot and migrate seen as
 * libvirt's domain job (supervisor.h: job-info, job-abort,
 * migrate-set-speed, migrate-get-speed, migrate-postcopy).  The figures
 * are those of the query-migrate answers the migration polls anyway
 * (every SUP_MIG_POLL_MS): a job-info costs no QMP round trip and never
 * races the migration's own queries.  A finished job's line is kept in
 * RUN/NAME/job.completed, so `domjobinfo --completed` still answers once
 * a save or a migration has ended this supervisor. */
#include "supervisor.h"
#include "../base/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 TiB/s: no limit (QEMU's default of 32 MiB/s would make a save of a
 * 128 MiB guest take 4 s) */
#define MIG_BANDWIDTH_MAX 1099511627776LL
#define MIB (1024LL * 1024LL)
/* libvirt's largest speed (INT64_MAX bytes/s in MiB/s), and what it
 * reports while none was set */
#define SPEED_MAX_MIB 8796093022207LL

static const struct { const char *qmp, *key; } stat_names[JS_LAST] = {
    [JS_PROCESSED] = { "transferred", "memory_processed" },
    [JS_REMAINING] = { "remaining", "memory_remaining" },
    [JS_TOTAL] = { "total", "memory_total" },
    [JS_BPS] = { "mbps", "memory_bps" },
    [JS_DIRTY_RATE] = { "dirty-pages-rate", "memory_dirty_rate" },
    [JS_PAGE_SIZE] = { "page-size", "memory_page_size" },
    [JS_ITERATION] = { "dirty-sync-count", "memory_iteration" },
    [JS_POSTCOPY_REQS] = { "postcopy-requests", "memory_postcopy_requests" },
    [JS_CONSTANT] = { "duplicate", "memory_constant" },
    [JS_NORMAL] = { "normal", "memory_normal" },
    [JS_NORMAL_BYTES] = { "normal-bytes", "memory_normal_bytes" },
    [JS_DOWNTIME] = { "downtime", "downtime" },     /* expected-downtime until done */
    [JS_SETUP_TIME] = { "setup-time", "setup_time" },
    [JS_THROTTLE] = { "cpu-throttle-percentage", "auto_converge_throttle" },
};

static bool is_migration_out(const struct sup *s)
{
    return s->mig.kind == MIG_OUT && strcmp(s->migjob.op, "migration-out") == 0;
}

void sup_migjob_start(struct sup *s)
{
    const char *op = s->mig.kind == MIG_IN
                         ? (strcmp(s->mig.why, "migrated") == 0 ? "migration-in" : "restore")
                     : strcmp(s->mig.why, "migrating") == 0 ? "migration-out"
                     : strcmp(s->mig.why, "snapshot") == 0  ? "snapshot"
                                                            : "save";
    s->migjob = (struct sup_migjob){ .start_ms = sup_now_ms() };
    snprintf(s->migjob.op, sizeof(s->migjob.op), "%s", op);
    snprintf(s->migjob.type, sizeof(s->migjob.type), "unbounded");
    for (int i = 0; i < JS_LAST; i++)
        s->migjob.stat[i] = -1;
}

void sup_migjob_update(struct sup *s, const char *line)
{
    long long v;
    double mbps;
    for (int i = 0; i < JS_LAST; i++)
        if (i != JS_BPS && qjson_num(line, stat_names[i].qmp, &v))
            s->migjob.stat[i] = v;
    if (!qjson_num(line, "downtime", &v) && qjson_num(line, "expected-downtime", &v))
        s->migjob.stat[JS_DOWNTIME] = v;
    if (qjson_double(line, "mbps", &mbps) && mbps >= 0)
        s->migjob.stat[JS_BPS] = (long long)(mbps * (1000.0 * 1000.0 / 8.0));   /* as libvirt */
}

static void job_text(const struct sup_migjob *j, long long now, char *out, size_t n)
{
    if (!*j->op) {
        snprintf(out, n, "type=none");
        return;
    }
    size_t o = (size_t)snprintf(out, n, "type=%s operation=%s time_elapsed=%lld", j->type, j->op,
                                (j->end_ms ? j->end_ms : now) - j->start_ms);
    for (int i = 0; i < JS_LAST && o < n; i++)
        if (j->stat[i] >= 0)
            o += (size_t)snprintf(out + o, n - o, " %s=%lld", stat_names[i].key, j->stat[i]);
    if (*j->errmsg && o < n)
        snprintf(out + o, n - o, " errmsg=%s", j->errmsg);
}

void sup_migjob_finish(struct sup *s, const char *type, const char *errmsg)
{
    if (!*s->migjob.op)
        return;
    s->migjob.end_ms = sup_now_ms();
    snprintf(s->migjob.type, sizeof(s->migjob.type), "%s", type);
    snprintf(s->migjob.errmsg, sizeof(s->migjob.errmsg), "%s", errmsg ? errmsg : "");
    for (char *p = s->migjob.errmsg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';            /* the job's line stays one line */
    char text[1024], path[SUP_PATH + 32];
    job_text(&s->migjob, s->migjob.end_ms, text, sizeof(text));
    snprintf(path, sizeof(path), "%s/" RUNF_JOB_DONE, s->run_dir);
    size_t len = strlen(text);
    text[len++] = '\n';
    if (write_file_atomic_nosync(path, text, len, 0600, NULL) < 0)
        sup_log(s, "cannot keep the finished job's statistics: %s", strerror(errno));
    s->migjob.op[0] = '\0';
}

long long sup_migjob_bandwidth(const struct sup *s)
{
    long long mib = s->mig.bandwidth_mib ? s->mig.bandwidth_mib : s->speed_set ? s->speed_mib : 0;
    return is_migration_out(s) && mib > 0 ? mib * MIB : MIG_BANDWIDTH_MAX;
}

long long sup_migjob_pc_bandwidth(const struct sup *s)
{
    return (s->mig.pc_bandwidth_mib ? s->mig.pc_bandwidth_mib : s->pc_speed_mib) * MIB;
}

const char *sup_migjob_name(const struct sup *s)
{
    if (strcmp(s->migjob.op, "migration-out") == 0)
        return "migration out job";
    return strcmp(s->migjob.op, "snapshot") == 0 ? "snapshot job" : "domain save job";
}

static void job_abort(struct sup *s, int client)
{
    if (s->mig.kind == MIG_IN || s->mig.kind == MIG_IN_WAIT)
        return sup_reply(s, client, PROTO_ERR, "Requested operation is not valid: cannot abort "
                         "incoming migration; use destroy instead");
    if (s->mig.kind != MIG_OUT)
        return sup_reply(s, client, PROTO_ERR,
                         "Requested operation is not valid: no job is active on the domain");
    if (s->mig.postcopy_asked || s->mig.postcopy_active)
        return sup_reply(s, client, PROTO_ERR,
                         "Requested operation is not valid: cannot abort migration in post-copy "
                         "mode");
    if (!s->mig.cancel) {
        s->mig.cancel = s->mig.aborted = true;
        sup_log(s, "job-abort: canceling the %s", sup_migjob_name(s));
        sup_qmp_send(s, "{\"execute\": \"migrate_cancel\"}", -1, "mig-cancel");
    }
    sup_reply(s, client, PROTO_OK, "");
}

void sup_migjob_postcopy(struct sup *s, int client)
{
    if (!is_migration_out(s) || s->mig.cancel) {
        if (client >= 0)
            sup_reply(s, client, PROTO_ERR, "Requested operation is not valid: post-copy can "
                      "only be started while outgoing migration is in progress");
        return;
    }
    if (!s->mig.postcopy) {
        if (client >= 0)
            sup_reply(s, client, PROTO_ERR, "Requested operation is not valid: switching to "
                      "post-copy requires migration to be started with --postcopy");
        return;
    }
    if (s->mig.postcopy_asked) {
        if (client >= 0)
            sup_reply(s, client, PROTO_OK, "");
        return;
    }
    /* from the request on the migration is past aborting (sup_mig_answer
     * takes it back if the emulator refuses the switch) */
    s->mig.postcopy_asked = true;
    s->mig.postcopy_client = client;
    sup_log(s, "switching the migration to post-copy");
    sup_qmp_send(s, "{\"execute\": \"migrate-start-postcopy\"}", -1, "mig-postcopy");
}

/* the stored speed (of the post-copy phase: "N postcopy"), and at once
 * the running migration's */
static void job_set_speed(struct sup *s, int client, const char *arg)
{
    char *end;
    errno = 0;
    long long mib = strtoll(arg, &end, 10);
    bool postcopy = strcmp(end, " postcopy") == 0;
    if (errno || end == arg || (*end && !postcopy) || mib < 0 || mib > SPEED_MAX_MIB)
        return sup_reply(s, client, PROTO_ERR, "usage: migrate-set-speed MIB [postcopy] "
                         "(0 to 8796093022207)");
    if (postcopy) {
        s->pc_speed_mib = s->mig.pc_bandwidth_mib = mib;
    } else {
        s->speed_mib = mib;
        s->speed_set = true;
        s->mig.bandwidth_mib = 0;
    }
    if (!is_migration_out(s))
        return sup_reply(s, client, PROTO_OK, "");
    char json[160];
    snprintf(json, sizeof(json), "{\"execute\": \"migrate-set-parameters\", \"arguments\": "
             "{\"%s\": %lld}}", postcopy ? "max-postcopy-bandwidth" : "max-bandwidth",
             postcopy ? sup_migjob_pc_bandwidth(s) : sup_migjob_bandwidth(s));
    sup_qmp_send(s, json, client, "speed");
}

bool sup_migjob_command(struct sup *s, int client, const char *cmd)
{
    char text[1024];
    if (strcmp(cmd, "job-info") == 0) {
        job_text(&s->migjob, sup_now_ms(), text, sizeof(text));
        sup_reply(s, client, PROTO_OK, text);
    } else if (strcmp(cmd, "job-abort") == 0) {
        job_abort(s, client);
    } else if (strncmp(cmd, "migrate-set-speed ", 18) == 0) {
        job_set_speed(s, client, cmd + 18);
    } else if (strcmp(cmd, "migrate-get-speed") == 0) {
        snprintf(text, sizeof(text), "speed=%lld", s->speed_set ? s->speed_mib : SPEED_MAX_MIB);
        sup_reply(s, client, PROTO_OK, text);
    } else if (strcmp(cmd, "migrate-get-speed postcopy") == 0) {
        snprintf(text, sizeof(text), "speed=%lld", s->pc_speed_mib);
        sup_reply(s, client, PROTO_OK, text);
    } else if (strcmp(cmd, "migrate-postcopy") == 0) {
        sup_migjob_postcopy(s, client);
    } else {
        return false;
    }
    return true;
}
