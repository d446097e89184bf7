/* imap.c: the IMAP source, written as explicit states (fdm imap-common.c):
 *
 *   CONNECT -> LOGIN -> SELECT -> SYNC -> IDLE -> SYNC -> ... -> DONE
 *
 * and an outer loop that reconnects after any temporary failure with
 * exponential backoff and jitter (isync's FAIL_TEMP / FAIL_WAIT / FAIL_FINAL
 * classes, kenchi_status_t here).  A refused login or certificate is
 * FINAL: retrying cannot help and would hammer the server.
 *
 * Ordering is what makes it exactly-once: a batch is fetched with
 * BODY.PEEK[] (nothing changes on the server), committed by the caller
 * together with the new position, and only then moved or flagged.  A crash
 * between the commit and the move leaves committed messages in the mailbox;
 * after the next SELECT, "recover" marks every UID <= last_uid that is
 * still there, so nothing is fetched twice and nothing is left behind.
 *
 * Two decisions a reader might question:
 *  - The IDLE wait is our own poll() on the socket and a wake pipe the
 *    client owns, not mailstream_wait_idle(): the pipe outlives every
 *    connection, so kenchi_imap_wake() is a plain write(2), safe from a
 *    signal handler or another thread with no race against reconnects.
 *  - TLS verification is done here with GnuTLS, after the handshake and
 *    before LOGIN: libetpan 1.9 on GnuTLS verifies nothing itself
 *    (mailstream_ssl_set_server_certicate() is "not implemented" there).
 *    See tls_verify().
 *  - Every stream gets a driver of ours stacked on libetpan's, which turns
 *    end of file into an error: libetpan spins for ever on a connection
 *    closed in the middle of a message body.  See imap_eof.h.
 *
 * SYNC - fetching by UID in batches, and marking after the commit - is in
 * imap_sync.c; imap_int.h holds what the two share. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <glib-unix.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include "source/imap.h"
#include "source/imap_eof.h"
#include "source/imap_int.h"

/* ------------------------------------------------------------ helpers */


void
kenchi_imap_say(kenchi_imap_t *c, kenchi_imap_log_level_t lvl, const char *fmt, ...)
{
	va_list ap;
	char *msg, *line;

	if (c->ops->log == NULL)
		return;
	/* What a stop breaks - a read its signal ended, the answers read
	 * out of step after it ("UID MOVE failed: Move completed"), or what
	 * its shutdown(2) cut - is no fault to warn of (rounds 41b, 42). */
	if (g_atomic_int_get(&c->stopping) && lvl < KENCHI_IMAP_LOG_INFO)   /* an abort wakes too */
		lvl = KENCHI_IMAP_LOG_DEBUG;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	line = g_strdup_printf("imap=%s %s", c->a->name, msg);
	c->ops->log(c->user, lvl, line);
	g_free(line);
	g_free(msg);
}

/* libetpan's connect calls return 1 or 2 ("connected, pre-authenticated or
 * not") on success, the other calls 0. */
