/* schema-dump.c: print every value the schema table (core/xml/schema.c)
 * reads, one per line: PATH<TAB>ATTR (or #text)<TAB>KIND<TAB>ENUM|VALUES.
 * A developer tool for scripts/probe-rules.py, built by it against
 * build/libdomsh.a; not part of the build or of make check. */
#include "../core/xml/schema.h"

#include <stdio.h>

static void print_values(const char *const *v)
{
    for (size_t i = 0; v && v[i]; i++)
        printf("%s%s", i ? "|" : "", v[i]);
}

static void print_value(const struct schema_elem *se, const char *what, enum val_kind kind,
                        const char *const *values)
{
    printf("%s\t%s\t%s\t", se->path, what, schema_kind_name(kind));
    print_values(values);
    putchar('\n');
}

int main(void)
{
    for (size_t i = 0; i < schema_count(); i++) {
        const struct schema_elem *se = schema_at(i);
        if (se->flags & SE_OPAQUE)
            continue;
        if (se->text != V_NONE)
            print_value(se, "#text", se->text, se->text_values);
        for (const struct schema_attr *a = se->attrs; a && a->name; a++)
            print_value(se, a->name, a->kind, a->values);
    }
    return 0;
}
