/* test_hostile.c: hostile input through the real binary.  Every case must
 * give exit status 1, one short "error: ..." line, no content of a file it
 * was tricked into naming, and leave the store byte-identical; the child
 * runs under a 1 GiB address-space limit (not under ASan or valgrind,
 * which need more).  Paths with commas, '=', blanks and a leading '-' must
 * reach QEMU as one literal value each.  The fuzzers' regression inputs
 * (tests/data/regress) go through the same pipelines here. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/xml/domain.h"
#include "../core/base/proto.h"
#include "../core/base/qmp.h"
#include "../core/xml/tree.h"
#include "../shell/cmd.h"
#include "../shell/lex.h"
#include "helpers.h"
#include "rel_helpers.h"

#define PASSWD_LINE "root:x:0:0"

struct hostile {
    char *root, *store, *in;
};

static void h_setup(struct hostile *h)
{
    h->root = fast_root();
    h->store = fmt("%s/store", h->root);
    h->in = fmt("%s/in", h->root);
    mkdir(h->store, 0700);
    mkdir(h->in, 0700);
    /* a defined domain the hostile input must not disturb */
    char *f = fmt("%s/keep.xml", h->in);
    cr_assert_eq(write_text(f, "<domain type='qemu'><name>keep</name><memory>65536</memory>"
                               "<os><type>hvm</type></os></domain>\n"), 0);
    const char *argv[] = {"-c", "qemu:///session", "define", f, NULL};
    struct run_result r = run_domsh(h->store, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    free(f);
}

static void h_teardown(struct hostile *h)
{
    rm_rf(h->root);
    free(h->root), free(h->store), free(h->in);
}

/* ---- the store's fingerprint: every path, mode, size and content ---- */

static struct buf *snap_buf;

static int snap_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    unsigned long long h = 1469598103934665603ULL;
    if (type == FTW_F) {
        size_t len = 0;
        char *text = slurp(path, &len);
        for (size_t i = 0; text && i < len; i++)
            h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
        free(text);
    }
    buf_printf(snap_buf, "%s %o %lld %llx\n", path, (unsigned)sb->st_mode,
               (long long)sb->st_size, h);
    return 0;
}

static char *snapshot(const char *dir)
{
    struct buf b = {0};
    snap_buf = &b;
    nftw(dir, snap_one, 16, FTW_PHYS);
    snap_buf = NULL;
    return buf_steal(&b);
}

/* ---- one refused command ---------------------------------------------- */

static void limit_memory(void)
{
    if (getenv("ASAN_OPTIONS") || getenv("DOMSH_VALGRIND"))
        return;
    struct rlimit rl = {1UL << 30, 1UL << 30};   /* inherited by domsh */
    setrlimit(RLIMIT_AS, &rl);
}

