/* snapshot-list: a domain's snapshots as a table, a tree, names or JSON. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../shell/out.h"
#include "../shell/shell.h"

enum { SL_OPT_DOMAIN, SL_OPT_PARENT, SL_OPT_ROOTS, SL_OPT_LEAVES, SL_OPT_NO_LEAVES, SL_OPT_TREE,
       SL_OPT_NAME, SL_OPT_JSON };

static const struct opt_def sl_opts[] = {
    [SL_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                       .argname = "domain", .help = "domain name, id or uuid",
                       .complete = comp_domains},
    [SL_OPT_PARENT] = {.name = "parent", .kind = OPT_BOOL, .help = "add a column with the parent"},
    [SL_OPT_ROOTS] = {.name = "roots", .kind = OPT_BOOL, .help = "snapshots without a parent only"},
    [SL_OPT_LEAVES] = {.name = "leaves", .kind = OPT_BOOL, .help = "snapshots without children only"},
    [SL_OPT_NO_LEAVES] = {.name = "no-leaves", .kind = OPT_BOOL,
                          .help = "snapshots with children only"},
    [SL_OPT_TREE] = {.name = "tree", .kind = OPT_BOOL, .help = "the snapshots as a tree"},
    [SL_OPT_NAME] = {.name = "name", .kind = OPT_BOOL, .help = "names only, one per line"},
    [SL_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                     .help = "one JSON array of {name, parent, state, creation_time, current, "
                             "location, description}"},
};

static bool keep(const struct cmd_args *a, const struct snap_set *set, const struct snapshot *s)
{
    size_t kids = snap_set_children(set, s->name);
    if (args_bool(a, SL_OPT_ROOTS) && s->parent)
        return false;
    if (args_bool(a, SL_OPT_LEAVES) && kids)
        return false;
    return !(args_bool(a, SL_OPT_NO_LEAVES) && !kids);
}

static void when(const struct snapshot *s, char out[64])
{
    time_t t = (time_t)s->creation_time;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 64, "%Y-%m-%d %H:%M:%S %z", &tm);
}

static void print_tree(struct shell *sh, const struct snap_set *set, const char *parent,
                       const char *indent)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct snapshot *s = set->v[i];
        bool mine = parent ? s->parent && strcmp(s->parent, parent) == 0 : !s->parent;
        if (!mine)
            continue;
        if (parent)
            fprintf(sh->out, "%s|\n%s+- %s\n", indent, indent, s->name);
        else
            fprintf(sh->out, "%s\n", s->name);
        AUTOFREE char *deeper = xasprintf("%s%s", indent, parent ? "    " : "  ");
        print_tree(sh, set, s->name, deeper);
    }
}

static void print_json(struct shell *sh, const struct cmd_args *a, const struct snap_set *set)
{
    struct json j = {0};
    json_arr_begin(&j, NULL);
    for (size_t i = 0; i < set->n; i++) {
        const struct snapshot *s = set->v[i];
        if (!keep(a, set, s))
            continue;
        json_obj_begin(&j, NULL);
        json_str(&j, "name", s->name);
        json_str(&j, "parent", s->parent);
        json_str(&j, "state", s->state);
        json_int(&j, "creation_time", s->creation_time);
        json_bool(&j, "current", set->current && strcmp(set->current, s->name) == 0);
        json_str(&j, "location", snap_location(s));
        json_str(&j, "description", s->description);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_print(&j, sh);
}

static void print_table(struct shell *sh, const struct cmd_args *a, const struct snap_set *set)
{
    bool parent = args_bool(a, SL_OPT_PARENT);
    static const char *const head[] = {"Name", "Creation Time", "State", "Parent"};
    struct table t;
    table_init(&t, parent ? 4 : 3, head);
    for (size_t i = 0; i < set->n; i++) {
        const struct snapshot *s = set->v[i];
        if (!keep(a, set, s))
            continue;
        char w[64];
        when(s, w);
        const char *cells[] = {s->name, w, s->state ? s->state : "", s->parent ? s->parent : ""};
        table_add_row(&t, cells, -1, 0);
    }
    table_print(&t, sh);
    table_free(&t);
}

static int sl_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct snap_set set;
    if (snap_set_load(sh->store, a->dom_name, &set, e) < 0)
        return -1;
    if (args_bool(a, SL_OPT_TREE))
        print_tree(sh, &set, NULL, "");
    else if (args_bool(a, SL_OPT_JSON))
        print_json(sh, a, &set);
    else if (args_bool(a, SL_OPT_NAME)) {
        for (size_t i = 0; i < set.n; i++)
            if (keep(a, &set, set.v[i]))
                fprintf(sh->out, "%s\n", set.v[i]->name);
    } else
        print_table(sh, a, &set);
    snap_set_free(&set);
    return 0;
}

const struct cmd_def cmd_snapshot_list = {
    .name = "snapshot-list", .group = "snapshot", .summary = "list snapshots for a domain",
    .opts = sl_opts, .nopts = NOPTS(sl_opts), .target_opt = SL_OPT_DOMAIN, .run = sl_run,
};
