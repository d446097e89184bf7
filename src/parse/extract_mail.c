/* extract_mail.c: which rule a mail is for (its sender, subject or
 * body), its events (the block reader, extract.c), and what its subject
 * adds; the kind and the reason stored with it. */
#include <string.h>
#include "parse/extract_int.h"
#include "parse/notes.h"

enum { BY_FROM = 1, BY_SUBJECT = 2, BY_BODY = 4, BY_PASTE = 8 };

const char *
kenchi_kind_to_string(kenchi_kind_t k)
{
	switch (k) {
	case KENCHI_KIND_ALERT: return "alert";
	case KENCHI_KIND_NOT_ALERT: return "not_alert";
	default: return "error";
	}
}

void
kenchi_extract_init(kenchi_extract_t *x)
{
	memset(x, 0, sizeof *x);
	x->events = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_event_free);
}

void
kenchi_extract_clear(kenchi_extract_t *x)
{
	g_free(x->reason);
	if (x->events)
		g_ptr_array_unref(x->events);
	memset(x, 0, sizeof *x);
}

static gboolean
any_match(GPtrArray *pats, kenchi_re_match_t *m, const char *s, int *errors)
{
	guint i;

	if (s == NULL)
		return FALSE;
	for (i = 0; i < pats->len; i++) {
		kenchi_re_result_t r = kenchi_re_exec(g_ptr_array_index(pats, i), m, s, strlen(s));
		if (r == KENCHI_RE_MATCH)
			return TRUE;
		if (r == KENCHI_RE_ERROR)
			(*errors)++;
	}
	return FALSE;
}

/* Does one of PATS match the mail's subject, or an attached message's? */
static gboolean
any_subject(GPtrArray *pats, kenchi_re_match_t *m, const kenchi_mail_t *mail, int *errors)
{
	if (any_match(pats, m, mail->subject, errors))
		return TRUE;
	for (guint i = 0; i < mail->alt_subject->len; i++)
		if (any_match(pats, m, g_ptr_array_index(mail->alt_subject, i), errors))
			return TRUE;
	return FALSE;
}

/* The subject's hostname group, when a subject pattern matches.  With
 * OWN, SUBJECT is freed. */
char *
kenchi_subject_hostname(const kenchi_rule_t *r, kenchi_re_match_t *m, const char *subject, gboolean own)
{
	char *host = NULL;
	guint i;

	if (subject == NULL)
		return NULL;
	for (i = 0; i < r->subject->len; i++) {
		kenchi_re_t *re = g_ptr_array_index(r->subject, i);
		int g = kenchi_re_group_index(re, "hostname");
		const char *s;
		size_t n;

		if (g > 0 && kenchi_re_exec(re, m, subject, strlen(subject)) == KENCHI_RE_MATCH &&
		    kenchi_re_group(m, g, subject, &s, &n) && n > 0) {
			host = g_strndup(s, n);
			break;
		}
	}
	if (own)
		g_free((char *)subject);
	return host;
}

/* Does the mail's subject, or an attached message's, promise an event
 * (the rule's alert_subject: a subscription's "[Cisco ... Subscription]
 * [filter] Matching Events Found On ...")?  The rule's looser subject,
 * "[Cisco AMP for Endpoints] ...", is also the cloud's notices'
 * ("Scheduled Maintenance Notification"). */
static gboolean
alert_subject(const kenchi_rule_t *r, kenchi_re_match_t *m, const kenchi_mail_t *mail, int *errors)
{
	return any_subject(r->alert_subject, m, mail, errors);
}

/* Has MAIL no text to read: none, or white space alone? */
static gboolean
unreadable_text(const kenchi_mail_t *mail)
{
	return mail->text == NULL || mail->text->str[strspn(mail->text->str, " \t\r\n")] == '\0';
}

/* Is MAIL an auto-reply (Auto-Submitted other than "no", Precedence
 * auto_reply)? */
static gboolean
auto_reply(const kenchi_mail_t *mail)
{
	return (mail->auto_submitted && g_ascii_strncasecmp(mail->auto_submitted, "no", 2) != 0) ||
	    (mail->precedence && g_ascii_strncasecmp(mail->precedence, "auto_reply", 10) == 0);
}

/* Does SUBJECT begin with a forward's prefix ("FW:", "Fwd:", "転送:",
 * "WG:", "TR:", "RV:", "ENC:"), after list tags? */
