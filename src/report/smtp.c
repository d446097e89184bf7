/*
 * smtp.c - send ready-made CRLF messages over one libesmtp (1.1) session
 * and class every outcome as OK / TEMP / FINAL for the outbox.
 *
 * Decisions a reader might question (all from reading libesmtp 1.1's
 * protocol.c, smtp-auth.c and headers.c):
 *  - libesmtp's timeouts are in MILLISECONDS (its docs say seconds) and
 *    are raised to RFC 5321's 2-10 minute minimums unless
 *    Timeout_OVERRIDE_RFC2822_MINIMUM is or'ed in; we always override.
 *    connect() itself has no timeout in libesmtp: an unreachable host
 *    costs the kernel's SYN timeout (about two minutes on Linux).
 *  - libesmtp silently goes on WITHOUT authentication when the server does
 *    not offer AUTH or refuses the credentials ("the MTA is required to
 *    accept mail for its own domain").  A relay that accepts unauthenticated
 *    mail for customers' domains would then get our reports anyway, but a
 *    misconfigured password would go unnoticed.  So we watch the protocol
 *    (monitor callback) and, when AUTH was asked for and did not succeed,
 *    our message callback refuses to produce data: libesmtp then drops the
 *    connection in the middle of DATA, before the final dot, so nothing is
 *    delivered, and the message is classed FINAL (or TEMP on a 4xx reply).
 *  - smtp_start_session() returns 1 even when the connection drops half
 *    way (only greeting/EHLO failures make it return 0), so a message with
 *    no final reply is a TEMP failure, never an OK.
 *  - libesmtp keeps headers it does not know byte for byte, but drops a
 *    second Date/From/To/Cc/Subject... and any Return-Path, and adds
 *    Date/From/Message-Id when missing.  kenchi_mail_build never triggers
 *    either, so what we pass is what the server gets.
 *  - A write to a dropped connection raises SIGPIPE inside libesmtp; we
 *    block it in this thread for the session and swallow a pending one
 *    afterwards instead of changing the process-wide disposition.
 *  - TCP_NODELAY (see nodelay_smtp_sockets): libesmtp writes a message in
 *    2 KB pieces and leaves Nagle's algorithm on, so every message over
 *    2 KB waited for the server's delayed ACK (40 ms on Linux) before its
 *    last piece left: 27-45 mails/s to a local server whatever its speed.
 *    libesmtp has no call that gives its socket, so we set the option at
 *    its CONNECT event on our TCP sockets whose peer is the SMTP port.
 */
#include "report/smtp.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <auth-client.h>
#include <libesmtp.h>

#define DEFAULT_TIMEOUT_S 60
#define CHUNK (64 * 1024)

typedef struct {
	const kenchi_smtp_config_t *cfg;
	gboolean want_auth;
	gboolean auth_sent;      /* we wrote an AUTH command */
	gboolean authed;         /* the server answered 235 */
	int auth_code;           /* the last reply to AUTH, 0 if none */
	char auth_text[256];
	int last_code;           /* the last reply seen at all */
	char last_text[256];
} session_ctx_t;

typedef struct {
	session_ctx_t *s;
	kenchi_smtp_msg_t *m;
	smtp_message_t msg;
	gsize pos;
	gboolean aborted;        /* the message callback refused (no AUTH) */
} msg_ctx_t;

static GOnce auth_once = G_ONCE_INIT;

static gpointer
auth_init(gpointer unused)
{
	/* libesmtp's SASL plugin list is global; it is never torn down
	 * because another thread may be sending at the same time */
	auth_client_init();
	return NULL;
}

