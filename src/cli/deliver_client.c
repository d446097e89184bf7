/* deliver_client.c: the hook's side of the deliver socket (see
 * deliver_client.h), and what both sides share.  GLib only: the `kenchi`
 * front links it without GMime, json-glib or SQLite. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "cli/deliver_client.h"

#define HEADER_MAX 256

gboolean
kenchi_sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return FALSE;
	strcpy(sa->sun_path, path);
	return TRUE;
}

/* A customer ID travels as one token: one that is not is stored by the
 * hook itself rather than escaped. */
gboolean
kenchi_sock_token_ok(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr("._-+@", *s))
			return FALSE;
	return TRUE;
}

gboolean
kenchi_sock_send_all(int fd, const char *p, gsize n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return FALSE;
		p += w;
		n -= (gsize)w;
	}
	return TRUE;
}

kenchi_status_t
kenchi_deliver_via_socket(const char *path, const char *raw, gsize len, const char *customer, int timeout_s,
			  int *exit_code, char **text)
{
	struct sockaddr_un sa;
	char hdr[HEADER_MAX], reply[1024];
	gsize got = 0;
	gint64 deadline;
	char *nl = NULL, *end;
	long code;
	int fd;

	*text = NULL;
	if (path == NULL || !kenchi_sock_addr(path, &sa) || len > KENCHI_SOCKET_MAX_MESSAGE ||
	    (customer && (!*customer || !kenchi_sock_token_ok(customer))))
		return KENCHI_NOT_FOUND;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return KENCHI_NOT_FOUND;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return KENCHI_NOT_FOUND;   /* no daemon, or a stale socket */
	}
	g_snprintf(hdr, sizeof hdr, KENCHI_SOCKET_MAGIC "%" G_GSIZE_FORMAT "%s%s\n", len, customer ? " " : "",
	    customer ? customer : "");
	/* From here on the daemon may have the message: a failure is 75. */
	if (!kenchi_sock_send_all(fd, hdr, strlen(hdr)) || !kenchi_sock_send_all(fd, raw, len)) {
		*text = g_strdup_printf("the daemon at %s closed the connection: %s", path, g_strerror(errno));
		close(fd);
		return KENCHI_TEMP;
	}
	deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	while (nl == NULL && got < sizeof reply - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)MIN(left, G_MAXINT)) == 0) {
			*text = g_strdup_printf("no answer from the daemon at %s in %d s", path, timeout_s);
			close(fd);
			return KENCHI_TEMP;
		}
		r = read(fd, reply + got, sizeof reply - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (gsize)r;
		reply[got] = '\0';
		nl = strchr(reply, '\n');
	}
	close(fd);
	if (nl == NULL) {
		*text = g_strdup_printf("the daemon at %s closed the connection before answering", path);
		return KENCHI_TEMP;
	}
	*nl = '\0';
	code = strtol(reply, &end, 10);
	if (end == reply || *end != ' ' || code < 0 || code > 255) {
		*text = g_strdup_printf("the daemon at %s answered what is not kenchi's: %.80s", path, reply);
		return KENCHI_TEMP;
	}
	*exit_code = (int)code;
	*text = g_strdup(end + 1);
	return KENCHI_OK;
}
