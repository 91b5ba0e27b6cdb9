/* cmd.h: commands and their option tables.
 * Each commands/NAME.c exports one `const struct cmd_def cmd_NAME` (handler
 * static); commands/registry.c lists them sorted.  Options are indexed by a
 * per-command enum: handlers call args_str(a, START_OPT_PAUSED), never look
 * options up by string.  Help, usage, completion, the man-page check and the
 * self-test all read these tables. */
#ifndef DOMSH_CMD_H
#define DOMSH_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../core/base/err.h"
#include "../core/base/mem.h"
#include "../core/domains/domains.h"
#include "../core/store/store.h"

struct shell;
struct cmd_args;

enum opt_kind {
    OPT_BOOL,     /* --name, no value */
    OPT_STRING,   /* --name V / --name=V; a bare word fills it when positional */
    OPT_INT,      /* like STRING, value checked as an integer by the getter */
    OPT_ARGV,     /* every remaining bare word (must be last) */
};

#define OPT_REQUIRED   0x01u  /* must be given */
#define OPT_EMPTY_OK   0x02u  /* "" accepted */
#define OPT_NAMED      0x04u  /* only as --name V, never filled by a bare word */

/* completer: push every candidate (the framework filters by prefix and quotes) */
typedef void (*comp_fn)(struct shell *sh, const struct cmd_args *partial,
                        unsigned flags, struct strv *out);

struct opt_def {
    const char *name;            /* without "--" */
    enum opt_kind kind;
    unsigned flags;              /* OPT_* */
    const char *argname;         /* "domain", "file", "size" (usage/man) */
    const char *help;            /* one line */
    const char *const *choices;  /* allowed values (checked by the parser), or NULL */
    const char *alias;           /* another accepted name, or NULL */
    comp_fn complete;            /* value completer, or NULL */
    unsigned complete_flags;     /* e.g. the domain states to offer */
};

/* the domain state classes ST_* (target_states, completers) are core/domains' */

#define CMD_NOSTORE    0x01u  /* runs without opening the store (help, echo, ...) */
#define CMD_READ_WRITE 0x02u  /* changes something: refused under -r */
#define CMD_HIDDEN     0x04u  /* not in help or completion (complete, supervise) */
#define CMD_INTERACTIVE_ONLY 0x08u  /* cd */

struct cmd_def {
    const char *name;
    const char *const *aliases;  /* NULL-terminated or NULL */
    const char *group;           /* "domain", "device", "host", "shell", ... */
    const char *summary;         /* one line, no final period */
    const char *desc;            /* paragraph for help/man, may be NULL */
    const struct opt_def *opts;
    size_t nopts;
    unsigned flags;              /* CMD_* */
    int target_opt;              /* index of the option naming the domain, or -1 */
    unsigned target_states;      /* ST_* accepted for the target (0 = any, no check) */
    int (*run)(struct shell *sh, const struct cmd_args *a, struct err **e);
};

#define NOPTS(tbl) (sizeof(tbl) / sizeof((tbl)[0]))

/* The domain option most commands take: required, positional, completed
 * with the domains whose state class is in STATES (ST_*, 0: any); the
 * command includes completion/completers.h for comp_domains.  HELP: the
 * help line when the command accepts less than "name, id or uuid". */
#define OPT_DOMAIN(states) OPT_DOMAIN_HELP(states, "domain name, id or uuid")
#define OPT_DOMAIN_HELP(states, text)                                                 \
    {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED, .argname = "domain", \
     .help = (text), .complete = comp_domains, .complete_flags = (states)}

/* parsed arguments: one slot per option of the command */
struct cmd_args {
    const struct cmd_def *cmd;
    char **val;          /* [nopts]: value (BOOL: "1") or NULL */
    struct strv argv;    /* values of the OPT_ARGV option */
    /* resolved target (dispatcher, when cmd->target_opt >= 0): */
    char *dom_name;      /* canonical name */
    /* completion mode: the option whose value is under the cursor, or -1 */
    int completing;
};

bool args_has(const struct cmd_args *a, int opt);             /* given at all */
bool args_bool(const struct cmd_args *a, int opt);
const char *args_str(const struct cmd_args *a, int opt);     /* NULL when absent */
/* integer getters: ERR_ARGS "numeric value 'X' for <NAME> option is malformed
 * or out of range"; return 0 when absent (out untouched), 1 when set, -1 error */
int args_uint(const struct cmd_args *a, int opt, unsigned long long *out, struct err **e);
int args_int(const struct cmd_args *a, int opt, long long *out, struct err **e);
/* scaled size in KiB (b, k/KiB, KB, M/MiB, MB, G/GiB, GB, T/TiB, TB; default KiB) */
int args_size_kib(const struct cmd_args *a, int opt, unsigned long long *out, struct err **e);

/* parse words (already tokenized, words[0] is the command name) into a;
 * partial=true tolerates missing required options and records the option
 * under the cursor (the last word) in a->completing */
int args_parse(const struct cmd_def *cmd, char *const *words, size_t n, bool partial,
               struct cmd_args *a, struct err **e);
void args_free(struct cmd_args *a);

/* registry (commands/registry.c) */
extern const struct cmd_def *const cmd_table[];   /* sorted by name, NULL-terminated */
extern const size_t cmd_table_len;
const struct cmd_def *cmd_find(const char *name);   /* exact name or declared alias */

#endif
