/* list: domains in one pass over the store: names from readdir of the
 * config dir, state from RUN/ (only the running ones have a status file),
 * no XML parsed.  Running domains first by id, then the others by name. */
#include <stdlib.h>
#include <string.h>

#include "../core/runtime/runtime.h"
#include "../core/runtime/save.h"
#include "../core/store/store.h"
#include "../shell/out.h"
#include "../shell/shell.h"

enum { LIST_OPT_ALL, LIST_OPT_INACTIVE, LIST_OPT_NAME, LIST_OPT_UUID, LIST_OPT_ID,
       LIST_OPT_TABLE, LIST_OPT_JSON, LIST_OPT_RUNNING, LIST_OPT_PAUSED, LIST_OPT_SHUTOFF,
       LIST_OPT_OTHER, LIST_OPT_AUTOSTART, LIST_OPT_NO_AUTOSTART, LIST_OPT_PERSISTENT,
       LIST_OPT_TRANSIENT, LIST_OPT_MANAGED_SAVE, LIST_OPT_WITH_MANAGED_SAVE,
       LIST_OPT_WITHOUT_MANAGED_SAVE };

static const struct opt_def list_opts[] = {
    [LIST_OPT_ALL] = {.name = "all", .kind = OPT_BOOL, .help = "list inactive and active domains"},
    [LIST_OPT_INACTIVE] = {.name = "inactive", .kind = OPT_BOOL, .help = "list inactive domains"},
    [LIST_OPT_NAME] = {.name = "name", .kind = OPT_BOOL, .help = "list domain names only"},
    [LIST_OPT_UUID] = {.name = "uuid", .kind = OPT_BOOL, .help = "list uuids only"},
    [LIST_OPT_ID] = {.name = "id", .kind = OPT_BOOL, .help = "list ids of running domains only"},
    [LIST_OPT_TABLE] = {.name = "table", .kind = OPT_BOOL, .help = "list as a table (default)"},
    [LIST_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                       .help = "one JSON array of {id, name, uuid, state, reason, persistent, autostart}"},
    [LIST_OPT_RUNNING] = {.name = "state-running", .kind = OPT_BOOL, .help = "list running domains"},
    [LIST_OPT_PAUSED] = {.name = "state-paused", .kind = OPT_BOOL, .help = "list paused domains"},
    [LIST_OPT_SHUTOFF] = {.name = "state-shutoff", .kind = OPT_BOOL, .help = "list shut off domains"},
    [LIST_OPT_OTHER] = {.name = "state-other", .kind = OPT_BOOL,
                        .help = "list domains in other states (in shutdown, crashed, ...)"},
    [LIST_OPT_AUTOSTART] = {.name = "autostart", .kind = OPT_BOOL,
                            .help = "list domains with autostart enabled"},
    [LIST_OPT_NO_AUTOSTART] = {.name = "no-autostart", .kind = OPT_BOOL,
                               .help = "list domains with autostart disabled"},
    [LIST_OPT_PERSISTENT] = {.name = "persistent", .kind = OPT_BOOL, .help = "list persistent domains"},
    [LIST_OPT_TRANSIENT] = {.name = "transient", .kind = OPT_BOOL, .help = "list transient domains"},
    [LIST_OPT_MANAGED_SAVE] = {.name = "managed-save", .kind = OPT_BOOL,
                               .help = "mark inactive domains with a managed save image as 'saved'"},
    [LIST_OPT_WITH_MANAGED_SAVE] = {.name = "with-managed-save", .kind = OPT_BOOL,
                                    .help = "list domains with a managed save image"},
    [LIST_OPT_WITHOUT_MANAGED_SAVE] = {.name = "without-managed-save", .kind = OPT_BOOL,
                                       .help = "list domains without a managed save image"},
};

struct row {
    char *name;
    struct dom_status st;
    bool persistent;
    bool managed_save;
};

static int row_cmp(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    bool aa = a->st.id >= 0, ba = b->st.id >= 0;
    if (aa != ba)
        return aa ? -1 : 1;
    if (aa && a->st.id != b->st.id)
        return a->st.id < b->st.id ? -1 : 1;
    return strcmp(a->name, b->name);
}

