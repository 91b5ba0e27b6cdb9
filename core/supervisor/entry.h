/* entry.h: the supervisor's one public function.
 *
 * core/supervisor/ is the per-domain program (QMP client, PTY bridge,
 * lifecycle, control socket).  It owns RUN/NAME/ while the domain runs and
 * may call core/base/ only, so it links statically without libxml2
 * (domsh-supervisor).  `domsh supervise` runs the same code through this
 * entry when the static binary is missing. */
#ifndef DOMSH_SUPERVISOR_ENTRY_H
#define DOMSH_SUPERVISOR_ENTRY_H

/* run the supervisor of the launch spec the starting shell sends on
 * sync_fd (kept at spec_path), answering it there; returns the process
 * exit status */
int supervisor_main(const char *spec_path, int sync_fd);

#endif
