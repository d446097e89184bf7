/* outbox.c: the sender.  Rows are copied out of the query first (the SMTP
 * session must not hold a read cursor open), sent in one session, then
 * marked in one transaction. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>
#include "report/outbox.h"
#include "report/report_int.h"
#include "report/smtp.h"
#include "util/secret.h"
#include "parse/normalize.h"

#define BACKOFF_BASE 30
#define BACKOFF_CAP 1800
/* Messages per SMTP session.  Rows are marked after the session, so a
 * crash during one may send up to this many again (same Message-IDs). */
#define FLUSH_BATCH 50
/* A claim older than this belongs to a sender that died. */
#define CLAIM_STALE_S 600

gint64
kenchi_outbox_backoff(int attempts)
{
	gint64 d = BACKOFF_BASE;
	int i;

	for (i = 1; i < attempts && d < BACKOFF_CAP; i++)
		d *= 2;
	if (d > BACKOFF_CAP)
		d = BACKOFF_CAP;
	/* +-20% jitter, so that rows that failed together do not retry together. */
	return d * 8 / 10 + g_random_int_range(0, (gint32)(d * 4 / 10) + 1);
}

typedef struct {
	gint64 id;
	char *kind;
	gint64 case_id;
	char *message_id;
	char *env_from;
	char **rcpts;
	GBytes *raw;
	int attempts;
	char *subject;
	gboolean skip;       /* not claimed: left for the next round */
} pending_t;

static void
pending_clear(pending_t *p)
{
	g_free(p->kind);
	g_free(p->message_id);
	g_free(p->env_from);
	g_strfreev(p->rcpts);
	if (p->raw)
		g_bytes_unref(p->raw);
	g_free(p->subject);
}

static gboolean
take_row(const kenchi_outbox_row_t *r, gpointer user)
{
	GArray *a = user;
	pending_t p = { 0 };
	char **lines;
	GPtrArray *rc;

	p.id = r->id;
	p.kind = g_strdup(r->kind);
	p.case_id = r->case_id;
	p.message_id = g_strdup(r->message_id);
	p.env_from = g_strdup(r->env_from);
	p.raw = g_bytes_new(r->raw, r->raw_len);
	p.attempts = r->attempts;
	p.subject = g_strdup(r->subject);
	lines = g_strsplit(r->rcpts ? r->rcpts : "", "\n", -1);
	rc = g_ptr_array_new();
	for (char **l = lines; *l; l++)
		if (**l)
			g_ptr_array_add(rc, g_strdup(*l));
	g_ptr_array_add(rc, NULL);
	p.rcpts = (char **)g_ptr_array_free(rc, FALSE);
	g_strfreev(lines);
	g_array_append_val(a, p);
	return a->len < FLUSH_BATCH;
}

typedef struct {
	gint64 id, arrival, due;
	char *customer, *host, *priority;
} late_t;

static gboolean
take_late(const kenchi_case_row_t *c, gpointer user)
{
	GArray *a = user;
	late_t l = { c->id, c->arrival, c->first_report_due, g_strdup(c->customer),
		     g_strdup(c->hostname ? c->hostname : c->host_key), g_strdup(c->priority) };

	g_array_append_val(a, l);
	return TRUE;
}

/* The SLA guard: alert the analysts once per case whose first report is not
 * out sla_warning after the alert arrived. */
