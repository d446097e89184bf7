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
 *    closed in the middle of a message body.  See imap_eof.h. */
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

#define IO_TIMEOUT_S 60          /* one command's network timeout */
#define BACKOFF_BASE_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)

typedef enum { ST_CONNECT, ST_LOGIN, ST_SELECT, ST_SYNC, ST_IDLE, ST_DONE } imap_state_t;

struct kenchi_imap {
	const kenchi_imap_account_t *a;   /* not owned */
	const kenchi_imap_ops_t *ops;     /* not owned */
	gpointer user;
	int wake[2];                      /* owned: [0] polled, [1] written by kenchi_imap_wake */
	mailimap *imap;                   /* owned: the current connection, or NULL */
	gint64 uidvalidity, last_uid;     /* the committed position */
	gboolean has_idle, has_move, has_uidplus;
	gboolean warned_no_uidplus;
	kenchi_imap_stats_t stats;
};

/* ------------------------------------------------------------ helpers */

static void say(kenchi_imap_t *c, kenchi_imap_log_level_t lvl, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
say(kenchi_imap_t *c, kenchi_imap_log_level_t lvl, const char *fmt, ...)
{
	va_list ap;
	char *msg, *line;

	if (c->ops->log == NULL)
		return;
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
static gboolean
ok(int r)
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
static kenchi_status_t
classify(kenchi_imap_t *c, int r, const char *what)
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
	say(c, KENCHI_IMAP_LOG_WARN, "%s failed (libetpan error %d%s%s) class=%s", what, r,
	    *server_text(c) ? ": " : "", server_text(c), kenchi_status_to_string(st));
	return st;
}

static gboolean
stopped(volatile gint *stop)
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
static struct mailimap_set *
uid_set(const guint32 *uids, guint n)
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
static kenchi_status_t
uid_search(kenchi_imap_t *c, struct mailimap_search_key *key, guint32 above, GArray **out)
{
	clist *res = NULL;
	clistiter *it;
	int r;

	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return classify(c, r, "UID SEARCH");
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
		say(c, KENCHI_IMAP_LOG_ERR, "TLS: %s sent no certificate", c->a->host);
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
			say(c, KENCHI_IMAP_LOG_ERR, "TLS: %s sent an unreadable certificate", c->a->host);
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
		say(c, KENCHI_IMAP_LOG_ERR, "TLS: no trusted certificates in %s",
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
		say(c, KENCHI_IMAP_LOG_ERR, "TLS: certificate of %s refused (ca_file=%s): %s", c->a->host,
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
	/* mailimap_free closes the stream; no LOGOUT on a connection that may be dead. */
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
	int r;

	c->imap = mailimap_new(0, NULL);
	if (c->imap == NULL)
		return KENCHI_TEMP;
	mailimap_set_timeout(c->imap, IO_TIMEOUT_S);
	if (a->tls == KENCHI_IMAP_TLS_IMPLICIT)
		r = mailimap_ssl_connect_with_callback(c->imap, a->host, (uint16_t)a->port, tls_setup, c);
	else
		r = mailimap_socket_connect(c->imap, a->host, (uint16_t)a->port);
	if (!ok(r)) {
		say(c, KENCHI_IMAP_LOG_WARN, "cannot connect to %s:%d (%s, libetpan error %d)", a->host, a->port,
		    kenchi_imap_tls_to_string(a->tls), r);
		return r == MAILIMAP_ERROR_SSL ? KENCHI_TEMP : KENCHI_WAIT;
	}
	if (a->tls == KENCHI_IMAP_TLS_STARTTLS) {
		r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, c);
		if (r != MAILIMAP_NO_ERROR) {
			/* A server that refuses STARTTLS will refuse it next time too:
			 * never fall back to sending the password in clear. */
			say(c, KENCHI_IMAP_LOG_ERR, "STARTTLS refused by %s:%d (libetpan error %d%s%s)", a->host,
			    a->port, r, *server_text(c) ? ": " : "", server_text(c));
			return r == MAILIMAP_ERROR_STREAM ? KENCHI_TEMP : KENCHI_FINAL;
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
			return classify(c, r, "LOGIN");
		say(c, KENCHI_IMAP_LOG_ERR, "authentication failed for user %s at %s:%d%s%s%s: %s; not retrying",
		    c->a->user, c->a->host, c->a->port, *server_code(c) ? " [" : "", server_code(c),
		    *server_code(c) ? "]" : "", server_text(c));
		return KENCHI_FINAL;
	}
	if (r != MAILIMAP_NO_ERROR)
		return classify(c, r, "LOGIN");
	/* Ask again after login: capabilities before it (or before STARTTLS)
	 * do not list MOVE and may not be trusted. */
	r = mailimap_capability(c->imap, &caps);
	if (r != MAILIMAP_NO_ERROR)
		return classify(c, r, "CAPABILITY");
	mailimap_capability_data_free(caps);
	c->has_idle = mailimap_has_idle(c->imap);
	c->has_move = mailimap_has_extension(c->imap, "MOVE");
	c->has_uidplus = mailimap_has_uidplus(c->imap);
	c->stats.connects++;
	return KENCHI_OK;
}

static kenchi_status_t mark_done(kenchi_imap_t *c, const guint32 *uids, guint n);

/* SELECT: open the mailbox, compare its UIDVALIDITY with the stored
 * position, create the processed folder, and finish marking anything
 * committed before a crash or a dropped connection. */
static kenchi_status_t
st_select(kenchi_imap_t *c)
{
	gint64 uv = 0, last = 0, server_uv;
	kenchi_status_t st;
	GArray *left = NULL;
	int r;

	r = mailimap_select(c->imap, c->a->mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_SELECT && g_ascii_strcasecmp(server_code(c), "NONEXISTENT") == 0) {
			say(c, KENCHI_IMAP_LOG_ERR, "mailbox %s does not exist: %s", c->a->mailbox, server_text(c));
			return KENCHI_FINAL;
		}
		return classify(c, r, "SELECT");
	}
	server_uv = c->imap->imap_selection_info ? c->imap->imap_selection_info->sel_uidvalidity : 0;
	st = c->ops->position(c->user, c->a->source, &uv, &last);
	if (st == KENCHI_NOT_FOUND)
		uv = 0, last = 0;
	else if (st != KENCHI_OK)
		return st;
	if (uv != 0 && uv != server_uv) {
		/* The server renumbered the mailbox: our UIDs mean nothing now.
		 * Fetch everything again; ingest recognises what it already has
		 * by content, so nothing is stored twice.  Record the new
		 * UIDVALIDITY at once, so a crash mid-way does not restart it. */
		say(c, KENCHI_IMAP_LOG_WARN, "UIDVALIDITY changed from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
		    " (after last uid %" G_GINT64_FORMAT "): refetching the mailbox; duplicates are recognised",
		    uv, server_uv, last);
		c->stats.uidvalidity_changes++;
		last = 0;
		st = c->ops->deliver(c->user, c->a->source, server_uv, 0, NULL, 0);
		if (st != KENCHI_OK)
			return st;
	}
	c->uidvalidity = server_uv;
	c->last_uid = last;
	if (c->a->processed) {
		/* Fails harmlessly when it exists; MOVE would say TRYCREATE otherwise. */
		(void)mailimap_create(c->imap, c->a->processed);
	}
	if (last <= 0)
		return KENCHI_OK;
	if (c->a->processed)
		st = uid_search(c, mailimap_search_key_new_uid(mailimap_set_new_interval(1, (uint32_t)last)), 0, &left);
	else {
		struct mailimap_search_key *k = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(k, mailimap_search_key_new_uid(mailimap_set_new_interval(1, (uint32_t)last)));
		mailimap_search_key_multiple_add(k, mailimap_search_key_new_unkeyword(g_strdup(c->a->flag)));
		st = uid_search(c, k, 0, &left);
	}
	if (st != KENCHI_OK)
		return st;
	if (left->len) {
		say(c, KENCHI_IMAP_LOG_INFO, "recover: %u committed message(s) still unmarked, marking them", left->len);
		st = mark_done(c, (guint32 *)left->data, left->len);
	}
	g_array_unref(left);
	return st;
}

/* After the commit: move to the processed folder (MOVE, else UID COPY +
 * \Deleted + UID EXPUNGE, which touches only these UIDs), or flag. */
static kenchi_status_t
mark_done(kenchi_imap_t *c, const guint32 *uids, guint n)
{
	struct mailimap_set *set = uid_set(uids, n);
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *sf;
	gboolean flag_only = c->a->processed == NULL;
	kenchi_status_t st = KENCHI_OK;
	int r = MAILIMAP_NO_ERROR;
	const char *what = "UID STORE";

	if (set == NULL)
		return KENCHI_TEMP;
	if (!flag_only && c->has_move) {
		what = "UID MOVE";
		r = mailimap_uid_move(c->imap, set, c->a->processed);
		goto done;
	}
	if (!flag_only && !c->has_uidplus) {
		/* A plain EXPUNGE would also remove other clients' \Deleted mail. */
		if (!c->warned_no_uidplus)
			say(c, KENCHI_IMAP_LOG_WARN, "the server has neither MOVE nor UIDPLUS: flagging instead of moving");
		c->warned_no_uidplus = TRUE;
		flag_only = TRUE;
	}
	if (!flag_only) {
		what = "UID COPY";
		r = mailimap_uid_copy(c->imap, set, c->a->processed);
		if (r != MAILIMAP_NO_ERROR)
			goto done;
	}
	fl = mailimap_flag_list_new_empty();
	if (flag_only) {
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
		mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(g_strdup(c->a->flag)));
	} else
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	what = "UID STORE";
	r = mailimap_uid_store(c->imap, set, sf);
	mailimap_store_att_flags_free(sf);
	if (r == MAILIMAP_NO_ERROR && !flag_only) {
		what = "UID EXPUNGE";
		r = mailimap_uid_expunge(c->imap, set);
	}
done:
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		st = classify(c, r, what);
		/* The messages are committed: a refused STORE/MOVE is not worth a
		 * reconnect loop; "recover" retries after the next SELECT. */
		if (st == KENCHI_WAIT)
			st = KENCHI_OK;
	}
	return st;
}

