/* snapshot-create-as: take a snapshot described by options. */
#include <stdio.h>
#include <stdlib.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SCA_OPT_DOMAIN, SCA_OPT_NAME, SCA_OPT_DESCRIPTION, SCA_OPT_PRINT_XML, SCA_OPT_DISK_ONLY,
       SCA_OPT_QUIESCE, SCA_OPT_ATOMIC, SCA_OPT_MEMSPEC, SCA_OPT_DISKSPEC };

static const struct opt_def sca_opts[] = {
    [SCA_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                        .argname = "domain", .help = "domain name, id or uuid",
                        .complete = comp_domains},
    [SCA_OPT_NAME] = {.name = "name", .kind = OPT_STRING, .argname = "name",
                      .help = "name of the snapshot (default: the time in seconds)"},
    [SCA_OPT_DESCRIPTION] = {.name = "description", .kind = OPT_STRING, .argname = "text",
                             .help = "description of the snapshot"},
    [SCA_OPT_PRINT_XML] = {.name = "print-xml", .kind = OPT_BOOL,
                           .help = "print the XML that would be used, and take nothing"},
    [SCA_OPT_DISK_ONLY] = {.name = "disk-only", .kind = OPT_BOOL,
                           .help = "no memory state (the guest's disks only)"},
    [SCA_OPT_QUIESCE] = {.name = "quiesce", .kind = OPT_BOOL,
                         .help = "refused: domsh has no guest agent to freeze file systems"},
    [SCA_OPT_ATOMIC] = {.name = "atomic", .kind = OPT_BOOL,
                        .help = "all or nothing (always so in domsh)"},
    [SCA_OPT_MEMSPEC] = {.name = "memspec", .kind = OPT_STRING, .flags = OPT_NAMED,
                         .argname = "spec", .help = "memory image: FILE or file=FILE[,snapshot=external|internal|no]",
                         .complete = comp_memspec},
    [SCA_OPT_DISKSPEC] = {.name = "diskspec", .kind = OPT_ARGV, .argname = "spec",
                          .help = "DISK[,snapshot=no|internal|external][,driver=T][,file=F], repeatable",
                          .complete = comp_diskspec},
};

static int sca_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (args_bool(a, SCA_OPT_QUIESCE))
        return err_set(e, ERR_UNSUPPORTED, "--quiesce needs a guest agent, which domsh does not "
                       "run: refused rather than taking an unquiesced snapshot");
    struct snapshot *s = xcalloc(1, sizeof(*s));
    const char *name = args_str(a, SCA_OPT_NAME), *desc = args_str(a, SCA_OPT_DESCRIPTION);
    s->name = name ? xstrdup(name) : NULL;
    s->description = desc ? xstrdup(desc) : NULL;
    int rc = args_str(a, SCA_OPT_MEMSPEC) ? snap_parse_memspec(s, args_str(a, SCA_OPT_MEMSPEC), e)
                                          : 0;
    for (size_t i = 0; rc == 0 && i < a->argv.n; i++)
        rc = snap_parse_diskspec(s, a->argv.v[i], e);
    if (rc == 0 && args_bool(a, SCA_OPT_PRINT_XML)) {
        char *xml = snapshot_format(s, false);
        fputs(xml, sh->out);
        free(xml);
    } else if (rc == 0) {
        unsigned flags = args_bool(a, SCA_OPT_DISK_ONLY) ? SNAP_CREATE_DISK_ONLY : 0;
        struct rt_progress p = snap_progress(sh->err, "Snapshot");
        rc = rt_snapshot_create(sh->store, a->dom_name, s, flags, &p, e);
        if (rc == 0)
            shell_info(sh, "Domain snapshot %s created", s->name);
    }
    snapshot_free(s);
    return rc;
}

const struct cmd_def cmd_snapshot_create_as = {
    .name = "snapshot-create-as", .group = "snapshot",
    .summary = "create a snapshot from a set of args",
    .desc = "A running or paused domain's memory is kept as an image (CONFIG/snapshot/NAME/"
            "SNAP.mem unless --memspec), taken while the guest runs on; a shut off domain's "
            "snapshot keeps its definition.  The new snapshot becomes the current one.",
    .opts = sca_opts, .nopts = NOPTS(sca_opts), .flags = CMD_READ_WRITE,
    .target_opt = SCA_OPT_DOMAIN, .run = sca_run,
};