static kenchi_status_t
sla_guard(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_store_t *st, gint64 now, int *alerts)
{
	GArray *late;
	kenchi_status_t rc;
	guint i;

	/* No one to alert: no case is marked alerted (round 47: `due` then
	 * showed LATE, and no mail had gone). */
	if (cfg->analysts == NULL || cfg->analysts[0] == NULL)
		return KENCHI_OK;
	late = g_array_new(FALSE, FALSE, sizeof(late_t));
	rc = kenchi_store_begin(st);
	if (rc == KENCHI_OK)
		rc = kenchi_store_cases_sla_late(st, now - cfg->sla_warn_s, take_late, late);
	for (i = 0; i < late->len && rc == KENCHI_OK; i++) {
		late_t *l = &g_array_index(late, late_t, i);
		char *due = kenchi_format_date(l->due);
		char *subject = g_strdup_printf("[kenchi #%" G_GINT64_FORMAT "] SLA: first report for %s not sent yet (due %s)",
		    l->id, l->customer, due ? due : "?");
		char *body = g_strdup_printf("The first report of case %" G_GINT64_FORMAT " (%s, %s, priority %s) has not"
		    " been sent %d minutes after the alert arrived.\nIt is due at %s.\n\nSee `kenchi due` and"
		    " `kenchi outbox`.\n", l->id, l->customer, l->host, l->priority, (int)((now - l->arrival) / 60),
		    due ? due : "?");

		rc = kenchi_report_queue_alert(rx, st, l->id, subject, body, now);
		if (rc == KENCHI_OK)
			rc = kenchi_store_case_set_sla_alerted(st, l->id);
		if (rc == KENCHI_OK)
			(*alerts)++;
		g_free(subject);
		g_free(body);
		g_free(due);
	}
	if (rc == KENCHI_OK)
		rc = kenchi_store_commit(st);
	else
		kenchi_store_rollback(st);
	for (i = 0; i < late->len; i++) {
		late_t *l = &g_array_index(late, late_t, i);
		g_free(l->customer);
		g_free(l->host);
		g_free(l->priority);
	}
	g_array_unref(late);
	return rc;
}

/* The Date header of P's bytes is the time it goes to SMTP, NOW: a report
 * held and released hours later kept the time it was queued, and read as
 * sent within the hour (report round rp1 F8).  The rest of the mail, its
 * Message-ID too, is as queued.  FALSE: it has no Date header. */
static gboolean
restamp_date(pending_t *p, gint64 now)
{
	gsize len;
	const char *raw = g_bytes_get_data(p->raw, &len), *end, *d = NULL, *e, *l;
	GDateTime *dt;
	char *date;
	GString *out;

	if (raw == NULL || (end = g_strstr_len(raw, (gssize)len, "\n\r\n")) == NULL)
		end = g_strstr_len(raw, (gssize)len, "\n\n");
	if (end == NULL)
		return FALSE;
	for (l = raw; l && l < end; l = memchr(l, '\n', (gsize)(end - l)), l = l ? l + 1 : NULL)
		if (g_ascii_strncasecmp(l, "Date:", 5) == 0) {
			d = l;
			break;
		}
	if (d == NULL || (dt = g_date_time_new_from_unix_local(now)) == NULL)
		return FALSE;
	/* the header's line and its folded continuations */
	for (e = memchr(d, '\n', (gsize)(end + 1 - d)); e && e < end && (e[1] == ' ' || e[1] == '\t');
	     e = memchr(e + 1, '\n', (gsize)(end + 1 - e - 1)))
		;
	if (e == NULL)
		e = end;
	date = g_mime_utils_header_format_date(dt);
	g_date_time_unref(dt);
	out = g_string_sized_new(len + 16);
	g_string_append_len(out, raw, d - raw);
	g_string_append_printf(out, "Date: %s%s", date, e > d && e[-1] == '\r' ? "\r" : "");
	g_string_append_len(out, e, (gssize)(raw + len - e));
	g_free(date);
	g_bytes_unref(p->raw);
	p->raw = g_string_free_to_bytes(out);
	return TRUE;
}

/* A case's second report never goes before its first (reply round rr1
 * F5): while the first is not out - pending behind its hold or a retry,
 * held, failed for good - the second waits, a minute at a time so that
 * it does not take a batch's place, with the reason in its last_error.
 * A first report withdrawn (the case suppressed) or never queued does not
 * hold it. */
#define SECOND_WAIT_S 60

