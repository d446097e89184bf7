/* exec.h: running the next program of kenchi's chain (kenchi -> kenchi-core
 * -> kenchi-net) in place of this one. */
#ifndef KENCHI_EXEC_H
#define KENCHI_EXEC_H

/* execv() NAME with ARGV: the one beside this binary (the build tree, or an
 * install that keeps them together), else LIBEXECDIR/NAME (where `make
 * install` puts it), else BUILDDIR/NAME (a copy of an uninstalled binary,
 * as the benchmarks make); each that exists is tried in turn.  Returns only
 * when none ran, with the errno of the last attempt. */
int kenchi_exec_sibling(const char *name, const char *libexecdir, const char *builddir, char **argv);

#endif