gboolean
kenchi_imap_ok(int r)
{
	return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	    r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

/* The server's last human-readable text, for messages. */
static const char *
server_text(kenchi_imap_t *c)
{
	return c->imap && c->imap->imap_response ? c->imap->imap_response : "";
}

/* The bracketed response code of the last tagged reply ("AUTHENTICATIONFAILED"). */
static const char *
server_code(kenchi_imap_t *c)
{
	if (c->imap && c->imap->imap_response_info && c->imap->imap_response_info->rsp_atom)
		return c->imap->imap_response_info->rsp_atom;
	return "";
}

/* Class of a failed libetpan call.  Broken connections are TEMP (reconnect
 * now); a server refusing a command is WAIT (it may be in maintenance). */
kenchi_status_t
kenchi_imap_classify(kenchi_imap_t *c, int r, const char *what)
{
	kenchi_status_t st;

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_FATAL:    /* BYE: the server is going away */
		st = KENCHI_TEMP;
		break;
	default:
		st = KENCHI_WAIT;
	}
	/* After a broken stream the last text is an earlier reply's ("UID
	 * MOVE failed: Fetch completed", round 35b): only the server's own
	 * answer to this command is quoted, or its parting BYE. */
	if (st == KENCHI_TEMP) {
		char *bye = kenchi_imap_held_bye(&c->held);

		/* A stop's signal ends a blocked read too (EINTR): the server
		 * is fine, and the batch in hand is still marked on this
		 * connection - a command it had sent was done (round 42: a
		 * stop left the last batch unmarked for the next run). */
		if (!g_atomic_int_get(&c->stopping))
			c->broken = TRUE;
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "%s failed (libetpan error %d%s%s) class=%s", what, r,
		    bye ? ": " : "", bye ? bye : "", kenchi_status_to_string(st));
		g_free(bye);
	} else
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "%s failed (libetpan error %d%s%s) class=%s", what, r,
		    *server_text(c) ? ": " : "", server_text(c), kenchi_status_to_string(st));
	return st;
}

gboolean
kenchi_imap_stopped(volatile gint *stop)
{
	return g_atomic_int_get(stop) != 0;
}

/* Wait up to MS milliseconds, or until kenchi_imap_wake (TRUE then). */
static gboolean
wait_wake(kenchi_imap_t *c, int ms)
{
	struct pollfd p = { .fd = c->wake[0], .events = POLLIN };
	char buf[64];
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return FALSE;
	while (read(c->wake[0], buf, sizeof buf) > 0)
		;
	return TRUE;
}

/* A set of UIDS[0..n) (ascending), consecutive runs coalesced into ranges
 * so that a batch is one short command line. */
struct mailimap_set *
kenchi_imap_uid_set(const guint32 *uids, guint n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	guint i = 0;

	if (set == NULL)
		return NULL;
	while (i < n) {
		guint j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			return NULL;
		}
		i = j + 1;
	}
	return set;
}

static gint
cmp_u32(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
	return x < y ? -1 : x > y;
}

/* UID SEARCH for KEY (consumed); *out: the UIDs above ABOVE, ascending.
 * ABOVE filters the RFC 3501 surprise that "n:*" matches the highest UID
 * even when it is below n. */
kenchi_status_t
kenchi_imap_uid_search(kenchi_imap_t *c, struct mailimap_search_key *key, guint32 above, GArray **out)
{
	clist *res = NULL;
	clistiter *it;
	int r;

	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return kenchi_imap_classify(c, r, "UID SEARCH");
	*out = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		guint32 uid = *(uint32_t *)clist_content(it);
		if (uid > above)
			g_array_append_val(*out, uid);
	}
	mailimap_search_result_free(res);
	g_array_sort(*out, cmp_u32);
	return KENCHI_OK;
}

/* ------------------------------------------------------------ TLS */

static gboolean
is_ip_literal(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Called by libetpan before the handshake: SNI, for servers hosting several
 * names on one address (not for IP literals, RFC 6066 forbids them). */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	kenchi_imap_t *c = data;

	if (!is_ip_literal(c->a->host))
		mailstream_ssl_set_server_name(ctx, c->a->host);
}

/* Verify the peer's chain against ca_file (else the system trust store):
 * signatures up to a trusted certificate, validity dates, the host name
 * (DNS name, or IP address for an IP literal, in subjectAltName) and the
 * TLS-server key purpose.  Not checked: revocation (no CRL/OCSP).
 * Runs after the handshake and before LOGIN, so the password is never sent
 * to an unverified peer.  FINAL when refused: a person must look. */
