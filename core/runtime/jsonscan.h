/* jsonscan.h: a small read-only walk over one JSON text (QMP answers the
 * statistics read: arrays of objects, nested objects, numbers).  Nothing
 * is allocated: values are pointers into the text, bounded by jscan_end().
 * Malformed text ends a walk early (NULL), never reads past the NUL. */
#ifndef DOMSH_JSONSCAN_H
#define DOMSH_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* the first byte after the value starting at p (blanks skipped), or NULL */
const char *jscan_end(const char *p);
/* the value of KEY among the members of the object at obj (not nested
 * deeper), or NULL */
const char *jscan_key(const char *obj, const char *key);
/* the i-th element of the array at arr, or NULL */
const char *jscan_nth(const char *arr, size_t i);
/* the value at obj.key as a number (false when absent or not a number) */
bool jscan_num(const char *obj, const char *key, long long *out);
/* a string value at obj.key, unescaped simply (\" and \\), truncated */
bool jscan_str(const char *obj, const char *key, char *out, size_t n);

#endif
