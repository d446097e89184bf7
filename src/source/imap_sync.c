/* imap_sync.c: the SYNC state of the IMAP source (see imap.c): UID FETCH
 * in batches, each handed to the caller's deliver() on a thread of its own
 * while the next is fetched, and marked (moved or flagged) only after its
 * commit. */
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "source/imap_int.h"
#include "util/clock.h"

/* After the commit: move to the processed folder (MOVE, else UID COPY +
 * \Deleted + UID EXPUNGE, which touches only these UIDs), or flag. */
kenchi_status_t
kenchi_imap_mark_done(kenchi_imap_t *c, const guint32 *uids, guint n)
{
	struct mailimap_set *set = kenchi_imap_uid_set(uids, n);
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *sf;
	gboolean flag_only = c->a->processed == NULL;
	kenchi_status_t st = KENCHI_OK;
	int r = MAILIMAP_NO_ERROR;
	const char *what = "UID STORE";

	if (set == NULL)
		return KENCHI_TEMP;
	if (c->broken) {
		/* A FETCH after them timed out or broke: a MOVE on that
		 * connection waited out one more I/O timeout (round 41b F9:
		 * 60 s).  The next connection's recover step marks them. */
		mailimap_set_free(set);
		c->unmarked = TRUE;
		return KENCHI_OK;
	}
	if (!flag_only && c->has_move) {
		what = "UID MOVE";
		r = mailimap_uid_move(c->imap, set, c->a->processed);
		goto done;
	}
	if (!flag_only && !c->has_uidplus) {
		/* A plain EXPUNGE would also remove other clients' \Deleted mail. */
		if (!c->warned_no_uidplus)
			kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "the server has neither MOVE nor UIDPLUS: flagging instead of moving");
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
		st = kenchi_imap_classify(c, r, what);
		/* The messages are committed: a refused STORE/MOVE (the
		 * processed folder gone, a UID another client expunged) is not
		 * worth a reconnect loop; "recover" retries at the next SYNC,
		 * and --once ends 75 (round 35b: it ended 0, and the daemon left
		 * them until its next connection). */
		if (st == KENCHI_WAIT) {
			c->unmarked = TRUE;
			st = KENCHI_OK;
		}
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
	gint64 pos;              /* the position its commit records: TOP, or below a held UID */
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
	struct mailimap_set *set = kenchi_imap_uid_set(uids, n);
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
	c->held.tail_len = 0;
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	c->fetch_error = r;
	if (r != MAILIMAP_NO_ERROR)
		return kenchi_imap_classify(c, r, "UID FETCH");
	c->stats.fetch_commands++;
	b = g_new0(batch_t, 1);
	b->c = c;
	b->uids = uids;
	b->n = n;
	b->top = uids[n - 1];
	b->pos = MAX(kenchi_imap_held_cap(c, uids[0], uids[n - 1]), c->last_uid);
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

	b->st = c->ops->deliver(c->user, c->a->source, c->uidvalidity, b->pos, (kenchi_imap_msg_t *)b->msgs->data,
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
		c->last_uid = MAX(c->last_uid, b->pos);
		c->stats.fetched += b->msgs->len;
		kenchi_imap_say(c, KENCHI_IMAP_LOG_DEBUG, "committed %u message(s) up to uid %" G_GINT64_FORMAT, b->msgs->len, b->top);
		kenchi_imap_held_done(c, b->uids, b->n);
	} else
		kenchi_imap_say(c, KENCHI_IMAP_LOG_WARN, "deliver failed (%s): %u message(s) stay unmarked for the next try",
		    kenchi_status_to_string(b->st), b->msgs->len);
	return b->st;
}

/* Mark B's messages (they are committed) and free B. */
static kenchi_status_t
mark_batch(kenchi_imap_t *c, batch_t *b)
{
	kenchi_status_t st = kenchi_imap_mark_done(c, b->uids, b->n);

	batch_free(b);
	return st;
}

/* libetpan keeps its read and response buffers at the largest size they
 * reached (a whole FETCH response), and glibc keeps the freed batches in
 * each thread's arena: after a 10,000-message backlog the daemon sat at
 * 31 MB instead of the 21 MB of steady load.  Give both back. */
static void
shrink(MMAPString **s)
{
	MMAPString *fresh;

	if (*s == NULL || (*s)->allocated_len <= 64 * 1024 || (fresh = mmap_string_sized_new(4096)) == NULL)
		return;
	mmap_string_free(*s);
	*s = fresh;
}

static void
release_memory(kenchi_imap_t *c)
{
	if (c->imap) {
		shrink(&c->imap->imap_stream_buffer);
		shrink(&c->imap->imap_response_buffer);
	}
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* A batch holds at most this many bytes of mail (but at least one
 * message): `batch` counts messages, and 24 alerts of 30 MB each took the
 * daemon to 775 MB (round 35b); a backlog of large ones at batch = 500
 * could not be fetched at all. */
#define BATCH_BYTES (32u << 20)

/* RFC822.SIZE of every message above the position, by UID: what each
 * batch will weigh.  NULL when the server does not say (batches are then
 * only counted). */
static GHashTable *
fetch_sizes(kenchi_imap_t *c)
{
	struct mailimap_set *set = mailimap_set_new_interval((uint32_t)c->last_uid + 1, 0);
	struct mailimap_fetch_type *ft;
	GHashTable *sizes = NULL;
	clist *res = NULL;
	clistiter *it, *jt;
	int r;

	if (set == NULL)
		return NULL;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	c->fetch_error = r;
	if (r != MAILIMAP_NO_ERROR)
		return NULL;
	sizes = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		guint32 uid = 0, size = 0;
		for (jt = clist_begin(ma->att_list); jt; jt = clist_next(jt)) {
			struct mailimap_msg_att_item *item = clist_content(jt);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
				uid = item->att_data.att_static->att_data.att_uid;
			else if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
				size = item->att_data.att_static->att_data.att_rfc822_size;
		}
		if (uid)
			g_hash_table_insert(sizes, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(size));
	}
	mailimap_fetch_list_free(res);
	return sizes;
}

