/* test_live_state.c: a live change never loses live state (issue 10,
 * item 3).  A running definition is read through the live parse, so the
 * domain id, the pty paths and the console tty= survive every change made
 * to the running guest.  The QEMU side is in test_devices_live.c. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "helpers.h"
#include "live_check.h"

#define TEST_URI "test:///default"

static const char state_xml[] =
    "<domain type='test'><name>st</name><memory>131072</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os><devices>"
    "<disk type='file' device='disk'><source file='/img/a.raw'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
    "<serial type='pty'/><console type='pty'/></devices></domain>\n";

/* every kind of live change the shell makes */
static const char *const changes[] = {
    "attach-disk st /img/b.raw vdb",
    "detach-disk st vdb",
    "attach-interface st user --model virtio --mac 52:54:00:00:5e:01",
    "detach-interface st user --mac 52:54:00:00:5e:01",
    "change-media st hdc /img/cd1.iso",
    "setmem st 64M",
    "device-set st disk/hdc source.file=/img/cd2.iso --live",
    "device-add st disk source.file=/img/c.raw target.dev=vdc --live",
    "device-rm st disk/vdc --live",
    "attach-disk st /img/d.raw vdd --persistent",
    NULL,
};

static char *root;

static void fini(void)
{
    if (!root)
        return;
    /* whatever state a test left */
    struct run_result r = run_domsh(root, NULL, (const char *[]){"-c", TEST_URI, "destroy st", NULL});
    run_free(&r);
    rm_rf(root);
    free(root);
    root = NULL;
}

TestSuite(live_state, .fini = fini, .timeout = 240);

/* a fresh root with domain st defined and running */
static void start_st(void)
{
    root = tmp_root();
    char *xml = fmt("%s/st.xml", root);
    write_text(xml, state_xml);
    char *line = fmt("define %s; start st", xml);
    free(live_ok(root, TEST_URI, line));
    free(line);
    free(xml);
}

Test(live_state, every_live_change_keeps_id_ptys_and_console_on_the_test_backend)
{
    start_st();
    live_check_changes(root, TEST_URI, "st", changes, "echo live-$((6*7))", "live-42");
    /* and the live XML the changes wrote is what the live parse makes of it */
    char *live = live_ok(root, TEST_URI, "dumpxml st");
    struct err *e = NULL;
    struct dnode *dom = dom_load_live(live, strlen(live), "live", &e);
    cr_assert(dom, "%s", e ? e->msg : "");
    char *again = dom_format(dom, 0);
    cr_assert_str_eq(again, live, "the live parse is a fixed point");
    free(again);
    dnode_free(dom);
    free(live);
}

/* the inactive view of a running domain is still the config, without
 * live-only data; the live view of a stopped one is an error */
Test(live_state, inactive_view_has_no_live_data)
{
    start_st();
    char *inactive = live_ok(root, TEST_URI, "dumpxml st --inactive");
    cr_assert(!strstr(inactive, " id=") && !strstr(inactive, "tty=") &&
              !strstr(inactive, "/dev/pts/"), "%s", inactive);
    free(live_ok(root, TEST_URI, "destroy st"));
    struct run_result r = run_domsh(root, NULL,
                                    (const char *[]){"-c", TEST_URI, "domuuid st", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char *off = live_ok(root, TEST_URI, "dumpxml st");
    cr_assert_str_eq(off, inactive);
    free(off);
    free(inactive);
}
