/* xml_expect.h: checks on documents the XML pipeline must refuse, shared
 * by test_xmlfail.c (our data) and tests/conformance/test_invalid_set.c
 * (libvirt's invalid set). */
#ifndef DOMSH_TEST_XML_EXPECT_H
#define DOMSH_TEST_XML_EXPECT_H

/* dom_load_file(path) fails at stage ("read", "parse", "postparse",
 * "validate"; NULL: any) with a one-line message naming the file and
 * containing text (NULL: anything) */
void expect_refused(const char *path, const char *stage, const char *text);
/* fn(directory of tsv, columns, arg) for each "col1<TAB>col2<TAB>col3"
 * row; '#' comments and empty lines skipped */
void each_row(const char *tsv, void (*fn)(const char *dir, char **cols, void *arg), void *arg);

#endif
