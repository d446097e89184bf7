/* deliver_socket.c: the daemon's side of the deliver socket (see
 * deliver_socket.h): a few GLib fd sources on the daemon's main loop; the
 * hook's side is deliver_client.c. */
#define _GNU_SOURCE   /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <glib-unix.h>
#include "cli/deliver_socket.h"

#define HEADER_MAX 256            /* the request line */
#define CONN_TIMEOUT_S 60         /* a client that stops sending is dropped */

struct kenchi_deliver_server {
	kenchi_app_t *app;
	kenchi_re_match_t *m;
	char *path;
	int fd;
	guint src;
	GList *conns;            /* conn_t* */
};

typedef struct {
	kenchi_deliver_server_t *srv;
	int fd;
	guint src, timer;
	GByteArray *buf;
	gsize hdr_len;           /* 0 until the request line is read */
	gsize want;              /* the message's length */
	char *customer;
} conn_t;

static void
conn_free(conn_t *c)
{
	if (c->src)
		g_source_remove(c->src);
	if (c->timer)
		g_source_remove(c->timer);
	close(c->fd);
	g_byte_array_unref(c->buf);
	g_free(c->customer);
	c->srv->conns = g_list_remove(c->srv->conns, c);
	g_free(c);
}

/* The answer is a line; the socket is made blocking for it, with a
 * timeout, so that a client that does not read cannot stall the loop. */
static void
answer(conn_t *c, int code, const char *text)
{
	struct timeval tv = { 5, 0 };
	char *line = g_strdup_printf("%d %s\n", code, text);

	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (!kenchi_sock_send_all(c->fd, line, strlen(line)))
		kenchi_warn("deliver socket: the answer was not taken: %s", g_strerror(errno));
	g_free(line);
}

/* The request line: KENCHI_SOCKET_MAGIC LENGTH [CUSTOMER].  FALSE when it is not one. */
static gboolean
parse_header(conn_t *c, const char *line)
{
	char **w;
	char *end;
	guint64 n;
	gboolean ok;

	if (!g_str_has_prefix(line, KENCHI_SOCKET_MAGIC))
		return FALSE;
	w = g_strsplit(line + strlen(KENCHI_SOCKET_MAGIC), " ", 3);
	ok = w[0] && *w[0] && (!w[1] || (w[2] == NULL && *w[1] && kenchi_sock_token_ok(w[1])));
	if (ok) {
		n = g_ascii_strtoull(w[0], &end, 10);
		ok = *end == '\0' && n <= KENCHI_SOCKET_MAX_MESSAGE;
		c->want = (gsize)n;
		c->customer = w[1] ? g_strdup(w[1]) : NULL;
	}
	g_strfreev(w);
	return ok;
}

static void
store(conn_t *c)
{
	kenchi_deliver_server_t *s = c->srv;
	kenchi_analysis_t a = { 0 };
	kenchi_status_t st;
	char *line;

	if (!kenchi_app_customer_known(s->app, c->customer)) {
		line = g_strdup_printf("not stored: --customer %s: no such customer in the configuration", c->customer);
		kenchi_warn("deliver socket: %s", line);
		answer(c, KENCHI_EXIT_CONFIG, line);
		g_free(line);
		return;
	}
	st = kenchi_app_ingest(s->app, s->m, (const char *)c->buf->data + c->hdr_len, c->want, "deliver", "socket",
	    c->customer, &a);
	if (st == KENCHI_OK) {
		line = kenchi_app_message_line(&a, "deliver", "socket");
		kenchi_info("%s", line);
		answer(c, 0, line);
		g_free(line);
	} else {
		line = g_strdup_printf("not stored: %s", kenchi_status_to_string(st));
		kenchi_warn("deliver socket: %s", line);
		answer(c, kenchi_status_to_exit(st), line);
		g_free(line);
	}
	kenchi_analysis_clear(&a);
}

