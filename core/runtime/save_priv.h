/* save_priv.h: the image writer shared by save.c and save_image.c. */
#ifndef DOMSH_SAVE_PRIV_H
#define DOMSH_SAVE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "save.h"

/* where the stream starts for an XML of xml_len bytes */
uint64_t save_data_offset(size_t xml_len);
void save_header(unsigned char hdr[SAVE_IMG_HDR], uint32_t flags, bool complete, size_t xml_len,
                 uint64_t data_len);
/* header (incomplete) + XML + padding at the start of fd, which is left at
 * the stream's offset */
int save_write_head(int fd, const char *path, uint32_t flags, const char *xml, struct err **e);
/* after the stream: fdatasync, then the complete mark and the stream
 * length, fdatasync again, fsync of the directory */
int save_seal(int fd, const char *path, uint32_t flags, size_t xml_len, struct err **e);
int save_fsync_dir(const char *path);
struct dnode;
/* DOM may arrive in st (restore, migration): not active there, and its name
 * and uuid belong to no other domain; *persistent: defined there already */
int restore_target_ok(struct store *st, const struct dnode *dom, bool *persistent,
                      struct err **e);

#endif
