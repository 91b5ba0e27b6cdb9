/* test_argv_libvirt.c: our command line against libvirt 9.0's own for the
 * same XML.  For every conformance input (shared/conformance/domains*
 * /qemuxml2argvdata/NAME.xml) that has libvirt's expected argv
 * (qemu-args/NAME.x86_64-latest.args), both command lines are reduced to
 * the facts the qemu-args README calls comparable, as values: guest name,
 * uuid, memory, vCPUs, accelerator, ACPI, clock, kernel boot, disk image
 * files, the guest-visible devices (disk, NIC, serial, parallel, input,
 * sound, host devices) with their MAC, port index and boot index, and the
 * chardev backends with their network endpoints.  Not compared (libvirt
 * implementation detail): ids, node names, PCI addresses, controllers,
 * video, balloon, fd passing, paths that libvirt passes as fds.
 * Equivalent spellings are normalized: usb-host hostdevice=/dev/bus/usb/B/D
 * is hostbus=B,hostaddr=D; the floppy boot index is on the isa-fdc device
 * or a -global; isa-parallel's index (we pass the target port, libvirt
 * lets QEMU number the ports in order) is left out. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/buf.h"
#include "../../core/xml/domain.h"
#include "../../core/runtime/qemu_argv.h"
#include "../helpers.h"

/* the words of a libvirt .args file (sh syntax: '...' quotes, \ newline) */
static void split_args(const char *text, struct strv *out)
{
    struct buf w = {0};
    bool in_word = false, quoted = false;
    for (const char *p = text; *p; p++) {
        if (!quoted && *p == '\\' && p[1] == '\n') {
            p++;
            continue;
        }
        if (*p == '\'') {
            quoted = !quoted;
            in_word = true;
        } else if (!quoted && (*p == ' ' || *p == '\n')) {
            if (in_word)
                strv_push(out, buf_str(&w));
            buf_reset(&w);
            in_word = false;
        } else {
            buf_addc(&w, *p);
            in_word = true;
        }
    }
    if (in_word)
        strv_push(out, buf_str(&w));
    buf_free(&w);
}

/* KEY's value in a JSON option string ({"a":1,"b":"x"}); "" when absent */
static char *json_get(const char *s, const char *key)
{
    char *jk = fmt("\"%s\":", key);
    const char *p = strstr(s, jk);
    struct buf b = {0};
    buf_add(&b, "");
    if (p) {
        p += strlen(jk);
        bool str = *p == '"';
        for (p += str; *p && (str ? *p != '"' : (*p != ',' && *p != '}')); p++)
            buf_addc(&b, *p);
    }
    free(jk);
    return buf_steal(&b);
}

/* KEY's value in a keyval ("drv,a=1,b=x,,y") or JSON option string; ""
 * when absent (caller frees) */
static char *opt_get(const char *s, const char *key)
{
    if (s[0] == '{')
        return json_get(s, key);
    size_t klen = strlen(key);
    for (const char *item = s; *item;) {
        struct buf v = {0};
        buf_add(&v, "");
        const char *p = item;
        for (; *p && !(*p == ',' && p[1] != ','); p++)
            buf_addc(&v, *p == ',' ? *++p : *p);      /* ",," is a literal comma */
        if (strncmp(v.s, key, klen) == 0 && v.s[klen] == '=') {
            char *val = strdup(v.s + klen + 1);
            buf_free(&v);
            return val;
        }
        buf_free(&v);
        item = *p ? p + 1 : p;
    }
    return strdup("");
}