static gboolean
on_conn(int fd, GIOCondition cond, gpointer user)
{
	conn_t *c = user;
	guint8 chunk[65536];
	ssize_t r;

	for (;;) {
		gsize room = c->hdr_len ? MIN(sizeof chunk, c->hdr_len + c->want - c->buf->len) : sizeof chunk;
		if (room == 0)
			break;
		r = read(fd, chunk, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return G_SOURCE_CONTINUE;
		if (r <= 0) {
			/* Gone before the whole message: nothing was stored, and
			 * the client, which has no answer, exits 75. */
			c->src = 0;
			conn_free(c);
			return G_SOURCE_REMOVE;
		}
		g_byte_array_append(c->buf, chunk, (guint)r);
		if (c->hdr_len == 0) {
			guint8 *nl = memchr(c->buf->data, '\n', MIN(c->buf->len, HEADER_MAX));
			if (nl == NULL && c->buf->len < HEADER_MAX)
				continue;
			if (nl)
				*nl = '\0';
			if (nl == NULL || !parse_header(c, (const char *)c->buf->data)) {
				answer(c, KENCHI_EXIT_USAGE, "bad request: expected \"" KENCHI_SOCKET_MAGIC "<length> [customer]\"");
				c->src = 0;
				conn_free(c);
				return G_SOURCE_REMOVE;
			}
			c->hdr_len = (gsize)(nl - c->buf->data) + 1;
		}
		if (c->buf->len >= c->hdr_len + c->want)
			break;
	}
	/* More bytes than the length announced: the message is not the one
	 * sent, and none of it is stored (daemon round rd1 F6: its first
	 * bytes were, and acknowledged). */
	{
		char b;

		if (c->buf->len > c->hdr_len + c->want || recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
			answer(c, KENCHI_EXIT_USAGE, "bad request: more bytes than the length announced");
			c->src = 0;
			conn_free(c);
			return G_SOURCE_REMOVE;
		}
	}
	store(c);
	c->src = 0;
	conn_free(c);
	return G_SOURCE_REMOVE;
}

static gboolean
on_conn_timeout(gpointer user)
{
	conn_t *c = user;

	kenchi_warn("deliver socket: a client sent nothing for %d s; dropped", CONN_TIMEOUT_S);
	c->timer = 0;
	conn_free(c);
	return G_SOURCE_REMOVE;
}

static gboolean
on_accept(int fd, GIOCondition cond, gpointer user)
{
	kenchi_deliver_server_t *s = user;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conn_t *c = g_new0(conn_t, 1);
		c->srv = s;
		c->fd = cfd;
		c->buf = g_byte_array_new();
		c->src = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_conn, c);
		c->timer = g_timeout_add_seconds(CONN_TIMEOUT_S, on_conn_timeout, c);
		s->conns = g_list_prepend(s->conns, c);
	}
	return G_SOURCE_CONTINUE;
}

kenchi_deliver_server_t *
kenchi_deliver_server_new(kenchi_app_t *app, kenchi_re_match_t *m, const char *path, char **errmsg)
{
	kenchi_deliver_server_t *s;
	struct sockaddr_un sa;
	struct stat sb;
	int fd, probe;

	if (!kenchi_sock_addr(path, &sa)) {
		*errmsg = g_strdup_printf("%s: path too long for a socket", path);
		return NULL;
	}
	/* A socket left by a daemon that died is replaced; one that answers
	 * belongs to a daemon that runs. */
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			*errmsg = g_strdup_printf("%s exists and is not a socket", path);
			return NULL;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(probe);
			*errmsg = g_strdup_printf("%s: another daemon is listening there", path);
			return NULL;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
		*errmsg = g_strdup_printf("%s: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* The mail user's group may deliver; nobody else. */
	chmod(path, 0660);
	s = g_new0(kenchi_deliver_server_t, 1);
	s->app = app;
	s->m = m;
	s->path = g_strdup(path);
	s->fd = fd;
	s->src = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
	return s;
}

void
kenchi_deliver_server_free(kenchi_deliver_server_t *s)
{
	if (s == NULL)
		return;
	while (s->conns)
		conn_free(s->conns->data);
	g_source_remove(s->src);
	close(s->fd);
	unlink(s->path);
	g_free(s->path);
	g_free(s);
}