static kenchi_status_t
wait_for_first(kenchi_store_t *st, pending_t *p, gint64 now)
{
	kenchi_report_row_t first = { 0 };
	kenchi_status_t rc;

	if (strcmp(p->kind, "second_report") != 0 || p->case_id == 0)
		return KENCHI_OK;
	rc = kenchi_report_first_row(st, p->case_id, &first, NULL);
	if (rc == KENCHI_OK && first.found && strcmp(first.state, "sent") != 0 && strcmp(first.state, "withdrawn") != 0) {
		char *why = g_strdup_printf("waiting for the case's first report (outbox %" G_GINT64_FORMAT ", %s) to go first",
		    first.id, first.state);

		rc = kenchi_store_outbox_mark(st, p->id, "pending", p->attempts, now + SECOND_WAIT_S, why, 0);
		p->skip = TRUE;
		g_free(why);
	}
	kenchi_report_row_clear(&first);
	return rc == KENCHI_NOT_FOUND ? KENCHI_OK : rc;
}

/* One SMTP session: take up to FLUSH_BATCH ready rows (ROWS is emptied
 * first and left holding them), claim them, send, mark. */
static kenchi_status_t
flush_batch(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_store_t *st, gint64 now, gboolean all,
	    const char *password, kenchi_flush_stats_t *stats, GArray *rows)
{
	kenchi_outbox_filter_t f = { .ready_only = TRUE, .now = all ? G_MAXINT64 : now };
	kenchi_smtp_config_t sc = { 0 };
	kenchi_smtp_msg_t *msgs = NULL;
	kenchi_status_t rc;
	guint i, n = 0;

	for (i = 0; i < rows->len; i++)
		pending_clear(&g_array_index(rows, pending_t, i));
	g_array_set_size(rows, 0);
	rc = kenchi_store_outbox_each(st, &f, take_row, rows);
	if (rc != KENCHI_OK || rows->len == 0)
		return rc;
	/* Claim them: a case that arrives now opens a new report instead of
	 * joining one that is already on its way. */
	rc = kenchi_store_begin(st);
	for (i = 0; i < rows->len && rc == KENCHI_OK; i++) {
		pending_t *p = &g_array_index(rows, pending_t, i);
		if ((rc = wait_for_first(st, p, now)) != KENCHI_OK || p->skip)
			continue;
		rc = kenchi_store_outbox_claim(st, p->id, now);
		if (rc == KENCHI_NOT_FOUND) {
			p->skip = TRUE;     /* rewritten or taken meanwhile: next round */
			rc = KENCHI_OK;
		}
	}
	if (rc == KENCHI_OK)
		rc = kenchi_store_commit(st);
	if (rc != KENCHI_OK) {
		kenchi_store_rollback(st);
		return rc;
	}
	/* The claimed rows' bytes are final now: read them again, dated now,
	 * and kept so: the row holds the bytes that go out. */
	rc = kenchi_store_begin(st);
	for (i = 0; i < rows->len && rc == KENCHI_OK; i++) {
		pending_t *p = &g_array_index(rows, pending_t, i);
		kenchi_outbox_filter_t one = { .id = p->id, .with_raw = TRUE };
		GArray *fresh = g_array_new(FALSE, TRUE, sizeof(pending_t));
		if (p->skip) {
			g_array_unref(fresh);
			continue;
		}
		rc = kenchi_store_outbox_each(st, &one, take_row, fresh);
		if (rc == KENCHI_OK && fresh->len == 1) {
			pending_clear(p);
			*p = g_array_index(fresh, pending_t, 0);
			n++;
			if (restamp_date(p, now)) {
				gsize len;
				const void *raw = g_bytes_get_data(p->raw, &len);

				if ((rc = kenchi_store_outbox_set_raw(st, p->id, raw, len)) == KENCHI_NOT_FOUND)
					rc = KENCHI_OK;
			}
		} else {
			for (guint k = 0; k < fresh->len; k++)
				pending_clear(&g_array_index(fresh, pending_t, k));
			p->skip = TRUE;
		}
		g_array_unref(fresh);
	}
	if (rc == KENCHI_OK)
		rc = kenchi_store_commit(st);
	if (rc != KENCHI_OK) {
		kenchi_store_rollback(st);
		return rc;
	}
	if (n == 0)
		return KENCHI_OK;

	sc.host = cfg->smtp_host;
	sc.port = cfg->smtp_port;
	sc.tls = cfg->smtp_tls;
	sc.user = cfg->smtp_user;
	sc.password = password;
	sc.helo = cfg->smtp_helo;
	sc.timeout_s = 60;
	msgs = g_new0(kenchi_smtp_msg_t, n);
	for (i = 0, n = 0; i < rows->len; i++) {
		pending_t *p = &g_array_index(rows, pending_t, i);
		gsize len;
		if (p->skip)
			continue;
		msgs[n].envelope_from = p->env_from;
		msgs[n].rcpts = (const char *const *)p->rcpts;
		msgs[n].data = g_bytes_get_data(p->raw, &len);
		msgs[n].len = len;
		n++;
	}
	stats->session = kenchi_smtp_send(&sc, msgs, n);

	rc = kenchi_store_begin(st);
	for (i = 0, n = 0; i < rows->len && rc == KENCHI_OK; i++) {
		pending_t *p = &g_array_index(rows, pending_t, i);
		kenchi_smtp_msg_t *m;
		char *why;

		if (p->skip)
			continue;
		m = &msgs[n++];
		why = m->detail ? g_strdup(m->detail) : g_strdup_printf("SMTP %d", m->smtp_code);
		if (stats->session == KENCHI_CONFIG || m->status == KENCHI_CONFIG) {
			/* Our configuration is wrong, not the mail: back to pending
			 * untouched, for after the fix. */
			rc = kenchi_store_outbox_mark(st, p->id, "pending", p->attempts, now, why, 0);
		} else if (m->status == KENCHI_OK) {
			/* Sent, but some recipients refused it (DETAIL says which):
			 * kept on the row, and the analysts told - a report that
			 * reached the Cc but not the customer's report_to was
			 * "sent" unseen (round 38a).  Not resent: the others have
			 * it. */
			rc = kenchi_store_outbox_mark(st, p->id, "sent", p->attempts + 1, now, m->detail, now);
			stats->sent++;
			if (rc == KENCHI_OK && m->detail && rx && strcmp(p->kind, "notice") != 0 &&
			    strcmp(p->kind, "alert") != 0) {
				char *subject = g_strdup_printf("[kenchi #%" G_GINT64_FORMAT "] delivery partly refused: outbox %"
				    G_GINT64_FORMAT, p->case_id, p->id);
				char *body = g_strdup_printf("The %s of case %" G_GINT64_FORMAT " (outbox row %" G_GINT64_FORMAT
				    ", Message-ID <%s>) was delivered, but some recipients refused it:\n\n  %s\n\nThe "
				    "others have it.  Fix the address and send it to the refused ones by hand.\n",
				    p->kind, p->case_id, p->id, p->message_id, m->detail);
				rc = kenchi_report_queue_alert(rx, st, p->case_id, subject, body, now);
				g_free(subject);
				g_free(body);
			}
		} else if (kenchi_status_is_temporary(m->status)) {
			rc = kenchi_store_outbox_mark(st, p->id, "pending", p->attempts + 1,
			    now + kenchi_outbox_backoff(p->attempts + 1), why, 0);
			stats->temp_failed++;
		} else {
			rc = kenchi_store_outbox_mark(st, p->id, "failed", p->attempts + 1, now, why, 0);
			stats->failed++;
			/* Tell the analysts, unless the failed mail was for them. */
			if (rc == KENCHI_OK && rx && strcmp(p->kind, "notice") != 0 && strcmp(p->kind, "alert") != 0) {
				char *subject = g_strdup_printf("[kenchi #%" G_GINT64_FORMAT "] delivery failed: outbox %" G_GINT64_FORMAT,
				    p->case_id, p->id);
				/* A first report goes to the fixed address with
				 * --readdress; a plain retry keeps the refused one
				 * (round 41b); a second report is sent again. */
				gboolean first = strcmp(p->kind, "first_report") == 0;
				char *body = g_strdup_printf("The %s of case %" G_GINT64_FORMAT " (outbox row %" G_GINT64_FORMAT
				    ", Message-ID <%s>) was refused:\n\n  %s\n\n%s%" G_GINT64_FORMAT "%s\n", p->kind, p->case_id,
				    p->id, p->message_id, why,
				    first ? "Fix the address in the configuration, then `kenchi outbox retry --readdress " :
				    "Fix the address, then send it again (`send: second-report`), or `kenchi outbox retry ",
				    p->id, first ? "`." : "` for the same address.");
				rc = kenchi_report_queue_alert(rx, st, p->case_id, subject, body, now);
				g_free(subject);
				g_free(body);
			}
		}
		if (m->status != KENCHI_OK) {
			g_free(stats->detail);
			stats->detail = g_strdup(why);
		}
		g_free(why);
	}
	if (rc == KENCHI_OK)
		rc = kenchi_store_commit(st);
	else
		kenchi_store_rollback(st);
	for (i = 0; i < n; i++)
		kenchi_smtp_msg_clear(&msgs[i]);
	g_free(msgs);
	if (rc == KENCHI_OK && stats->session == KENCHI_CONFIG)
		rc = KENCHI_CONFIG;
	return rc;
}