static kenchi_status_t
tls_verify(kenchi_imap_t *c)
{
	carray *chain;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vd[2];
	gnutls_datum_t why = { NULL, 0 };
	unsigned int n = 0, i, status = 0;
	kenchi_status_t st = KENCHI_FINAL;
	int r;

	chain = mailstream_get_certificate_chain(c->imap->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "TLS: %s sent no certificate", c->a->host);
		goto done;
	}
	crts = g_new0(gnutls_x509_crt_t, carray_count(chain));
	for (i = 0; i < carray_count(chain); i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned int)der->len };
		if (gnutls_x509_crt_init(&crts[n]) < 0)
			goto done;
		n++;
		if (gnutls_x509_crt_import(crts[n - 1], &d, GNUTLS_X509_FMT_DER) < 0) {
			kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "TLS: %s sent an unreadable certificate", c->a->host);
			goto done;
		}
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		st = KENCHI_TEMP;
		goto done;
	}
	if (c->a->ca_file)
		r = gnutls_x509_trust_list_add_trust_file(tl, c->a->ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "TLS: no trusted certificates in %s",
		    c->a->ca_file ? c->a->ca_file : "the system trust store");
		st = KENCHI_CONFIG;
		goto done;
	}
	vd[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vd[0].data = (unsigned char *)c->a->host;
	vd[0].size = 0;
	vd[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	vd[1].size = 0;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, 2, 0, &status, NULL);
	if (r < 0 || status != 0) {
		if (r >= 0)
			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
		kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "TLS: certificate of %s refused (ca_file=%s): %s", c->a->host,
		    c->a->ca_file ? c->a->ca_file : "system",
		    r < 0 ? gnutls_strerror(r) : why.data ? (const char *)why.data : "not trusted");
		gnutls_free(why.data);
		goto done;
	}
	st = KENCHI_OK;
done:
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	g_free(crts);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return st;
}

/* ------------------------------------------------------------ states */

static void
disconnect(kenchi_imap_t *c)
{
	if (c->imap == NULL)
		return;
	/* No LOGOUT on a connection that may be dead: mailimap_free() sends
	 * one while it has a stream, and waited out the 60 s I/O timeout of
	 * a server that said nothing (round 41b: `--once` took 120 s), so
	 * the stream is closed first.  session() logs out of a healthy one. */
	kenchi_imap_forget_fd(c);
	if (c->imap->imap_stream != NULL) {
		mailstream_close(c->imap->imap_stream);
		c->imap->imap_stream = NULL;
		c->imap->imap_state = MAILIMAP_STATE_DISCONNECTED;
	}
	mailimap_free(c->imap);
	c->imap = NULL;
}

/* CONNECT: TCP, then TLS (implicit, or STARTTLS after the greeting), then
 * verification.  A refused connection is WAIT: the server is down. */
