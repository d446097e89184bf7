/* mime_headers.c: what kenchi takes from a mail's header through GMime:
 * decoded header text, Message-IDs without their angles, the addresses of
 * address headers, the sender (and whether there are several), and the
 * date of the top Received header.  Used by mime.c's walk (mime_int.h). */
#include <string.h>
#include <gmime/gmime.h>
#include "parse/mime_int.h"
#include "parse/charset.h"
#include "parse/normalize.h"

/* A header's value decoded by our charset module; controls become spaces. */
char *
kenchi_mime_header_text(GMimeObject *obj, const char *name, gboolean *lossy)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
	const char *raw;
	char *v, *p;
	gboolean l = FALSE;

	if (h == NULL)
		return NULL;
	raw = g_mime_header_get_raw_value(h);
	if (raw == NULL)
		return NULL;
	v = kenchi_charset_decode_header(raw, &l);
	if (l && lossy)
		*lossy = TRUE;
	if (v == NULL)
		return NULL;
	/* a subject's "KS-PC-0990\033[2J\033[H" (rt31 X06) */
	p = kenchi_text_without_escapes(v);
	g_free(v);
	v = p;
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	g_strstrip(v);
	return v;
}

char *
kenchi_mime_strip_angles(const char *s)
{
	char *t;

	if (s == NULL)
		return NULL;
	t = g_strdup(s);
	g_strstrip(t);
	if (t[0] == '<') {
		char *e = strchr(t, '>');
		if (e)
			*e = '\0';
		memmove(t, t + 1, strlen(t));
	}
	if (*t == '\0' || strchr(t, '\n') || strchr(t, '\r')) {
		g_free(t);
		return NULL;
	}
	return t;
}

void
kenchi_mime_add_addresses(GPtrArray *out, InternetAddressList *list)
{
	int i, n;

	if (list == NULL)
		return;
	n = internet_address_list_length(list);
	for (i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr && *addr)
				g_ptr_array_add(out, g_ascii_strdown(addr, -1));
		} else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			kenchi_mime_add_addresses(out, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
		}
	}
}

void
kenchi_mime_add_header_addresses(GPtrArray *out, GMimeObject *obj, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0) {
			InternetAddressList *l = internet_address_list_parse(NULL, g_mime_header_get_raw_value(h));
			kenchi_mime_add_addresses(out, l);
			if (l)
				g_object_unref(l);
		}
	}
}

/* More than one sender: two From headers, or a From of several addresses
 * or a group.  A command mail must have one (round 36b: "From: analyst,
 * evil" commanded as the analyst). */
gboolean
kenchi_mime_from_many(GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	InternetAddressList *l = g_mime_message_get_from(msg);
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0, froms = 0;

	for (i = 0; i < n; i++)
		froms += g_ascii_strcasecmp(g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i)), "From") == 0;
	if (froms > 1 || (l && internet_address_list_length(l) > 1))
		return TRUE;
	return l && internet_address_list_length(l) == 1 && !INTERNET_ADDRESS_IS_MAILBOX(internet_address_list_get_address(l, 0));
}

char *
kenchi_mime_first_from(GMimeMessage *msg)
{
	InternetAddressList *l = g_mime_message_get_from(msg);
	int i, n = l ? internet_address_list_length(l) : 0;

	for (i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr && *addr)
				return g_ascii_strdown(addr, -1);
		}
	}
	return NULL;
}

/* A header's date TEXT as Unix time, 0 when unreadable.  What GMime does
 * not read is mended first: RFC 5322 allows a leap second, ":60", which
 * GDateTime refuses (round 43b F4: an arrival at 23:59:60 JST fell to the
 * time of ingest, after midnight, and its report was due a day late); and
 * a zone named JST or KST, which GMime reads as UTC (round 45: a Date
 * header in JST was 9 hours late). */
