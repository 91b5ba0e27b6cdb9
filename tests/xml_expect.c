/* xml_expect.c: see xml_expect.h.  No tests of its own. */
#include "xml_expect.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/base/mem.h"
#include "helpers.h"

static const char *const stage_names[] = {"read", "parse", "postparse", "validate"};

void expect_refused(const char *path, const char *stage, const char *text)
{
    struct err *e = NULL;
    enum dom_stage got = DOM_STAGE_READ;
    struct dnode *d = dom_load_file(path, &got, &e);
    cr_assert_null(d, "%s: accepted, expected a %s error", path, stage);
    cr_assert(e && e->msg, "%s: refused without a message", path);
    cr_expect_null(strchr(e->msg, '\n'), "%s: message is not one line: %s", path, e->msg);
    if (stage)
        cr_expect_str_eq(stage_names[got], stage, "%s: refused at stage %s (%s)", path,
                         stage_names[got], e->msg);
    if (text)
        cr_expect(strstr(e->msg, text), "%s: message '%s' lacks '%s'", path, e->msg, text);
    /* messages name the file they are about */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    cr_expect(strstr(e->msg, base), "%s: message does not name the file: %s", path, e->msg);
    err_free(e);
}

/* rows of "file<TAB>col2<TAB>col3", '#' comments skipped */
void each_row(const char *tsv, void (*fn)(const char *dir, char **cols, void *arg), void *arg)
{
    AUTOFREE char *text = slurp(tsv, NULL);
    cr_assert(text, "cannot read %s", tsv);
    AUTOFREE char *dir = xstrdup(tsv);
    *strrchr(dir, '/') = '\0';
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0])
            continue;
        char *cols[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4 && cols[i - 1]; i++) {
            char *tab = strchr(cols[i - 1], '\t');
            if (tab) {
                *tab = '\0';
                cols[i] = tab + 1;
            }
        }
        fn(dir, cols, arg);
    }
}
