/* exec.c: see exec.h. */
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>
#include <glib.h>
#include "util/exec.h"

/* The three places, in order (exec.h); free with g_strfreev(). */
static char **
sibling_paths(const char *name, const char *libexecdir, const char *builddir)
{
	char *self = g_file_read_link("/proc/self/exe", NULL);
	char **cand = g_new0(char *, 4);
	int n = 0;

	if (self) {
		char *dir = g_path_get_dirname(self);
		cand[n++] = g_build_filename(dir, name, NULL);
		g_free(dir);
		g_free(self);
	}
	cand[n++] = g_build_filename(libexecdir, name, NULL);
	cand[n++] = g_build_filename(builddir, name, NULL);
	return cand;
}

int
kenchi_exec_sibling(const char *name, const char *libexecdir, const char *builddir, char **argv)
{
	char **cand = sibling_paths(name, libexecdir, builddir);
	int k, err = ENOENT;

	for (k = 0; cand[k]; k++) {
		if (access(cand[k], X_OK) != 0)
			continue;
		execv(cand[k], argv);
		err = errno;   /* this one exists but does not run: try the next */
	}
	g_strfreev(cand);
	return err;
}

void *
kenchi_load_sibling(const char *name, const char *symbol, const char *libexecdir, const char *builddir, char **err)
{
	char **cand = sibling_paths(name, libexecdir, builddir);
	void *fn = NULL;
	int k;

	*err = g_strdup(g_strerror(ENOENT));
	for (k = 0; cand[k] && fn == NULL; k++) {
		void *h;
		if (access(cand[k], R_OK) != 0)
			continue;
		/* RTLD_NOW: a missing symbol is an error here, not a crash in the
		 * middle of a delivery.  RTLD_LOCAL: nothing else looks in it. */
		if ((h = dlopen(cand[k], RTLD_NOW | RTLD_LOCAL)) == NULL || (fn = dlsym(h, symbol)) == NULL) {
			const char *why = dlerror();
			g_free(*err);
			/* The loader's message names the file already. */
			*err = g_strdup(why ? why : cand[k]);
		}
	}
	if (fn) {
		g_free(*err);
		*err = NULL;
	}
	g_strfreev(cand);
	return fn;
}