static unsigned state_bit(enum dom_state s)
{
    if (s == DOM_RUNNING || s == DOM_BLOCKED)
        return ST_RUNNING;
    if (s == DOM_PAUSED)
        return ST_PAUSED;
    return dom_state_active(s) ? ST_OTHER : ST_SHUTOFF;
}

/* which states to show: --state-* if any, else --all / --inactive / active */
static unsigned wanted_states(const struct cmd_args *a)
{
    unsigned m = (args_bool(a, LIST_OPT_RUNNING) ? ST_RUNNING : 0) |
                 (args_bool(a, LIST_OPT_PAUSED) ? ST_PAUSED : 0) |
                 (args_bool(a, LIST_OPT_SHUTOFF) ? ST_SHUTOFF : 0) |
                 (args_bool(a, LIST_OPT_OTHER) ? ST_OTHER : 0);
    if (m)
        return m;
    if (args_bool(a, LIST_OPT_ALL))
        return ST_ANY;
    return args_bool(a, LIST_OPT_INACTIVE) ? ST_SHUTOFF : ST_ACTIVE;
}

static bool keep_row(struct shell *sh, const struct cmd_args *a, const struct row *r)
{
    if (!(state_bit(r->st.state) & wanted_states(a)))
        return false;
    if (args_bool(a, LIST_OPT_PERSISTENT) != args_bool(a, LIST_OPT_TRANSIENT) &&
        r->persistent != args_bool(a, LIST_OPT_PERSISTENT))
        return false;
    if (args_bool(a, LIST_OPT_AUTOSTART) != args_bool(a, LIST_OPT_NO_AUTOSTART) &&
        store_autostart(sh->store, r->name) != args_bool(a, LIST_OPT_AUTOSTART))
        return false;
    if (args_bool(a, LIST_OPT_WITH_MANAGED_SAVE) != args_bool(a, LIST_OPT_WITHOUT_MANAGED_SAVE) &&
        r->managed_save != args_bool(a, LIST_OPT_WITH_MANAGED_SAVE))
        return false;
    return true;
}

/* persistent names plus running transient ones, with their state */
static int collect(struct shell *sh, const struct cmd_args *a, struct row **rows, size_t *n,
                   struct err **e)
{
    struct strv names = {0}, active = {0};
    if (store_list(sh->store, &names, e) < 0 || rt_list_active(sh->store, &active, e) < 0) {
        strv_free(&names);
        strv_free(&active);
        return -1;
    }
    size_t cap = names.n + active.n, k = 0;
    *rows = xcalloc(cap ? cap : 1, sizeof(**rows));
    *n = 0;
    for (size_t i = 0; i < names.n; i++) {
        struct row r = {.name = steal_ptr(&names.v[i]), .persistent = true};
        while (k < active.n && strcmp(active.v[k], r.name) < 0)
            k++;
        if (k < active.n && strcmp(active.v[k], r.name) == 0)
            rt_status(sh->store, r.name, &r.st, NULL);
        else
            r.st = (struct dom_status){.state = DOM_SHUTOFF, .id = -1, .reason = "unknown"};
        (*rows)[(*n)++] = r;
    }
    for (size_t i = 0; i < active.n; i++) {
        if (store_exists(sh->store, active.v[i]))
            continue;
        struct row r = {.name = steal_ptr(&active.v[i])};
        rt_status(sh->store, r.name, &r.st, NULL);
        (*rows)[(*n)++] = r;
    }
    strv_free(&names);
    strv_free(&active);
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        struct row *r = &(*rows)[i];
        r->managed_save = r->persistent && managed_save_exists(sh->store, r->name);
        if (keep_row(sh, a, &(*rows)[i]))
            (*rows)[kept++] = (*rows)[i];
        else
            free((*rows)[i].name);
    }
    *n = kept;
    qsort(*rows, *n, sizeof(**rows), row_cmp);
    return 0;
}

static void uuid_of(struct shell *sh, const struct row *r, char out[37])
{
    if (!store_uuid(sh->store, r->name, out))
        strcpy(out, "-");
}