static gint64
header_date(const char *text)
{
	char *date = g_strdup(text), *z;
	gsize n;
	GDateTime *dt;
	gint64 t;

	for (char *p = date; (p = strstr(p, ":60")) != NULL; p += 3)
		if (p >= date + 5 && p[-3] == ':' && g_ascii_isdigit(p[-1]) && !g_ascii_isdigit(p[3])) {
			p[1] = '5';
			p[2] = '9';
		}
	if ((z = strchr(date, '(')) != NULL)   /* a comment after the zone */
		*z = '\0';
	g_strchomp(date);
	n = strlen(date);
	if (n > 4 && date[n - 4] == ' ' && (g_ascii_strcasecmp(date + n - 3, "JST") == 0 ||
	    g_ascii_strcasecmp(date + n - 3, "KST") == 0)) {
		char *fixed = g_strdup_printf("%.*s+0900", (int)(n - 3), date);

		g_free(date);
		date = fixed;
	}
	dt = g_mime_utils_header_decode_date(date);
	g_free(date);
	if (dt == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* The date of a Received header H, 0 when unreadable. */
static gint64
received_date(GMimeHeader *h)
{
	const char *raw = g_mime_header_get_raw_value(h), *semi;

	if (raw == NULL || (semi = strrchr(raw, ';')) == NULL)
		return 0;
	return header_date(semi + 1);
}

gint64
kenchi_mime_sent_date(GMimeObject *obj)
{
	const char *v = g_mime_object_get_header(obj, "Date");

	return v ? header_date(v) : 0;
}

void
kenchi_mime_received_dates(GMimeObject *obj, gint64 *top, gint64 *next)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int n = hl ? g_mime_header_list_get_count(hl) : 0, seen = 0;

	*top = *next = 0;
	for (int i = 0; i < n && seen < 2; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Received") != 0)
			continue;
		*(seen++ == 0 ? top : next) = received_date(h);
	}
}

void
kenchi_mime_read_headers(kenchi_mail_t *m, GMimeMessage *msg)
{
	GMimeObject *obj = GMIME_OBJECT(msg);
	GDateTime *dt;
	const char *v;

	m->from_addr = kenchi_mime_first_from(msg);
	m->from_many = kenchi_mime_from_many(msg);
	m->subject = kenchi_mime_header_text(obj, "Subject", &m->lossy);
	m->message_id = kenchi_mime_strip_angles(g_mime_message_get_message_id(msg));
	m->in_reply_to = kenchi_mime_strip_angles(g_mime_object_get_header(obj, "In-Reply-To"));
	if ((v = g_mime_object_get_header(obj, "References")) != NULL)
		m->references = g_strdup(v);
	kenchi_mime_add_header_addresses(m->recipients, obj, "Delivered-To");
	kenchi_mime_add_header_addresses(m->recipients, obj, "X-Original-To");
	kenchi_mime_add_header_addresses(m->recipients, obj, "Envelope-To");
	kenchi_mime_add_addresses(m->recipients, g_mime_message_get_to(msg));
	kenchi_mime_add_addresses(m->recipients, g_mime_message_get_cc(msg));
	if ((dt = g_mime_message_get_date(msg)) != NULL)
		m->date = g_date_time_to_unix(dt);
	kenchi_mime_received_dates(obj, &m->received, &m->received_next);
	m->sent = kenchi_mime_sent_date(obj);
	if ((v = g_mime_object_get_header(obj, "Auto-Submitted")) != NULL)
		m->auto_submitted = g_strstrip(g_strdup(v));
	if ((v = g_mime_object_get_header(obj, "Precedence")) != NULL)
		m->precedence = g_strstrip(g_strdup(v));
	/* The marks of responders that set no Auto-Submitted (reply round
	 * rr1 F2); reply_classify.c judges them. */
	if ((v = g_mime_object_get_header(obj, "X-Autoreply")) != NULL ||
	    (v = g_mime_object_get_header(obj, "X-Autorespond")) != NULL)
		m->x_autoreply = g_strstrip(g_strdup(v));
	if ((v = g_mime_object_get_header(obj, "X-Auto-Response-Suppress")) != NULL)
		m->auto_suppress = g_strstrip(g_strdup(v));
	if ((v = g_mime_object_get_header(obj, "Return-Path")) != NULL)
		m->return_path = g_strstrip(g_strdup(v));
	if ((v = g_mime_object_get_header(obj, "Authentication-Results")) != NULL)
		m->auth_results = g_strdup(v);
	m->has_loop = g_mime_object_get_header(obj, KENCHI_LOOP_HEADER) != NULL;
	/* A mailing list's or a newsletter's mail (extract_mail.c). */
	m->is_list = g_mime_object_get_header(obj, "List-Id") != NULL ||
	    g_mime_object_get_header(obj, "List-Unsubscribe") != NULL;
}
