/* attach-disk: build a <disk> from options and attach it (virsh's options
 * and messages; --print-xml shows the element and changes nothing). */
#include "devcmd.h"

enum {
    AD_OPT_DOMAIN,
    AD_OPT_SOURCE,
    AD_OPT_TARGET,
    AD_OPT_TARGETBUS,
    AD_OPT_DRIVER,
    AD_OPT_SUBDRIVER,
    AD_OPT_TYPE,
    AD_OPT_MODE,
    AD_OPT_SOURCETYPE,
    AD_OPT_PRINT_XML,
    AD_OPT_DRY_RUN,
    AD_OPT_CONFIG,
    AD_OPT_LIVE,
    AD_OPT_CURRENT,
    AD_OPT_PERSISTENT,
};

static const char *const disk_kinds[] = {"disk", "cdrom", "floppy", NULL};
static const char *const modes[] = {"readonly", "shareable", NULL};
static const char *const source_types[] = {"file", "block", NULL};

static struct dnode *build_disk(const void *opts, struct err **e)
{
    return dev_build_disk(opts, e);
}

static int run_attach_disk(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct disk_opts o = {
        .source = args_str(a, AD_OPT_SOURCE),
        .target = args_str(a, AD_OPT_TARGET),
        .bus = args_str(a, AD_OPT_TARGETBUS),
        .driver = args_str(a, AD_OPT_DRIVER),
        .subdriver = args_str(a, AD_OPT_SUBDRIVER),
        .device = args_str(a, AD_OPT_TYPE),
        .mode = args_str(a, AD_OPT_MODE),
        .sourcetype = args_str(a, AD_OPT_SOURCETYPE),
    };
    struct dev_new n = {build_disk, &o, NULL, NULL};
    AUTOFREE char *summary = xasprintf("attach-disk %s %s", o.target, o.source);
    struct devcmd_req r = {.scope_opt = AD_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = dev_new_edit, .ctx = &n,
                           .dry_run = args_bool(a, AD_OPT_DRY_RUN),
                           .fail = "failed to attach disk: ", .done = "Disk attached successfully"};
    int rc = args_bool(a, AD_OPT_PRINT_XML) ? devcmd_print_new(sh, &n, e)
                                            : devcmd_run(sh, a, &r, e);
    dev_new_free(&n);
    return rc < 0 ? -1 : 0;
}

static const struct opt_def attach_disk_opts[] = {
    [AD_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [AD_OPT_SOURCE] = {"source", OPT_STRING, OPT_REQUIRED | OPT_EMPTY_OK, "path",
                       "source of disk device (file or block device path)",
                       .complete = comp_files},
    [AD_OPT_TARGET] = {"target", OPT_STRING, OPT_REQUIRED, "target",
                       "target of disk device (vdb, sdb, hdc, fda)",
                       .complete = comp_next_target},
    [AD_OPT_TARGETBUS] = {"targetbus", OPT_STRING, OPT_NAMED, "bus",
                          "target bus of disk device (ide, scsi, virtio, xen, usb)",
                          .complete = comp_schema, .complete_flags = CS_DISK_BUS},
    [AD_OPT_DRIVER] = {"driver", OPT_STRING, OPT_NAMED, "name",
                       "driver of disk device (qemu, file, tap, phy)",
                       .complete = comp_schema, .complete_flags = CS_DISK_DRIVER},
    [AD_OPT_SUBDRIVER] = {"subdriver", OPT_STRING, OPT_NAMED, "type",
                          "subdriver of disk device (raw, qcow2, ...)"},
    [AD_OPT_TYPE] = {"type", OPT_STRING, OPT_NAMED, "kind", "target device type",
                     disk_kinds, .complete = comp_choices},
    [AD_OPT_MODE] = {"mode", OPT_STRING, OPT_NAMED, "mode", "mode of device reading and writing",
                     modes, .complete = comp_choices},
    [AD_OPT_SOURCETYPE] = {"sourcetype", OPT_STRING, OPT_NAMED, "type",
                           "type of source (file or block; default: what SOURCE is)",
                           source_types, .complete = comp_choices},
    [AD_OPT_PRINT_XML] = {"print-xml", OPT_BOOL, 0, NULL,
                          "print the <disk> XML instead of attaching it"},
    DEVCMD_DRY_RUN_OPT(AD_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(AD_OPT_CONFIG),
};

const struct cmd_def cmd_attach_disk = {
    .name = "attach-disk",
    .group = "device",
    .summary = "attach disk device",
    .desc = "Build a <disk> element from the options and attach it to the domain. "
            "Without a scope option the running domain is changed (like virsh).",
    .opts = attach_disk_opts,
    .nopts = NOPTS(attach_disk_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = AD_OPT_DOMAIN,
    .run = run_attach_disk,
};
