/* test_cmds.c: batch behaviour and the basic domain commands through the
 * real binary, each test with its own DOMSH_ROOT. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define UUID1 "5b3ef3ce-2d07-4d6e-9c8e-6a7f5d3e2a11"
#define UUID2 "8c0a9e44-8a51-4a3b-b6a0-0f1e2d3c4b5a"

static char *root;

static void setup(void)
{
    root = tmp_root();
}

static void teardown(void)
{
    rm_rf(root);
    free(root);
}

/* write a domain file NAME.xml under root; returns its path */
static char *domain_file(const char *file, const char *name, const char *uuid)
{
    char *path = fmt("%s/%s", root, file);
    char *uuid_el = uuid ? fmt("  <uuid>%s</uuid>\n", uuid) : strdup("");
    char *xml = fmt("<domain type='qemu'>\n  <name>%s</name>\n%s"
                    "  <memory>65536</memory>\n  <vcpu>2</vcpu>\n"
                    "  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n", name, uuid_el);
    cr_assert_eq(write_text(path, xml), 0);
    free(xml);
    free(uuid_el);
    return path;
}

static struct run_result line(const char *l)
{
    const char *argv[] = {"-c", "test:///default", l, NULL};
    return run_domsh(root, NULL, argv);
}

static struct run_result qline(const char *l)
{
    const char *argv[] = {"-q", "-c", "test:///default", l, NULL};
    return run_domsh(root, NULL, argv);
}

/* qline/line with a formatted command line */
static struct run_result qlinef(const char *f, const char *arg)
{
    char *l = fmt(f, arg);
    struct run_result r = qline(l);
    free(l);
    return r;
}

static struct run_result linef(const char *f, const char *arg)
{
    char *l = fmt(f, arg);
    struct run_result r = line(l);
    free(l);
    return r;
}

/* a formatted string in the caller's buffer: nothing to free */
#define SF(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* every path under root with its size: a refused command must not change it */
static char *tree_listing(void)
{
    char *cmd = fmt("cd '%s' && find . -printf '%%p %%s\\n' | LC_ALL=C sort",
                    root);
    FILE *p = popen(cmd, "r");
    free(cmd);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(p)) != EOF)
        fputc(c, m);
    pclose(p);
    fclose(m);
    return buf;
}

TestSuite(cmds, .init = setup, .fini = teardown);

Test(cmds, test_uri_starts_empty)
{
    struct run_result r = line("list --all");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, " Id   Name   State\n--------------------\n\n");
    cr_assert_str_eq(r.err, "");
    run_free(&r);
}

Test(cmds, define_list_dumpxml_undefine)
{
    char pb[1024];
    char *f = domain_file("vm1.xml", "vm1", UUID1);
    char *cmd = fmt("define %s", f);
    struct run_result r = line(cmd);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *want = fmt("Domain 'vm1' defined from %s\n\n", f);
    cr_assert_str_eq(r.out, want);
    run_free(&r);

    r = line("list --all");
    cr_assert_str_eq(r.out, " Id   Name   State\n-----------------------\n -    vm1    shut off\n\n");
    run_free(&r);
    r = qline("list --all --name; list --all --uuid; list --all --uuid --name; list --id; "
              "domuuid vm1; domname " UUID1 "; domid vm1; domstate vm1; domstate --reason vm1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "vm1\n" UUID1 "\n" UUID1 " vm1\n"
                            UUID1 "\nvm1\n-\nshut off\nshut off (unknown)\n");
    run_free(&r);

    /* the stored file is the canonical form: dumpxml --inactive gives it back */
    r = qline("dumpxml vm1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "<name>vm1</name>"));
    cr_assert(strstr(r.out, "<uuid>" UUID1 "</uuid>"));
    char *stored = slurp(SF(pb, "%s/config/test/vm1.xml", root), NULL);
    cr_assert_str_eq(r.out, stored);
    free(stored);
    run_free(&r);

    r = qline("dumpxml --xpath /domain/name vm1; dumpxml --xpath /domain/name --wrap vm1");
    cr_assert_str_eq(r.out, "<name>vm1</name>\n<nodes>\n  <name>vm1</name>\n</nodes>\n");
    run_free(&r);

    r = line("undefine vm1; list --all --name");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "Domain 'vm1' has been undefined\n\n\n");
    run_free(&r);
    struct stat sb;
    cr_assert_neq(lstat(SF(pb, "%s/config/test/%s.uuid", root, UUID1), &sb), 0,
                  "uuid link left behind");
    free(want);
    free(cmd);
    free(f);
}

Test(cmds, lookup_by_uuid_forms_and_errors)
{
    char *f = domain_file("a.xml", "alpha", UUID1);
    struct run_result r = qlinef("define %s; domname " UUID1 "; domname 5B3EF3CE2D074D6E9C8E6A7F5D3E2A11", f);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "alpha\nalpha\n");
    run_free(&r);
    r = qline("dominfo nosuch");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: failed to get domain 'nosuch': no domain with matching name, uuid or id\n");
    run_free(&r);
    free(f);
}

