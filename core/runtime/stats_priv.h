/* stats_priv.h: what stats.c shares with stats_watch.c (core/runtime
 * only): the QMP questions asked of a running domain and the parsing of
 * QEMU's answers into a struct dom_stats. */
#ifndef DOMSH_STATS_PRIV_H
#define DOMSH_STATS_PRIV_H

#include "stats.h"

enum qmp_ask { ASK_BLOCK, ASK_BALLOON, ASK_GUEST, ASK_CPUS, ASK_N };

/* the QMP command of each question */
extern const char *const stats_ask_json[ASK_N];

struct asks {
    bool want[ASK_N];
    char *answer[ASK_N];         /* QEMU's {"return": ...} line, or NULL */
};

/* the answers present in A into S (block counters by alias, balloon,
 * guest memory, vCPU thread ids appended to S->vcpu) */
void stats_parse_answers(struct dom_stats *s, const struct asks *a);

/* the host side counters of a tap (/sys/class/net/TAP/statistics) */
void stats_net_usage(struct stat_net *n);

#endif
