/* exec.h: running the next part of kenchi's chain in this process: the
 * front `kenchi` loads kenchi-core.so and calls it, which execs
 * kenchi-net for the commands that talk to servers. */
#ifndef KENCHI_EXEC_H
#define KENCHI_EXEC_H

/* Each sibling is looked for beside this binary (the build tree, or an
 * install that keeps them together), else in LIBEXECDIR (where `make
 * install` puts it), else in BUILDDIR (a copy of an uninstalled binary, as
 * the benchmarks make); each that exists is tried in turn. */

/* execv() NAME with ARGV.  Returns only when none ran, with the errno of
 * the last attempt. */
int kenchi_exec_sibling(const char *name, const char *libexecdir, const char *builddir, char **argv);

/* The entry point of kenchi-core.so: main() of the program (main.c). */
typedef int (*kenchi_main_fn)(int argc, char **argv);
#define KENCHI_CORE_ENTRY "kenchi_core_main"

/* dlopen() NAME and find SYMBOL in it.  NULL when none loads, with the
 * loader's message of the last attempt in *ERR (g_free it). */
void *kenchi_load_sibling(const char *name, const char *symbol, const char *libexecdir, const char *builddir,
    char **err);

#endif
