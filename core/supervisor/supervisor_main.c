/* supervisor_main.c: main() of build/domsh-supervisor, the supervisor as
 * a small static binary (no libxml2, readline or ICU mapped: the
 * long-running process stays well under 2 MiB RSS).  `start` execs it
 * when it is installed next to domsh, else `domsh supervise` (the same
 * code inside the big binary).  Usage: domsh-supervisor SPEC --sync-fd N
 * (the spec comes on socket N; SPEC is where it is kept, RUN/NAME/launch) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--sync-fd") != 0) {
        fprintf(stderr, "usage: domsh-supervisor SPEC --sync-fd N\n");
        return 2;
    }
    return supervisor_run(argv[1], atoi(argv[3]), argv[1]) == 0 ? 0 : 1;
}
