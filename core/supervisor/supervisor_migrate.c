/* supervisor_migrate.c: the guest's state to and from a stream, the one
 * mechanism under save, restore, managed save, snapshots with memory and
 * live migration (commands in supervisor.h).  The supervisor stays the only
 * QMP client: a shell hands it the open image (SCM_RIGHTS on sup.sock), it
 * hands it on to the emulator (`getfd`), and it drives the migration from
 * its poll loop (MIGRATION events, query-migrate every SUP_MIG_POLL_MS for
 * progress), so a shell that dies mid-way cannot leave the guest stopped:
 * its disconnect cancels the migration and the guest runs on.
 *
 * Why the descriptor and not a path: the image is opened by the shell,
 * relative to its own working directory and with its own permissions; the
 * shell writes our header before the stream and the "complete" mark after
 * it, so the supervisor never needs to know the file format. */
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIG_FDNAME "domsh-migration"

static void mig_reset(struct sup *s)
{
    if (s->mig.kind == MIG_OUT && s->mig.postcopy_client >= 0)   /* its answer comes too late */
        sup_reply(s, s->mig.postcopy_client, PROTO_ERR, "Requested operation is not valid: the "
                  "migration ended before its switch to post-copy");
    s->mig = (struct sup_mig){ .kind = MIG_NONE, .client = -1, .postcopy_client = -1 };
}

/* "\"uri\": \"...\"" escaped for JSON; false for a URI we do not run */
static bool uri_json(const char *uri, char *out, size_t n)
{
    if (strcmp(uri, "fd") == 0) {
        snprintf(out, n, "fd:" MIG_FDNAME);
        return true;
    }
    if (strncmp(uri, "unix:/", 6) != 0 && strncmp(uri, "tcp:", 4) != 0)
        return false;
    size_t o = 0;
    for (const char *p = uri; *p; p++) {
        if ((unsigned char)*p < 0x20 || o + 3 >= n)
            return false;
        if (*p == '"' || *p == '\\')
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o] = '\0';
    return true;
}

/* the requester may have gone (-1): its answer goes nowhere */
static void mig_reply(struct sup *s, enum proto_type type, const char *text)
{
    if (s->mig.client >= 0)
        sup_reply(s, s->mig.client, type, text);
}

static void mig_send(struct sup *s, const char *json, const char *what)
{
    sup_qmp_send(s, json, -1, what);
}

/* words after the command: URI then flags; false on an unknown flag */
static bool parse_flags(struct sup *s, char *rest, char *uri, size_t n)
{
    char *save = NULL, *w = strtok_r(rest, " ", &save);
    if (!w || snprintf(uri, n, "%s", w) >= (int)n)
        return false;
    while ((w = strtok_r(NULL, " ", &save))) {
        if (strcmp(w, "live") == 0)
            s->mig.live = true;
        else if (strcmp(w, "resume") == 0)
            s->mig.resume = true;
        else if (strcmp(w, "paused") == 0)
            s->mig.paused_after = true;
        else if (strcmp(w, "hold") == 0)     /* --copy-storage-all: the disks first */
            s->mig.paused_after = s->mig.hold = true;
        else if (strcmp(w, "auto-converge") == 0)
            s->mig.auto_converge = true;
        else if (strcmp(w, "postcopy") == 0)
            s->mig.postcopy = true;
        else if (strcmp(w, "postcopy-after-precopy") == 0)
            s->mig.postcopy = s->mig.postcopy_after = true;
        else if (strncmp(w, "bandwidth=", 10) == 0 && atoll(w + 10) > 0)
            s->mig.bandwidth_mib = atoll(w + 10);
        else if (strncmp(w, "postcopy-bandwidth=", 19) == 0 && atoll(w + 19) > 0)
            s->mig.pc_bandwidth_mib = atoll(w + 19);
        else if ((strncmp(w, "why=", 4) == 0 || strncmp(w, "reason=", 7) == 0) &&
                 snprintf(s->mig.why, sizeof(s->mig.why), "%s", strchr(w, '=') + 1) <
                     (int)sizeof(s->mig.why))
            continue;
        else
            return false;
    }
    return true;
}

