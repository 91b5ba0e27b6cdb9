/* supervisor_job.c: one QMP job at a time, run to its end (the `job`
 * command, supervisor.h).  The shell sends the command that creates the
 * job (snapshot-save, snapshot-load, snapshot-delete, block-commit with
 * "auto-dismiss": false); we follow it by its JOB_STATUS_CHANGE events,
 * and by query-jobs every SUP_JOB_POLL_MS in case an event was missed:
 *   ready      a mirror-like job (active commit) waits to be switched
 *              over: block-job-complete, once
 *   concluded  query-jobs says whether it failed ("error"), then
 *              job-dismiss, then the requester gets OK or ERR ERROR.
 * Each poll's current-progress/total-progress goes to the requester as a
 * PROGRESS frame ("status=S transferred=N total=N"), as a migration's.
 * A requester that goes away before the job is complete has it canceled
 * (job-cancel) unless the switch-over was already asked for: an active
 * commit abandoned that way leaves the guest on its overlay, as it was. */
#include "supervisor.h"

#include <stdio.h>
#include <string.h>

static void job_reset(struct sup *s)
{
    s->job = (struct sup_job){ .client = -1 };
}

static void job_send(struct sup *s, const char *fmt, const char *arg, const char *what)
{
    char json[256];
    snprintf(json, sizeof(json), fmt, arg);
    sup_qmp_send(s, json, -1, what);
}

static void job_reply(struct sup *s, enum proto_type type, const char *text)
{
    if (s->job.client >= 0)
        sup_reply(s, s->job.client, type, text);
}