static char *driver_of(const char *dev)
{
    if (dev[0] == '{')
        return opt_get(dev, "driver");
    return strndup(dev, strcspn(dev, ","));
}

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static void device_fact(const char *dev, struct strv *facts)
{
    static const char *const guest_visible[] = {
        "ide-hd", "ide-cd", "scsi-hd", "scsi-cd", "virtio-blk-pci", "floppy", "usb-storage",
        "rtl8139", "e1000", "virtio-net-pci", "ne2k_pci", "pcnet", "isa-serial", "isa-parallel",
        "usb-tablet", "usb-mouse", "usb-kbd", "ES1370", "sb16", "AC97", "vfio-pci", "usb-host",
        NULL,
    };
    static const char *const keys[] = {"mac", "index", "bootindex", "host", "hostbus",
                                       "hostaddr", "vendorid", "productid", NULL};
    char *drv = driver_of(dev);
    if (in_list(drv, guest_visible)) {
        struct buf b = {0};
        buf_printf(&b, "device %s", drv);
        for (size_t i = 0; keys[i]; i++) {
            char *v = opt_get(dev, keys[i]);
            if (*v && !(strcmp(drv, "isa-parallel") == 0 && strcmp(keys[i], "index") == 0))
                buf_printf(&b, " %s=%s", keys[i], v);
            free(v);
        }
        char *hd = opt_get(dev, "hostdevice");
        unsigned bus, addr;
        if (sscanf(hd, "/dev/bus/usb/%u/%u", &bus, &addr) == 2)
            buf_printf(&b, " hostbus=%u hostaddr=%u", bus, addr);
        free(hd);
        strv_push_take(facts, buf_steal(&b));
    }
    for (char ab = 'A'; strcmp(drv, "isa-fdc") == 0 && ab <= 'B'; ab++) {
        char *key = fmt("bootindex%c", ab), *v = opt_get(dev, key);
        if (*v)
            strv_push_take(facts, fmt("-global isa-fdc.%s=%s", key, v));
        free(v);
        free(key);
    }
    free(drv);
}

static void chardev_fact(const char *chr, struct strv *facts)
{
    char *id = opt_get(chr, "id");
    if (strcmp(id, "charmonitor") != 0 && strncmp(id, "chr-vu", 6) != 0) {
        struct buf b = {0};
        buf_printf(&b, "chardev %s %.*s", id, (int)strcspn(chr, ","), chr);
        static const char *const keys[] = {"host", "port", "localaddr", "localport", "server",
                                           "telnet", NULL};
        for (size_t i = 0; keys[i]; i++) {
            char *v = opt_get(chr, keys[i]);
            if (*v)
                buf_printf(&b, " %s=%s", keys[i], v);
            free(v);
        }
        strv_push_take(facts, buf_steal(&b));
    }
    free(id);
}

static void option_fact(const char *opt, const char *val, struct strv *facts)
{
    static const char *const plain[] = {"-uuid", "-rtc", "-accel", "-kernel", "-initrd",
                                        "-append", NULL};
    if (in_list(opt, plain))
        strv_push_take(facts, fmt("%s %s", opt, val));
    else if (strcmp(opt, "-name") == 0)
        strv_push_take(facts, opt_get(val, "guest"));
    else if (strcmp(opt, "-m") == 0)
        strv_push_take(facts, fmt("-m %s", val));
    else if (strcmp(opt, "-smp") == 0)
        strv_push_take(facts, fmt("-smp %.*s", (int)strcspn(val, ","), val));
    else if (strcmp(opt, "-machine") == 0 && strstr(val, "acpi=off"))
        strv_push(facts, "acpi off");
    else if (strcmp(opt, "-device") == 0)
        device_fact(val, facts);
    else if (strcmp(opt, "-chardev") == 0)
        chardev_fact(val, facts);
    else if (strcmp(opt, "-blockdev") == 0) {
        char *f = opt_get(val, "filename");
        if (*f)
            strv_push_take(facts, fmt("image %s", f));
        free(f);
    } else if (strcmp(opt, "-global") == 0 && strncmp(val, "isa-fdc.bootindex", 17) == 0)
        strv_push_take(facts, fmt("-global %s", val));
}