Test(cmds, duplicates_refused)
{
    char *a = domain_file("a.xml", "alpha", UUID1);
    char *a2 = domain_file("a2.xml", "alpha", UUID2);
    char *b = domain_file("b.xml", "beta", UUID1);
    struct run_result r = qlinef("define %s", a);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char *before = tree_listing();
    r = qlinef("define %s", a2);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: operation failed: domain 'alpha' already exists with uuid " UUID1 "\n");
    run_free(&r);
    r = qlinef("define %s", b);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: operation failed: domain 'alpha' is already defined with uuid " UUID1 "\n");
    run_free(&r);
    /* refused: nothing written anywhere (no config, index, lock or history) */
    char *after = tree_listing();
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    /* same name and uuid: an update */
    r = qlinef("define %s; list --all --name", a);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "alpha\n");
    run_free(&r);
    free(a);
    free(a2);
    free(b);
}

Test(cmds, batch_runs_every_command_and_fails_once)
{
    struct run_result r = line("domstate nosuch; uri; frob; uri");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.out, "\ntest:///default\n\n\ntest:///default\n\n");
    cr_assert_eq(count(r.err, "error: "), 2, "%s", r.err);
    cr_assert(strstr(r.err, "error: unknown command: 'frob'\n"));
    run_free(&r);

    r = qline("uri; hostname");
    cr_assert_eq(r.status, 0);
    run_free(&r);

    /* a syntax error: nothing runs */
    r = qline("uri; echo 'open");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "error: missing '\n");
    run_free(&r);
}

Test(cmds, argv_mode_words_verbatim)
{
    const char *argv[] = {"-q", "-c", "test:///default", "domstate", "a b; uri", NULL};
    struct run_result r = run_domsh(root, NULL, argv);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "error: failed to get domain 'a b; uri': no domain with matching "
                            "name, uuid or id\n");
    run_free(&r);
}

Test(cmds, stdin_mode_no_banner_no_prompt)
{
    const char *argv[] = {"-c", "test:///default", NULL};
    struct run_result r = run_domsh(root, "uri\n# comment\n\nuri; \\\nuri\n", argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "test:///default\n\ntest:///default\n\ntest:///default\n\n");
    cr_assert_str_eq(r.err, "");
    run_free(&r);

    r = run_domsh(root, "dominfo nosuch\nuri\n", argv);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.out, "test:///default"));
    cr_assert_eq(count(r.err, "error: "), 1);
    run_free(&r);
}

Test(cmds, option_errors_virsh_messages)
{
    struct run_result r = qline("list --bogus");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: command 'list' doesn't support option --bogus\n");
    run_free(&r);
    r = qline("define");
    cr_assert_str_eq(r.err, "error: command 'define' requires <file> option\n");
    run_free(&r);
    r = qline("domstate a b");
    cr_assert_str_eq(r.err, "error: unexpected data 'b'\n");
    run_free(&r);
    r = qline("list --all --all");
    cr_assert_str_eq(r.err, "error: option --all already seen\n");
    run_free(&r);
    r = qline("list --table --name");
    cr_assert_str_eq(r.err, "error: options --table and --name are mutually exclusive\n");
    run_free(&r);
}

Test(cmds, readonly_refuses_changes)
{
    char pb[1024];
    char *f = domain_file("a.xml", "alpha", UUID1);
    const char *argv[] = {"-q", "-r", "-c", "test:///default", SF(pb, "define %s; list --all --name", f), NULL};
    struct run_result r = run_domsh(root, NULL, argv);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: operation forbidden: read only access prevents 'define'\n");
    cr_assert_str_eq(r.out, "");
    run_free(&r);
    free(f);
}

Test(cmds, bad_xml_leaves_store_unchanged)
{
    char *f = fmt("%s/bad.xml", root);
    write_text(f, "<domain type='qemu'><name>x</name>");
    struct run_result r = qlinef("define %s; list --all --name", f);
    cr_assert_eq(r.status, 1);
    cr_assert_eq(count(r.err, "error: "), 1, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    run_free(&r);
    free(f);
}

Test(cmds, dominfo_and_json)
{
    char *f = domain_file("a.xml", "alpha", UUID1);
    struct run_result r = qlinef("define %s; dominfo alpha", f);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "Id:             -\n"
                     "Name:           alpha\n"
                     "UUID:           " UUID1 "\n"
                     "OS Type:        hvm\n"
                     "State:          shut off\n"
                     "CPU(s):         2\n"
                     "Max memory:     65536 KiB\n"
                     "Used memory:    65536 KiB\n"
                     "Persistent:     yes\n"
                     "Autostart:      disable\n"
                     "Managed save:   no\n");
    run_free(&r);
    r = qline("autostart alpha; dominfo --json alpha; list --all --json; domstate --json alpha");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"name\": \"alpha\""));
    cr_assert(strstr(r.out, "\"id\": null"));
    cr_assert(strstr(r.out, "\"autostart\": true"));
    cr_assert(strstr(r.out, "\"max_memory_kib\": 65536"));
    cr_assert(strstr(r.out, "\"uuid\": \"" UUID1 "\""));
    cr_assert(strstr(r.out, "\"state\": \"shut off\""));
    run_free(&r);
    r = qline("list --all --autostart --name; autostart --disable alpha; list --all --autostart --name");
    cr_assert_str_eq(r.out, "alpha\n");
    run_free(&r);
    free(f);
}