/* One UID FETCH's worth: fetched on the account's thread, delivered
 * (parsed and committed) on a thread of its own while the next batch is
 * fetched, then marked on the account's thread again.  The connection
 * is only ever used by the account's thread; the sink only by one
 * delivering thread at a time. */
typedef struct {
	kenchi_imap_t *c;
	const guint32 *uids;
	guint n;
	gint64 top;
	clist *res;              /* the FETCH response that MSGS point into */
	GArray *msgs;            /* kenchi_imap_msg_t */
	kenchi_status_t st;      /* deliver()'s */
	GThread *thread;
} batch_t;

static void
batch_free(batch_t *b)
{
	if (b == NULL)
		return;
	if (b->msgs)
		g_array_unref(b->msgs);
	if (b->res)
		mailimap_fetch_list_free(b->res);
	g_free(b);
}

/* UID FETCH of UIDS[0..n) into a new batch (*OUT). */
static kenchi_status_t
fetch_batch(kenchi_imap_t *c, const guint32 *uids, guint n, batch_t **out)
{
	struct mailimap_set *set = uid_set(uids, n);
	struct mailimap_fetch_type *ft;
	clist *res = NULL;
	clistiter *it, *jt;
	batch_t *b;
	int r;

	*out = NULL;
	if (set == NULL)
		return KENCHI_TEMP;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	/* PEEK: fetching must not set \Seen; only a commit marks a message. */
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return classify(c, r, "UID FETCH");
	c->stats.fetch_commands++;
	b = g_new0(batch_t, 1);
	b->c = c;
	b->uids = uids;
	b->n = n;
	b->top = uids[n - 1];
	b->res = res;
	b->msgs = g_array_sized_new(FALSE, TRUE, sizeof(kenchi_imap_msg_t), n);
	for (it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		kenchi_imap_msg_t m = { 0, NULL, 0 };
		for (jt = clist_begin(ma->att_list); jt; jt = clist_next(jt)) {
			struct mailimap_msg_att_item *item = clist_content(jt);
			struct mailimap_msg_att_static *s;
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			s = item->att_data.att_static;
			if (s->att_type == MAILIMAP_MSG_ATT_UID)
				m.uid = s->att_data.att_uid;
			else if (s->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && s->att_data.att_body_section) {
				m.raw = s->att_data.att_body_section->sec_body_part;
				m.len = s->att_data.att_body_section->sec_length;
			}
		}
		/* Unsolicited FETCH responses (flag changes) carry no body. */
		if (m.uid > c->last_uid && m.uid <= b->top && m.raw)
			g_array_append_val(b->msgs, m);
	}
	*out = b;
	return KENCHI_OK;
}

