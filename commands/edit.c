/* edit: edit the persistent XML of a domain in $VISUAL/$EDITOR/vi and
 * define the result.  Better than virsh: a failed define names the line in
 * the temp file, a retry reopens the same file (nothing typed is lost), a
 * concurrent change by another shell is detected under the domain lock,
 * and without a terminal a failure is the real error and exit status 1. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/xml/domain.h"
#include "../core/store/history.h"
#include "../core/store/store.h"
#include "../completion/completers.h"
#include "../shell/lex.h"
#include "../shell/shell.h"

enum { EDIT_OPT_DOMAIN };

static const struct opt_def edit_opts[] = {
    [EDIT_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY | ST_PERSISTENT),
};

struct edit {
    const char *name;
    char path[64];      /* the 0600 temp file */
    char *orig;         /* the stored XML the user started from */
    bool force;         /* overwrite a concurrent change */
};

static int make_temp(struct edit *ed, struct err **e)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir || strlen(dir) > 40 || !lex_word_plain(dir))
        dir = "/tmp";
    snprintf(ed->path, sizeof(ed->path), "%s/domshXXXXXX.xml", dir);
    int fd = mkstemps(ed->path, 4);   /* mode 0600 */
    if (fd < 0)
        return err_sys(e, ERR_IO, "cannot create a temporary file in '%s'", dir);
    close(fd);
    return write_file_atomic(ed->path, ed->orig, strlen(ed->orig), 0600, e);
}

/* run the editor on the temp file; a plain command is exec'd, anything
 * else goes through sh -c with the (plain) file name appended */
static int run_editor(struct edit *ed, struct err **e)
{
    const char *editor = getenv("VISUAL");
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    AUTOFREE char *cmdline = xasprintf("%s %s", editor, ed->path);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return err_sys(e, ERR_INTERNAL, "cannot start the editor");
    if (pid == 0) {
        if (lex_word_plain(editor))
            execlp(editor, editor, ed->path, (char *)NULL);
        else
            execl("/bin/sh", "sh", "-c", cmdline, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return err_set(e, ERR_INTERNAL, "cannot run editor '%s'", editor);
    return err_set(e, ERR_INTERNAL, "editor '%s' failed (%s %d); your edits are in '%s'",
                   editor, WIFEXITED(st) ? "exit status" : "signal",
                   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), ed->path);
}

/* 'y' retry the editor, 'f' force/retry without editing, 'n' give up */
static char ask_retry(struct shell *sh, const char *why, bool conflict)
{
    for (;;) {
        fprintf(stderr, "%s Try again? [y,n,f,?]: ", why);
        fflush(stderr);
        char line[32];
        if (!fgets(line, sizeof(line), stdin))
            return 'n';
        char c = (char)(line[0] | 0x20);
        if (c == 'y' || c == 'n' || c == 'f')
            return c;
        fprintf(stderr, "y - yes, start the editor again (your changes are kept)\n"
                        "n - no, throw away my changes\n"
                        "f - %s\n"
                        "? - print this help\n",
                conflict ? "force: define my version over the other change"
                         : "try to define the same file again without editing");
    }
}

/* define the edited text under the lock; 1 when another shell changed the
 * domain since we read it (not forced), 0 done, -1 error */
static int define_edited(struct shell *sh, struct edit *ed, const char *text, struct err **e)
{
    int fd = store_lock(sh->store, ed->name, true, e);
    if (fd < 0)
        return -1;
    int rc = 0;
    AUTOFREE char *cur = store_load_text(sh->store, ed->name, NULL);
    struct dnode *dom = NULL;
    char uuid[37];
    if (!ed->force && (!cur || strcmp(cur, ed->orig) != 0)) {
        free(ed->orig);
        ed->orig = cur ? steal_ptr(&cur) : xstrdup("");
        rc = 1;
    } else if (!(dom = dom_load_string(text, strlen(text), ed->path, NULL, e)) ||
               store_check_save(sh->store, dom, uuid, e) < 0 ||
               history_save(sh->store, dom, "edit", e) < 0) {
        rc = -1;
    } else {
        shell_info(sh, "Domain '%s' XML configuration edited.", dom_name(dom));
    }
    dnode_free(dom);
    store_unlock(fd);
    return rc;
}

/* one round: editor, read back, define; returns 0 done, -1 failed, 'y'/'f' retry */
static int edit_round(struct shell *sh, struct edit *ed, bool edit_again, struct err **e)
{
    if (edit_again && run_editor(ed, e) < 0)
        return -1;
    AUTOFREE char *text = read_file_max(ed->path, DOM_MAX_XML, NULL, e);
    if (!text)
        return -1;
    if (!ed->force && strcmp(text, ed->orig) == 0) {
        shell_info(sh, "Domain '%s' XML configuration not changed.", ed->name);
        return 0;
    }
    int rc = define_edited(sh, ed, text, e);
    if (rc == 0)
        return 0;
    bool tty = isatty(STDIN_FILENO);
    const char *why = rc == 1 ? "The XML configuration was changed by another shell."
                              : "Failed.";
    if (!tty) {
        if (rc == 1)
            err_set(e, ERR_BUSY, "domain '%s' was changed by another shell during the edit; "
                    "nothing defined", ed->name);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "error: %s\n", (*e)->msg);
        err_clear(e);
    }
    char c = ask_retry(sh, why, rc == 1);
    ed->force = c == 'f' && rc == 1;
    if (c == 'n')
        return err_set(e, ERR_STATE, "edit of domain '%s' abandoned; nothing changed", ed->name);
    return c;
}

static int edit_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct edit ed = {.name = a->dom_name};
    if (!store_exists(sh->store, ed.name))
        return err_set(e, ERR_STATE, "cannot edit transient domain '%s'", ed.name);
    if (!(ed.orig = store_load_text(sh->store, ed.name, e)))
        return -1;
    int rc = make_temp(&ed, e);
    bool again = true;
    while (rc == 0) {
        int r = edit_round(sh, &ed, again, e);
        if (r == 0 || r < 0) {
            rc = r;
            break;
        }
        again = r == 'y';
    }
    if (ed.path[0] && (rc == 0 || !*e || !strstr((*e)->msg, ed.path)))
        unlink(ed.path);
    free(ed.orig);
    return rc;
}

const struct cmd_def cmd_edit = {
    .name = "edit", .group = "domain", .summary = "edit XML configuration for a domain",
    .desc = "Opens the persistent XML in $VISUAL, $EDITOR or vi (temp file mode 0600) and "
            "defines the result. Errors name the line in the temp file; on a terminal you "
            "may edit again (your changes are kept), force or give up.",
    .opts = edit_opts, .nopts = NOPTS(edit_opts), .flags = CMD_READ_WRITE,
    .target_opt = EDIT_OPT_DOMAIN, .run = edit_run,
};