static kenchi_status_t
st_connect(kenchi_imap_t *c)
{
	const kenchi_imap_account_t *a = c->a;
	kenchi_status_t st;
	mailstream *s;
	int r, fd;

	c->imap = mailimap_new(0, NULL);
	if (c->imap == NULL)
		return KENCHI_TEMP;
	mailimap_set_timeout(c->imap, IO_TIMEOUT_S);
	mailimap_set_logger(c->imap, kenchi_imap_held_logger, c);
	c->held.tail_len = 0;   /* a BYE of the connection before is not this one's */
	c->broken = FALSE;
	/* libetpan's mailimap_socket_connect(), with a socket of our own
	 * (imap_net.c). */
	if ((fd = kenchi_imap_tcp_connect(c, a->host, a->port, IO_TIMEOUT_S)) < 0) {
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "cannot connect to %s:%d (%s)", a->host, a->port,
		    kenchi_imap_tls_to_string(a->tls));
		return KENCHI_WAIT;
	}
	if (a->tls != KENCHI_IMAP_TLS_IMPLICIT && kenchi_imap_quiet_speaks_tls(c, fd, a->host, a->port)) {
		/* It would wait for our handshake as we wait for its greeting,
		 * and a retry would wait again, for ever (round 41b F9). */
		kenchi_imap_forget_fd(c);
		close(fd);
		kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "%s:%d speaks IMAP over TLS, and says nothing before a TLS "
		    "handshake: set tls = tls, or the port of plain IMAP (143)", a->host, a->port);
		return KENCHI_CONFIG;
	}
	s = a->tls == KENCHI_IMAP_TLS_IMPLICIT ? mailstream_ssl_open_with_callback_timeout(fd, IO_TIMEOUT_S, tls_setup, c) :
	    mailstream_socket_open_timeout(fd, IO_TIMEOUT_S);
	if (s == NULL) {
		kenchi_imap_forget_fd(c);
		close(fd);
		if (a->tls == KENCHI_IMAP_TLS_IMPLICIT && kenchi_imap_speaks_plain(c, a->host, a->port)) {
			kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "%s:%d speaks IMAP in plain text, not implicit TLS: set tls = "
			    "starttls, or the port of IMAP over TLS (993)", a->host, a->port);
			return KENCHI_CONFIG;
		}
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "cannot connect to %s:%d (%s handshake failed)", a->host, a->port,
		    kenchi_imap_tls_to_string(a->tls));
		return KENCHI_TEMP;
	}
	r = mailimap_connect(c->imap, s);   /* the stream is the session's now, closed by disconnect() */
	if (!kenchi_imap_ok(r)) {
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "cannot connect to %s:%d (%s, libetpan error %d)", a->host, a->port,
		    kenchi_imap_tls_to_string(a->tls), r);
		return KENCHI_WAIT;   /* no greeting: a server not up yet, or a port that waits for TLS */
	}
	if (a->tls == KENCHI_IMAP_TLS_STARTTLS) {
		r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, c);
		if (r == MAILIMAP_ERROR_STARTTLS) {
			/* A server that refuses STARTTLS will refuse it next time too:
			 * never fall back to sending the password in clear. */
			kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "STARTTLS refused by %s:%d (libetpan error %d%s%s)", a->host,
			    a->port, r, *server_text(c) ? ": " : "", server_text(c));
			return KENCHI_FINAL;
		}
		if (r != MAILIMAP_NO_ERROR) {
			/* Closed, cut or stalled before or during the handshake: a
			 * network fault, retried (round 41b: "* OK" and a close was
			 * a final "STARTTLS refused"). */
			kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "STARTTLS with %s:%d failed (libetpan error %d)", a->host,
			    a->port, r);
			return KENCHI_TEMP;
		}
	}
	if (a->tls != KENCHI_IMAP_TLS_NONE && (st = tls_verify(c)) != KENCHI_OK)
		return st;
	return kenchi_imap_eof_guard(c->imap->imap_stream) ? KENCHI_OK : KENCHI_TEMP;
}

/* LOGIN: a NO is FINAL (wrong user or password: retrying only locks the
 * account), unless the server says it is temporary ([UNAVAILABLE]). */
static kenchi_status_t
st_login(kenchi_imap_t *c)
{
	struct mailimap_capability_data *caps = NULL;
	int r;

	r = mailimap_login(c->imap, c->a->user, c->a->password);
	if (r == MAILIMAP_ERROR_LOGIN) {
		if (g_ascii_strcasecmp(server_code(c), "UNAVAILABLE") == 0 ||
		    g_ascii_strncasecmp(server_text(c), "Temporary", 9) == 0)
			return kenchi_imap_classify(c, r, "LOGIN");
		kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "authentication failed for user %s at %s:%d%s%s%s: %s; not retrying",
		    c->a->user, c->a->host, c->a->port, *server_code(c) ? " [" : "", server_code(c),
		    *server_code(c) ? "]" : "", server_text(c));
		return KENCHI_FINAL;
	}
	if (r != MAILIMAP_NO_ERROR)
		return kenchi_imap_classify(c, r, "LOGIN");
	/* Ask again after login: capabilities before it (or before STARTTLS)
	 * do not list MOVE and may not be trusted. */
	r = mailimap_capability(c->imap, &caps);
	if (r != MAILIMAP_NO_ERROR)
		return kenchi_imap_classify(c, r, "CAPABILITY");
	mailimap_capability_data_free(caps);
	c->has_idle = mailimap_has_idle(c->imap);
	c->has_move = mailimap_has_extension(c->imap, "MOVE");
	c->has_uidplus = mailimap_has_uidplus(c->imap);
	c->stats.connects++;
	return KENCHI_OK;
}