/* capabilities, the descriptor, then the migration itself */
static void mig_begin(struct sup *s, int client, const char *uri, const char *start_cmd)
{
    char json[2 * SUP_PATH + 128], juri[2 * SUP_PATH];
    if (!uri_json(uri, juri, sizeof(juri)))
        return sup_reply(s, client, PROTO_ERR, "unsupported migration URI (fd, unix:/PATH, tcp:)");
    bool fd = strcmp(uri, "fd") == 0;
    if (fd && s->client[client].passed_fd < 0)
        return sup_reply(s, client, PROTO_ERR, "no file descriptor came with the command");
    s->mig.client = client;
    sup_migjob_start(s);
    /* every capability said each time: QEMU keeps them from the last migration */
    snprintf(json, sizeof(json), "{\"execute\": \"migrate-set-capabilities\", \"arguments\": "
             "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}, "
             "{\"capability\": \"postcopy-ram\", \"state\": %s}%s]}}",
             s->mig.postcopy ? "true" : "false",
             s->mig.kind != MIG_OUT ? ""
             : s->mig.auto_converge ? ", {\"capability\": \"auto-converge\", \"state\": true}"
                                    : ", {\"capability\": \"auto-converge\", \"state\": false}");
    mig_send(s, json, "mig-caps");
    if (s->mig.kind == MIG_OUT) {
        snprintf(json, sizeof(json), "{\"execute\": \"migrate-set-parameters\", \"arguments\": "
                 "{\"max-bandwidth\": %lld, \"max-postcopy-bandwidth\": %lld}}",
                 sup_migjob_bandwidth(s), sup_migjob_pc_bandwidth(s));
        mig_send(s, json, "mig-params");
        sup_log(s, "%s: max-bandwidth %lld bytes/s, post-copy %lld", s->migjob.op,
                sup_migjob_bandwidth(s), sup_migjob_pc_bandwidth(s));
    } else if (s->mig.postcopy) {
        sup_log(s, "%s: post-copy enabled: the guest runs here from the switch on",
                s->migjob.op);
    }
    if (fd) {
        sup_qmp_send_fd(s, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \""
                        MIG_FDNAME "\"}}", s->client[client].passed_fd, -1, "mig-getfd");
        close(s->client[client].passed_fd);      /* the emulator has its own copy now */
        s->client[client].passed_fd = -1;
    }
    if (s->mig.kind == MIG_OUT && !s->mig.live && s->state == DOM_RUNNING)
        mig_send(s, "{\"execute\": \"stop\"}", "mig-stop");
    snprintf(json, sizeof(json), "{\"execute\": \"%s\", \"arguments\": {\"uri\": \"%s\"}}",
             start_cmd, juri);
    mig_send(s, json, "mig-start");
}

static void cmd_migrate_out(struct sup *s, int client, char *rest)
{
    if (s->mig.kind != MIG_NONE)
        return sup_reply(s, client, PROTO_ERR, "a migration of this domain is already running");
    if (s->destroying || (s->state != DOM_RUNNING && s->state != DOM_PAUSED))
        return sup_reply(s, client, PROTO_ERR,
                         "Requested operation is not valid: domain is not running");
    char uri[SUP_PATH];
    mig_reset(s);
    if (!parse_flags(s, rest, uri, sizeof(uri))) {
        mig_reset(s);
        return sup_reply(s, client, PROTO_ERR, "usage: migrate-out URI [live] [resume] [why=W]");
    }
    if (s->mig.postcopy && (!s->mig.live || s->state != DOM_RUNNING)) {
        mig_reset(s);
        return sup_reply(s, client, PROTO_ERR, "argument unsupported: post-copy migration is "
                         "not supported with non-live or paused migration");
    }
    s->mig.kind = MIG_OUT;
    s->mig.was_running = s->state == DOM_RUNNING;
    snprintf(s->mig.prev_reason, sizeof(s->mig.prev_reason), "%s", s->reason);
    if (!*s->mig.why)
        snprintf(s->mig.why, sizeof(s->mig.why), "saving");
    mig_begin(s, client, uri, "migrate");
    if (s->mig.client < 0)
        mig_reset(s);            /* refused before anything was sent */
}

static void cmd_migrate_in(struct sup *s, int client, char *rest)
{
    if (s->mig.kind != MIG_IN_WAIT)
        return sup_reply(s, client, PROTO_ERR,
                         "Requested operation is not valid: the domain is not waiting for an "
                         "incoming migration");
    char uri[SUP_PATH];
    s->mig.live = s->mig.resume = s->mig.paused_after = s->mig.hold = false;
    if (!parse_flags(s, rest, uri, sizeof(uri)) || s->mig.live || s->mig.resume)
        return sup_reply(s, client, PROTO_ERR, "usage: migrate-in URI [paused|hold] [reason=W]");
    s->mig.kind = MIG_IN;
    if (!*s->mig.why)
        snprintf(s->mig.why, sizeof(s->mig.why), "restored");
    mig_begin(s, client, uri, "migrate-incoming");
    if (s->mig.client < 0)
        s->mig.kind = MIG_IN_WAIT;
}

