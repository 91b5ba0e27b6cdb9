/* list: domains with their states in one pass (core/domains: readdir of
 * the config dir and of RUN/, one status read per domain in RUN/), no XML
 * parsed.  Running domains first by id, then the others by name. */
#include <stdlib.h>
#include <string.h>

#include "../core/domains/domains.h"
#include "../core/runtime/save.h"
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

/* running first by id, then by name */
static int row_cmp(const void *pa, const void *pb)
{
    const struct domain_info *a = pa, *b = pb;
    bool aa = a->st->id >= 0, ba = b->st->id >= 0;
    if (aa != ba)
        return aa ? -1 : 1;
    if (aa && a->st->id != b->st->id)
        return a->st->id < b->st->id ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* domains_list gives the rows by name: the running ones (a few) move to
 * the front, sorted by id, the rest keep their order; one pass, not a
 * sort of ten thousand rows */
static void running_first(struct domain_set *rows)
{
    size_t nrun = 0;
    for (size_t i = 0; i < rows->n; i++)
        nrun += rows->v[i].st->id >= 0;
    if (!nrun || nrun == rows->n) {
        if (nrun > 1)
            qsort(rows->v, rows->n, sizeof(*rows->v), row_cmp);
        return;
    }
    struct domain_info *v = xmalloc(rows->n * sizeof(*v));
    size_t r = 0, o = nrun;
    for (size_t i = 0; i < rows->n; i++)
        v[rows->v[i].st->id >= 0 ? r++ : o++] = rows->v[i];
    qsort(v, nrun, sizeof(*v), row_cmp);
    free(rows->v);
    rows->v = v;
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

static bool keep_row(struct shell *sh, const struct cmd_args *a, const struct domain_info *r)
{
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

/* the domains in the wanted states (core/domains: one pass), filtered */
static int collect(struct shell *sh, const struct cmd_args *a, struct domain_set *rows,
                   struct err **e)
{
    if (domains_list(sh->store, wanted_states(a), rows, e) < 0)
        return -1;
    size_t kept = 0;
    bool saves = args_bool(a, LIST_OPT_MANAGED_SAVE) || args_bool(a, LIST_OPT_WITH_MANAGED_SAVE) ||
                 args_bool(a, LIST_OPT_WITHOUT_MANAGED_SAVE);
    bool filters = args_bool(a, LIST_OPT_PERSISTENT) != args_bool(a, LIST_OPT_TRANSIENT) ||
                   args_bool(a, LIST_OPT_AUTOSTART) != args_bool(a, LIST_OPT_NO_AUTOSTART);
    for (size_t i = 0; (saves || filters) && i < rows->n; i++) {
        struct domain_info *r = &rows->v[i];
        /* a stat per domain: only when asked about managed saves */
        r->managed_save = saves && r->persistent && managed_save_exists(sh->store, r->name);
        if (keep_row(sh, a, r))
            rows->v[kept++] = *r;
        else
            free(rows->v[i].name);
    }
    if (saves || filters)
        rows->n = kept;
    running_first(rows);
    return 0;
}

static void uuid_of(struct shell *sh, const struct domain_info *r, char out[37])
{
    if (!store_uuid(sh->store, r->name, out))
        strcpy(out, "-");
}

static void print_json(struct shell *sh, const struct domain_info *rows, size_t n)
{
    struct json j = {0};
    json_arr_begin(&j, NULL);
    for (size_t i = 0; i < n; i++) {
        char uuid[37];
        uuid_of(sh, &rows[i], uuid);
        json_obj_begin(&j, NULL);
        if (rows[i].st->id >= 0)
            json_int(&j, "id", rows[i].st->id);
        else
            json_null(&j, "id");
        json_str(&j, "name", rows[i].name);
        json_str(&j, "uuid", strcmp(uuid, "-") ? uuid : NULL);
        json_str(&j, "state", dom_state_name(rows[i].st->state));
        json_str(&j, "reason", rows[i].st->reason);
        json_bool(&j, "persistent", rows[i].persistent);
        json_bool(&j, "autostart", store_autostart(sh->store, rows[i].name));
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_print(&j, sh);
}

struct table_rows {
    const struct domain_info *rows;
    bool saved, color;
    char id[16];
};

static void table_row(void *ctx, size_t i, const char **cells, enum out_color *color)
{
    struct table_rows *t = ctx;
    const struct domain_info *r = &t->rows[i];
    /* no snprintf for the thousands of shut-off rows: it was a fifth of list */
    if (r->st->id >= 0)
        snprintf(t->id, sizeof(t->id), "%d", r->st->id);
    const char *state = t->saved && r->managed_save && r->st->state == DOM_SHUTOFF
                            ? "saved" : dom_state_name(r->st->state);
    cells[0] = r->st->id >= 0 ? t->id : "-";
    cells[1] = r->name;
    cells[2] = state;
    *color = t->color ? out_state_color(state) : COLOR_NONE;
}

/* rows made as printed: ten thousand domains keep no table in memory */
static void print_table(struct shell *sh, const struct domain_info *rows, size_t n, bool saved)
{
    static const char *const head[] = {"Id", "Name", "State"};
    struct table_rows t = {.rows = rows, .saved = saved, .color = sh->color};
    table_print_rows(sh, 3, head, n, 2, table_row, &t);
}

static void print_lines(struct shell *sh, const struct cmd_args *a, const struct domain_info *rows,
                        size_t n)
{
    bool name = args_bool(a, LIST_OPT_NAME), uuid = args_bool(a, LIST_OPT_UUID);
    for (size_t i = 0; i < n; i++) {
        char u[37];
        if (args_bool(a, LIST_OPT_ID)) {
            if (rows[i].st->id >= 0)
                fprintf(sh->out, "%d\n", rows[i].st->id);
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
    struct domain_set rows;
    if (check_exclusive(a, e) < 0 || collect(sh, a, &rows, e) < 0)
        return -1;
    if (args_bool(a, LIST_OPT_JSON))
        print_json(sh, rows.v, rows.n);
    else if (args_bool(a, LIST_OPT_NAME) || args_bool(a, LIST_OPT_UUID) ||
             args_bool(a, LIST_OPT_ID))
        print_lines(sh, a, rows.v, rows.n);
    else
        print_table(sh, rows.v, rows.n, args_bool(a, LIST_OPT_MANAGED_SAVE));
    domain_set_free(&rows);
    return 0;
}

const struct cmd_def cmd_list = {
    .name = "list", .group = "domain", .summary = "list domains",
    .desc = "Lists running domains, or with --all every domain: running ones by id first, "
            "then the others by name. Reads no XML unless --uuid or --json asks for uuids.",
    .opts = list_opts, .nopts = NOPTS(list_opts), .target_opt = -1, .run = list_run,
};