/* Requested UIDs that did not come back were expunged meanwhile: the
 * position still moves past them (TOP). */
static gpointer
deliver_thread(gpointer data)
{
	batch_t *b = data;
	kenchi_imap_t *c = b->c;

	b->st = c->ops->deliver(c->user, c->a->source, c->uidvalidity, b->top, (kenchi_imap_msg_t *)b->msgs->data,
	    b->msgs->len);
	return NULL;
}

/* Wait for B's delivery; after its commit, move the position. */
static kenchi_status_t
wait_batch(kenchi_imap_t *c, batch_t *b)
{
	if (b->thread)
		g_thread_join(b->thread);
	else
		deliver_thread(b);
	b->thread = NULL;
	if (b->st == KENCHI_OK) {
		c->last_uid = b->top;
		c->stats.fetched += b->msgs->len;
		say(c, KENCHI_IMAP_LOG_DEBUG, "committed %u message(s) up to uid %" G_GINT64_FORMAT, b->msgs->len, b->top);
	} else
		say(c, KENCHI_IMAP_LOG_WARN, "deliver failed (%s): %u message(s) stay unmarked for the next try",
		    kenchi_status_to_string(b->st), b->msgs->len);
	return b->st;
}

/* Mark B's messages (they are committed) and free B. */
static kenchi_status_t
mark_batch(kenchi_imap_t *c, batch_t *b)
{
	kenchi_status_t st = mark_done(c, b->uids, b->n);

	batch_free(b);
	return st;
}