/* At most N of UIDS, and no more than BATCH_BYTES of them but the first. */
static guint
weigh(GHashTable *sizes, const guint32 *uids, guint n)
{
	guint64 sum = 0;
	guint k;

	if (sizes == NULL)
		return n;
	for (k = 0; k < n; k++) {
		sum += GPOINTER_TO_UINT(g_hash_table_lookup(sizes, GUINT_TO_POINTER(uids[k])));
		if (k > 0 && sum > BATCH_BYTES)
			break;
	}
	return k;
}

/* SYNC: what is new is every UID above the committed one; fetch it in
 * batches of `batch` UIDs (one round trip each).  The server and kenchi
 * work at once: batch N+1 is fetched while batch N is stored, and batch N
 * is moved while batch N+1 is stored. */
kenchi_status_t
kenchi_imap_sync(kenchi_imap_t *c, volatile gint *stop)
{
	GArray *uids = NULL;
	GHashTable *sizes = NULL;
	gboolean heavy = FALSE;
	struct mailimap_search_key *key;
	batch_t *cur = NULL, *next = NULL;
	kenchi_status_t st, st2;
	guint i, n, w, want;

	if (c->unmarked) {
		/* The processed folder may be gone: made again, then the
		 * committed messages marked. */
		c->unmarked = FALSE;
		if (c->a->processed)
			(void)mailimap_create(c->imap, c->a->processed);
		if ((st = kenchi_imap_recover(c)) != KENCHI_OK)
			return st;
	}
	if (c->last_uid >= G_MAXUINT32)
		return KENCHI_OK;
	key = mailimap_search_key_new_uid(mailimap_set_new_interval((uint32_t)c->last_uid + 1, 0));
	if (c->a->processed == NULL && c->held.uids->len) {
		/* Above a message held back (imap_held.c), flagged means
		 * committed after it.  Only then: a database restored from a
		 * backup must fetch again what it lost, flagged or not. */
		struct mailimap_search_key *k = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(k, key);
		mailimap_search_key_multiple_add(k, mailimap_search_key_new_unkeyword(g_strdup(c->a->flag)));
		key = k;
	}
	st = kenchi_imap_uid_search(c, key, (guint32)c->last_uid, &uids);
	if (st != KENCHI_OK)
		return st;
	kenchi_imap_held_filter(c, uids, kenchi_now());
	if (uids->len)
		kenchi_imap_say(c, KENCHI_IMAP_LOG_DEBUG, "%u new message(s) after uid %" G_GINT64_FORMAT, uids->len, c->last_uid);
	/* The sizes are asked of every new message at once: not while one of
	 * them is suspect.  Dovecot closes the connection on a file it cannot
	 * open when it reads its size as well, and every try died there
	 * before the one-at-a-time fetch could find it (daemon round rd1 F1:
	 * the account stalled for good). */
	if (uids->len > 1 && !c->held.lo && !c->held.bad && c->held.uids->len == 0) {
		sizes = fetch_sizes(c);
		if (sizes == NULL && c->fetch_error != MAILIMAP_NO_ERROR && c->fetch_error != MAILIMAP_ERROR_UID_FETCH) {
			/* The connection is gone with it: the next try fetches
			 * one at a time, without the sizes. */
			st = kenchi_imap_classify(c, c->fetch_error, "UID FETCH RFC822.SIZE");
			kenchi_imap_held_failed(c, &g_array_index(uids, guint32, 0), uids->len, c->fetch_error, kenchi_now());
			g_array_unref(uids);
			return st == KENCHI_OK ? KENCHI_TEMP : st;
		}
	}
	/* The first fetch has nothing to overlap with, nor the last delivery:
	 * batches start small and double up to `batch`, so that storing
	 * begins after 64 messages rather than after a full batch. */
	for (i = 0, want = MIN(64u, (guint)c->a->batch); i < uids->len && st == KENCHI_OK && !kenchi_imap_stopped(stop);
	     i += n, want = MIN(want * 2, (guint)c->a->batch)) {
		n = kenchi_imap_held_batch(c, &g_array_index(uids, guint32, i), uids->len - i, want);
		w = weigh(sizes, &g_array_index(uids, guint32, i), n);
		heavy |= w < n;
		n = w;
		st = fetch_batch(c, &g_array_index(uids, guint32, i), n, &next);
		/* The batch before is committed (or not) before this one is
		 * handed over: positions move in order. */
		st2 = cur ? wait_batch(c, cur) : KENCHI_OK;
		/* A FETCH a stop's signal ended says nothing of its messages
		 * (round 41b F5: the next run fetched them one at a time). */
		if (st != KENCHI_OK && !g_atomic_int_get(&c->stopping))
			kenchi_imap_held_failed(c, &g_array_index(uids, guint32, i), n, c->fetch_error,
			    kenchi_now());
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
	/* A backlog is over: the next messages come one at a time. */
	if (uids->len > (guint)c->a->batch || heavy)
		release_memory(c);
	if (sizes)
		g_hash_table_unref(sizes);
	g_array_unref(uids);
	return st;
}