/* Does a SELECT's refusal TEXT say the mailbox does not exist? */
static gboolean
missing_mailbox_text(const char *text)
{
	static const char *const says[] = { "doesn't exist", "does not exist", "unknown mailbox", "no such mailbox",
		"mailbox not found", NULL };
	char *low = g_ascii_strdown(text ? text : "", -1);
	gboolean hit = FALSE;

	for (int i = 0; says[i] && !hit; i++)
		hit = strstr(low, says[i]) != NULL;
	g_free(low);
	return hit;
}

/* SELECT: open the mailbox, compare its UIDVALIDITY with the stored
 * position, create the processed folder, and finish marking anything
 * committed before a crash or a dropped connection. */
static kenchi_status_t
st_select(kenchi_imap_t *c)
{
	gint64 uv = 0, last = 0, server_uv, server_next;
	kenchi_status_t st;
	int r;

	r = mailimap_select(c->imap, c->a->mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		/* libetpan 1.9 keeps no [NONEXISTENT] of a tagged NO (round
		 * 35b: Dovecot's missing mailbox was retried as temporary): the
		 * servers' words too (Dovecot, Cyrus, Courier, Gmail). */
		if (r == MAILIMAP_ERROR_SELECT && (g_ascii_strcasecmp(server_code(c), "NONEXISTENT") == 0 ||
		    missing_mailbox_text(server_text(c)))) {
			kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "mailbox %s does not exist: %s", c->a->mailbox, server_text(c));
			return KENCHI_FINAL;
		}
		return kenchi_imap_classify(c, r, "SELECT");
	}
	server_uv = c->imap->imap_selection_info ? c->imap->imap_selection_info->sel_uidvalidity : 0;
	server_next = c->imap->imap_selection_info ? c->imap->imap_selection_info->sel_uidnext : 0;
	st = c->ops->position(c->user, c->a->source, &uv, &last);
	if (st == KENCHI_NOT_FOUND)
		uv = 0, last = 0;
	else if (st != KENCHI_OK)
		return st;
	if (uv != 0 && (uv != server_uv || (server_next > 0 && last >= server_next))) {
		/* The server renumbered the mailbox: our UIDs mean nothing now.
		 * Or its next UID is not above the last one stored: the mailbox
		 * was restored from a backup with its UIDVALIDITY, and new mail
		 * takes UIDs we think we took; "recover" would mark it unstored
		 * (round 35b).  Fetch everything again; ingest recognises what it
		 * already has by content, so nothing is stored twice.  Record the
		 * position at once, so a crash mid-way does not restart it. */
		if (uv != server_uv)
			kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "UIDVALIDITY changed from %" G_GINT64_FORMAT " to %"
			    G_GINT64_FORMAT " (after last uid %" G_GINT64_FORMAT "): refetching the mailbox; duplicates are "
			    "recognised", uv, server_uv, last);
		else
			kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "UIDNEXT %" G_GINT64_FORMAT " is not above the last uid "
			    "taken, %" G_GINT64_FORMAT " (a mailbox restored from a backup?): refetching the mailbox; "
			    "duplicates are recognised", server_next, last);
		c->stats.uidvalidity_changes++;
		last = 0;
		st = c->ops->deliver(c->user, c->a->source, server_uv, 0, NULL, 0);
		if (st != KENCHI_OK)
			return st;
	}
	c->uidvalidity = server_uv;
	c->last_uid = last;
	kenchi_imap_held_load(c);
	if (c->a->processed) {
		/* Fails harmlessly when it exists; MOVE would say TRYCREATE otherwise. */
		(void)mailimap_create(c->imap, c->a->processed);
	}
	return kenchi_imap_recover(c);
}

