/* fuzz_xml.c: libFuzzer target for the domain XML pipeline.
 * Any input: parse -> defaults -> validate must either fail with a
 * recorded error or give a domain whose canonical text is a fixed point
 * (format(load(format(d))) == format(d)); the same for device fragments.
 * Seeds: every *.xml under ../shared/conformance (copied at run time by
 * `make fuzz`, never committed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/base/err.h"
#include "../core/base/mem.h"
#include "../core/xml/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_hold(bool ok, const char *what, const char *a, const char *b)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_xml: %s\n--- first\n%s\n--- second\n%s\n", what, a, b ? b : "(null)");
    abort();
}

static void check_fixed_point(const struct dnode *dom, unsigned flags)
{
    AUTOFREE char *once = dom_format(dom, flags);
    struct err *e = NULL;
    struct dnode *again = dom_load_string(once, strlen(once), "formatted", NULL, &e);
    must_hold(again != NULL, "formatted text does not load again", once, e ? e->msg : NULL);
    AUTOFREE char *twice = dom_format(again, flags);
    must_hold(strcmp(once, twice) == 0, "format(load(format(d))) != format(d)", once, twice);
    dnode_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err *e = NULL;
    enum dom_stage stage;
    struct dnode *dom = dom_load_string((const char *)data, size, "fuzz", &stage, &e);
    if (dom) {
        must_hold(e == NULL, "success with an error recorded", e ? e->msg : "", NULL);
        check_fixed_point(dom, DOM_FMT_SECURE);
        check_fixed_point(dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
        dnode_free(dom);
    } else {
        must_hold(e != NULL && e->msg && *e->msg, "failure without a message", "", NULL);
    }
    err_free(e);
    e = NULL;
    struct dnode *dev = dom_parse_device((const char *)data, size, "fuzz", NULL, &e);
    if (dev) {
        free(dom_format_node(dev, DOM_FMT_SECURE));
        dnode_free(dev);
    }
    err_free(e);
    return 0;
}
