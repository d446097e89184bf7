/* exec.c: see exec.h. */
#include <errno.h>
#include <unistd.h>
#include <glib.h>
#include "util/exec.h"

int
kenchi_exec_sibling(const char *name, const char *libexecdir, const char *builddir, char **argv)
{
	char *self = g_file_read_link("/proc/self/exe", NULL);
	char *cand[3] = { NULL, NULL, NULL };
	int k, err = ENOENT;

	if (self) {
		char *dir = g_path_get_dirname(self);
		cand[0] = g_build_filename(dir, name, NULL);
		g_free(dir);
		g_free(self);
	}
	cand[1] = g_build_filename(libexecdir, name, NULL);
	cand[2] = g_build_filename(builddir, name, NULL);
	for (k = 0; k < 3; k++) {
		if (access(cand[k], X_OK) != 0)
			continue;
		execv(cand[k], argv);
		err = errno;   /* this one exists but does not run: try the next */
	}
	for (k = 0; k < 3; k++)
		g_free(cand[k]);
	return err;
}
