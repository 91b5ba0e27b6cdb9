/* demo_guest.c: the busybox demo guest under QEMU (TCG) for the QEMU
 * tests (demo_guest.h). */
#include "demo_guest.h"

#include <criterion/criterion.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/proto.h"

#define BOOT_WAIT_MS 240000      /* a loaded 2-core host boots the guest in 40 s */
#define LINE_WAIT_MS 60000

char *demo_root;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct run_result demo_q(const char *line)
{
    const char *argv[] = {"-q", "-c", "qemu:///session", line, NULL};
    return run_domsh(demo_root, NULL, argv);
}

void demo_ok(const char *line)
{
    struct run_result r = demo_q(line);
    cr_assert_eq(r.status, 0, "'%s' failed: %s", line, r.err);
    run_free(&r);
}

char *demo_state(void)
{
    struct run_result r = demo_q("domstate demo --reason");
    char *s = strdup(r.out ? r.out : "");
    s[strcspn(s, "\n")] = '\0';
    run_free(&r);
    return s;
}

/* type LINE on the console; return the output until WANT (NULL: nothing) */
char *demo_console_line(const char *line, const char *want)
{
    char *sock = fmt("%s/run/qemu/demo/sup.sock", demo_root);
    struct err *e = NULL;
    int fd = console_attach_fd(sock, "", PROTO_ATT_NO_REPLAY, &e);
    cr_assert_geq(fd, 0, "console: %s", e ? e->msg : "?");
    char *text = fmt("%s\r", line);
    cr_assert_eq(proto_send_str(fd, PROTO_DATA, text), 0);
    static struct frame_reader rd;
    rd.len = rd.consumed = 0;
    size_t len = 0, cap = 1 << 16;
    char *out = calloc(1, cap);
    long long deadline = now_ms() + LINE_WAIT_MS;
    while (want && !strstr(out, want) && now_ms() < deadline) {
        struct frame f;
        while (frame_next(&rd, &f))
            if (f.type == PROTO_DATA && len + f.len + 1 < cap) {
                memcpy(out + len, f.payload, f.len);
                out[len += f.len] = '\0';
            }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (!strstr(out, want) && poll(&p, 1, 200) > 0 && frame_fill(&rd, fd) <= 0)
            break;
    }
    cr_assert(!want || strstr(out, want), "'%s' did not print '%s': '%s'", line, want, out);
    close(fd);
    free(text);
    free(sock);
    err_free(e);
    return out;
}

/* the guest's uptime; the quotes keep the typed line from matching */
double demo_uptime(void)
{
    char *out = demo_console_line("echo U\"\"P=$(cut -d' ' -f1 /proc/uptime) E\"\"ND", " END\r\n");
    char *p = strstr(out, "UP=");
    double v = p ? atof(p + 3) : -1;
    free(out);
    cr_assert_gt(v, 0.0, "no uptime read");
    return v;
}

/* the guest's uptime did not go back since `up`: the same boot went on */
void demo_expect_same_boot(double up)
{
    double now = demo_uptime();
    cr_assert_geq(now, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, now);
}

void demo_wait_booted(void)
{
    char *log = fmt("%s/log/qemu/demo.console.log", demo_root);
    long long deadline = now_ms() + BOOT_WAIT_MS;
    char *text = NULL;
    do {
        free(text);
        usleep(200000);
        text = slurp(log, NULL);
    } while (!(text && strstr(text, "demo# ")) && now_ms() < deadline);
    cr_assert(text && strstr(text, "demo# "), "the demo guest did not reach its shell: %s",
              text ? text : "(no log)");
    free(text);
    free(log);
}

/* TEXT with every '@' replaced by demo_root (caller frees) */
static char *at_root(const char *text)
{
    char *out = strdup("");
    for (const char *p = text; *p; p++) {
        char *next = *p == '@' ? fmt("%s%s", out, demo_root) : fmt("%s%c", out, *p);
        free(out);
        out = next;
    }
    return out;
}

void demo_define(const char *disks, const char *images)
{
    demo_root = tmp_root();
    char *devs = at_root(disks ? disks : "");
    char *initrd = fmt("%s/initramfs.img", demo_root);
    char *mk = fmt("sh '%s/scripts/mkinitramfs.sh' '%s' >/dev/null", src_dir(), initrd);
    cr_assert_eq(system(mk), 0, "mkinitramfs.sh failed");
    char *img = images ? fmt(images, demo_root, demo_root) : NULL;
    cr_assert(!img || system(img) == 0, "'%s' failed", img);
    glob_t gl;
    cr_assert(glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0, "no /boot/vmlinuz-*");
    char *xml = fmt("<domain type='qemu'><name>demo</name><memory>131072</memory><vcpu>1</vcpu>"
                    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel>"
                    "<initrd>%s</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>"
                    "<features><acpi/></features><devices>%s<serial type='pty'/>"
                    "<console type='pty'/></devices></domain>", gl.gl_pathv[gl.gl_pathc - 1],
                    initrd, devs);
    char *path = fmt("%s/demo.xml", demo_root), *line = fmt("define %s", path);
    cr_assert_eq(write_text(path, xml), 0);
    demo_ok(line);
    globfree(&gl);
    free(line);
    free(path);
    free(xml);
    free(img);
    free(devs);
    free(mk);
    free(initrd);
}

static long status_num(const char *key)
{
    char *path = fmt("%s/run/qemu/demo/status", demo_root);
    char *text = slurp(path, NULL), *k = fmt("%s=", key);
    char *p = text ? strstr(text, k) : NULL;
    long v = p ? atol(p + strlen(k)) : -1;
    free(k);
    free(text);
    free(path);
    return v;
}

void demo_end(void)
{
    struct run_result r = demo_q("destroy demo");
    run_free(&r);
    long pids[2] = {status_num("qemu_pid"), status_num("sup_pid")};
    for (size_t i = 0; i < 2; i++)
        if (pids[i] > 0)
            kill((pid_t)pids[i], SIGKILL);
    rm_rf(demo_root);
    free(demo_root);
    demo_root = NULL;
}

void demo_leftovers(void)
{
    if (demo_root)
        demo_end();
}

void demo_expect_state(const char *want)
{
    char *s = demo_state();
    cr_assert_str_eq(s, want);
    free(s);
}

/* the marker WORD onto DEV's first sector */
void demo_disk_write(const char *dev, const char *word)
{
    char *line = fmt("echo %s-MARK > /tmp/m; dd if=/tmp/m of=/dev/%s bs=512 count=1 conv=sync "
                     "2>/dev/null; sync; echo W\"\"-DONE", word, dev);
    free(demo_console_line(line, "W-DONE\r\n"));
    free(line);
}

/* DEV's first sector holds WORD (read from the disk, not the page cache) */
void demo_disk_is(const char *dev, const char *word)
{
    char *line = fmt("echo 3 > /proc/sys/vm/drop_caches; echo G\"\"OT=$(dd if=/dev/%s bs=512 "
                     "count=1 2>/dev/null | head -c 12)", dev);
    char *want = fmt("GOT=%s-MARK", word);
    free(demo_console_line(line, want));
    free(want);
    free(line);
}

/* `domsh -q -c qemu:///session LINE` in the background, stderr to errfile */
pid_t demo_spawn(const char *line, const char *errfile)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("DOMSH_ROOT", demo_root, 1);
        FILE *err = freopen(errfile, "w", stderr);
        FILE *out = freopen("/dev/null", "w", stdout);
        (void)err;
        (void)out;
        execl(domsh_bin(), domsh_bin(), "-q", "-c", "qemu:///session", line, (char *)NULL);
        _exit(127);
    }
    return pid;
}