static void mig_quit(struct sup *s, const char *reason)
{
    s->destroying = true;
    snprintf(s->final_reason, sizeof(s->final_reason), "%s", reason);
    sup_log(s, "migration done: quitting (%s)", reason);
    sup_qmp_send(s, "{\"execute\": \"quit\"}", -1, "quit");
    s->kill_deadline_ms = sup_now_ms() + 5000;
}

static void cmd_finish(struct sup *s, int client, const char *reason)
{
    if (strcmp(reason, "saved") != 0 && strcmp(reason, "migrated") != 0)
        return sup_reply(s, client, PROTO_ERR, "usage: finish saved|migrated");
    if (s->mig.kind != MIG_NONE || s->state != DOM_PAUSED)
        return sup_reply(s, client, PROTO_ERR,
                         "Requested operation is not valid: no completed migration to finish");
    s->client[client].wait_exit = true;
    mig_quit(s, reason);
}

bool sup_mig_command(struct sup *s, int client, const char *cmd)
{
    char rest[SUP_PATH + 64];
    if (strncmp(cmd, "migrate-out ", 12) == 0 || strncmp(cmd, "migrate-in ", 11) == 0) {
        bool out = cmd[8] == 'o';
        if (snprintf(rest, sizeof(rest), "%s", cmd + (out ? 12 : 11)) >= (int)sizeof(rest))
            sup_reply(s, client, PROTO_ERR, "migration URI too long");
        else if (out)
            cmd_migrate_out(s, client, rest);
        else
            cmd_migrate_in(s, client, rest);
    } else if (strcmp(cmd, "migrate-cancel") == 0) {
        if (s->mig.kind != MIG_OUT)
            return sup_reply(s, client, PROTO_ERR, "no outgoing migration to cancel"), true;
        if (s->mig.postcopy_asked || s->mig.postcopy_active)   /* the guest runs there */
            return sup_reply(s, client, PROTO_ERR, "Requested operation is not valid: "
                             SUP_POSTCOPY_NO_ABORT), true;
        s->mig.cancel = true;
        mig_send(s, "{\"execute\": \"migrate_cancel\"}", "mig-cancel");
        sup_reply(s, client, PROTO_OK, "");
    } else if (strncmp(cmd, "finish ", 7) == 0) {
        cmd_finish(s, client, cmd + 7);
    } else {
        return sup_migjob_command(s, client, cmd);
    }
    return true;
}

/* the end: put the guest back (or run it), then answer */
static void mig_conclude(struct sup *s, bool ok, const char *text)
{
    snprintf(s->mig.result, sizeof(s->mig.result), "%s", text);
    sup_migjob_finish(s, ok ? "completed" : s->mig.cancel ? "cancelled" : "failed", ok ? NULL : text);
    s->mig.failed = !ok;
    s->mig.next_query_ms = 0;
    bool cont;
    if (s->mig.kind == MIG_IN) {
        if (!ok) {
            mig_reply(s, PROTO_ERR, text);
            sup_log(s, "incoming migration failed: %s", text);
            mig_reset(s);
            sup_destroy(s, -1, false);
            snprintf(s->final_reason, sizeof(s->final_reason), "failed");
            return;
        }
        cont = !s->mig.paused_after;
    } else {
        /* a switch to post-copy that failed before the destination ran
         * left the vCPUs stopped: the guest is still only here */
        bool stopped = s->mig.stopped || (s->mig.postcopy_asked && !s->mig.postcopy_active);
        cont = s->mig.was_running && stopped && (!ok || s->mig.resume);
    }
    if (cont) {
        s->mig.cont_deadline_ms = sup_now_ms() + SUP_MIG_CONT_WAIT_MS;
        return mig_send(s, "{\"execute\": \"cont\"}", "mig-cont");
    }
    if (s->mig.kind == MIG_IN)
        sup_set_state(s, DOM_PAUSED, s->mig.hold ? "migrating" : "user");
    s->arrived_held = s->mig.kind == MIG_IN && s->mig.hold;
    /* a post-copy migration whose requester died ended well all the same:
     * the guest runs in the destination, nobody will send `finish` */
    bool orphan = ok && s->mig.kind == MIG_OUT && s->mig.client < 0 &&
                  (s->mig.postcopy_asked || s->mig.postcopy_active);
    mig_reply(s, ok ? PROTO_OK : PROTO_ERR, text);
    mig_reset(s);
    if (orphan)
        mig_quit(s, "migrated");
}

