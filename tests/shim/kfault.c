/* kfault.c: an LD_PRELOAD fault injector for the test suite (notmuch's
 * make_shim, done by hand).  Each fault is chosen by the environment and
 * fires after KFAULT_AFTER successful calls (default 0), on every later call:
 *
 *   KFAULT_SQLITE_STEP=busy|full|ioerr|nomem  sqlite3_step() returns that code
 *   KFAULT_WRITE=enospc|eio                   write/pwrite/pwrite64 on fds > 2 fail
 *   KFAULT_INOTIFY=emfile|enospc              inotify_init1 fails with EMFILE (out of
 *                                             instances), or inotify_add_watch with
 *                                             ENOSPC (out of watches)
 *   KFAULT_MOVE_TO_CUR=TEXT                   open() of a path ".../new/NAME" that holds
 *                                             TEXT first moves it to ".../cur/NAME:2,S",
 *                                             as a mail client does between a watcher's
 *                                             listing and its read
 *
 * Allocation faults are in kfault-malloc.c, a shim of their own: replacing
 * malloc cannot be combined with ASan's allocator.  *
 * Nothing here is linked into kenchi. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <stdint.h>

typedef struct sqlite3_stmt sqlite3_stmt;

static long after = -1;

static long
kf_after(void)
{
	if (after < 0) {
		const char *a = getenv("KFAULT_AFTER");
		after = a ? atol(a) : 0;
	}
	return after;
}

/* SQLite is a dependency of kenchi-core.so, which the front loads with
 * RTLD_LOCAL: RTLD_NEXT does not see it, the loaded library does. */
static void *
sqlite_sym(const char *name)
{
	void *h, *p = dlsym(RTLD_NEXT, name);

	if (p == NULL && (h = dlopen("libsqlite3.so.0", RTLD_LAZY | RTLD_NOLOAD)) != NULL)
		p = dlsym(h, name);
	return p;
}

int sqlite3_step(sqlite3_stmt *q);
int
sqlite3_step(sqlite3_stmt *q)
{
	static int (*real)(sqlite3_stmt *);
	static long calls;
	const char *mode = getenv("KFAULT_SQLITE_STEP");

	if (real == NULL)
		real = (int (*)(sqlite3_stmt *))sqlite_sym("sqlite3_step");
	if (mode && calls++ >= kf_after()) {
		if (strcmp(mode, "busy") == 0) return 5;     /* SQLITE_BUSY */
		if (strcmp(mode, "full") == 0) return 13;    /* SQLITE_FULL */
		if (strcmp(mode, "ioerr") == 0) return 10;   /* SQLITE_IOERR */
		if (strcmp(mode, "nomem") == 0) return 7;    /* SQLITE_NOMEM */
	}
	return real(q);
}

static int
write_fault(int fd)
{
	static long calls;
	const char *mode = getenv("KFAULT_WRITE");

	if (mode == NULL || fd <= 2 || calls++ < kf_after())
		return 0;
	errno = strcmp(mode, "eio") == 0 ? EIO : ENOSPC;
	return 1;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (write_fault(fd))
		return -1;
	return real(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	if (write_fault(fd))
		return -1;
	return real(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
	if (write_fault(fd))
		return -1;
	return real(fd, buf, n, off);
}


int inotify_init1(int flags);
int
inotify_init1(int flags)
{
	static int (*real)(int);
	const char *mode = getenv("KFAULT_INOTIFY");

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "inotify_init1");
	if (mode && strcmp(mode, "emfile") == 0) {
		errno = EMFILE;
		return -1;
	}
	return real(flags);
}

int inotify_add_watch(int fd, const char *path, uint32_t mask);
int
inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	static int (*real)(int, const char *, uint32_t);
	const char *mode = getenv("KFAULT_INOTIFY");

	if (real == NULL)
		real = (int (*)(int, const char *, uint32_t))dlsym(RTLD_NEXT, "inotify_add_watch");
	if (mode && strcmp(mode, "enospc") == 0) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, path, mask);
}

static void
kf_move_to_cur(const char *path)
{
	const char *want = getenv("KFAULT_MOVE_TO_CUR"), *n;
	char dst[4096];

	if (want == NULL || path == NULL || strstr(path, want) == NULL || (n = strstr(path, "/new/")) == NULL)
		return;
	if (snprintf(dst, sizeof dst, "%.*s/cur/%s:2,S", (int)(n - path), path, n + 5) < (int)sizeof dst)
		rename(path, dst);
}

#define KF_OPEN(name)                                                                   \
	int name(const char *path, int flags, ...);                                     \
	int                                                                             \
	name(const char *path, int flags, ...)                                          \
	{                                                                               \
		static int (*real)(const char *, int, ...);                             \
		mode_t mode = 0;                                                        \
		if (flags & (O_CREAT | O_TMPFILE)) {                                    \
			va_list ap;                                                     \
			va_start(ap, flags);                                            \
			mode = (mode_t)va_arg(ap, int);                                 \
			va_end(ap);                                                     \
		}                                                                       \
		if (real == NULL)                                                       \
			real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
		kf_move_to_cur(path);                                                   \
		return real(path, flags, mode);                                         \
	}
KF_OPEN(open)
KF_OPEN(open64)