static void print_json(struct shell *sh, const struct row *rows, size_t n)
{
    struct json j = {0};
    json_arr_begin(&j, NULL);
    for (size_t i = 0; i < n; i++) {
        char uuid[37];
        uuid_of(sh, &rows[i], uuid);
        json_obj_begin(&j, NULL);
        if (rows[i].st.id >= 0)
            json_int(&j, "id", rows[i].st.id);
        else
            json_null(&j, "id");
        json_str(&j, "name", rows[i].name);
        json_str(&j, "uuid", strcmp(uuid, "-") ? uuid : NULL);
        json_str(&j, "state", dom_state_name(rows[i].st.state));
        json_str(&j, "reason", rows[i].st.reason);
        json_bool(&j, "persistent", rows[i].persistent);
        json_bool(&j, "autostart", store_autostart(sh->store, rows[i].name));
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_print(&j, sh);
}

static void print_table(struct shell *sh, const struct row *rows, size_t n, bool saved)
{
    static const char *const head[] = {"Id", "Name", "State"};
    struct table t;
    table_init(&t, 3, head);
    for (size_t i = 0; i < n; i++) {
        char id[16] = "-";
        if (rows[i].st.id >= 0)
            snprintf(id, sizeof(id), "%d", rows[i].st.id);
        const char *state = saved && rows[i].managed_save && rows[i].st.state == DOM_SHUTOFF
                                ? "saved" : dom_state_name(rows[i].st.state);
        const char *cells[] = {id, rows[i].name, state};
        table_add_row(&t, cells, 2, out_state_color(state));
    }
    table_print(&t, sh);
    table_free(&t);
}

static void print_lines(struct shell *sh, const struct cmd_args *a, const struct row *rows,
                        size_t n)
{
    bool name = args_bool(a, LIST_OPT_NAME), uuid = args_bool(a, LIST_OPT_UUID);
    for (size_t i = 0; i < n; i++) {
        char u[37];
        if (args_bool(a, LIST_OPT_ID)) {
            if (rows[i].st.id >= 0)
                fprintf(sh->out, "%d\n", rows[i].st.id);
            continue;
        }
        if (uuid)
            uuid_of(sh, &rows[i], u);
        if (uuid && name)
            fprintf(sh->out, "%-36s %s\n", u, rows[i].name);
        else
            fprintf(sh->out, "%s\n", uuid ? u : rows[i].name);
    }
}

static int check_exclusive(const struct cmd_args *a, struct err **e)
{
    static const int pairs[][2] = {
        {LIST_OPT_TABLE, LIST_OPT_NAME}, {LIST_OPT_TABLE, LIST_OPT_UUID},
        {LIST_OPT_TABLE, LIST_OPT_ID}, {LIST_OPT_JSON, LIST_OPT_TABLE},
        {LIST_OPT_JSON, LIST_OPT_NAME}, {LIST_OPT_JSON, LIST_OPT_UUID},
        {LIST_OPT_JSON, LIST_OPT_ID}, {LIST_OPT_ALL, LIST_OPT_INACTIVE},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (args_bool(a, pairs[i][0]) && args_bool(a, pairs[i][1]))
            return err_set(e, ERR_ARGS, "options --%s and --%s are mutually exclusive",
                           list_opts[pairs[i][0]].name, list_opts[pairs[i][1]].name);
    return 0;
}

static int list_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct row *rows = NULL;
    size_t n = 0;
    if (check_exclusive(a, e) < 0 || collect(sh, a, &rows, &n, e) < 0)
        return -1;
    if (args_bool(a, LIST_OPT_JSON))
        print_json(sh, rows, n);
    else if (args_bool(a, LIST_OPT_NAME) || args_bool(a, LIST_OPT_UUID) ||
             args_bool(a, LIST_OPT_ID))
        print_lines(sh, a, rows, n);
    else
        print_table(sh, rows, n, args_bool(a, LIST_OPT_MANAGED_SAVE));
    for (size_t i = 0; i < n; i++)
        free(rows[i].name);
    free(rows);
    return 0;
}

const struct cmd_def cmd_list = {
    .name = "list", .group = "domain", .summary = "list domains",
    .desc = "Lists running domains, or with --all every domain: running ones by id first, "
            "then the others by name. Reads no XML unless --uuid or --json asks for uuids.",
    .opts = list_opts, .nopts = NOPTS(list_opts), .target_opt = -1, .run = list_run,
};