kenchi_status_t
kenchi_imap_recover(kenchi_imap_t *c)
{
	GArray *left = NULL;
	kenchi_status_t st;
	gint64 last = c->last_uid;

	if (last <= 0)
		return KENCHI_OK;
	if (c->a->processed)
		st = kenchi_imap_uid_search(c, mailimap_search_key_new_uid(mailimap_set_new_interval(1, (uint32_t)last)), 0, &left);
	else {
		struct mailimap_search_key *k = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(k, mailimap_search_key_new_uid(mailimap_set_new_interval(1, (uint32_t)last)));
		mailimap_search_key_multiple_add(k, mailimap_search_key_new_unkeyword(g_strdup(c->a->flag)));
		st = kenchi_imap_uid_search(c, k, 0, &left);
	}
	if (st != KENCHI_OK)
		return st;
	if (left->len) {
		kenchi_imap_say(c, KENCHI_IMAP_LOG_INFO, "recover: %u committed message(s) still unmarked, marking them", left->len);
		st = kenchi_imap_mark_done(c, (guint32 *)left->data, left->len);
	}
	g_array_unref(left);
	return st;
}

/* IDLE: wait until the server reports a change, the client is woken, or
 * idle_max passes (RFC 2177: re-issue before 29 minutes).  Without IDLE,
 * just sleep `poll` seconds; SYNC asks the server again. */
