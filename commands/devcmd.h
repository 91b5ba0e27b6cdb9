/* devcmd.h: what the device and config commands share on the shell side:
 * the scope options (--config --live --current --persistent, in that
 * order) and the one path from a command to the config-change engine
 * (core/domains/change.h): scope, change, apply, the user's message.  The
 * decisions (scope rules, transaction, live sync) are core's. */
#ifndef DOMSH_DEVCMD_H
#define DOMSH_DEVCMD_H

#include "../core/devices/devices.h"
#include "../core/domains/change.h"
#include "../core/xml/domain.h"
#include "../completion/comp_devices.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

/* the four scope options, at FIRST .. FIRST+3 of a command's enum */
#define DEVCMD_SCOPE_OPTS(first)                                                          \
    [first] = {"config", OPT_BOOL, 0, NULL, "affect the persistent config (next boot)"},  \
    [(first) + 1] = {"live", OPT_BOOL, 0, NULL, "affect the running domain"},            \
    [(first) + 2] = {"current", OPT_BOOL, 0, NULL,                                       \
                     "affect the running domain if it runs, else the config"},           \
    [(first) + 3] = {"persistent", OPT_BOOL, 0, NULL,                                    \
                     "affect the config, and the running domain if it runs"}

/* --dry-run of a change, and the fragment file of attach/detach/update-device */
#define DEVCMD_DRY_RUN_OPT(idx)                                                          \
    [idx] = {"dry-run", OPT_BOOL, 0, NULL, "print the diff, change nothing"}
#define DEVCMD_FILE_OPT(idx)                                                             \
    [idx] = {"file", OPT_STRING, OPT_REQUIRED, "file", "XML file of the device",          \
             .complete = comp_files}

/* read the scope options starting at FIRST against NAME's state (a stale
 * status is repaired first: the command is about to act) */
int devcmd_scope(struct shell *sh, const struct cmd_args *a, int first, enum scope_default def,
                 const char *name, unsigned *mask, struct err **e);
/* NAME runs (rt_active) */
bool devcmd_active(struct shell *sh, const char *name);
/* the live XML of a running domain (RUN/NAME/live.xml), or the config */
struct dnode *devcmd_load(struct shell *sh, const char *name, bool inactive, struct err **e);
char *devcmd_live_path(struct shell *sh, const char *name);

/* one change as a command asks for it */
struct devcmd_req {
    int scope_opt;           /* the first of the command's four scope options */
    enum scope_default def;  /* what no scope option means */
    const char *refuse_live; /* non-NULL: config only, e.g. "change the vcpus" */
    const char *summary;     /* history line, e.g. "attach-disk vdb /img/b.qcow2" */
    int (*edit)(struct dnode *dom, void *ctx, struct err **e);
    void *ctx;
    bool dry_run;            /* print the diff, write nothing */
    const char *fail;        /* error prefix, e.g. "failed to attach disk: ", or NULL */
    const char *done;        /* printed once made (not after a dry run or no change), or NULL */
};
/* scope -> change -> apply -> message; the target is a->dom_name.  -1 on
 * error, 0 when the change was made, 1 when nothing was (dry run, or the
 * config already said that) */
int devcmd_run(struct shell *sh, const struct cmd_args *a, const struct devcmd_req *r,
               struct err **e);

/* --print-xml of a device to add: the checked element, nothing changed */
int devcmd_print_new(struct shell *sh, struct dev_new *n, struct err **e);

#endif
