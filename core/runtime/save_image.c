/* save_image.c: the save image format (save.h): header, XML, stream. */
#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/mem.h"
#include "save_priv.h"

#define SAVE_XML_MAX (10u * 1024u * 1024u)
#define SAVE_ALIGN 4096u

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

uint64_t save_data_offset(size_t xml_len)
{
    return (SAVE_IMG_HDR + xml_len + 1 + SAVE_ALIGN - 1) / SAVE_ALIGN * SAVE_ALIGN;
}

void save_header(unsigned char hdr[SAVE_IMG_HDR], uint32_t flags, bool complete, size_t xml_len,
                 uint64_t data_len)
{
    memset(hdr, 0, SAVE_IMG_HDR);
    memcpy(hdr, SAVE_IMG_MAGIC, 8);
    put32(hdr + 8, SAVE_IMG_VERSION);
    put32(hdr + 12, flags);
    put32(hdr + 16, complete ? SAVE_IMG_COMPLETE : 0);
    put32(hdr + 20, (uint32_t)xml_len);
    put64(hdr + 24, save_data_offset(xml_len));
    put64(hdr + 32, data_len);
}

int save_fsync_dir(const char *path)
{
    AUTOFREE char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int save_write_head(int fd, const char *path, uint32_t flags, const char *xml, struct err **e)
{
    size_t xl = strlen(xml);
    uint64_t off = save_data_offset(xl);
    unsigned char *head = xcalloc(1, (size_t)off);
    save_header(head, flags, false, xl, 0);
    memcpy(head + SAVE_IMG_HDR, xml, xl);
    ssize_t w = pwrite(fd, head, (size_t)off, 0);
    free(head);
    if (w != (ssize_t)off || lseek(fd, (off_t)off, SEEK_SET) < 0)
        return err_sys(e, ERR_IO, "cannot write '%s'", path);
    return 0;
}

int save_seal(int fd, const char *path, uint32_t flags, size_t xml_len, struct err **e)
{
    struct stat sb;
    uint64_t off = save_data_offset(xml_len);
    if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size <= off)
        return err_set(e, ERR_IO, "the save image '%s' holds no guest state", path);
    unsigned char hdr[SAVE_IMG_HDR];
    /* the stream must be on disk before the mark says it is */
    if (fdatasync(fd) < 0)
        return err_sys(e, ERR_IO, "cannot write '%s'", path);
    save_header(hdr, flags, true, xml_len, (uint64_t)sb.st_size - off);
    if (pwrite(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || fdatasync(fd) < 0 ||
        save_fsync_dir(path) < 0)
        return err_sys(e, ERR_IO, "cannot write '%s'", path);
    return 0;
}

static int check_header(const unsigned char *h, const char *path, off_t size,
                        struct save_image *img, struct err **e)
{
    if (memcmp(h, SAVE_IMG_MAGIC, 8) != 0)
        return err_set(e, ERR_INVALID, "'%s' is not a domsh save image", path);
    img->version = get32(h + 8);
    if (img->version != SAVE_IMG_VERSION)
        return err_set(e, ERR_INVALID, "save image '%s' has version %u; this domsh reads %u",
                       path, img->version, SAVE_IMG_VERSION);
    img->flags = get32(h + 12);
    img->complete = get32(h + 16) == SAVE_IMG_COMPLETE;
    uint32_t xl = get32(h + 20);
    img->data_offset = get64(h + 24);
    img->data_len = get64(h + 32);
    if (!img->complete)
        return err_set(e, ERR_INVALID, "save image '%s' is incomplete (the save was "
                       "interrupted or ran out of space) and cannot be restored", path);
    if (xl == 0 || xl > SAVE_XML_MAX || img->data_offset != save_data_offset(xl) ||
        img->data_offset + img->data_len != (uint64_t)size || img->data_len == 0)
        return err_set(e, ERR_INVALID, "save image '%s' is truncated or corrupt", path);
    img->xml = xmalloc(xl + 1);
    img->xml[xl] = '\0';
    return (int)xl;
}

int save_image_read(const char *path, struct save_image *img, struct err **e)
{
    *img = (struct save_image){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot open '%s'", path);
    unsigned char h[SAVE_IMG_HDR];
    struct stat sb;
    int rc = -1;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
        err_set(e, ERR_INVALID, "'%s' is not a domsh save image", path);
    else if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
        err_set(e, ERR_INVALID, "'%s' is not a domsh save image", path);
    else if ((rc = check_header(h, path, sb.st_size, img, e)) >= 0) {
        if (pread(fd, img->xml, (size_t)rc, SAVE_IMG_HDR) != rc)
            rc = err_sys(e, ERR_IO, "cannot read '%s'", path);
        else
            rc = strlen(img->xml) == (size_t)rc ? 0 : err_set(e, ERR_INVALID,
                                                              "save image '%s' is corrupt", path);
    }
    close(fd);
    if (rc < 0)
        save_image_free(img);
    return rc < 0 ? -1 : 0;
}

void save_image_free(struct save_image *img)
{
    free(img->xml);
    img->xml = NULL;
}

static int copy_stream(int in, int out, uint64_t from, uint64_t len)
{
    loff_t ioff = (loff_t)from;
    while (len) {
        ssize_t n = copy_file_range(in, &ioff, out, NULL, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len -= (uint64_t)n;
    }
    return 0;
}

int save_image_set_xml(const char *path, const char *xml, struct err **e)
{
    struct save_image img;
    if (save_image_read(path, &img, e) < 0)
        return -1;
    AUTOFREE char *tmp = xasprintf("%s.new", path);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    int out = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = in < 0 || out < 0 ? err_sys(e, ERR_IO, "cannot rewrite '%s'", path) : 0;
    if (rc == 0)
        rc = save_write_head(out, tmp, img.flags, xml, e);
    if (rc == 0 && copy_stream(in, out, img.data_offset, img.data_len) < 0)
        rc = err_sys(e, ERR_IO, "cannot copy the guest state of '%s'", path);
    if (rc == 0)
        rc = save_seal(out, tmp, img.flags, strlen(xml), e);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = err_sys(e, ERR_IO, "cannot replace '%s'", path);
    if (rc < 0)
        unlink(tmp);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    save_image_free(&img);
    return rc == 0 && save_fsync_dir(path) < 0 ? err_sys(e, ERR_IO, "cannot sync '%s'", path) : rc;
}