static kenchi_status_t
st_idle(kenchi_imap_t *c, volatile gint *stop)
{
	struct pollfd p[2];
	int r, fd;

	if (!c->has_idle) {
		wait_wake(c, c->a->poll_s * 1000);
		return KENCHI_OK;
	}
	r = mailimap_idle(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return kenchi_imap_classify(c, r, "IDLE");
	c->stats.idles++;
	kenchi_imap_say(c, KENCHI_IMAP_LOG_DEBUG, "idling (up to %ds)", c->a->idle_max_s);
	/* libetpan may already hold the server's "* n EXISTS" in its buffer,
	 * read together with "+ idling": poll() would not see it. */
	if (c->imap->imap_stream->read_buffer_len == 0 && !kenchi_imap_stopped(stop)) {
		fd = mailimap_idle_get_fd(c->imap);
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[1].fd = c->wake[0];
		p[1].events = POLLIN;
		do
			r = poll(p, 2, c->a->idle_max_s * 1000);
		while (r < 0 && errno == EINTR);
		if (r > 0 && (p[1].revents & POLLIN)) {
			char buf[64];
			while (read(c->wake[0], buf, sizeof buf) > 0)
				;
		}
	}
	r = mailimap_idle_done(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return kenchi_imap_classify(c, r, "IDLE DONE");
	return KENCHI_OK;
}

/* One connection, from CONNECT until DONE or a failure. */
static kenchi_status_t
session(kenchi_imap_t *c, volatile gint *stop, gboolean once, guint *failures)
{
	imap_state_t s = ST_CONNECT;
	kenchi_status_t st = KENCHI_OK;

	while (st == KENCHI_OK && s != ST_DONE) {
		if (kenchi_imap_stopped(stop))
			break;
		switch (s) {
		case ST_CONNECT:
			st = st_connect(c);
			s = ST_LOGIN;
			break;
		case ST_LOGIN:
			st = st_login(c);
			s = ST_SELECT;
			break;
		case ST_SELECT:
			st = st_select(c);
			if (st == KENCHI_OK) {
				kenchi_imap_say(c, *failures ? KENCHI_IMAP_LOG_INFO : KENCHI_IMAP_LOG_DEBUG,
				    "connected host=%s port=%d tls=%s mailbox=%s uidvalidity=%" G_GINT64_FORMAT
				    " last_uid=%" G_GINT64_FORMAT " idle=%d move=%d uidplus=%d",
				    c->a->host, c->a->port, kenchi_imap_tls_to_string(c->a->tls), c->a->mailbox,
				    c->uidvalidity, c->last_uid, c->has_idle, c->has_move, c->has_uidplus);
				*failures = 0;
			}
			s = ST_SYNC;
			break;
		case ST_SYNC:
			st = kenchi_imap_sync(c, stop);
			s = once ? ST_DONE : ST_IDLE;
			break;
		case ST_IDLE:
			st = st_idle(c, stop);
			s = ST_SYNC;
			break;
		case ST_DONE:
			break;
		}
	}
	if (st == KENCHI_OK && c->imap && c->imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
		(void)mailimap_logout(c->imap);
	disconnect(c);
	return st;
}

/* ------------------------------------------------------------ API */

kenchi_imap_t *
kenchi_imap_new(const kenchi_imap_account_t *acct, const kenchi_imap_ops_t *ops, gpointer user)
{
	kenchi_imap_t *c = g_new0(kenchi_imap_t, 1);

	if (!g_unix_open_pipe(c->wake, FD_CLOEXEC, NULL)) {
		g_free(c);
		return NULL;
	}
	/* Non-blocking: a wake never blocks a signal handler, reads drain. */
	g_unix_set_fd_nonblocking(c->wake[0], TRUE, NULL);
	g_unix_set_fd_nonblocking(c->wake[1], TRUE, NULL);
	c->a = acct;
	c->ops = ops;
	c->user = user;
	c->sock_fd = -1;
	return c;
}

void
kenchi_imap_free(kenchi_imap_t *c)
{
	if (c == NULL)
		return;
	disconnect(c);
	kenchi_imap_held_free(&c->held);
	close(c->wake[0]);
	close(c->wake[1]);
	g_free(c);
}

void
kenchi_imap_wake(kenchi_imap_t *c)
{
	int saved = errno;   /* may run in a signal handler */
	ssize_t r;

	g_atomic_int_set(&c->stopping, 1);
	r = write(c->wake[1], "w", 1);
	(void)r;             /* EAGAIN: the pipe is full, a wake is pending anyway */
	errno = saved;
}

const kenchi_imap_stats_t *
kenchi_imap_stats(const kenchi_imap_t *c)
{
	return &c->stats;
}

/* Milliseconds before reconnect attempt FAILURES (1, 2...): exponential,
 * capped, with "equal jitter" so that many accounts that lost the same
 * server do not come back in lockstep. */
static int
backoff_ms(guint failures)
{
	gint64 d = BACKOFF_BASE_MS;
	guint i;

	for (i = 1; i < failures && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	d = MIN(d, BACKOFF_MAX_MS);
	return (int)(d / 2 + g_random_int_range(0, (gint32)(d / 2) + 1));
}

kenchi_status_t
kenchi_imap_run(kenchi_imap_t *c, volatile gint *stop, gboolean once)
{
	guint failures = 0;
	kenchi_status_t st;
	int ms;

	for (;;) {
		st = session(c, stop, once, &failures);
		if (kenchi_imap_stopped(stop))
			return KENCHI_OK;
		if (once) {
			/* Committed but not moved or flagged: the next run does it. */
			if (st == KENCHI_OK && c->unmarked) {
				kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "committed message(s) could not be marked; the next run "
				    "marks them");
				st = KENCHI_TEMP;
			}
			/* As `watch --once` with a file it cannot read. */
			if (st == KENCHI_OK && c->held.uids && c->held.uids->len) {
				kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "%u message(s) the server cannot send stay in %s, "
				    "not stored", c->held.uids->len, c->a->mailbox);
				st = KENCHI_TEMP;
			}
			return st;
		}
		if (!kenchi_status_is_temporary(st) && st != KENCHI_OK)
			return st;   /* FINAL, CONFIG...: a person must act */
		failures++;
		ms = backoff_ms(failures);
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "reconnecting in %d.%01ds (attempt %u, %s)", ms / 1000, (ms % 1000) / 100,
		    failures, kenchi_status_to_string(st));
		wait_wake(c, ms);
	}
}
