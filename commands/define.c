/* define: store a persistent domain from an XML file (parse, defaults,
 * validate, then an atomic write under the domain's lock). */
#include "../core/xml/domain.h"
#include "../core/store/history.h"
#include "../core/store/store.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DEFINE_OPT_FILE, DEFINE_OPT_VALIDATE };

static const struct opt_def define_opts[] = {
    [DEFINE_OPT_FILE] = {.name = "file", .kind = OPT_STRING, .flags = OPT_REQUIRED | OPT_LOCAL_PATH,
                         .argname = "file", .help = "file containing an XML domain description",
                         .complete = comp_files},
    [DEFINE_OPT_VALIDATE] = {.name = "validate", .kind = OPT_BOOL,
                             .help = "validate the XML (always done; accepted for virsh scripts)"},
};

static int define_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, DEFINE_OPT_FILE);
    struct dnode *dom = dom_load_file(file, NULL, e);
    if (!dom)
        return -1;
    if (sh->store->driver == DRIVER_TEST)
        dom_test_ifnames(dom);     /* libvirt's test driver names interfaces */
    char uuid[37];
    /* a duplicate is refused before the lock file of a new name exists
     * (a refused define leaves nothing behind); checked again under it */
    if (store_check_save(sh->store, dom, uuid, e) < 0) {
        dnode_free(dom);
        return -1;
    }
    int fd = store_lock(sh->store, dom_name(dom), true, e);
    AUTOFREE char *summary = xasprintf("define %s", file);
    /* refuse a duplicate before the history keeps anything */
    int rc = fd < 0 || store_check_save(sh->store, dom, uuid, e) < 0
                 ? -1 : history_save(sh->store, dom, summary, e);
    store_unlock(fd);
    if (rc == 0)
        shell_info(sh, "Domain '%s' defined from %s", dom_name(dom), file);
    dnode_free(dom);
    return rc;
}

const struct cmd_def cmd_define = {
    .name = "define", .group = "domain",
    .summary = "define (but don't start) a domain from an XML file",
    .desc = "Parses, completes and validates the XML, then stores it as a persistent "
            "domain. Redefining a domain with the same name and UUID updates it.",
    .opts = define_opts, .nopts = NOPTS(define_opts), .flags = CMD_READ_WRITE,
    .target_opt = -1, .run = define_run,
};
