/* imap_held.c: messages the server cannot send.  Dovecot answers a UID
 * FETCH that reaches a mail file it cannot open with "* BYE FETCH failed"
 * and drops the connection; every retry fetched the same batch and died
 * the same way, so one such file stopped its whole account (round 35b).
 *
 * A batch whose FETCH failed becomes suspect: its UIDs are fetched one at
 * a time, so that the good ones before and after the bad one are stored.
 * A UID whose FETCH alone the server refuses twice in a row is held:
 * left in the mailbox, unstored and unmarked, and tried again after
 * HOLD_S, after the rest of what is new (its failure may drop the
 * connection).  A network cut is not the server refusing.  The
 * committed position stays below the lowest held UID, so "recover" never
 * marks it; the messages after it are committed and marked (the search
 * for new mail skips what is marked: moved away, or flagged).
 *
 * The state is kept in the caller's store between runs (ops->held), so
 * that successive `imap --once` runs get past the bad message as the
 * daemon does.  It means nothing once UIDVALIDITY changes. */
#include <stdlib.h>
#include <string.h>
#include "source/imap_int.h"

#define HOLD_S (10 * 60)      /* a held message is tried again after ten minutes */
#define HOLD_TRIES 2          /* failures of a UID fetched alone before it is held */
#define HOLD_MAX 16           /* past this, the server fails on everything: no more holding */

typedef struct {
	guint32 uid;
	gint64 until;             /* not fetched again before */
} held_uid_t;

void
kenchi_imap_held_clear(kenchi_imap_held_t *h)
{
	h->lo = h->hi = h->bad = 0;
	h->tries = 0;
	if (h->uids)
		g_array_set_size(h->uids, 0);
	else
		h->uids = g_array_new(FALSE, FALSE, sizeof(held_uid_t));
}

void
kenchi_imap_held_free(kenchi_imap_held_t *h)
{
	if (h->uids)
		g_array_unref(h->uids);
	h->uids = NULL;
}

/* "UIDVALIDITY LO HI BAD TRIES UID:UNTIL,...": a line in the store. */
static void
save(kenchi_imap_t *c)
{
	kenchi_imap_held_t *h = &c->held;
	GString *s = g_string_new(NULL);

	if (h->lo || h->bad || h->uids->len) {
		g_string_printf(s, "%" G_GINT64_FORMAT " %u %u %u %u ", c->uidvalidity, h->lo, h->hi, h->bad, h->tries);
		for (guint i = 0; i < h->uids->len; i++) {
			held_uid_t *u = &g_array_index(h->uids, held_uid_t, i);
			g_string_append_printf(s, "%s%u:%" G_GINT64_FORMAT, i ? "," : "", u->uid, u->until);
		}
	}
	/* Advisory: losing it costs finding the bad message again. */
	if (c->ops->held_set(c->user, c->a->source, s->str) != KENCHI_OK)
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "cannot record the messages held back");
	g_string_free(s, TRUE);
}

void
kenchi_imap_held_load(kenchi_imap_t *c)
{
	kenchi_imap_held_t *h = &c->held;
	char *text = NULL, **parts, **p;
	gint64 uv = 0;
	guint lo = 0, hi = 0, bad = 0, tries = 0;
	int used = 0;

	kenchi_imap_held_clear(h);
	if (c->ops->held_get(c->user, c->a->source, &text) != KENCHI_OK || text == NULL || *text == '\0') {
		g_free(text);
		return;
	}
	if (sscanf(text, "%" G_GINT64_FORMAT " %u %u %u %u %n", &uv, &lo, &hi, &bad, &tries, &used) < 5 ||
	    uv != c->uidvalidity) {
		/* Renumbered: the UIDs held mean other messages now. */
		g_free(text);
		save(c);
		return;
	}
	h->lo = lo, h->hi = hi, h->bad = bad, h->tries = tries;
	parts = g_strsplit(text + used, ",", -1);
	for (p = parts; *p; p++) {
		held_uid_t u;
		char *end;
		u.uid = (guint32)strtoul(*p, &end, 10);
		if (u.uid && *end == ':') {
			u.until = g_ascii_strtoll(end + 1, NULL, 10);
			g_array_append_val(h->uids, u);
		}
	}
	g_strfreev(parts);
	g_free(text);
}