static gboolean
forwarded(const char *subject)
{
	static const char *const prefix[] = { "fw", "fwd", "wg", "tr", "rv", "enc", "doorst", "vs", "\xe8\xbb\xa2\xe9\x80\x81" };
	const char *p = subject;

	while (p && (*p == ' ' || *p == '['))
		p = *p == '[' ? strchr(p, ']') ? strchr(p, ']') + 1 : NULL : p + 1;
	for (gsize k = 0; p && k < G_N_ELEMENTS(prefix); k++) {
		gsize n = strlen(prefix[k]);
		const char *q = p + n;

		if (g_ascii_strncasecmp(p, prefix[k], n) != 0)
			continue;
		while (*q == ' ')
			q++;
		if (*q == ':' || strncmp(q, "\xef\xbc\x9a", 3) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Does an event of EVENTS hold a path that ends in its separator: cut
 * where a row of the text broke? */
static gboolean
cut_path(GPtrArray *events)
{
	for (guint i = 0; i < events->len; i++) {
		kenchi_event_t *e = g_ptr_array_index(events, i);
		const char *p = e->v[EV_FILE_PATH];

		if (p && *p && p[strlen(p) - 1] == '\\')
			return TRUE;
	}
	return FALSE;
}

/* One AMP event id is one event: a mail that gives an event twice (in
 * English, then in Japanese; a text and its HTML both read) gives one,
 * the first, with what the later copy adds - when the copies agree. */
static void
merge_same_ids(GPtrArray *events)
{
	for (guint i = 0; i < events->len; i++) {
		kenchi_event_t *a = g_ptr_array_index(events, i);

		if (a->v[EV_ID] == NULL)
			continue;
		for (guint j = i + 1; j < events->len;) {
			kenchi_event_t *b = g_ptr_array_index(events, j);

			/* Only copies agree: two events that say different
			 * things under one id (a relay that rounded ids, a
			 * template's mistake) stay two. */
			if (b->v[EV_ID] == NULL || strcmp(a->v[EV_ID], b->v[EV_ID]) != 0 || !kenchi_event_absorb(a, b)) {
				j++;
				continue;
			}
			g_ptr_array_remove_index(events, j);   /* frees b */
		}
	}
}

/* Are two computer names one: the same but for case, or one the other's
 * first DNS label (a person writes "PC-01" for AMP's "PC-01.acme.local")? */
static gboolean
same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	return g_ascii_strcasecmp(a, b) == 0 || (la == lb && g_ascii_strncasecmp(a, b, la) == 0 &&
	    (a[la] == '\0' || b[lb] == '\0'));
}

/* Is B's time, the restatement's, A's as a person restates it: to the
 * minute; or Japan's time written with no zone, read as UTC, nine hours
 * off?  Nine hours apart with zones given is the same file again, another
 * event. */
static gboolean
same_time(const kenchi_event_t *a, const kenchi_event_t *b)
{
	gint64 d = a->date > b->date ? a->date - b->date : b->date - a->date;

	return d < 60 || (b->date_zoneless && !a->date_zoneless && d > 9 * 3600 - 60 && d < 9 * 3600 + 60);
}

/* Are two user names one: the same but for case, or but for a domain
 * before a '\\' or a host after an '@' ("kato" for "ACME\\kato")? */
static gboolean
same_user(const char *a, const char *b)
{
	const char *sa = strrchr(a, '\\'), *sb = strrchr(b, '\\');
	size_t la, lb;

	a = sa ? sa + 1 : a;
	b = sb ? sb + 1 : b;
	la = strcspn(a, "@");
	lb = strcspn(b, "@");
	return la == lb && g_ascii_strncasecmp(a, b, la) == 0;
}

/* Do A and B name one detection: the same type, computer and file (its
 * SHA-256; or, when one has none, the detection's name, else the file's),
 * at the same time when both give one, and no other value they both give
 * differs (two Cloud IOCs on one process differ in their IOC; a self-copy
 * under another name, in its name and path; two users of a terminal
 * server, in the user; two bad sites, in the link or the address)? */
static gboolean
restates(const kenchi_event_t *a, const kenchi_event_t *b)
{
	const char *const *x = (const char *const *)a->v, *const *y = (const char *const *)b->v;
	static const kenchi_field_t same[] = { EV_DETECTION, EV_DETECTION_ID, EV_IOC_SHORT, EV_FILE_NAME, EV_FILE_PATH,
		EV_PARENT_SHA256, EV_CONNECTOR_GUID, EV_URL, EV_REMOTE_IP };

	if (!x[EV_EVENT_TYPE_ID] || !y[EV_EVENT_TYPE_ID] || strcmp(x[EV_EVENT_TYPE_ID], y[EV_EVENT_TYPE_ID]) != 0)
		return FALSE;
	if (!x[EV_HOSTNAME] || !y[EV_HOSTNAME] || !same_host(x[EV_HOSTNAME], y[EV_HOSTNAME]))
		return FALSE;
	if (x[EV_SHA256] && y[EV_SHA256]) {
		if (strcmp(x[EV_SHA256], y[EV_SHA256]) != 0)
			return FALSE;
	} else if (!(x[EV_DETECTION] && y[EV_DETECTION]) && !(x[EV_FILE_NAME] && y[EV_FILE_NAME])) {
		/* Nothing names the file in both: B restates A only when it
		 * names no file at all and gives A's time - a digest's summary
		 * row above the details ("Event Type | Computer | Date"; rt23
		 * G2: each became a second event of the detection). */
		if (y[EV_SHA256] || y[EV_DETECTION] || y[EV_FILE_NAME] || y[EV_FILE_PATH] || y[EV_IOC_SHORT] ||
		    !x[EV_DATE] || !y[EV_DATE])
			return FALSE;
	}
	if (x[EV_DATE] && y[EV_DATE] && !same_time(a, b))
		return FALSE;
	if (x[EV_USER] && y[EV_USER] && !same_user(x[EV_USER], y[EV_USER]))
		return FALSE;
	for (gsize k = 0; k < G_N_ELEMENTS(same); k++)
		if (x[same[k]] && y[same[k]] && g_ascii_strcasecmp(x[same[k]], y[same[k]]) != 0)
			return FALSE;
	return TRUE;
}

/* A block with no event id that restates an event of the same mail which
 * has one is no event of its own: the SOC's first report quoted in a
 * customer's reply above the alert it reported (its labels are the
 * alert's Japanese ones, soc-service.md), an admin's summary above the
 * alert.  It had become a second event of the one detection. */
static void
drop_restatements(GPtrArray *events)
{
	for (guint i = 0; i < events->len;) {
		kenchi_event_t *b = g_ptr_array_index(events, i);
		gboolean dup = FALSE;

		for (guint j = 0; j < events->len && !dup && b->v[EV_ID] == NULL; j++) {
			kenchi_event_t *a = g_ptr_array_index(events, j);

			dup = a->v[EV_ID] != NULL && restates(a, b);
		}
		if (dup)
			g_ptr_array_remove_index(events, i);   /* frees b */
		else
			i++;
	}
}

/* Do PATS, one or more, all match S?  An alert's block pasted into a
 * file with no header, greeting or link (round 34a) is the rule's only by
 * two kinds of evidence at once: its event type's label, and a value only
 * an alert has. */
static gboolean
all_match(GPtrArray *pats, kenchi_re_match_t *m, const char *s, int *errors)
{
	guint i;

	for (i = 0; i < pats->len; i++) {
		kenchi_re_result_t r = kenchi_re_exec(g_ptr_array_index(pats, i), m, s, strlen(s));

		if (r == KENCHI_RE_ERROR)
			(*errors)++;
		if (r != KENCHI_RE_MATCH)
			return FALSE;
	}
	return pats->len > 0;
}

static int
recognise(const kenchi_rule_t *r, kenchi_re_match_t *m, const kenchi_mail_t *mail, int *errors)
{
	int how = 0;
	guint i;

	if (any_match(r->from, m, mail->from_addr, errors))
		how |= BY_FROM;
	for (i = 0; i < mail->alt_from->len; i++)
		if (any_match(r->from, m, g_ptr_array_index(mail->alt_from, i), errors))
			how |= BY_FROM;
	if (any_subject(r->subject, m, mail, errors))
		how |= BY_SUBJECT;
	if (mail->text && any_match(r->body, m, mail->text->str, errors))
		how |= BY_BODY;
	if (mail->no_header && mail->text && all_match(r->paste, m, mail->text->str, errors))
		how |= BY_PASTE;
	return how;
}

/* A match that hit PCRE2's match or depth limit counts as no match; the
 * stored reason says so, so that a person sees mail that may be read short
 * (a hostile line against an extractor, or a rule that backtracks). */
static void
note_limits(kenchi_extract_t *out)
{
	char *r;

	if (out->regex_errors <= 0)
		return;
	r = g_strdup_printf("%s%s%d extractor match(es) stopped at the PCRE2 match limit", out->reason ? out->reason : "",
	    out->reason ? "; " : "", out->regex_errors);
	g_free(out->reason);
	out->reason = r;
}

/* Is MAIL a list's or a newsletter's (List-Id, List-Unsubscribe,
 * Precedence: bulk or list) whose every event was read from quoted lines
 * ("> Event ID: ...")?  A newsletter explaining AMP's mail quoted a whole
 * sample alert, and a case and a first report of a machine that does not
 * exist followed (rt31 N08).  A person's forward comes with no list
 * header; an alert relayed by a list is not quoted. */
static gboolean
quoting_list_mail(const kenchi_mail_t *mail, const GPtrArray *events)
{
	const char *prec = mail->precedence;

	if (!mail->is_list && !(prec && (g_ascii_strcasecmp(prec, "bulk") == 0 || g_ascii_strcasecmp(prec, "list") == 0)))
		return FALSE;
	for (guint i = 0; i < events->len; i++) {
		const char *id = ((const kenchi_event_t *)g_ptr_array_index(events, i))->v[EV_ID], *at;
		gboolean seen = FALSE;

		if (id == NULL)
			return FALSE;
		for (at = strstr(mail->text->str, id); at; at = strstr(at + 1, id)) {
			const char *l = at;

			while (l > mail->text->str && l[-1] != '\n')
				l--;
			while (*l == ' ' || *l == '\t')
				l++;
			if (*l != '>')
				return FALSE;
			seen = TRUE;
		}
		if (!seen)
			return FALSE;
	}
	return events->len > 0;
}

void
kenchi_extract_mail(const kenchi_rules_t *rules, kenchi_re_match_t *m,
		    const kenchi_mail_t *mail, kenchi_extract_t *out)
{
	guint i, j;
	int how = 0;
	const kenchi_rule_t *r = NULL;

	/* A delivery or read report returns mail the SOC sent (a forward to
	 * an analyst's phone that bounced, a report's receipt): an alert it
	 * carries came in on its own already, and is no new one.  AMP's own
	 * bounces go to AMP's sender, never here. */
	if (mail->is_report) {
		out->kind = KENCHI_KIND_NOT_ALERT;
		out->reason = g_strdup("a delivery or read report (multipart/report): the mail it returns is not read "
		    "as an alert");
		return;
	}
	/* A bounce in plain text (qmail's "failure notice", an old Exchange's
	 * NDR) is one too: its sender is the mail system (rt26 N06). */
	if (mail->from_addr && (g_str_has_prefix(mail->from_addr, "mailer-daemon@") ||
	    g_str_has_prefix(mail->from_addr, "postmaster@"))) {
		out->kind = KENCHI_KIND_NOT_ALERT;
		out->reason = g_strdup("a bounce from the mail system (MAILER-DAEMON or postmaster): the mail it returns "
		    "is not read as an alert");
		return;
	}
	/* So does an automatic reply (RFC 3834's auto-replied, Precedence:
	 * auto_reply): an out-of-office answer to the alert that quotes it
	 * (rt24 D8).  Not "auto-generated": the cloud's own alerts say that. */
	if ((mail->auto_submitted && g_ascii_strncasecmp(mail->auto_submitted, "auto-replied", 12) == 0) ||
	    (mail->precedence && g_ascii_strncasecmp(mail->precedence, "auto_reply", 10) == 0)) {
		out->kind = KENCHI_KIND_NOT_ALERT;
		out->reason = g_strdup("an automatic reply (auto-replied): the alert it may quote is not read as a new one");
		return;
	}
	for (i = 0; i < rules->rules->len && !how; i++) {
		r = g_ptr_array_index(rules->rules, i);
		how = recognise(r, m, mail, &out->regex_errors);
	}
	if (!how) {
		/* Parts nested past what kenchi walks may hold an alert it did
		 * not see: a person must look (rt23 G8: 20 forwards, each a
		 * message/rfc822 in a multipart, were foreign mail). */
		out->kind = mail->depth_exceeded ? KENCHI_KIND_ERROR : KENCHI_KIND_NOT_ALERT;
		out->reason = g_strdup(mail->depth_exceeded
		    ? "no extractor rule recognises the sender, subject or body; MIME nesting too deep, inner parts skipped"
		    : "no extractor rule recognises the sender, subject or body");
		note_limits(out);
		return;
	}
	out->rule = r;
	{
		char *host = kenchi_subject_hostname(r, m, mail->subject, FALSE);

		out->subject_host = host != NULL;
		g_free(host);
	}
	kenchi_read_events(r, m, mail->text->str, mail->text->len, out);
	if (out->events->len == 0 && mail->alt_text && mail->alt_text->len)
		kenchi_read_events(r, m, mail->alt_text->str, mail->alt_text->len, out);
	else if (mail->alt_text && mail->alt_text->len) {
		/* The text set aside a richer part (mime.c: a thin or tabbed
		 * text): when that part gives more events, or as many and the
		 * text's paths end cut at a separator, the text was read short
		 * (a digest row cut in two), and the richer part wins.
		 * Otherwise the text does: the reference prefers it. */
		kenchi_extract_t alt;

		kenchi_extract_init(&alt);
		alt.subject_host = out->subject_host;
		kenchi_read_events(r, m, mail->alt_text->str, mail->alt_text->len, &alt);
		if (alt.events->len > out->events->len ||
		    (alt.events->len == out->events->len && cut_path(out->events) && !cut_path(alt.events))) {
			GPtrArray *t = out->events;

			out->events = alt.events;
			alt.events = t;
			out->headless = alt.headless;
			out->unknown_labels = alt.unknown_labels;
			out->capped = alt.capped;
		}
		out->regex_errors += alt.regex_errors;
		kenchi_extract_clear(&alt);
	}
	if (out->events->len == 0) {
		/* Recognised by sender: an alert we failed to read is an error a
		 * person must see.  Recognised only by look-alike subject or
		 * body from elsewhere: foreign mail.  The sender, or the
		 * rule's looser subject, with no alert_subject, no
		 * alert wording and no value only an alert has (fields_read),
		 * is the cloud's other mail (a maintenance notice): foreign
		 * too, or every notice would sit among the unreadable alerts.
		 * The rule's looser subject says so even when the body's
		 * words pass for an alert's ("Cisco AMP for Endpoints will
		 * undergo maintenance.  No events will be lost", round 25a).
		 * A body with no text at all may be a broken alert: an error. */
		if (out->fields_read == 0 && mail->text && mail->text->len > 0 &&
		    ((how & BY_SUBJECT) ? !alert_subject(r, m, mail, &out->regex_errors) : !(how & (BY_BODY | BY_PASTE)))) {
			out->kind = KENCHI_KIND_NOT_ALERT;
			out->reason = g_strdup_printf("from rule %s's sender, but no alert's subject and no value only an alert has: "
			    "a notice, not an alert", r->name);
			note_limits(out);
			return;
		}
		/* A person forwarded a subscription's alert in a form kenchi
		 * cannot read (Outlook's winmail.dat alone: no text at all): a
		 * person must read it, as one from the cloud (rt23 G6: it was
		 * foreign mail).  Not a forward with words of its own ("done,
		 * closing"), nor an auto-reply (round 53 F6). */
		gboolean fwd = (how & BY_SUBJECT) && forwarded(mail->subject) && unreadable_text(mail) &&
		    !auto_reply(mail) && alert_subject(r, m, mail, &out->regex_errors);

		/* Parts nested past what kenchi walks, or past the bytes it
		 * reads, may hold the event (rt25 E73: 25 base64 forwards deep,
		 * "no event block found"): a person must look. */
		out->kind = (how & BY_FROM) || fwd || mail->depth_exceeded || mail->text_truncated || mail->sealed ?
		    KENCHI_KIND_ERROR : KENCHI_KIND_NOT_ALERT;
		GString *by = g_string_new(NULL);
		if (how & BY_FROM)
			g_string_append(by, " from");
		if (how & BY_SUBJECT)
			g_string_append(by, " subject");
		if (how & BY_BODY)
			g_string_append(by, " body");
		if (how & BY_PASTE)
			g_string_append(by, " paste");
		out->reason = out->headless ?
		    g_strdup_printf("recognised by rule %s (%s) but no event block found (%d block(s) with no event type, "
			"id or date)", r->name, by->str + 1, out->headless) :
		    g_strdup_printf("recognised by rule %s (%s) but no event block found", r->name, by->str + 1);
		g_string_free(by, TRUE);
		if (fwd && !(how & BY_FROM)) {
			char *why = g_strconcat(out->reason, ": a forwarded alert that a person must read", NULL);

			g_free(out->reason);
			out->reason = why;
		}
		if (mail->sealed) {
			char *why = g_strdup_printf("%s; it holds %s, which kenchi cannot read: a person must", out->reason,
			    mail->sealed);

			g_free(out->reason);
			out->reason = why;
		}
		if (mail->depth_exceeded || mail->text_truncated) {
			char *why = g_strconcat(out->reason, mail->depth_exceeded ? "; MIME nesting too deep, inner parts skipped" :
			    "; text truncated for extraction (attached messages past 8 MB unread)", NULL);

			g_free(out->reason);
			out->reason = why;
		}
		note_limits(out);
		return;
	}
	if (!(how & BY_FROM) && quoting_list_mail(mail, out->events)) {
		g_ptr_array_set_size(out->events, 0);
		out->kind = KENCHI_KIND_NOT_ALERT;
		out->reason = g_strdup("a mailing list's or a newsletter's mail (List-Id, Precedence: bulk) that quotes an "
		    "alert: not read as one");
		return;
	}
	merge_same_ids(out->events);
	drop_restatements(out->events);
	out->kind = KENCHI_KIND_ALERT;
	/* The subject names the computer: fill it where a block lacks it. */
	{
		char *host = kenchi_subject_hostname(r, m, mail->subject, FALSE);
		for (j = 0; host == NULL && j < mail->alt_subject->len; j++) {
			char *h = kenchi_subject_hostname(r, m, g_ptr_array_index(mail->alt_subject, j), FALSE);

			/* Attached messages' subjects each named their own
			 * events (their header lines, read_line); one fills the
			 * rest only when they all agree. */
			for (guint k = j + 1; h && k < mail->alt_subject->len; k++) {
				char *o = kenchi_subject_hostname(r, m, g_ptr_array_index(mail->alt_subject, k), FALSE);

				if (o && strcmp(o, h) != 0) {
					g_free(h);
					h = NULL;
				}
				g_free(o);
			}
			host = h;
			break;
		}
		for (j = 0; host && j < out->events->len; j++) {
			kenchi_event_t *ev = g_ptr_array_index(out->events, j);
			if (ev->v[EV_HOSTNAME] == NULL)
				kenchi_event_set(ev, EV_HOSTNAME, host);
		}
		g_free(host);
	}
	/* A person's note after a computer's name ("PC-01 (CFO's laptop)")
	 * is a forwarder's: not in mail the cloud sent, where "iMac
	 * (Reception)" is a Mac's name as its API gives it (round 53 F4). */
	for (j = 0; j < out->events->len; j++) {
		kenchi_event_t *ev = g_ptr_array_index(out->events, j);
		const char *h = ev->v[EV_HOSTNAME];
		char *cut = h == NULL ? NULL : (how & BY_FROM) ? kenchi_note_drop_host_link(h) : kenchi_note_drop_host(h);

		if (cut) {
			g_free(ev->v[EV_HOSTNAME]);
			ev->v[EV_HOSTNAME] = cut;
		}
	}
	if (mail->text_truncated || mail->depth_exceeded || mail->lossy || out->capped) {
		out->reason = g_strdup_printf("%s%s%s%s", mail->text_truncated ? "text truncated for extraction; " : "",
		    out->capped ? "more than " G_STRINGIFY(KENCHI_MAIL_EVENTS_MAX) " events: the text after them not read; " : "",
		    mail->depth_exceeded ? "MIME nesting too deep, inner parts skipped; " : "",
		    mail->lossy ? "charset not decoded exactly; " : "");
		g_strchomp(out->reason);
		if (g_str_has_suffix(out->reason, ";"))
			out->reason[strlen(out->reason) - 1] = '\0';
	}
	note_limits(out);
}