static void
set_result(kenchi_smtp_msg_t *m, kenchi_status_t st, int code, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

static void
set_result(kenchi_smtp_msg_t *m, kenchi_status_t st, int code, const char *fmt, ...)
{
	va_list ap;

	m->status = st;
	m->smtp_code = code;
	g_free(m->detail);
	m->detail = NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		m->detail = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
}

static kenchi_status_t
class_of_code(int code)
{
	if (code >= 200 && code < 300)
		return KENCHI_OK;
	if (code >= 500 && code < 600)
		return KENCHI_FINAL;
	return KENCHI_TEMP;   /* 4xx, and anything a server should not say */
}

/* Server text without its CRLF, for details. */
static void
copy_text(char *dst, gsize n, const char *src, gsize len)
{
	gsize i, j = 0;

	for (i = 0; i < len && j + 1 < n; i++)
		if (src[i] != '\r' && src[i] != '\n')
			dst[j++] = src[i];
	dst[j] = '\0';
}

/* Protocol monitor: remembers the last reply (for session-level failures,
 * where libesmtp keeps the greeting/EHLO status private) and whether AUTH
 * succeeded (see the top of the file).  Credentials pass through here in
 * the AUTH line; they are looked at for the verb only and never kept. */
static void
monitor_cb(const char *buf, int buflen, int writing, void *arg)
{
	session_ctx_t *s = arg;
	int code;

	if (buflen <= 0)
		return;
	if (writing == SMTP_CB_WRITING) {
		if (buflen >= 5 && g_ascii_strncasecmp(buf, "AUTH ", 5) == 0)
			s->auth_sent = TRUE;
		return;
	}
	if (writing != SMTP_CB_READING || buflen < 4 || !g_ascii_isdigit(buf[0]) ||
	    !g_ascii_isdigit(buf[1]) || !g_ascii_isdigit(buf[2]))
		return;
	if (buf[3] == '-')
		return;   /* continuation line; the last line carries the verdict */
	code = (buf[0] - '0') * 100 + (buf[1] - '0') * 10 + (buf[2] - '0');
	s->last_code = code;
	copy_text(s->last_text, sizeof s->last_text, buf, buflen);
	if (s->auth_sent && code != 334) {
		s->auth_sent = FALSE;
		s->auth_code = code;
		copy_text(s->auth_text, sizeof s->auth_text, buf, buflen);
		if (code >= 200 && code < 300)
			s->authed = TRUE;
	}
}

static int
interact_cb(auth_client_request_t req, char **result, int fields, void *arg)
{
	session_ctx_t *s = arg;
	int i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = (char *)s->cfg->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = (char *)s->cfg->password;
		else if (req[i].flags & AUTH_REALM)
			result[i] = (char *)"";
		else
			return 0;
	}
	return 1;
}

/* Set TCP_NODELAY on FD when it is a non-blocking (libesmtp's sio makes
 * it so) connected TCP socket whose peer port is PORT. */
static void
nodelay_if_smtp(int fd, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int);
	int type = 0, one = 1, peer_port, fl;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
		return;
	len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		peer_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		peer_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return;
	fl = fcntl(fd, F_GETFL);
	if (peer_port != port || fl < 0 || !(fl & O_NONBLOCK))
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* libesmtp just connected (SMTP_EV_CONNECT is raised right after
 * connect(), before the greeting is read): find its socket and turn Nagle
 * off (see the top of the file).  Another thread's session to the same
 * server may get the option too, which is what it wants as well.  Without
 * /proc the first 1024 descriptors are tried. */
static void
nodelay_smtp_sockets(int port)
{
	GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
	const char *name;
	int fd;

	if (dir == NULL) {
		for (fd = 0; fd < 1024; fd++)
			nodelay_if_smtp(fd, port);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL)
		nodelay_if_smtp(atoi(name), port);
	g_dir_close(dir);
}

/* Event callback: only CONNECT is acted on.  Every other event keeps
 * libesmtp's default answer (the out-parameters some events pass are left
 * as libesmtp initialised them, as if no callback were set). */
static void
event_cb(smtp_session_t session, int event_no, void *arg, ...)
{
	session_ctx_t *s = arg;

	(void)session;
	if (event_no == SMTP_EV_CONNECT)
		nodelay_smtp_sockets(s->cfg->port);
}

/* Message callback: LEN NULL means rewind.  The data is handed out in
 * place (libesmtp copies it line by line), never copied. */
static const char *
message_cb(void **ctx, int *len, void *arg)
{
	msg_ctx_t *mc = arg;
	const char *p;
	gsize n;

	if (len == NULL) {
		mc->pos = 0;
		return NULL;
	}
	if (mc->s->want_auth && !mc->s->authed) {
		/* errno set + no data makes libesmtp drop the connection
		 * before the final dot (protocol.c cmd_data2) */
		mc->aborted = TRUE;
		errno = EACCES;
		*len = 0;
		return NULL;
	}
	n = MIN(mc->m->len - mc->pos, (gsize)CHUNK);
	p = mc->m->data + mc->pos;
	mc->pos += n;
	*len = (int)n;
	return n ? p : NULL;
}

