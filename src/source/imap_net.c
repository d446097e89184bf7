/* imap_net.c: the IMAP source's TCP connections.  kenchi opens them itself,
 * not libetpan, so that the socket is known from the first moment to
 * kenchi_imap_abort(): a stop must not wait out the 60-second I/O timeout
 * of a server that accepts and says nothing, in the connect, the TLS
 * handshake or the greeting (round 35b Q4: 60 to 180 s, past systemd's
 * stop timeout).  And when an implicit-TLS handshake fails, it looks at
 * what the port speaks, so that a port of plain IMAP is reported as the
 * configuration mistake it is rather than retried for ever (round 35b
 * Q3); and the other way round, a plain connection that hears no greeting
 * tries whether the port waits for a TLS handshake (round 41b F9). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>
#include "source/imap_int.h"
#include "util/log.h"

/* libetpan reports a failed TLS handshake or read with gnutls_perror(),
 * which writes "GnuTLS error: ..." to stderr, outside kenchi's log and
 * syslog (round 41b F7), and a probe (kenchi_imap_quiet_speaks_tls) makes
 * such failures routine.  This definition takes its place - the
 * program's symbols come before any library's - and logs it at debug
 * level: kenchi's own line says what failed.  Default visibility, or
 * the program would not export it (the sources are built hidden). */
__attribute__((visibility("default"))) void
gnutls_perror(int error)
{
	kenchi_log(KENCHI_LOG_DEBUG, "GnuTLS: %s", gnutls_strerror(error));
}

/* The caller closes the socket next.  An abort that read its number
 * before is let finish first: in `kenchi run` it runs on another thread,
 * and the number, once closed, may be another connection's at once (an
 * SMTP session, a deliver socket's client; round 41b F11).  No lock: the
 * abort also runs in a signal handler, and there it has finished before
 * the thread it interrupted goes on. */
void
kenchi_imap_forget_fd(kenchi_imap_t *c)
{
	g_atomic_int_set(&c->sock_fd, -1);
	while (g_atomic_int_get(&c->abort_busy) > 0)
		g_thread_yield();
}

void
kenchi_imap_abort(kenchi_imap_t *c)
{
	int saved = errno, fd;

	g_atomic_int_inc(&c->abort_busy);
	fd = g_atomic_int_get(&c->sock_fd);
	g_atomic_int_set(&c->aborted, 1);
	g_atomic_int_set(&c->stopping, 1);   /* before what the cut breaks is logged */
	/* shutdown(2), not close(2): the descriptor stays the client's, and
	 * every read or write on it, or a connect in progress, ends now. */
	if (fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
	g_atomic_int_add(&c->abort_busy, -1);
	errno = saved;
	kenchi_imap_wake(c);
}

/* Wait up to MS for EVENTS on FD; TRUE when they came. */
static gboolean
wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r == 1 && (p.revents & events) != 0;
}

/* Wait up to MS for FD to say something (or close), unless a stop (the
 * wake pipe) comes first: it must not hold a stop or a reload for the
 * wait (round 41b).  1 when FD spoke, 0 when nothing came, -1 at a stop
 * or an error. */
static int
wait_words(kenchi_imap_t *c, int fd, int ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = c->wake[0], .events = POLLIN } };
	int r;

	do
		r = poll(p, 2, ms);
	while (r < 0 && errno == EINTR);
	return r < 0 || (p[1].revents & POLLIN) ? -1 : r > 0;
}

int
kenchi_imap_tcp_connect(kenchi_imap_t *c, const char *host, int port, int timeout_s)
{
	struct addrinfo hints, *res = NULL, *ai;
	char svc[16];
	int fd = -1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	g_snprintf(svc, sizeof svc, "%d", port);
	if (getaddrinfo(host, svc, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int err = 0;
		socklen_t el = sizeof err;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		g_atomic_int_set(&c->sock_fd, fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, timeout_s * 1000) &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0))
			break;
		kenchi_imap_forget_fd(c);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	/* libetpan's streams wait with poll, then read and write in full. */
	if (fd >= 0)
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

gboolean
kenchi_imap_speaks_plain(kenchi_imap_t *c, const char *host, int port)
{
	static const char *const greetings[] = { "* OK", "* PREAUTH", "* BYE" };
	char buf[16];
	ssize_t n = -1;
	int fd = kenchi_imap_tcp_connect(c, host, port, 5);

	if (fd < 0)
		return FALSE;
	if (wait_words(c, fd, 5000) == 1)
		n = recv(fd, buf, sizeof buf, 0);
	kenchi_imap_forget_fd(c);
	close(fd);
	for (gsize i = 0; n > 0 && i < G_N_ELEMENTS(greetings); i++) {
		gsize gl = strlen(greetings[i]);

		if ((gsize)n >= gl && g_ascii_strncasecmp(buf, greetings[i], gl) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
kenchi_imap_quiet_speaks_tls(kenchi_imap_t *c, int fd, const char *host, int port)
{
	mailstream *s = NULL;
	int probe;

	if (wait_words(c, fd, 5000) != 0)
		return FALSE;   /* it spoke (or closed), or a stop came */
	/* Quiet for 5 s: a handshake on a connection of its own.  The
	 * socket an abort cuts is the probe's meanwhile, then this one's
	 * again - cut here if an abort came. */
	if ((probe = kenchi_imap_tcp_connect(c, host, port, 5)) >= 0) {
		s = mailstream_ssl_open_timeout(probe, 5);
		kenchi_imap_forget_fd(c);
		if (s != NULL)
			mailstream_close(s);
		else
			close(probe);
	}
	g_atomic_int_set(&c->sock_fd, fd);
	if (g_atomic_int_get(&c->aborted))
		(void)shutdown(fd, SHUT_RDWR);
	return s != NULL;
}
