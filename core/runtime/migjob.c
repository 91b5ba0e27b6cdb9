/* migjob.c: a domain's job and its migration tuning (migjob.h). */
#include "migjob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/fsutil.h"
#include "../base/mem.h"
#include "../base/proto.h"
#include "../base/qmp.h"
#include "backend.h"
#include "migrate_storage.h"
#include "runtime.h"

#define JOB_TIMEOUT_MS 5000

static const char *const job_keys[RJ_LAST] = {
    [RJ_TIME_ELAPSED] = "time_elapsed", [RJ_MEM_PROCESSED] = "memory_processed",
    [RJ_MEM_REMAINING] = "memory_remaining", [RJ_MEM_TOTAL] = "memory_total",
    [RJ_MEM_BPS] = "memory_bps", [RJ_DIRTY_RATE] = "memory_dirty_rate",
    [RJ_PAGE_SIZE] = "memory_page_size", [RJ_ITERATION] = "memory_iteration",
    [RJ_POSTCOPY_REQS] = "memory_postcopy_requests", [RJ_CONSTANT] = "memory_constant",
    [RJ_NORMAL] = "memory_normal", [RJ_NORMAL_BYTES] = "memory_normal_bytes",
    [RJ_DOWNTIME] = "downtime", [RJ_SETUP_TIME] = "setup_time",
    [RJ_THROTTLE] = "auto_converge_throttle",
};

static const char *const type_words[] = { "none", "unbounded", "completed", "failed",
                                          "cancelled" };
static const char *const type_names[] = { "None", "Unbounded", "Completed", "Failed",
                                          "Cancelled" };

/* the supervisor's operation words and virsh's */
static const struct { const char *word, *name; } operations[] = {
    { "save", "Save" },
    { "restore", "Restore" },
    { "migration-in", "Incoming migration" },
    { "migration-out", "Outgoing migration" },
    { "snapshot", "Snapshot" },
};

const char *rt_job_key(enum rt_job_field f)
{
    return job_keys[f];
}

const char *rt_job_type_name(enum rt_job_type t)
{
    return type_names[t];
}

static void set_word(struct rt_job *j, const char *key, const char *val)
{
    for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++)
        if (strcmp(key, "type") == 0 && strcmp(val, type_words[i]) == 0)
            j->type = (enum rt_job_type)i;
    for (size_t i = 0; i < sizeof(operations) / sizeof(operations[0]); i++)
        if (strcmp(key, "operation") == 0 && strcmp(val, operations[i].word) == 0)
            j->operation = operations[i].name;
    for (int f = 0; f < RJ_LAST; f++)
        if (strcmp(key, job_keys[f]) == 0)
            j->v[f] = strtoll(val, NULL, 10);
}

