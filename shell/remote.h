/* remote.h (shell): the client side of a remote URI.  The local shell
 * parses every command line itself (usage errors and -r are local and
 * identical), then ships the command's words, with the content of the
 * files named by OPT_LOCAL_PATH options, to `domsh --stdio` on the far side
 * (core/remote/), which runs them through its own dispatcher and streams
 * back what they print and their exit status.  TAB asks the far side for
 * value candidates over the same connection; console runs over one
 * `ssh -t`; edit edits a local temp file.  The connection opens on first
 * use and reopens on the next command after it dropped ("Reconnected to
 * the hypervisor"). */
#ifndef DOMSH_SHELL_REMOTE_H
#define DOMSH_SHELL_REMOTE_H

#include "../core/base/buf.h"
#include "shell.h"

/* switch the shell to uri (NULL/"": the default URI): a local URI opens
 * its store now; a remote one is parsed now and connected now only when
 * open_now (connect), else on first use.  On error nothing changes. */
int shell_set_uri(struct shell *sh, const char *uri, bool open_now, struct err **e);
/* the canonical URI of the connection: "test+ssh://host/default" or the store's */
const char *shell_uri(struct shell *sh);
void remote_free(struct remote *r);

/* run a parsed command on the remote host: 0, CMD_FAILED_PRINTED (the
 * remote printed its error), or -1 with *e (the connection failed) */
int remote_run(struct shell *sh, const struct cmd_args *a, char *const *words, size_t n,
               struct err **e);
/* true when option k's values come from the remote host (a completer that
 * is not about local paths) */
bool remote_completes(const struct cmd_def *c, int k);
/* the raw candidates for the last of words, from the remote host (one
 * round trip); nothing when the connection fails */
void remote_complete(struct shell *sh, char *const *words, size_t n, struct strv *raw);
/* console over `ssh -t HOST DOMSH -c URI console --domain D ...` */
int remote_console(struct shell *sh, const struct cmd_args *a, struct err **e);
/* the words of a parsed command with every option by name (no OPT_ARGV) */
void remote_words(const struct cmd_args *a, struct strv *words);
/* run words remotely and collect their stdout (edit fetching the XML) */
int remote_capture(struct shell *sh, char *const *words, size_t n, struct buf *out,
                   struct err **e);

#endif
