/* devcmd.h: what the device and config-history commands share: the scope
 * options (--config --live --current --persistent, in that order), the
 * change runner (config through a validated transaction, live through the
 * supervisor), live XML access and a small table printer. */
#ifndef DOMSH_DEVCMD_H
#define DOMSH_DEVCMD_H

#include "../core/devices/devices.h"
#include "../core/xml/domain.h"
#include "../core/store/history.h"
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

/* read the scope options starting at FIRST; checks the domain state */
int devcmd_scope(struct shell *sh, const struct cmd_args *a, int first, enum scope_default def,
                 const char *name, unsigned *mask, struct err **e);
bool devcmd_active(struct shell *sh, const char *name);

/* one change, applied to the config and/or the live domain */
struct devcmd_change {
    const char *summary;     /* history line, e.g. "attach-disk vdb" */
    /* edit the domain tree (config or live copy); may keep state in ctx */
    int (*edit)(struct dnode *dom, void *ctx, struct err **e);
    /* the hypervisor side for the live scope, given the edited live tree;
     * NULL: this change cannot be made live */
    int (*live)(struct shell *sh, const char *name, struct dnode *before,
                struct dnode *after, void *ctx, struct err **e);
    void *ctx;
    bool dry_run;            /* print the diff, write nothing */
};

/* live first (so a refused hot-plug changes nothing), then the config;
 * 1 (and a note) when a config-only change leaves the config as it was */
int devcmd_apply(struct shell *sh, const char *name, unsigned mask,
                 const struct devcmd_change *c, struct err **e);

/* a change only the config can take (setmaxmem, setvcpus): the scope
 * options at FIRST must not reach the running domain; WHAT names the
 * change in the refusal ("change the vcpus") */
int devcmd_apply_config_only(struct shell *sh, const struct cmd_args *a, int first,
                             enum scope_default def, const char *what,
                             const struct devcmd_change *c, struct err **e);

/* the hypervisor side of any change (core/runtime/live_devices.c): compares the devices
 * and memory of BEFORE and AFTER and hot-plugs, unplugs, changes media or
 * balloons through the supervisor; anything else is refused */
int devcmd_live_sync(struct shell *sh, const char *name, struct dnode *before,
                     struct dnode *after, void *ctx, struct err **e);

/* a device to add: built once (in the context of the first domain it is
 * added to, so defaults such as a drawn MAC are the same in the config
 * and the live copy), then inserted as a copy */
struct devcmd_new {
    struct dnode *(*build)(const void *opts, struct err **e);   /* unchecked element */
    const void *opts;
    struct dnode *built;
    char *selector;          /* of the last inserted copy */
};
/* a devcmd_change.edit: insert the device */
int devcmd_new_edit(struct dnode *dom, void *ctx, struct err **e);
/* --print-xml: the checked element, nothing changed */
int devcmd_new_print(struct shell *sh, struct devcmd_new *n, struct err **e);
void devcmd_new_free(struct devcmd_new *n);

/* the live XML of a running domain (RUN/NAME/live.xml), or the config */
struct dnode *devcmd_load(struct shell *sh, const char *name, bool inactive, struct err **e);
char *devcmd_live_path(struct shell *sh, const char *name);

/* read a device fragment file (size-capped); caller frees */
char *devcmd_read_fragment(const char *path, struct err **e);

/* virsh-style table: " A   B" header, dashes, rows; cells NULL print "-" */
struct devcmd_table {
    size_t ncols;
    const char *const *head;
    struct strv cells;       /* row-major */
};
void devcmd_table_add(struct devcmd_table *t, const char *const *row);
void devcmd_table_print(FILE *out, struct devcmd_table *t);

#endif