static char *facts_of(const struct strv *words)
{
    struct strv facts = {0};
    for (size_t i = 0; i < words->n; i++) {
        if (strcmp(words->v[i], "-no-acpi") == 0)
            strv_push(&facts, "acpi off");
        else if (words->v[i][0] == '-' && i + 1 < words->n)
            option_fact(words->v[i], words->v[i + 1], &facts);
    }
    strv_sort(&facts);
    struct buf b = {0};
    buf_add(&b, "");
    for (size_t i = 0; i < facts.n; i++)
        buf_printf(&b, "%s\n", facts.v[i]);
    strv_free(&facts);
    return buf_steal(&b);
}

/* the lines of A that are not in B, each prefixed with MARK */
static void lines_missing(struct buf *out, const char *a, const char *b, char mark)
{
    char *copy = strdup(a), *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *needle = fmt("%s\n", l);
        bool found = strncmp(b, needle, strlen(needle)) == 0;
        char *nl = fmt("\n%s", needle);
        found |= strstr(b, nl) != NULL;
        if (!found)
            buf_printf(out, "  %c %s\n", mark, l);
        free(nl);
        free(needle);
    }
    free(copy);
}

static char *fact_diff(const char *ours, const char *theirs)
{
    struct buf b = {0};
    buf_add(&b, "");
    lines_missing(&b, ours, theirs, '+');
    lines_missing(&b, theirs, ours, '-');
    return buf_steal(&b);
}

static char *our_facts(const char *xml, struct err **e)
{
    struct dnode *d = dom_load_file(xml, NULL, e);
    if (!d)
        return NULL;
    struct qemu_launch l = {.run_dir = "/run/domsh/qemu/t", .qmp_path = "/run/domsh/qemu/t/qmp.sock"};
    struct strv argv = {0};
    char *f = qemu_build_argv(d, &l, &argv, e) == 0 ? facts_of(&argv) : NULL;
    strv_free(&argv);
    dnode_free(d);
    return f;
}

/* returns 1 when compared, 0 when skipped (no libvirt args, or we refuse
 * the XML at load or build time: counted and reported) */
static int compare_one(const char *dir, const char *name, struct strv *refused)
{
    char *args = fmt("%s/conformance/qemu-args/%s.x86_64-latest.args", shared_dir(), name);
    char *text = slurp(args, NULL);
    free(args);
    if (!text)
        return 0;
    char *xml = fmt("%s/%s.xml", dir, name);
    struct err *e = NULL;
    char *ours = our_facts(xml, &e);
    if (ours) {
        struct strv words = {0};
        split_args(text, &words);
        char *theirs = facts_of(&words);
        char *diff = fact_diff(ours, theirs);
        cr_expect_str_eq(diff, "", "%s: facts differ from libvirt's (+ ours, - libvirt):\n%s",
                         name, diff);
        free(diff);
        free(theirs);
        strv_free(&words);
    } else {
        strv_push_take(refused, fmt("%s: %s", name, e ? e->msg : "?"));
    }
    err_free(e);
    free(ours);
    free(xml);
    free(text);
    return ours != NULL;
}

Test(argv_libvirt, same_facts_as_libvirt_for_the_conformance_corpus)
{
    const char *tiers[] = {"domains", "domains-tolerant"};
    struct strv refused = {0};
    int compared = 0;
    for (size_t t = 0; t < 2; t++) {
        char *dir = fmt("%s/conformance/%s/qemuxml2argvdata", shared_dir(), tiers[t]);
        DIR *d = opendir(dir);
        cr_assert(d, "cannot open %s", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (len > 4 && strcmp(de->d_name + len - 4, ".xml") == 0) {
                char *name = strndup(de->d_name, len - 4);
                compared += compare_one(dir, name, &refused);
                free(name);
            }
        }
        closedir(d);
        free(dir);
    }
    for (size_t i = 0; i < refused.n; i++)
        cr_log_info("not compared: %s", refused.v[i]);
    cr_expect_geq(compared, 40, "only %d inputs compared", compared);
    strv_free(&refused);
}
