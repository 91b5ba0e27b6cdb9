/* snapshot-create: take a snapshot described by <domainsnapshot> XML. */
#include <string.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SNAPSHOT_CREATE_OPT_DOMAIN, SNAPSHOT_CREATE_OPT_XMLFILE, SNAPSHOT_CREATE_OPT_DISK_ONLY,
       SNAPSHOT_CREATE_OPT_ATOMIC };

static const struct opt_def snapshot_create_opts[] = {
    [SNAPSHOT_CREATE_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                    .argname = "domain", .help = "domain name, id or uuid",
                                    .complete = comp_domains},
    [SNAPSHOT_CREATE_OPT_XMLFILE] = {.name = "xmlfile", .kind = OPT_STRING, .flags = OPT_LOCAL_PATH,
                                     .argname = "file",
                                     .help = "<domainsnapshot> XML (default: a snapshot named "
                                             "after the time)", .complete = comp_files},
    [SNAPSHOT_CREATE_OPT_DISK_ONLY] = {.name = "disk-only", .kind = OPT_BOOL,
                                       .help = "no memory state"},
    [SNAPSHOT_CREATE_OPT_ATOMIC] = {.name = "atomic", .kind = OPT_BOOL,
                                    .help = "all or nothing (always so in domsh)"},
};

static int snapshot_create_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, SNAPSHOT_CREATE_OPT_XMLFILE);
    struct snapshot *s = NULL;
    if (file) {
        size_t len;
        AUTOFREE char *text = read_file_max(file, 10u * 1024u * 1024u, &len, e);
        if (!text || !(s = snapshot_parse(text, len, file, e)))
            return -1;
    } else {
        s = xcalloc(1, sizeof(*s));
    }
    unsigned flags = args_bool(a, SNAPSHOT_CREATE_OPT_DISK_ONLY) ? SNAP_CREATE_DISK_ONLY : 0;
    struct rt_progress p = snap_progress(sh->err, "Snapshot");
    int rc = rt_snapshot_create(sh->store, a->dom_name, s, flags, &p, e);
    if (rc == 0 && file)
        shell_info(sh, "Domain snapshot %s created from '%s'", s->name, file);
    else if (rc == 0)
        shell_info(sh, "Domain snapshot %s created", s->name);
    snapshot_free(s);
    return rc;
}

const struct cmd_def cmd_snapshot_create = {
    .name = "snapshot-create", .group = "snapshot",
    .summary = "create a snapshot from XML",
    .desc = "Takes the snapshot the <domainsnapshot> XML describes (name, description, "
            "<memory snapshot='external|internal|no' file=...>, <disks>); as snapshot-create-as.",
    .opts = snapshot_create_opts, .nopts = NOPTS(snapshot_create_opts), .flags = CMD_READ_WRITE,
    .target_opt = SNAPSHOT_CREATE_OPT_DOMAIN, .run = snapshot_create_run,
};
