/* helpers.h: shared test helpers (not a test file itself: no Test()s).
 * Shell-level tests run the real binary ($DOMSH_BIN) with a private
 * DOMSH_ROOT made by tmp_root(). */
#ifndef DOMSH_TEST_HELPERS_H
#define DOMSH_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>

struct run_result {
    int status;      /* exit status (128+N when killed by signal N) */
    char *out, *err; /* captured stdout / stderr, NUL-terminated */
};

/* a fresh private directory under $TMPDIR (caller frees the string, and
 * removes the tree with rm_rf) */
char *tmp_root(void);
void rm_rf(const char *path);
/* path of the built binary, source dir, and shared/ (conformance data) */
const char *domsh_bin(void);
const char *src_dir(void);
const char *shared_dir(void);     /* $DOMSH_SHARED or SRC/../shared */
/* run: DOMSH_ROOT=root domsh ARGV... with stdin_text (may be NULL: /dev/null),
 * a 30 s timeout; argv is NULL-terminated and excludes the binary */
struct run_result run_domsh(const char *root, const char *stdin_text, const char *const argv[]);
/* convenience: one batch string, e.g. run_line(root, "define f.xml; list --all") */
struct run_result run_line(const char *root, const char *line);
void run_free(struct run_result *r);
char *slurp(const char *path, size_t *len);   /* NULL when unreadable */
int write_text(const char *path, const char *text);
char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* append FIRST and the rest of AP (up to a NULL) to argv[n..cap-2], then
 * a NULL; returns the new count */
size_t argv_append(const char **argv, size_t n, size_t cap, const char *first, va_list ap);

#endif