Test(cmds, messages_and_quiet)
{
    char *f = domain_file("a.xml", "alpha", UUID1);
    struct run_result r = linef("define %s; autostart alpha; autostart --disable alpha", f);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'alpha' marked as autostarted\n\n"));
    cr_assert(strstr(r.out, "Domain 'alpha' unmarked as autostarted\n\n"));
    run_free(&r);
    r = qline("autostart alpha; uri");
    cr_assert_str_eq(r.out, "test:///default\n");
    run_free(&r);
    free(f);
}

Test(cmds, version_and_host)
{
    struct run_result r = qline("version; version --json; uri");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Compiled against library: domsh "));
    cr_assert(strstr(r.out, "Using API: TEST "));
    cr_assert(strstr(r.out, "\"api\": \"TEST\""));
    run_free(&r);
}

static void edit_with(const char *script, const char *stdin_text, struct run_result *r)
{
    char *ed = fmt("%s/editor.sh", root);
    write_text(ed, script);
    chmod(ed, 0700);
    setenv("EDITOR", ed, 1);
    unsetenv("VISUAL");
    setenv("TMPDIR", root, 1);
    const char *argv[] = {"-c", "test:///default", "edit", "alpha", NULL};
    *r = run_domsh(root, stdin_text, argv);
    free(ed);
}

Test(cmds, edit_without_terminal)
{
    char pb[1024];
    char *f = domain_file("a.xml", "alpha", UUID1);
    struct run_result r = qlinef("define %s", f);
    run_free(&r);

    edit_with("#!/bin/sh\nexit 0\n", NULL, &r);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "Domain 'alpha' XML configuration not changed.\n\n");
    run_free(&r);

    edit_with("#!/bin/sh\nsed -i 's/65536/131072/' \"$1\"\n", NULL, &r);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "Domain 'alpha' XML configuration edited.\n\n");
    run_free(&r);
    r = qline("dumpxml alpha");
    cr_assert(strstr(r.out, ">131072</memory>"), "%s", r.out);
    run_free(&r);

    /* a broken edit: the real error (naming the temp file), exit 1, nothing changed */
    edit_with("#!/bin/sh\nsed -i 's|</domain>|<domain>|' \"$1\"\n", NULL, &r);
    cr_assert_eq(r.status, 1);
    cr_assert_eq(count(r.err, "error: "), 1, "%s", r.err);
    cr_assert(strstr(r.err, "/domsh"), "%s", r.err);
    cr_assert(!strstr(r.out, "edited"));
    run_free(&r);
    r = qline("dumpxml alpha");
    cr_assert(strstr(r.out, ">131072</memory>"));
    run_free(&r);

    /* the temp file was 0600 */
    edit_with("#!/bin/sh\nstat -c %a \"$1\" > \"$(dirname \"$1\")/mode\"\n", NULL, &r);
    run_free(&r);
    char *mode = slurp(SF(pb, "%s/mode", root), NULL);
    cr_assert_str_eq(mode, "600\n");
    free(mode);
    free(f);
}

Test(cmds, edit_detects_concurrent_change)
{
    char *f = domain_file("a.xml", "alpha", UUID1);
    struct run_result r = qlinef("define %s", f);
    run_free(&r);
    /* the "editor" redefines the domain from another shell, then edits */
    char *script = fmt("#!/bin/sh\nsed 's/65536/32768/' %s > %s/other.xml\n"
                       "DOMSH_ROOT=%s %s -q -c test:///default define %s/other.xml\n"
                       "sed -i 's/<vcpu>2/<vcpu>4/' \"$1\"\n",
                       f, root, root, getenv("DOMSH_BIN"), root);
    edit_with(script, NULL, &r);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "changed by another shell"), "%s", r.err);
    run_free(&r);
    r = qline("dumpxml alpha");
    cr_assert(strstr(r.out, ">32768</memory>"), "%s", r.out);
    cr_assert(strstr(r.out, "<vcpu>2</vcpu>"));
    run_free(&r);
    free(script);
    free(f);
}

/* each --json output is one valid JSON document (checked by python3) */
Test(cmds, json_documents_parse)
{
    char pb[1024];
    char *f = domain_file("a.xml", "alpha", UUID1);
    struct run_result r = qlinef("define %s", f);
    run_free(&r);
    static const char *const cmds[] = {"list --all --json", "list --json", "dominfo --json alpha",
                                       "domstate --json alpha", "version --json"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        r = qline(cmds[i]);
        cr_assert_eq(r.status, 0, "%s: %s", cmds[i], r.err);
        char *path = fmt("%s/out.json", root);
        write_text(path, r.out);
        int rc = system(SF(pb, "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s", path));
        cr_assert_eq(rc, 0, "%s printed invalid JSON:\n%s", cmds[i], r.out);
        free(path);
        run_free(&r);
    }
    free(f);
}