/* the switch to post-copy happened (an event or a query said so); the
 * destination runs the guest from now on, pulling its pages as it touches them */
static void saw_postcopy(struct sup *s)
{
    if (s->mig.postcopy_active)
        return;
    s->mig.postcopy_active = true;
    if (s->mig.kind != MIG_IN || s->mig.paused_after)
        return;
    sup_log(s, "post-copy: running the guest while its memory arrives");
    mig_send(s, "{\"execute\": \"cont\"}", "mig-pccont");
}

static void mig_status(struct sup *s, const char *line)
{
    char status[32] = "", desc[128] = "", text[160];
    qjson_str(line, "status", status, sizeof(status));
    sup_migjob_update(s, line);
    if (strcmp(status, "postcopy-active") == 0)
        saw_postcopy(s);
    if (strcmp(status, "postcopy-paused") == 0)     /* the stream broke past the switch */
        return mig_conclude(s, false, "the migration stream broke after the switch to "
                            "post-copy: the guest cannot run on either side");
    if (s->mig.postcopy_after && s->migjob.stat[JS_ITERATION] >= 2)
        sup_migjob_postcopy(s, -1);         /* the first pass is done */
    long long v;
    if (qjson_num(line, "transferred", &v))
        s->mig.transferred = v;
    if (qjson_num(line, "total", &v))
        s->mig.total = v;
    if (qjson_num(line, "remaining", &v))
        s->mig.remaining = v;
    if (strcmp(status, "completed") == 0 && !s->mig.cancel) {
        snprintf(text, sizeof(text), "status=completed transferred=%lld total=%lld",
                 s->mig.transferred, s->mig.total);
        return mig_conclude(s, true, text);
    }
    if (strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0 ||
        (strcmp(status, "completed") == 0 && s->mig.cancel)) {
        if (s->mig.cancel && s->mig.aborted)
            snprintf(desc, sizeof(desc), "operation aborted: %s: canceled by client",
                     sup_migjob_name(s));
        else if (s->mig.cancel)
            snprintf(desc, sizeof(desc), "operation canceled");
        else if (!qjson_str(line, "error-desc", desc, sizeof(desc)) || !*desc)
            snprintf(desc, sizeof(desc), "migration failed");
        return mig_conclude(s, false, desc);
    }
    snprintf(text, sizeof(text), "status=%s transferred=%lld remaining=%lld total=%lld",
             *status ? status : "setup", s->mig.transferred, s->mig.remaining, s->mig.total);
    mig_reply(s, PROTO_PROGRESS, text);
    s->mig.next_query_ms = sup_now_ms() + SUP_MIG_POLL_MS;
}

void sup_mig_answer(struct sup *s, const char *what, bool ok, const char *line)
{
    char desc[160] = "";
    if (!ok && (!qjson_str(line, "desc", desc, sizeof(desc)) || !*desc))
        snprintf(desc, sizeof(desc), "%s failed", what + 4);
    if (!ok)
        sup_log(s, "%s: %s", what, desc);
    if (s->mig.kind != MIG_OUT && s->mig.kind != MIG_IN)
        return;                  /* a late answer (cont after a cancel, ...) */
    if (strcmp(what, "mig-query") == 0) {
        s->mig.query_inflight = false;
        return ok ? mig_status(s, line) : mig_conclude(s, false, desc);
    }
    if (strcmp(what, "mig-cont") == 0) {
        if (!ok && strstr(desc, "not finalized yet") && sup_now_ms() < s->mig.cont_deadline_ms) {
            s->mig.cont_retry_ms = sup_now_ms() + SUP_MIG_CONT_RETRY_MS;
            return;
        }
        if (ok)                  /* restored, or running as before the save */
            sup_set_state(s, DOM_RUNNING, s->mig.kind == MIG_IN ? s->mig.why : s->mig.prev_reason);
        bool good = !s->mig.failed && ok;
        mig_reply(s, good ? PROTO_OK : PROTO_ERR, good || s->mig.failed ? s->mig.result : desc);
        return mig_reset(s);
    }
    if (strcmp(what, "mig-postcopy") == 0) {
        s->mig.postcopy_asked = ok;      /* the switch itself shows as postcopy-active */
        if (s->mig.postcopy_client >= 0)
            sup_reply(s, s->mig.postcopy_client, ok ? PROTO_OK : PROTO_ERR, ok ? "" : desc);
        s->mig.postcopy_client = -1;
        return;
    }
    if (strcmp(what, "mig-pccont") == 0) {
        if (ok)
            sup_set_state(s, DOM_RUNNING, "post-copy");
        return;                  /* refused: the `cont` at completion tries again */
    }
    if (strcmp(what, "mig-stop") == 0 && ok) {
        s->mig.stopped = true;
        sup_set_state(s, DOM_PAUSED, s->mig.why);
    }
    if (!ok && !s->mig.failed && strcmp(what, "mig-cancel") != 0) {
        s->mig.failed = true;
        snprintf(s->mig.result, sizeof(s->mig.result), "%s", desc);
    }
    if (strcmp(what, "mig-start") == 0) {
        if (s->mig.failed)
            return mig_conclude(s, false, s->mig.result);
        s->mig.next_query_ms = sup_now_ms() + SUP_MIG_POLL_MS;
    }
}