void
kenchi_imap_held_logger(mailimap *imap, int log_type, const char *str, size_t size, void *context)
{
	kenchi_imap_held_t *h = &((kenchi_imap_t *)context)->held;
	gsize keep;

	(void)imap;
	if (log_type != MAILSTREAM_LOG_TYPE_DATA_RECEIVED || size == 0)
		return;
	if (size >= sizeof h->tail) {
		memcpy(h->tail, str + size - sizeof h->tail, sizeof h->tail);
		h->tail_len = sizeof h->tail;
		return;
	}
	keep = MIN(h->tail_len, sizeof h->tail - size);
	memmove(h->tail, h->tail + h->tail_len - keep, keep);
	memcpy(h->tail + keep, str, size);
	h->tail_len = keep + size;
}

/* The server itself refused: a tagged NO or BAD, or a BYE as its last
 * words.  A connection cut by the network is not the message's fault: it
 * does not count towards holding one back (a flaky link would hold good
 * mail). */
static gboolean
server_refused(const kenchi_imap_held_t *h, int r)
{
	char *b;
	gboolean said;

	if (r == MAILIMAP_ERROR_UID_FETCH)
		return TRUE;
	b = kenchi_imap_held_bye(h);
	said = b != NULL;
	g_free(b);
	return said;
}

char *
kenchi_imap_held_bye(const kenchi_imap_held_t *h)
{
	static const char bye[] = "* BYE ";

	for (gsize i = 0; i + sizeof bye - 1 <= h->tail_len; i++)
		if ((i == 0 || h->tail[i - 1] == '\n') && memcmp(h->tail + i, bye, sizeof bye - 1) == 0) {
			const char *s = h->tail + i, *e = s;
			while (e < h->tail + h->tail_len && *e != '\r' && *e != '\n')
				e++;
			return g_strndup(s, e - s);
		}
	return NULL;
}

static held_uid_t *
find(kenchi_imap_held_t *h, guint32 uid)
{
	for (guint i = 0; i < h->uids->len; i++)
		if (g_array_index(h->uids, held_uid_t, i).uid == uid)
			return &g_array_index(h->uids, held_uid_t, i);
	return NULL;
}