static void expect_refused(struct hostile *h, const char *label, const char *const argv[])
{
    char *before = snapshot(h->store);
    const char *full[12] = {"-c", "qemu:///session"};
    for (size_t i = 0; argv[i] && i < 9; i++)
        full[i + 2] = argv[i];
    struct run_result r = run_domsh(h->store, NULL, full);
    char *after = snapshot(h->store);
    cr_expect_eq(r.status, 1, "%s: exit status %d, stderr: %.300s", label, r.status, r.err);
    cr_expect(strncmp(r.err, "error: ", 7) == 0, "%s: stderr is not an error line: %.300s",
              label, r.err);
    char *nl = strchr(r.err, '\n');
    cr_expect(nl && nl[1] == '\0', "%s: more than one line on stderr: %.600s", label, r.err);
    cr_expect_lt(strlen(r.err), 1024, "%s: a %zu-byte error message", label, strlen(r.err));
    for (const char *p = r.err; *p; p++)
        cr_expect(!((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') && *p != 0x7f,
                  "%s: raw control character 0x%02x in the error", label, (unsigned char)*p);
    cr_expect(!strstr(r.err, PASSWD_LINE) && !strstr(r.out, PASSWD_LINE),
              "%s: /etc/passwd content in the output", label);
    cr_expect_str_eq(after, before, "%s: the store changed", label);
    run_free(&r);
    free(before);
    free(after);
}

static char *input(struct hostile *h, const char *name, const char *text, size_t len)
{
    char *path = fmt("%s/%s", h->in, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

static void define_refused(struct hostile *h, const char *label, const char *xml, size_t len)
{
    char *path = input(h, label, xml, len);
    const char *argv[] = {"define", path, NULL};
    expect_refused(h, label, argv);
    free(path);
}

/* a domain whose <name> or device part is the hostile piece */
static void define_with(struct hostile *h, const char *label, const char *name,
                        const char *devices)
{
    char *xml = fmt("<domain type='qemu'><name>%s</name><memory>65536</memory>"
                    "<os><type>hvm</type></os><devices>%s</devices></domain>\n",
                    name, devices);
    define_refused(h, label, xml, strlen(xml));
    free(xml);
}

static char *repeat(const char *piece, size_t times, const char *head, const char *tail)
{
    struct buf b = {0};
    buf_add(&b, head);
    for (size_t i = 0; i < times; i++)
        buf_add(&b, piece);
    buf_add(&b, tail);
    return buf_steal(&b);
}

Test(hostile, domain_names)
{
    struct hostile h;
    h_setup(&h);
    limit_memory();
    static const struct { const char *label, *name; } names[] = {
        {"name-slash", "a/b"}, {"name-dotdot", ".."}, {"name-escape", "../../etc/evil"},
        {"name-dash", "-rf"}, {"name-dot", ".hidden"}, {"name-tab", "a&#9;b"},
        {"name-newline", "a&#10;b"}, {"name-ctrl", "a\x01" "b"}, {"name-esc", "a\x1b[31mb"},
        {"name-del", "a\x7f" "b"}, {"name-empty", ""},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        define_with(&h, names[i].label, names[i].name, "");
    char *long_name = repeat("a", DOM_NAME_MAX + 1, "", "");
    define_with(&h, "name-too-long", long_name, "");
    free(long_name);
    char *mb = repeat("a", 1 << 20, "", "");
    define_with(&h, "name-1mb", mb, "");
    /* the same names as command arguments */
    static const char *const args[] = {"../../etc/passwd", "..", "-rf", ".hidden", "a/b",
                                       "a\nb", "a\x1b[2Jb", "", "keep/../keep"};
    static const char *const cmds[] = {"dumpxml", "undefine", "edit", "start", "dominfo"};
    for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
        for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
            const char *argv[] = {cmds[c], args[i], NULL};
            char *label = fmt("%s '%s'", cmds[c], args[i]);
            expect_refused(&h, label, argv);
            free(label);
        }
    char *big_line = fmt("undefine %s\n", mb);   /* stdin: an argv word is capped at 128 KiB */
    char *before = snapshot(h.store);
    struct run_result r = run_domsh(h.store, big_line, (const char *const[]){NULL});
    char *after = snapshot(h.store);
    cr_expect_eq(r.status, 1, "undefine of a 1 MB name: %d", r.status);
    cr_expect(strncmp(r.err, "error: ", 7) == 0);
    cr_expect_str_eq(after, before);
    run_free(&r);
    free(big_line), free(before), free(after), free(mb);
    h_teardown(&h);
}

Test(hostile, xml_documents)
{
    struct hostile h;
    h_setup(&h);
    limit_memory();
    static const struct { const char *label, *xml; } docs[] = {
        {"entity-internal", "<!DOCTYPE domain [<!ENTITY n \"evil\">]>"
                            "<domain type='qemu'><name>&n;</name><memory>65536</memory>"
                            "<os><type>hvm</type></os></domain>"},
        {"entity-undeclared", "<domain type='qemu'><name>x</name><description>&n;"
                              "</description><memory>65536</memory><os><type>hvm</type></os>"
                              "</domain>"},
        {"dtd-external", "<!DOCTYPE domain SYSTEM \"/etc/passwd\"><domain type='qemu'>"
                         "<name>x</name><memory>65536</memory><os><type>hvm</type></os>"
                         "</domain>"},
        {"xxe-file", "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><domain "
                     "type='qemu'><name>x</name><description>&x;</description><memory>65536"
                     "</memory><os><type>hvm</type></os></domain>"},
        {"xxe-parameter", "<!DOCTYPE d [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
                          "<domain type='qemu'><name>x</name><memory>65536</memory>"
                          "<os><type>hvm</type></os></domain>"},
        {"xxe-network", "<!DOCTYPE d [<!ENTITY x SYSTEM \"http://127.0.0.1:1/x\">]><domain "
                        "type='qemu'><name>x</name><description>&x;</description>"
                        "<memory>65536</memory><os><type>hvm</type></os></domain>"},
        {"xinclude", "<domain type='qemu' xmlns:xi='http://www.w3.org/2001/XInclude'>"
                     "<name>x</name><description><xi:include href='/etc/passwd' parse='text'/>"
                     "</description><memory>65536</memory><os><type>hvm</type></os></domain>"},
        {"xinclude-devices", "<domain type='qemu' xmlns:xi='http://www.w3.org/2001/XInclude'>"
                             "<name>x</name><memory>65536</memory><os><type>hvm</type></os>"
                             "<devices><xi:include href='/etc/passwd' parse='text'/></devices>"
                             "</domain>"},
        {"billion-laughs", "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;"
                           "&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                           "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]><domain type='qemu'>"
                           "<name>x</name><description>&d;&d;&d;&d;&d;&d;&d;&d;</description>"
                           "<memory>65536</memory><os><type>hvm</type></os></domain>"},
        {"utf8-invalid", "<domain type='qemu'><name>a\xff\xfe" "b</name><memory>65536"
                         "</memory><os><type>hvm</type></os></domain>"},
        {"utf8-overlong", "<domain type='qemu'><name>a\xc0\xaf" "b</name><memory>65536"
                          "</memory><os><type>hvm</type></os></domain>"},
        {"utf8-surrogate", "<domain type='qemu'><name>x</name><description>\xed\xa0\x80"
                           "</description><memory>65536</memory><os><type>hvm</type></os>"
                           "</domain>"},
        {"mac-multicast", "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>"
                          "hvm</type></os><devices><interface type='user'><mac address="
                          "'01:00:5e:00:00:01'/></interface></devices></domain>"},
        {"vnc-port-high", "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>"
                          "hvm</type></os><devices><graphics type='vnc' port='70000'/>"
                          "</devices></domain>"},
        {"vnc-port-negative", "<domain type='qemu'><name>x</name><memory>65536</memory><os>"
                              "<type>hvm</type></os><devices><graphics type='vnc' port='-5'/>"
                              "</devices></domain>"},
        {"tcp-port-high", "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>"
                          "hvm</type></os><devices><serial type='tcp'><source mode='bind' "
                          "host='127.0.0.1' service='65536'/></serial></devices></domain>"},
        {"udp-port-huge", "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>"
                          "hvm</type></os><devices><serial type='udp'><source mode='connect' "
                          "host='127.0.0.1' service='99999999999999999999'/></serial>"
                          "</devices></domain>"},
        {"mcast-port-high", "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>"
                            "hvm</type></os><devices><interface type='mcast'><source address="
                            "'230.0.0.1' port='65536'/></interface></devices></domain>"},
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        define_refused(&h, docs[i].label, docs[i].xml, strlen(docs[i].xml));
    static const char nul_doc[] = "<domain type='qemu'><name>x\0y</name><memory>65536</memory>"
                                  "<os><type>hvm</type></os></domain>";
    define_refused(&h, "nul-byte", nul_doc, sizeof(nul_doc) - 1);
    char *deep = repeat("<a>", 100000, "<domain type='qemu'><name>x</name>", "");
    char *deep2 = repeat("</a>", 100000, deep, "</domain>");
    define_refused(&h, "nesting-100000", deep2, strlen(deep2));
    free(deep), free(deep2);
    char *big = repeat("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 50 << 14,
                       "<domain type='qemu'><name>x</name><description>",
                       "</description><memory>65536</memory><os><type>hvm</type></os></domain>");
    define_refused(&h, "50mb", big, strlen(big));
    free(big);
    const char *not_xml[] = {"define", "/etc/passwd", NULL};
    expect_refused(&h, "define /etc/passwd", not_xml);
    const char *dev[] = {"define", "/dev/zero", NULL};
    expect_refused(&h, "define /dev/zero", dev);
    h_teardown(&h);
}

Test(hostile, emulator_not_executable_or_a_script)
{
    struct hostile h;
    h_setup(&h);
    const char *body = "#!/bin/sh\necho not qemu >&2\nexit 3\n";
    char *script = input(&h, "fake-qemu.sh", body, strlen(body));
    chmod(script, 0755);
    const char *const emulators[] = {"/etc/passwd", "/nonexistent/qemu", h.in, script};
    for (size_t i = 0; i < 4; i++) {
        char *xml = fmt("<domain type='qemu'><name>emu%zu</name><memory>65536</memory><os>"
                        "<type>hvm</type></os><devices><emulator>%s</emulator></devices>"
                        "</domain>", i, emulators[i]);
        char *path = input(&h, "emu.xml", xml, strlen(xml));
        const char *def[] = {"-c", "qemu:///session", "define", path, NULL};
        struct run_result r = run_domsh(h.store, NULL, def);
        cr_assert_eq(r.status, 0, "%s", r.err);   /* define checks no host file */
        run_free(&r);
        char *cfg = fmt("%s/config", h.store);
        char *before = snapshot(cfg);
        char *name = fmt("emu%zu", i);
        const char *start[] = {"-c", "qemu:///session", "start", name, NULL};
        r = run_domsh(h.store, NULL, start);
        cr_expect_eq(r.status, 1, "emulator %s: exit %d", emulators[i], r.status);
        cr_expect(strncmp(r.err, "error: ", 7) == 0, "emulator %s: %s", emulators[i], r.err);
        cr_expect(!strstr(r.err, PASSWD_LINE));
        /* a failed start leaves nothing behind (logs aside) */
        char *rundir = fmt("%s/run/qemu/%s", h.store, name);
        cr_expect_neq(access(rundir, F_OK), 0, "emulator %s: '%s' left behind", emulators[i],
                      rundir);
        char *after = snapshot(cfg);
        cr_expect_str_eq(after, before, "emulator %s: the config changed", emulators[i]);
        run_free(&r);
        free(before), free(after), free(cfg), free(rundir), free(name), free(xml), free(path);
    }
    free(script);
    h_teardown(&h);
}

/* ---- paths with commas, '=', blanks and a leading '-' ------------------ */

/* split a shell-quoted line the way sh does (single quotes and '\'' only,
 * as domxml-to-native writes them) */
static void sh_split(const char *line, struct strv *out)
{
    struct buf w = {0};
    bool in_word = false;
    for (const char *p = line; *p && *p != '\n'; p++) {
        if (*p == ' ') {
            if (in_word)
                strv_push(out, buf_str(&w));
            buf_reset(&w);
            in_word = false;
        } else if (*p == '\'') {
            const char *q = strchr(p + 1, '\'');
            cr_assert_not_null(q, "unbalanced quote in: %s", line);
            buf_addn(&w, p + 1, (size_t)(q - p - 1));
            p = q;
            in_word = true;
        } else if (*p == '\\' && p[1]) {
            buf_addc(&w, *++p);
            in_word = true;
        } else {
            buf_addc(&w, *p);
            in_word = true;
        }
    }
    if (in_word)
        strv_push(out, buf_str(&w));
    buf_free(&w);
}

/* value of key in a QEMU option string (",," is a literal comma) */
static char *qemu_opt(const char *opts, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = opts; *p;) {
        struct buf item = {0};
        for (; *p; p++) {
            if (*p == ',' && p[1] == ',')
                buf_addc(&item, *p++);
            else if (*p == ',')
                break;
            else
                buf_addc(&item, *p);
        }
        if (*p == ',')
            p++;
        const char *it = buf_str(&item);
        if (strncmp(it, key, kl) == 0 && it[kl] == '=') {
            char *v = strdup(it + kl + 1);
            buf_free(&item);
            return v;
        }
        buf_free(&item);
    }
    return NULL;
}

/* some argv word after option opt has key=value exactly (key NULL: the
 * word itself is the value) */
static bool argv_has(const struct strv *av, const char *opt, const char *key, const char *value)
{
    for (size_t i = 0; i + 1 < av->n; i++) {
        if (strcmp(av->v[i], opt) != 0)
            continue;
        if (!key && strcmp(av->v[i + 1], value) == 0)
            return true;
        char *v = key ? qemu_opt(av->v[i + 1], key) : NULL;
        bool ok = v && strcmp(v, value) == 0;
        free(v);
        if (ok)
            return true;
    }
    return false;
}

Test(hostile, paths_reach_qemu_as_one_literal_value)
{
    struct hostile h;
    h_setup(&h);
    static const char disk[] = "-a,b=c d.img", cdrom[] = "/c d,e=f,,g", serial[] = "-s,p=1 x",
                      sock[] = "/u,x=y z", kernel[] = "-k,=x y", initrd[] = "/i,n=1 -x",
                      append[] = "console=ttyS0,115200 x=y 'q' -S";
    char *xml = fmt("<domain type='qemu'><name>paths</name><memory>65536</memory><os><type>"
                    "hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>"
                    "<devices><disk type='file' device='disk'><source file='%s'/><target "
                    "dev='vda' bus='virtio'/></disk><disk type='file' device='cdrom'><source "
                    "file='%s'/><target dev='hdc' bus='ide'/></disk><serial type='file'><source "
                    "path='%s'/></serial><serial type='unix'><source mode='bind' path='%s'/>"
                    "</serial></devices></domain>", kernel, initrd, append, disk, cdrom, serial,
                    sock);
    char *path = input(&h, "paths.xml", xml, strlen(xml));
    const char *argv[] = {"-c", "qemu:///session", "domxml-to-native", "qemu-argv", path, NULL};
    struct run_result r = run_domsh(h.store, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    struct strv av = {0};
    sh_split(r.out, &av);
    cr_assert_gt(av.n, 10);
    cr_expect(argv_has(&av, "-blockdev", "filename", disk), "disk path: %s", r.out);
    cr_expect(argv_has(&av, "-blockdev", "filename", cdrom), "cdrom path: %s", r.out);
    cr_expect(argv_has(&av, "-chardev", "path", serial), "serial file path: %s", r.out);
    cr_expect(argv_has(&av, "-chardev", "path", sock), "serial socket path: %s", r.out);
    cr_expect(argv_has(&av, "-kernel", NULL, kernel), "kernel: %s", r.out);
    cr_expect(argv_has(&av, "-initrd", NULL, initrd), "initrd: %s", r.out);
    cr_expect(argv_has(&av, "-append", NULL, append), "cmdline: %s", r.out);
    /* no hostile piece became a word of its own (an option to QEMU) */
    size_t dash_s = 0;
    for (size_t i = 0; i < av.n; i++)
        dash_s += strcmp(av.v[i], "-S") == 0;
    cr_expect_eq(dash_s, 1, "'-S' appears as a word of its own %zu times", dash_s);
    strv_free(&av);
    run_free(&r);
    free(xml), free(path);
    h_teardown(&h);
}