/* An envelope address: no controls, spaces or angle brackets (libesmtp
 * writes it between <> verbatim, so these would be command injection). */
static gboolean
valid_envelope(const char *a, gboolean empty_ok)
{
	const char *p;

	if (a == NULL || (*a == '\0' && !empty_ok))
		return FALSE;
	for (p = a; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return FALSE;
	return TRUE;
}

/* CRLF only, ending in CRLF: libesmtp needs CRLF to find the end of the
 * headers and would otherwise append its own Date/From after the body. */
static const char *
check_message(const kenchi_smtp_msg_t *m, gboolean *eightbit)
{
	gsize i;

	if (!valid_envelope(m->envelope_from, TRUE))
		return "invalid envelope sender";
	if (m->rcpts == NULL || m->rcpts[0] == NULL)
		return "no recipients";
	for (i = 0; m->rcpts[i] != NULL; i++)
		if (!valid_envelope(m->rcpts[i], FALSE))
			return "invalid recipient address";
	if (m->data == NULL || m->len < 2 || m->len > G_MAXINT)
		return "empty or oversized message";
	*eightbit = FALSE;
	for (i = 0; i < m->len; i++) {
		unsigned char c = (unsigned char)m->data[i];
		if (c == '\n' && (i == 0 || m->data[i - 1] != '\r'))
			return "bare LF in message (CRLF required)";
		if (c == '\r' && (i + 1 == m->len || m->data[i + 1] != '\n'))
			return "bare CR in message";
		if (c >= 0x80)
			*eightbit = TRUE;
	}
	return NULL;
}

typedef struct {
	int ok, temp, perm;
	int first_temp, first_perm;
	GString *refused;
} rcpt_tally_t;

static void
tally_rcpt(smtp_recipient_t r, const char *mailbox, void *arg)
{
	rcpt_tally_t *t = arg;
	const smtp_status_t *st = smtp_recipient_status(r);
	int code = st ? st->code : 0;

	if (code >= 200 && code < 300) {
		t->ok++;
		return;
	}
	if (code >= 500 && code < 600) {
		t->perm++;
		if (!t->first_perm)
			t->first_perm = code;
	} else if (code != 0) {
		t->temp++;
		if (!t->first_temp)
			t->first_temp = code;
	} else {
		return;   /* never reached RCPT */
	}
	g_string_append_printf(t->refused, "%s%s: %d %s", t->refused->len ? "; " : "",
	                       mailbox, code, st && st->text ? g_strchomp(st->text) : "");
}

static char *
session_error(void)
{
	char buf[256];
	const char *e = smtp_strerror(smtp_errno(), buf, sizeof buf);

	return g_strdup(e ? e : "unknown libesmtp error");
}

/* Class one message after a session that ran. */
static void
judge_message(msg_ctx_t *mc, session_ctx_t *s)
{
	kenchi_smtp_msg_t *m = mc->m;
	const smtp_status_t *rp = smtp_reverse_path_status(mc->msg);
	const smtp_status_t *ts = smtp_message_transfer_status(mc->msg);
	rcpt_tally_t t = { 0 };
	int code = ts ? ts->code : 0;

	if (mc->aborted) {
		/* see the top of the file: AUTH asked for and not done */
		if (s->auth_code != 0)
			set_result(m, class_of_code(s->auth_code) == KENCHI_TEMP ? KENCHI_TEMP : KENCHI_FINAL,
			           s->auth_code, "not sent: authentication failed: %s", s->auth_text);
		else
			set_result(m, KENCHI_FINAL, 0,
			           "not sent: server offered no usable AUTH mechanism (PLAIN/LOGIN)");
		return;
	}
	if (rp != NULL && rp->code >= 400) {
		set_result(m, class_of_code(rp->code), rp->code, "MAIL FROM refused: %d %s",
		           rp->code, rp->text ? g_strchomp(rp->text) : "");
		return;
	}
	t.refused = g_string_new("");
	smtp_enumerate_recipients(mc->msg, tally_rcpt, &t);
	if (t.ok == 0 && (t.temp || t.perm)) {
		/* every recipient refused: a 4xx among them means a retry may
		 * help; the DATA reply (often 503/554 "no valid recipients") is
		 * only a consequence and does not decide - nor does a 250 to
		 * it, which RFC 5321 3.3 allows and delivers to no one (round
		 * 37a: such a report was marked sent) */
		if (t.temp)
			set_result(m, KENCHI_TEMP, t.first_temp, "all recipients refused: %s", t.refused->str);
		else
			set_result(m, KENCHI_FINAL, t.first_perm, "all recipients refused: %s", t.refused->str);
	} else if (code >= 200 && code < 300) {
		if (t.refused->len)
			set_result(m, KENCHI_OK, code, "accepted for %d recipient(s); refused: %s",
			           t.ok, t.refused->str);
		else
			set_result(m, KENCHI_OK, code, NULL);
	} else if (code >= 400) {
		set_result(m, class_of_code(code), code, "DATA refused: %d %s", code,
		           ts->text ? g_strchomp(ts->text) : "");
	} else {
		/* no final reply: the connection was lost or a required
		 * extension (STARTTLS) was missing */
		char *e = session_error();
		int err = smtp_errno();

		/* some servers hang up on a wrong password instead of
		 * answering 535; say so, the class stays TEMP because a
		 * dropped connection is usually just that */
		set_result(m, err == SMTP_ERR_EXTENSION_NOT_AVAILABLE ? KENCHI_FINAL : KENCHI_TEMP,
		           s->last_code >= 400 ? s->last_code : 0, "no reply to the message: %s%s%s%s", e,
		           s->auth_sent ? " during AUTH (wrong credentials?)" : "",
		           s->last_code >= 400 ? "; last reply: " : "",
		           s->last_code >= 400 ? s->last_text : "");
		g_free(e);
	}
	g_string_free(t.refused, TRUE);
}

kenchi_status_t
kenchi_smtp_send(const kenchi_smtp_config_t *cfg, kenchi_smtp_msg_t *msgs, guint n)
{
	kenchi_status_t st = KENCHI_CONFIG;
	smtp_session_t session = NULL;
	auth_context_t authctx = NULL;
	session_ctx_t s = { 0 };
	msg_ctx_t *mcs = NULL;
	const char *cfg_err = NULL;
	char *hostport = NULL;
	guint i, j, queued = 0;
	sigset_t pipe_set, old_set;
	gboolean sig_blocked = FALSE;
	long timeout_ms;
	int which;

	for (i = 0; i < n; i++)
		set_result(&msgs[i], KENCHI_FAIL, 0, NULL);

	/* configuration: refuse before touching the network */
	if (cfg == NULL || cfg->host == NULL || *cfg->host == '\0' ||
	    strpbrk(cfg->host, " \t\r\n/") != NULL)
		cfg_err = "no or invalid SMTP host";
	else if (strchr(cfg->host, ':') != NULL)
		/* libesmtp takes "host:port" in one string */
		cfg_err = "IPv6 address literals are not supported as SMTP host; use a name";
	else if (cfg->port < 1 || cfg->port > 65535)
		cfg_err = "SMTP port out of range";
	else if (cfg->tls != NULL && strcmp(cfg->tls, "tls") == 0)
		cfg_err = "implicit TLS (smtps, port 465) is not supported by libesmtp 1.1, "
		          "which only does STARTTLS; use tls = starttls (port 587)";
	else if (cfg->tls != NULL && strcmp(cfg->tls, "none") != 0 &&
	         strcmp(cfg->tls, "starttls") != 0)
		cfg_err = "tls must be none, starttls or tls";
	else if (cfg->user != NULL && (cfg->password == NULL || *cfg->user == '\0'))
		cfg_err = "SMTP user without password";
	else if (cfg->helo != NULL && !valid_envelope(cfg->helo, FALSE))
		cfg_err = "invalid HELO name";
	if (cfg_err != NULL) {
		for (i = 0; i < n; i++)
			set_result(&msgs[i], KENCHI_CONFIG, 0, "%s", cfg_err);
		return KENCHI_CONFIG;
	}
	if (n == 0)
		return KENCHI_OK;

	s.cfg = cfg;
	s.want_auth = cfg->user != NULL;
	mcs = g_new0(msg_ctx_t, n);

	session = smtp_create_session();
	if (session == NULL) {
		st = KENCHI_TEMP;
		goto fail_all;
	}
	hostport = g_strdup_printf("%s:%d", cfg->host, cfg->port);
	if (!smtp_set_server(session, hostport) ||
	    (cfg->helo != NULL && !smtp_set_hostname(session, cfg->helo))) {
		st = KENCHI_CONFIG;
		goto fail_all;
	}
	timeout_ms = 1000L * (cfg->timeout_s > 0 ? cfg->timeout_s : DEFAULT_TIMEOUT_S);
	for (which = Timeout_GREETING; which <= Timeout_DATA2; which++)
		smtp_set_timeout(session, which | Timeout_OVERRIDE_RFC2822_MINIMUM, timeout_ms);
	smtp_set_monitorcb(session, monitor_cb, &s, 0);
	smtp_set_eventcb(session, event_cb, &s);
	if (cfg->tls != NULL && strcmp(cfg->tls, "starttls") == 0)
		smtp_starttls_enable(session, Starttls_REQUIRED);
	else
		smtp_starttls_enable(session, Starttls_DISABLED);
	if (s.want_auth) {
		g_once(&auth_once, auth_init, NULL);
		authctx = auth_create_context();
		if (authctx == NULL) {
			st = KENCHI_TEMP;
			goto fail_all;
		}
		/* AUTH_PLUGIN_PLAIN permits PLAIN and LOGIN (clear-text
		 * mechanisms); CRAM-MD5 stays allowed if the server prefers it */
		auth_set_mechanism_flags(authctx, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(authctx, interact_cb, &s);
		smtp_auth_set_context(session, authctx);
	}

	for (i = 0; i < n; i++) {
		kenchi_smtp_msg_t *m = &msgs[i];
		gboolean eightbit = FALSE;
		const char *why = check_message(m, &eightbit);

		mcs[i].s = &s;
		mcs[i].m = m;
		if (why != NULL) {
			set_result(m, KENCHI_BAD_INPUT, 0, "not sent: %s", why);
			continue;
		}
		mcs[i].msg = smtp_add_message(session);
		if (mcs[i].msg == NULL ||
		    !smtp_set_reverse_path(mcs[i].msg, m->envelope_from) ||
		    !smtp_set_messagecb(mcs[i].msg, message_cb, &mcs[i])) {
			st = KENCHI_TEMP;
			goto fail_all;
		}
		/* declare 8-bit content honestly; libesmtp then refuses the
		 * session if the server lacks 8BITMIME rather than corrupting */
		if (eightbit)
			smtp_8bitmime_set_body(mcs[i].msg, E8bitmime_8BITMIME);
		for (j = 0; m->rcpts[j] != NULL; j++)
			if (smtp_add_recipient(mcs[i].msg, m->rcpts[j]) == NULL) {
				st = KENCHI_TEMP;
				goto fail_all;
			}
		queued++;
	}
	if (queued == 0) {
		st = KENCHI_OK;   /* each message carries its BAD_INPUT */
		goto done;
	}

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sig_blocked = pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set) == 0;

	if (!smtp_start_session(session)) {
		/* never got as far as MAIL FROM: greeting, EHLO, DNS, connect */
		char *e = session_error();

		st = s.last_code >= 500 && s.last_code < 600 ? KENCHI_FINAL : KENCHI_TEMP;
		for (i = 0; i < n; i++) {
			if (mcs[i].msg == NULL)
				continue;
			if (s.last_code >= 400)
				set_result(&msgs[i], st, s.last_code, "session failed: %s; server said: %s",
				           e, s.last_text);
			else
				set_result(&msgs[i], st, 0, "session failed: %s", e);
		}
		g_free(e);
		goto done;
	}
	st = KENCHI_OK;
	for (i = 0; i < n; i++)
		if (mcs[i].msg != NULL)
			judge_message(&mcs[i], &s);
	goto done;

fail_all:
	{
		char *e = session_error();

		for (i = 0; i < n; i++)
			if (msgs[i].status != KENCHI_BAD_INPUT)
				set_result(&msgs[i], st, 0, "libesmtp setup failed: %s", e);
		g_free(e);
	}
done:
	if (session != NULL)
		smtp_destroy_session(session);
	if (authctx != NULL)
		auth_destroy_context(authctx);
	if (sig_blocked) {
		/* swallow a SIGPIPE raised while blocked, then restore */
		struct timespec zero = { 0, 0 };
		sigset_t pending;

		if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
		pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	}
	g_free(hostport);
	g_free(mcs);
	return st;
}

void
kenchi_smtp_msg_clear(kenchi_smtp_msg_t *m)
{
	if (m == NULL)
		return;
	g_free(m->detail);
	m->detail = NULL;
	m->status = KENCHI_OK;
	m->smtp_code = 0;
}