/* SYNC: what is new is every UID above the committed one; fetch it in
 * batches of `batch` UIDs (one round trip each).  The server and kenchi
 * work at once: batch N+1 is fetched while batch N is stored, and batch N
 * is moved while batch N+1 is stored. */
static kenchi_status_t
st_sync(kenchi_imap_t *c, volatile gint *stop)
{
	GArray *uids = NULL;
	batch_t *cur = NULL, *next = NULL;
	kenchi_status_t st, st2;
	guint i, n, want;

	if (c->last_uid >= G_MAXUINT32)
		return KENCHI_OK;
	st = uid_search(c, mailimap_search_key_new_uid(mailimap_set_new_interval((uint32_t)c->last_uid + 1, 0)),
	    (guint32)c->last_uid, &uids);
	if (st != KENCHI_OK)
		return st;
	if (uids->len)
		say(c, KENCHI_IMAP_LOG_DEBUG, "%u new message(s) after uid %" G_GINT64_FORMAT, uids->len, c->last_uid);
	/* The first fetch has nothing to overlap with, nor the last delivery:
	 * batches start small and double up to `batch`, so that storing
	 * begins after 64 messages rather than after a full batch. */
	for (i = 0, want = MIN(64u, (guint)c->a->batch); i < uids->len && st == KENCHI_OK && !stopped(stop);
	     i += n, want = MIN(want * 2, (guint)c->a->batch)) {
		n = MIN(want, uids->len - i);
		st = fetch_batch(c, &g_array_index(uids, guint32, i), n, &next);
		/* The batch before is committed (or not) before this one is
		 * handed over: positions move in order. */
		st2 = cur ? wait_batch(c, cur) : KENCHI_OK;
		if (st == KENCHI_OK)
			st = st2;
		if (st == KENCHI_OK)
			next->thread = g_thread_try_new("imap-store", deliver_thread, next, NULL);
		else
			g_clear_pointer(&next, batch_free);
		/* A committed batch is marked even when what follows failed. */
		if (cur) {
			st2 = cur->st == KENCHI_OK ? mark_batch(c, cur) : (batch_free(cur), KENCHI_OK);
			if (st == KENCHI_OK)
				st = st2;
		}
		cur = next;
		next = NULL;
	}
	/* SIGTERM, or a failure: finish the batch in hand. */
	if (cur) {
		st2 = wait_batch(c, cur);
		if (st2 == KENCHI_OK)
			st2 = mark_batch(c, cur);
		else
			batch_free(cur);
		if (st == KENCHI_OK)
			st = st2;
	}
	g_array_unref(uids);
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
		return classify(c, r, "IDLE");
	c->stats.idles++;
	say(c, KENCHI_IMAP_LOG_DEBUG, "idling (up to %ds)", c->a->idle_max_s);
	/* libetpan may already hold the server's "* n EXISTS" in its buffer,
	 * read together with "+ idling": poll() would not see it. */
	if (c->imap->imap_stream->read_buffer_len == 0 && !stopped(stop)) {
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
		return classify(c, r, "IDLE DONE");
	return KENCHI_OK;
}

/* One connection, from CONNECT until DONE or a failure. */
static kenchi_status_t
session(kenchi_imap_t *c, volatile gint *stop, gboolean once, guint *failures)
{
	imap_state_t s = ST_CONNECT;
	kenchi_status_t st = KENCHI_OK;

	while (st == KENCHI_OK && s != ST_DONE) {
		if (stopped(stop))
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
				say(c, *failures ? KENCHI_IMAP_LOG_INFO : KENCHI_IMAP_LOG_DEBUG,
				    "connected host=%s port=%d tls=%s mailbox=%s uidvalidity=%" G_GINT64_FORMAT
				    " last_uid=%" G_GINT64_FORMAT " idle=%d move=%d uidplus=%d",
				    c->a->host, c->a->port, kenchi_imap_tls_to_string(c->a->tls), c->a->mailbox,
				    c->uidvalidity, c->last_uid, c->has_idle, c->has_move, c->has_uidplus);
				*failures = 0;
			}
			s = ST_SYNC;
			break;
		case ST_SYNC:
			st = st_sync(c, stop);
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
	return c;
}

void
kenchi_imap_free(kenchi_imap_t *c)
{
	if (c == NULL)
		return;
	disconnect(c);
	close(c->wake[0]);
	close(c->wake[1]);
	g_free(c);
}

void
kenchi_imap_wake(kenchi_imap_t *c)
{
	int saved = errno;   /* may run in a signal handler */
	ssize_t r;

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
		if (stopped(stop))
			return KENCHI_OK;
		if (once)
			return st;
		if (!kenchi_status_is_temporary(st) && st != KENCHI_OK)
			return st;   /* FINAL, CONFIG...: a person must act */
		failures++;
		ms = backoff_ms(failures);
		say(c, KENCHI_IMAP_LOG_WARN, "reconnecting in %d.%01ds (attempt %u, %s)", ms / 1000, (ms % 1000) / 100,
		    failures, kenchi_status_to_string(st));
		wait_wake(c, ms);
	}
}