static gboolean
sorted_has(GArray *uids, guint32 uid)
{
	guint lo = 0, hi = uids->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		guint32 v = g_array_index(uids, guint32, mid);
		if (v == uid)
			return TRUE;
		if (v < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return FALSE;
}

void
kenchi_imap_held_filter(kenchi_imap_t *c, GArray *uids, gint64 now)
{
	kenchi_imap_held_t *h = &c->held;
	guint i, j, before = h->uids->len;
	GArray *due;

	/* A held message gone from the mailbox (expunged, moved by a person)
	 * is no longer ours to hold. */
	for (i = 0; i < h->uids->len;) {
		if (!sorted_has(uids, g_array_index(h->uids, held_uid_t, i).uid))
			g_array_remove_index(h->uids, i);
		else
			i++;
	}
	if (h->uids->len != before)
		save(c);
	due = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (i = j = 0; i < uids->len; i++) {
		guint32 u = g_array_index(uids, guint32, i);
		held_uid_t *x = find(h, u);
		if (x == NULL)
			g_array_index(uids, guint32, j++) = u;
		else if (x->until <= now)
			g_array_append_val(due, u);
	}
	g_array_set_size(uids, j);
	g_array_append_vals(uids, due->data, due->len);
	g_array_unref(due);
}

/* UID is fetched alone: in a suspect batch, the one that failed, or held. */
static gboolean
alone(const kenchi_imap_held_t *h, guint32 uid)
{
	if ((h->lo && uid >= h->lo && uid <= h->hi) || uid == h->bad)
		return TRUE;
	for (guint i = 0; i < h->uids->len; i++)
		if (g_array_index(h->uids, held_uid_t, i).uid == uid)
			return TRUE;
	return FALSE;
}

guint
kenchi_imap_held_batch(const kenchi_imap_t *c, const guint32 *uids, guint avail, guint want)
{
	const kenchi_imap_held_t *h = &c->held;
	guint n;

	if (alone(h, uids[0]))
		return 1;
	for (n = 1; n < MIN(avail, want); n++)
		if (alone(h, uids[n]))
			break;
	return n;
}

gint64
kenchi_imap_held_cap(const kenchi_imap_t *c, guint32 first, guint32 top)
{
	const kenchi_imap_held_t *h = &c->held;
	gint64 cap = top;

	for (guint i = 0; i < h->uids->len; i++) {
		guint32 u = g_array_index(h->uids, held_uid_t, i).uid;
		/* A held UID is fetched alone: in its own batch it is what
		 * the batch commits, if it comes. */
		if (!(first == top && u == first))
			cap = MIN(cap, (gint64)u - 1);
	}
	return cap;
}

void
kenchi_imap_held_failed(kenchi_imap_t *c, const guint32 *uids, guint n, int r, gint64 now)
{
	kenchi_imap_held_t *h = &c->held;
	held_uid_t *x, u;

	if (n > 1) {
		/* Which of them?  One at a time next, from the start. */
		h->lo = uids[0];
		h->hi = uids[n - 1];
		kenchi_imap_say(c, KENCHI_IMAP_LOG_INFO, "the next try fetches uids %u-%u one at a time", h->lo, h->hi);
		save(c);
		return;
	}
	if ((x = find(h, uids[0])) != NULL) {
		x->until = now + HOLD_S;
		save(c);
		return;
	}
	if (!server_refused(h, r))
		return;
	if (h->bad == uids[0])
		h->tries++;
	else
		h->bad = uids[0], h->tries = 1;
	if (h->tries >= HOLD_TRIES) {
		if (h->uids->len >= HOLD_MAX) {
			/* Not one bad file: the server or its storage is broken.
			 * Holding everything back one by one would only hide it. */
			kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "uid %u cannot be fetched either, and %u message(s) are "
			    "held already: the server is failing, not a message", uids[0], h->uids->len);
			save(c);
			return;
		}
		u.uid = uids[0];
		u.until = now + HOLD_S;
		g_array_append_val(h->uids, u);
		h->bad = 0, h->tries = 0;
		kenchi_imap_say(c, KENCHI_IMAP_LOG_ERR, "uid %u of %s: the server failed %d times to send it: it stays in "
		    "the mailbox, not stored and not marked, and is tried again in %d minutes; the messages after it "
		    "go on (the server's log says why)", u.uid, c->a->mailbox, HOLD_TRIES, HOLD_S / 60);
	}
	save(c);
}

void
kenchi_imap_held_done(kenchi_imap_t *c, const guint32 *uids, guint n)
{
	kenchi_imap_held_t *h = &c->held;
	gboolean changed = FALSE;
	guint32 top = uids[n - 1];

	if (h->lo && top >= h->hi) {
		h->lo = h->hi = 0;
		changed = TRUE;
	}
	if (h->bad && h->bad <= top) {
		h->bad = 0, h->tries = 0;
		changed = TRUE;
	}
	for (guint i = 0; i < h->uids->len; i++) {
		if (g_array_index(h->uids, held_uid_t, i).uid >= uids[0] && g_array_index(h->uids, held_uid_t, i).uid <= top) {
			kenchi_imap_say(c, KENCHI_IMAP_LOG_INFO, "uid %u, held back, is stored now",
			    g_array_index(h->uids, held_uid_t, i).uid);
			g_array_remove_index(h->uids, i--);
			changed = TRUE;
		}
	}
	if (changed)
		save(c);
}
