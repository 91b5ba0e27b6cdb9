/* dominfo: basic information about a domain, as virsh prints it. */
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/domains/domains.h"
#include "../core/runtime/runtime.h"
#include "../core/runtime/save.h"
#include "../core/store/store.h"
#include "../completion/completers.h"
#include "../shell/out.h"
#include "../shell/shell.h"

enum { DOMINFO_OPT_DOMAIN, DOMINFO_OPT_JSON };

static const struct opt_def dominfo_opts[] = {
    [DOMINFO_OPT_DOMAIN] = OPT_DOMAIN(0),
    [DOMINFO_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                          .help = "one JSON object (field names in the README)"},
};

struct info {
    struct dom_status st;
    struct dnode *dom;
    bool persistent, autostart, managed_save;
    unsigned long long used_kib;
};

static void print_text(struct shell *sh, const char *name, const struct info *in)
{
    FILE *o = sh->out;
    if (in->st.id >= 0)
        fprintf(o, "%-15s %d\n", "Id:", in->st.id);
    else
        fprintf(o, "%-15s %s\n", "Id:", "-");
    fprintf(o, "%-15s %s\n", "Name:", name);
    fprintf(o, "%-15s %s\n", "UUID:", dom_uuid(in->dom));
    fprintf(o, "%-15s %s\n", "OS Type:", dom_os_type(in->dom) ? dom_os_type(in->dom) : "");
    fprintf(o, "%-15s %s\n", "State:", dom_state_name(in->st.state));
    fprintf(o, "%-15s %u\n", "CPU(s):", dom_vcpus(in->dom));
    if (in->st.cpu_time_ns)
        fprintf(o, "%-15s %.1lfs\n", "CPU time:", in->st.cpu_time_ns / 1e9);
    fprintf(o, "%-15s %llu KiB\n", "Max memory:", dom_memory_kib(in->dom));
    fprintf(o, "%-15s %llu KiB\n", "Used memory:", in->used_kib);
    fprintf(o, "%-15s %s\n", "Persistent:", in->persistent ? "yes" : "no");
    fprintf(o, "%-15s %s\n", "Autostart:", in->autostart ? "enable" : "disable");
    fprintf(o, "%-15s %s\n", "Managed save:", in->managed_save ? "yes" : "no");
}

static void print_json(struct shell *sh, const char *name, const struct info *in)
{
    struct json j = {0};
    json_obj_begin(&j, NULL);
    if (in->st.id >= 0)
        json_int(&j, "id", in->st.id);
    else
        json_null(&j, "id");
    json_str(&j, "name", name);
    json_str(&j, "uuid", dom_uuid(in->dom));
    json_str(&j, "os_type", dom_os_type(in->dom));
    json_str(&j, "state", dom_state_name(in->st.state));
    json_str(&j, "reason", in->st.reason);
    json_uint(&j, "vcpus", dom_vcpus(in->dom));
    json_uint(&j, "cpu_time_ns", in->st.cpu_time_ns);
    json_uint(&j, "max_memory_kib", dom_memory_kib(in->dom));
    json_uint(&j, "used_memory_kib", in->used_kib);
    json_bool(&j, "persistent", in->persistent);
    json_bool(&j, "autostart", in->autostart);
    json_bool(&j, "managed_save", in->managed_save);
    json_obj_end(&j);
    json_print(&j, sh);
}

static int dominfo_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *name = a->dom_name;
    struct info in = {0};
    if (rt_status_read(sh->store, name, &in.st, e) < 0 ||
        !(in.dom = domains_load(sh->store, name, DOMAINS_CURRENT, NULL, e)))
        return -1;
    in.persistent = store_exists(sh->store, name);
    in.autostart = in.persistent && store_autostart(sh->store, name);
    in.managed_save = in.persistent && managed_save_exists(sh->store, name);
    in.used_kib = dom_current_memory_kib(in.dom);
    if (dom_state_active(in.st.state) && in.st.used_mem_kib)
        in.used_kib = in.st.used_mem_kib;
    if (args_bool(a, DOMINFO_OPT_JSON))
        print_json(sh, name, &in);
    else
        print_text(sh, name, &in);
    dnode_free(in.dom);
    return 0;
}

const struct cmd_def cmd_dominfo = {
    .name = "dominfo", .group = "domain", .summary = "domain information",
    .desc = "Id, name, UUID, OS type, state, vCPUs, CPU time (when running), memory, "
            "persistence and autostart.",
    .opts = dominfo_opts, .nopts = NOPTS(dominfo_opts),
    .target_opt = DOMINFO_OPT_DOMAIN, .run = dominfo_run,
};