static gboolean
take_claim(const kenchi_outbox_row_t *r, gpointer user)
{
	int pid = 0;

	if (r->last_error && sscanf(r->last_error, "claimed by pid %d", &pid) == 1 && pid > 0 &&
	    kill(pid, 0) != 0 && errno == ESRCH)
		g_array_append_val((GArray *)user, r->id);
	return TRUE;
}

/* Rows claimed by a sender that is gone (killed mid-session): pending
 * again, to go out with the same Message-ID. */
static kenchi_status_t
release_dead_claims(kenchi_store_t *st, gint64 now)
{
	kenchi_outbox_filter_t f = { .state = "sending" };
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	kenchi_status_t rc = kenchi_store_outbox_each(st, &f, take_claim, ids);

	for (guint i = 0; i < ids->len && rc == KENCHI_OK; i++)
		rc = kenchi_store_outbox_mark(st, g_array_index(ids, gint64, i), "pending", 0, now,
		    "its sender died during the SMTP session: sending again", 0);
	g_array_unref(ids);
	return rc;
}

kenchi_status_t
kenchi_outbox_flush(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_store_t *st, gint64 now, gboolean all,
		    kenchi_flush_stats_t *stats)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(pending_t));
	kenchi_status_t rc;
	char *password = NULL, *err = NULL;
	guint i;

	memset(stats, 0, sizeof *stats);
	/* The SLA guard first, so that its alerts go out in this session. */
	if (rx && cfg->sla_warn_s > 0) {
		rc = sla_guard(cfg, rx, st, now, &stats->sla_alerts);
		if (rc != KENCHI_OK)
			goto done;
	}
	if ((rc = release_dead_claims(st, now)) != KENCHI_OK ||
	    (rc = kenchi_store_outbox_unclaim_stale(st, now - CLAIM_STALE_S)) != KENCHI_OK)
		goto done;
	if (cfg->smtp_password_file) {
		rc = kenchi_read_secret_file(cfg->smtp_password_file, &password, &err);
		if (rc != KENCHI_OK) {
			stats->detail = err;
			goto done;
		}
	}
	/* One session per batch, while batches are full and go through. */
	for (;;) {
		int sent_before = stats->sent;
		rc = flush_batch(cfg, rx, st, now, all, password, stats, rows);
		if (rc != KENCHI_OK || rows->len < FLUSH_BATCH || stats->session != KENCHI_OK ||
		    stats->sent == sent_before)
			break;
	}
done:
	for (i = 0; i < rows->len; i++)
		pending_clear(&g_array_index(rows, pending_t, i));
	g_array_unref(rows);
	if (password) {
		memset(password, 0, strlen(password));
		g_free(password);
	}
	return rc;
}
