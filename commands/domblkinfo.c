/* domblkinfo: capacity, allocation and physical size of a domain's disk. */
#include "../shell/shell.h"

#include <stdlib.h>

#include "../completion/completers.h"
#include "../core/runtime/stats.h"
#include "../shell/out.h"

enum { DOMBLKINFO_OPT_DOMAIN, DOMBLKINFO_OPT_DEVICE, DOMBLKINFO_OPT_HUMAN, DOMBLKINFO_OPT_JSON };

static const struct opt_def domblkinfo_opts[] = {
    [DOMBLKINFO_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                               .argname = "domain", .help = "domain name, id or uuid",
                               .complete = comp_domains},
    [DOMBLKINFO_OPT_DEVICE] = {.name = "device", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                               .argname = "device", .help = "target (vda) or source path",
                               .complete = comp_disk_targets},
    [DOMBLKINFO_OPT_HUMAN] = {.name = "human", .kind = OPT_BOOL,
                              .help = "sizes in KiB, MiB, GiB"},
    [DOMBLKINFO_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                             .help = "one JSON object {capacity, allocation, physical}"},
};

static void print_size(struct shell *sh, const char *label, unsigned long long v, bool human)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = (double)v;
    int u = 0;
    while (human && d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    if (human)
        fprintf(sh->out, "%-15s %.3f %s\n", label, d, units[u]);
    else
        fprintf(sh->out, "%-15s %llu\n", label, v);
}

static int domblkinfo_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dom_stats *s = stats_get(sh->store, a->dom_name, 0, e);
    if (!s)
        return -1;
    const char *dev = args_str(a, DOMBLKINFO_OPT_DEVICE);
    const struct stat_block *b = stats_find_block(s, dev);
    int rc = 0;
    if (!b)
        rc = err_set(e, ERR_NOT_FOUND, "domain '%s' has no disk '%s'", s->name, dev);
    else if (!b->have_size)
        rc = err_set(e, ERR_NOT_FOUND, "disk '%s' of domain '%s': cannot read '%s'", dev,
                     s->name, b->path);
    else if (args_bool(a, DOMBLKINFO_OPT_JSON)) {
        struct json j = {0};
        json_obj_begin(&j, NULL);
        json_uint(&j, "capacity", b->capacity);
        json_uint(&j, "allocation", b->allocation);
        json_uint(&j, "physical", b->physical);
        json_obj_end(&j);
        json_print(&j, sh);
    } else {
        bool human = args_bool(a, DOMBLKINFO_OPT_HUMAN);
        print_size(sh, "Capacity:", b->capacity, human);
        print_size(sh, "Allocation:", b->allocation, human);
        print_size(sh, "Physical:", b->physical, human);
    }
    free(s);
    return rc;
}

const struct cmd_def cmd_domblkinfo = {
    .name = "domblkinfo", .group = "monitor", .summary = "size of a domain's disk",
    .desc = "Capacity (the guest's disk size: a qcow2 image's virtual size), allocation "
            "(bytes the host file really uses) and physical size (of the file).",
    .opts = domblkinfo_opts, .nopts = NOPTS(domblkinfo_opts),
    .target_opt = DOMBLKINFO_OPT_DOMAIN, .run = domblkinfo_run,
};
