/* test_xmlfail.c: inputs that must be refused, with the stage (enum
 * dom_stage) that refuses them and a one-line message.  Data:
 * tests/data/xmlfail/expect.tsv; libvirt's invalid/ set is checked the
 * same way by `make conformance` (tests/conformance/test_invalid_set.c). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/base/mem.h"
#include "helpers.h"
#include "xml_expect.h"

static void own_row(const char *dir, char **cols, void *arg)
{
    AUTOFREE char *path = fmt("%s/%s", dir, cols[0]);
    expect_refused(path, cols[1], cols[2]);
    (*(int *)arg)++;
}

Test(xmlfail, own_cases)
{
    AUTOFREE char *tsv = fmt("%s/tests/data/xmlfail/expect.tsv", src_dir());
    int n = 0;
    each_row(tsv, own_row, &n);
    cr_expect_geq(n, 40, "only %d cases", n);
}

Test(xmlfail, string_over_the_cap)
{
    size_t n = DOM_MAX_XML + 1;
    char *big = xmalloc(n);
    memset(big, ' ', n);
    struct err *e = NULL;
    enum dom_stage st;
    cr_expect_null(dom_load_string(big, n, "big", &st, &e));
    cr_expect_eq(st, DOM_STAGE_PARSE);
    cr_expect(e && strstr(e->msg, "too large"), "%s", e ? e->msg : "");
    err_free(e);
    free(big);
}

Test(xmlfail, device_fragment_rules)
{
    struct err *e = NULL;
    const char *notdev = "<memory>1</memory>";
    cr_expect_null(dom_parse_device(notdev, strlen(notdev), "frag", NULL, &e));
    cr_expect(e && strstr(e->msg, "is not a device"), "%s", e ? e->msg : "");
    err_clear(&e);
    const char *bad = "<disk type='file'><source file='/a'/><target dev='vda' bus='floppy'/></disk>";
    cr_expect_null(dom_parse_device(bad, strlen(bad), "frag", NULL, &e));
    cr_expect(e && strstr(e->msg, "frag:1:") && strstr(e->msg, "'floppy'"), "%s", e ? e->msg : "");
    err_free(e);
}