void sup_mig_event(struct sup *s, const char *line)
{
    char status[32] = "";
    qjson_str(line, "status", status, sizeof(status));
    bool final = strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
                 strcmp(status, "cancelled") == 0;
    if (final && (s->mig.kind == MIG_OUT || s->mig.kind == MIG_IN) && s->mig.next_query_ms)
        s->mig.next_query_ms = sup_now_ms();    /* ask now, not at the next tick */
    bool migrating = s->mig.kind == MIG_OUT || s->mig.kind == MIG_IN;
    if (strcmp(status, "postcopy-active") == 0 && migrating)
        saw_postcopy(s);
}

void sup_mig_tick(struct sup *s)
{
    long long now = sup_now_ms();
    if (s->mig.kind == MIG_IN_WAIT && s->mig.deadline_ms && now >= s->mig.deadline_ms) {
        sup_log(s, "no incoming migration within %d ms: destroying", SUP_INCOMING_WAIT_MS);
        mig_reset(s);
        sup_destroy(s, -1, false);
        snprintf(s->final_reason, sizeof(s->final_reason), "failed");
        return;
    }
    if (s->mig.cont_retry_ms && now >= s->mig.cont_retry_ms) {
        s->mig.cont_retry_ms = 0;
        mig_send(s, "{\"execute\": \"cont\"}", "mig-cont");
    }
    if (s->mig.next_query_ms && now >= s->mig.next_query_ms && !s->mig.query_inflight) {
        s->mig.next_query_ms = 0;
        s->mig.query_inflight = true;
        mig_send(s, "{\"execute\": \"query-migrate\"}", "mig-query");
    }
}

long long sup_mig_next_ms(const struct sup *s)
{
    if (s->mig.kind == MIG_IN_WAIT)
        return s->mig.deadline_ms;
    if (s->mig.cont_retry_ms)
        return s->mig.cont_retry_ms;
    return s->mig.query_inflight ? 0 : s->mig.next_query_ms;
}

void sup_mig_client_gone(struct sup *s, int client)
{
    if (s->mig.client != client || s->mig.kind == MIG_NONE)
        return;
    s->mig.client = -1;
    if (s->mig.postcopy_asked || s->mig.postcopy_active ||
        (s->mig.kind == MIG_IN && s->mig.postcopy)) {
        /* past the switch the guest lives in the destination: canceling or
         * destroying either side would lose it; the migration ends alone.
         * Before it, the source cancels and the broken stream fails (and
         * destroys) this destination all the same */
        sup_log(s, "the migration's requester went away (post-copy enabled): going on");
        return;
    }
    if (s->mig.kind == MIG_OUT && !s->mig.cancel) {
        sup_log(s, "the migration's requester went away: canceling");
        s->mig.cancel = true;
        mig_send(s, "{\"execute\": \"migrate_cancel\"}", "mig-cancel");
    } else if (s->mig.kind == MIG_IN) {
        sup_log(s, "the incoming migration's requester went away: destroying");
        mig_reset(s);
        sup_destroy(s, -1, false);
        snprintf(s->final_reason, sizeof(s->final_reason), "failed");
    }
}

void sup_mig_incoming_ready(struct sup *s)
{
    mig_reset(s);
    s->mig.kind = MIG_IN_WAIT;
    s->mig.deadline_ms = sup_now_ms() + SUP_INCOMING_WAIT_MS;
    sup_set_state(s, DOM_PAUSED, "incoming");
}

void sup_mig_end(struct sup *s, const char *why)
{
    if (s->mig.kind == MIG_OUT || s->mig.kind == MIG_IN)
        mig_reply(s, PROTO_ERR, why);
    sup_migjob_finish(s, "failed", why);
    mig_reset(s);
}