/* a job id we put in JSON unescaped: letters, digits, '-', '_', '.' */
static bool job_id_ok(const char *id)
{
    if (!*id)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* `job {"execute": ..., "arguments": {"job-id": ID, ...}}` */
static void cmd_job(struct sup *s, int client, const char *json)
{
    if (s->job.active)
        return sup_reply(s, client, PROTO_ERR, "a block job of this domain is already running");
    if (s->mig.kind != MIG_NONE)
        return sup_reply(s, client, PROTO_ERR, "a migration of this domain is running");
    if (s->destroying || (s->state != DOM_RUNNING && s->state != DOM_PAUSED))
        return sup_reply(s, client, PROTO_ERR,
                         "Requested operation is not valid: domain is not running");
    job_reset(s);
    if (!qjson_str(json, "job-id", s->job.id, sizeof(s->job.id)) || !job_id_ok(s->job.id))
        return sup_reply(s, client, PROTO_ERR, "job: the command has no usable \"job-id\"");
    s->job.active = true;
    s->job.client = client;
    sup_log(s, "job %s started", s->job.id);
    sup_qmp_send(s, json, -1, "job-start");
    s->job.next_query_ms = sup_now_ms() + SUP_JOB_POLL_MS;
}

bool sup_job_command(struct sup *s, int client, const char *cmd)
{
    if (strncmp(cmd, "job {", 5) != 0)
        return false;
    cmd_job(s, client, cmd + 4);
    return true;
}

/* the job's entry in a query-jobs answer: the flat object holding
 * "id": "ID" (JobInfo has no nested object) copied into out */
static bool job_entry(const struct sup *s, const char *line, char *out, size_t n)
{
    char key[80];
    snprintf(key, sizeof(key), "\"id\": \"%s\"", s->job.id);
    const char *hit = strstr(line, key);
    if (!hit)
        return false;
    const char *open = hit, *close = strchr(hit, '}');
    while (open > line && *open != '{')
        open--;
    if (*open != '{' || !close)
        return false;
    snprintf(out, n, "%.*s", (int)(close - open + 1), open);
    return true;
}

static void job_status(struct sup *s, const char *status)
{
    if (strcmp(status, "ready") == 0 && !s->job.complete_sent) {
        s->job.complete_sent = true;
        job_send(s, "{\"execute\": \"block-job-complete\", \"arguments\": {\"device\": \"%s\"}}",
                 s->job.id, "job-complete");
    } else if (strcmp(status, "concluded") == 0 && !s->job.concluded) {
        s->job.concluded = true;
        s->job.next_query_ms = 0;
        sup_qmp_send(s, "{\"execute\": \"query-jobs\"}", -1, "job-result");
    }
}

static void job_query_answer(struct sup *s, const char *what, const char *line)
{
    char entry[1024], status[32] = "";
    bool found = job_entry(s, line, entry, sizeof(entry));
    if (found)
        qjson_str(entry, "status", status, sizeof(status));
    if (strcmp(what, "job-query") == 0) {
        s->job.query_inflight = false;
        long long cur = 0, total = 0;
        char text[96];
        if (found && qjson_num(entry, "current-progress", &cur) &&
            qjson_num(entry, "total-progress", &total)) {
            snprintf(text, sizeof(text), "status=%s transferred=%lld total=%lld", status, cur,
                     total);
            job_reply(s, PROTO_PROGRESS, text);
        }
        if (found)
            job_status(s, status);
        if (!s->job.concluded)
            s->job.next_query_ms = sup_now_ms() + SUP_JOB_POLL_MS;
        return;
    }
    /* job-result: the concluded job, its error if any */
    if (!found) {
        snprintf(s->job.error, sizeof(s->job.error), "job %s vanished before its result was read",
                 s->job.id);
        job_reply(s, PROTO_ERR, s->job.error);
        return job_reset(s);
    }
    qjson_str(entry, "error", s->job.error, sizeof(s->job.error));
    job_send(s, "{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"%s\"}}", s->job.id,
             "job-dismiss");
}

void sup_job_answer(struct sup *s, const char *what, bool ok, const char *line)
{
    char desc[256] = "";
    if (!ok && (!qjson_str(line, "desc", desc, sizeof(desc)) || !*desc))
        snprintf(desc, sizeof(desc), "%s failed", what);
    if (!ok)
        sup_log(s, "%s: %s", what, desc);
    if (!s->job.active)
        return;                  /* a late answer (job-cancel after the end) */
    if (strcmp(what, "job-start") == 0 && !ok) {
        job_reply(s, PROTO_ERR, desc);
        return job_reset(s);
    }
    if ((strcmp(what, "job-query") == 0 || strcmp(what, "job-result") == 0) && ok)
        return job_query_answer(s, what, line);
    if (strcmp(what, "job-query") == 0)
        s->job.query_inflight = false;
    if (strcmp(what, "job-dismiss") == 0) {
        sup_log(s, "job %s concluded%s%s", s->job.id, *s->job.error ? ": " : "", s->job.error);
        job_reply(s, *s->job.error ? PROTO_ERR : PROTO_OK, s->job.error);
        job_reset(s);
    }
}

/* JOB_STATUS_CHANGE {"data": {"status": S, "id": ID}} */
void sup_job_event(struct sup *s, const char *line)
{
    char id[64] = "", status[32] = "";
    qjson_str(line, "id", id, sizeof(id));
    qjson_str(line, "status", status, sizeof(status));
    if (s->job.active && strcmp(id, s->job.id) == 0)
        job_status(s, status);
}

void sup_job_tick(struct sup *s)
{
    if (!s->job.active || !s->job.next_query_ms || s->job.query_inflight ||
        sup_now_ms() < s->job.next_query_ms)
        return;
    s->job.next_query_ms = 0;
    s->job.query_inflight = true;
    sup_qmp_send(s, "{\"execute\": \"query-jobs\"}", -1, "job-query");
}

long long sup_job_next_ms(const struct sup *s)
{
    return s->job.active && !s->job.query_inflight ? s->job.next_query_ms : 0;
}

void sup_job_client_gone(struct sup *s, int client)
{
    if (!s->job.active || s->job.client != client)
        return;
    s->job.client = -1;
    if (s->job.complete_sent || s->job.concluded)
        return;                  /* it finishes; nobody to tell */
    sup_log(s, "the requester of job %s went away: canceling it", s->job.id);
    job_send(s, "{\"execute\": \"job-cancel\", \"arguments\": {\"id\": \"%s\"}}", s->job.id,
             "job-cancel");
}

void sup_job_end(struct sup *s, const char *why)
{
    if (s->job.active)
        job_reply(s, PROTO_ERR, why);
    job_reset(s);
}
