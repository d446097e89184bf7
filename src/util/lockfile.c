/* lockfile.c: see lockfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include "util/lockfile.h"

int
kenchi_lockfile_try(const char *path, int *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

void
kenchi_lockfile_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

char *
kenchi_lockfile_imap_path(const char *db_path, const char *account)
{
	char *name = g_strdelimit(g_strdup(account), "/", '_');
	char *p = g_strdup_printf("%s.imap-%s.lock", db_path, name);

	g_free(name);
	return p;
}
