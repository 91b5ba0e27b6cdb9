/* snapshot.h: libvirt's <domainsnapshot> XML, parsed and formatted.
 *
 *   <domainsnapshot>
 *     <name>s1</name> <description>...</description> <state>running</state>
 *     <parent><name>s0</name></parent> <creationTime>EPOCH</creationTime>
 *     <memory snapshot='no|internal|external' file='PATH'/>
 *     <disks><disk name='vda' snapshot='no|internal|external' type='file'>
 *       <driver type='qcow2'/><source file='PATH'/></disk></disks>
 *     <domain>...</domain>          (the definition when it was taken)
 *   </domainsnapshot>
 *
 * Unknown elements or attributes and bad values are errors naming the
 * element and line, like the domain parser's.  This layer only knows the
 * format; names, files and policies are the store's and runtime's. */
#ifndef DOMSH_SNAPSHOT_H
#define DOMSH_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/err.h"
#include "tree.h"

struct snap_disk {
    char *name;              /* target dev (vda) or source path as given */
    char *snapshot;          /* "no" | "internal" | "external" (NULL: default) */
    char *driver;            /* overlay format (qcow2), may be NULL */
    char *file;              /* external overlay path, may be NULL */
};

struct snapshot {
    char *name, *description, *state, *parent;   /* any may be NULL */
    long long creation_time;                      /* 0: unset */
    char *memory;            /* "no" | "internal" | "external", NULL: default */
    char *memory_file;
    struct snap_disk *disks;
    size_t ndisks;
    struct dnode *domain;    /* the <domain> element (parsed, not validated), or NULL */
};

/* parse a <domainsnapshot> document (LABEL names it in messages) */
struct snapshot *snapshot_parse(const char *xml, size_t len, const char *label, struct err **e);
/* canonical text; the domain (if any) as dom_format prints it */
char *snapshot_format(const struct snapshot *s, bool with_domain);
void snapshot_free(struct snapshot *s);
/* append a disk entry (strings copied; NULL allowed) */
struct snap_disk *snapshot_add_disk(struct snapshot *s, const char *name, const char *snapshot,
                                    const char *driver, const char *file);

#endif