/* "type=T operation=O key=N ... errmsg=TEXT" (supervisor_migjob.c) */
static void parse_job(char *text, struct rt_job *j)
{
    *j = (struct rt_job){ .type = RT_JOB_NONE, .operation = "Unknown" };
    for (int f = 0; f < RJ_LAST; f++)
        j->v[f] = -1;
    text[strcspn(text, "\n")] = '\0';
    char *err = strstr(text, " errmsg=");
    if (err) {
        snprintf(j->errmsg, sizeof(j->errmsg), "%s", err + 8);
        *err = '\0';
    }
    char *save = NULL;
    for (char *w = strtok_r(text, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        if (eq) {
            *eq = '\0';
            set_word(j, w, eq + 1);
        }
    }
}

/* the finished job's line, removed once read unless kept */
static int completed_job(struct store *st, const char *name, bool keep, struct rt_job *out)
{
    AUTOFREE char *path = xasprintf("%s/%s/" RUNF_JOB_DONE, st->run_dir, name);
    char text[1024];
    if (read_small(path, text, sizeof(text)) <= 0) {
        char none[] = "type=none";
        parse_job(none, out);
        return 0;
    }
    if (!keep)
        unlink(path);
    parse_job(text, out);
    return 0;
}

static int request(struct store *st, const char *name, const char *cmd, char **reply,
                   struct err **e)
{
    AUTOFREE char *sock = rt_sock_path(st, name);
    return sup_request(sock, cmd, JOB_TIMEOUT_MS, reply, e);
}

int rt_job_info(struct store *st, const char *name, unsigned flags, struct rt_job *out,
                struct err **e)
{
    if (flags & RT_JOB_COMPLETED_STATS)
        return completed_job(st, name, flags & RT_JOB_KEEP_COMPLETED, out);
    if (!rt_active(st, name))
        return err_set(e, ERR_STATE, "Requested operation is not valid: domain is not running");
    char *reply = NULL;
    if (request(st, name, "job-info", &reply, e) < 0)
        return -1;
    parse_job(reply, out);
    free(reply);
    return 0;
}

int rt_job_abort(struct store *st, const char *name, struct err **e)
{
    if (request(st, name, "job-abort", NULL, e) == 0)
        return 0;
    /* no migration job yet: a --copy-storage-all may be copying the disks */
    if (!*e || !strstr((*e)->msg, "no job is active") || mig_storage_abort_copy(st, name) <= 0)
        return -1;
    err_clear(e);
    return 0;
}

int rt_mig_set_speed(struct store *st, const char *name, unsigned long long mib, bool postcopy,
                     struct err **e)
{
    if (mib > RT_MIG_SPEED_MAX)
        return err_set(e, ERR_ARGS, "numerical overflow: bandwidth must be less than %llu",
                       RT_MIG_SPEED_MAX + 1);
    AUTOFREE char *cmd = xasprintf("migrate-set-speed %llu%s", mib, postcopy ? " postcopy" : "");
    return request(st, name, cmd, NULL, e);
}

/* "speed=N" (migrate-get-speed) */
static bool speed_value(const char *reply, long long *v)
{
    if (strncmp(reply, "speed=", 6) != 0)
        return false;
    *v = strtoll(reply + 6, NULL, 10);
    return true;
}

/* query-migrate-parameters' "downtime-limit" */
static bool downtime_value(const char *reply, long long *v)
{
    return qjson_num(reply, "downtime-limit", v);
}

/* cmd's answer read by value() into *out; what names it in the error */
static int request_num(struct store *st, const char *name, const char *cmd,
                       bool (*value)(const char *, long long *), const char *what,
                       unsigned long long *out, struct err **e)
{
    char *reply = NULL;
    if (request(st, name, cmd, &reply, e) < 0)
        return -1;
    long long v = -1;
    int rc = value(reply, &v) && v >= 0
                 ? 0 : err_set(e, ERR_BACKEND, "the domain did not report its %s", what);
    if (rc == 0)
        *out = (unsigned long long)v;
    free(reply);
    return rc;
}

int rt_mig_get_speed(struct store *st, const char *name, bool postcopy, unsigned long long *mib,
                     struct err **e)
{
    return request_num(st, name, postcopy ? "migrate-get-speed postcopy" : "migrate-get-speed",
                       speed_value, "migration speed", mib, e);
}

int rt_mig_set_downtime(struct store *st, const char *name, unsigned long long ms,
                        struct err **e)
{
    AUTOFREE char *cmd = xasprintf("qmp {\"execute\": \"migrate-set-parameters\", "
                                   "\"arguments\": {\"downtime-limit\": %llu}}", ms);
    return request(st, name, cmd, NULL, e);
}

int rt_mig_get_downtime(struct store *st, const char *name, unsigned long long *ms,
                        struct err **e)
{
    return request_num(st, name, "qmp {\"execute\": \"query-migrate-parameters\"}",
                       downtime_value, "downtime limit", ms, e);
}

int rt_mig_postcopy(struct store *st, const char *name, struct err **e)
{
    return request(st, name, "migrate-postcopy", NULL, e);
}
