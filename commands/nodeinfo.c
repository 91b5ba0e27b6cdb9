/* nodeinfo: the host's processors and memory, read from /proc and /sys
 * (the same fields and layout as virsh nodeinfo; --json for scripts). */
#include "../shell/shell.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../core/base/buf.h"

enum { NODEINFO_OPT_JSON };

static const struct opt_def nodeinfo_opts[] = {
    [NODEINFO_OPT_JSON] = { "json", OPT_BOOL, 0, NULL, "print one JSON object" },
};

struct node_info {
    char arch[65];
    char cpu_name[128];
    unsigned long cpus, mhz, sockets, cores, threads, cells;
    unsigned long long memory_kib;
};

/* "key\t: value" lines of /proc/cpuinfo */
static const char *cpuinfo_value(const char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0 || (line[n] != ' ' && line[n] != '\t' && line[n] != ':'))
        return NULL;
    const char *colon = strchr(line + n, ':');
    if (!colon)
        return NULL;
    colon++;
    while (*colon == ' ')
        colon++;
    return colon;
}

static void read_cpuinfo(struct node_info *ni)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    struct strv sockets = {0};
    unsigned long siblings = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        const char *v;
        if ((v = cpuinfo_value(line, "model name")) && !ni->cpu_name[0])
            snprintf(ni->cpu_name, sizeof(ni->cpu_name), "%s", v);
        else if ((v = cpuinfo_value(line, "cpu MHz")) && !ni->mhz)
            ni->mhz = (unsigned long)strtod(v, NULL);
        else if ((v = cpuinfo_value(line, "physical id")))
            strv_push(&sockets, v);
        else if ((v = cpuinfo_value(line, "cpu cores")) && !ni->cores)
            ni->cores = strtoul(v, NULL, 10);
        else if ((v = cpuinfo_value(line, "siblings")) && !siblings)
            siblings = strtoul(v, NULL, 10);
    }
    free(line);
    fclose(f);
    strv_sort(&sockets);
    strv_uniq(&sockets);
    ni->sockets = sockets.n ? sockets.n : 1;
    strv_free(&sockets);
    if (!ni->cores)
        ni->cores = ni->cpus / ni->sockets ? ni->cpus / ni->sockets : 1;
    ni->threads = siblings >= ni->cores ? siblings / ni->cores : 1;
}

/* frequency when /proc/cpuinfo has none (some ARM hosts) */
static unsigned long cpufreq_mhz(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
    unsigned long khz = 0;
    if (f) {
        if (fscanf(f, "%lu", &khz) != 1)
            khz = 0;
        fclose(f);
    }
    return khz / 1000;
}

static unsigned long numa_cells(void)
{
    DIR *d = opendir("/sys/devices/system/node");
    unsigned long n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strncmp(de->d_name, "node", 4) == 0 && isdigit((unsigned char)de->d_name[4]))
            n++;
    if (d)
        closedir(d);
    return n ? n : 1;
}

static int read_node_info(struct node_info *ni, struct err **e)
{
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(ni->arch, sizeof(ni->arch), "%s", u.machine);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ni->cpus = cpus > 0 ? (unsigned long)cpus : 1;
    read_cpuinfo(ni);
    if (!ni->mhz)
        ni->mhz = cpufreq_mhz();
    ni->cells = numa_cells();
    /* virsh reports sockets per NUMA cell */
    if (ni->sockets % ni->cells == 0)
        ni->sockets /= ni->cells;
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return err_sys(e, ERR_IO, "cannot read '/proc/meminfo'");
    char line[256];
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %llu kB", &ni->memory_kib) == 1)
            break;
    fclose(f);
    if (!ni->memory_kib)
        return err_set(e, ERR_IO, "no MemTotal in '/proc/meminfo'");
    return 0;
}

static void print_json(FILE *out, const struct node_info *ni)
{
    struct buf b = {0};
    buf_add(&b, "{\"cpu_model\": ");
    buf_add_json_str(&b, ni->arch);
    buf_add(&b, ", \"cpu_name\": ");
    buf_add_json_str(&b, ni->cpu_name);
    buf_printf(&b, ", \"cpus\": %lu, \"mhz\": %lu, \"sockets\": %lu, "
               "\"cores_per_socket\": %lu, \"threads_per_core\": %lu, "
               "\"numa_cells\": %lu, \"memory_kib\": %llu}\n",
               ni->cpus, ni->mhz, ni->sockets, ni->cores, ni->threads, ni->cells,
               ni->memory_kib);
    fputs(buf_str(&b), out);
    buf_free(&b);
}

static int run_nodeinfo(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct node_info ni = {0};
    if (read_node_info(&ni, e) < 0)
        return -1;
    if (args_bool(a, NODEINFO_OPT_JSON)) {
        print_json(sh->out, &ni);
        return 0;
    }
    fprintf(sh->out,
            "%-20s %s\n%-20s %lu\n%-20s %lu MHz\n%-20s %lu\n%-20s %lu\n"
            "%-20s %lu\n%-20s %lu\n%-20s %llu KiB\n",
            "CPU model:", ni.arch, "CPU(s):", ni.cpus, "CPU frequency:", ni.mhz,
            "CPU socket(s):", ni.sockets, "Core(s) per socket:", ni.cores,
            "Thread(s) per core:", ni.threads, "NUMA cell(s):", ni.cells,
            "Memory size:", ni.memory_kib);
    return 0;
}

const struct cmd_def cmd_nodeinfo = {
    .name = "nodeinfo",
    .group = "host",
    .summary = "node information",
    .desc = "Show the host's CPU architecture, number of online CPUs, frequency, "
            "sockets per NUMA cell, cores per socket, threads per core, NUMA "
            "cells and memory size, read from /proc and /sys.  With --json: one "
            "object with the fields cpu_model (architecture), cpu_name, cpus, "
            "mhz, sockets, cores_per_socket, threads_per_core, numa_cells and "
            "memory_kib.",
    .opts = nodeinfo_opts,
    .nopts = NOPTS(nodeinfo_opts),
    .flags = CMD_NOSTORE,
    .target_opt = -1,
    .run = run_nodeinfo,
};
