/* event.c: the normalized event: slots, normalization on set, JSON in and
 * out.  JSON numbers for ids are written from text, never through a double:
 * AMP event ids exceed 2^53. */
#include <string.h>
#include "parse/event.h"
#include "parse/normalize.h"
#include "parse/notes.h"
#include "util/hash.h"

static const char *const field_paths[EV_NFIELDS] = {
	[EV_EVENT_TYPE] = "event_type",
	[EV_EVENT_TYPE_ID] = "event_type_id",
	[EV_ID] = "id",
	[EV_DATE] = "date",
	[EV_HOSTNAME] = "computer.hostname",
	[EV_CONNECTOR_GUID] = "computer.connector_guid",
	[EV_GROUP] = "group",
	[EV_EXTERNAL_IP] = "computer.external_ip",
	[EV_INTERNAL_IP] = "computer.network_addresses[0].ip",
	[EV_USER] = "computer.user",
	[EV_SEVERITY] = "severity",
	[EV_DETECTION] = "detection",
	[EV_DETECTION_ID] = "detection_id",
	[EV_DISPOSITION] = "file.disposition",
	[EV_FILE_NAME] = "file.file_name",
	[EV_FILE_PATH] = "file.file_path",
	[EV_SHA256] = "file.identity.sha256",
	[EV_PARENT_FILE_NAME] = "file.parent.file_name",
	[EV_PARENT_SHA256] = "file.parent.identity.sha256",
	[EV_IOC_SHORT] = "cloud_ioc.short_description",
	[EV_IOC_DESC] = "cloud_ioc.description",
	[EV_REMOTE_IP] = "network_info.remote_ip",
	[EV_URL] = "network_info.dirty_url",
	[EV_TRAJECTORY] = "trajectory",
	[EV_GROUP_GUIDS] = "group_guids",
	[EV_REMOTE_PORT] = "network_info.remote_port",
	[EV_LOCAL_IP] = "network_info.local_ip",
	[EV_LOCAL_PORT] = "network_info.local_port",
	[EV_NFM_DIRECTION] = "network_info.nfm.direction",
	[EV_NFM_PROTOCOL] = "network_info.nfm.protocol",
	[EV_VULNERABILITIES] = "vulnerabilities",
};

const char *
kenchi_field_path(kenchi_field_t f)
{
	return (f >= 0 && f < EV_NFIELDS) ? field_paths[f] : NULL;
}

int
kenchi_field_from_path(const char *path)
{
	int i;

	if (path == NULL)
		return -1;
	for (i = 0; i < EV_NFIELDS; i++)
		if (strcmp(field_paths[i], path) == 0)
			return i;
	/* Short aliases accepted in rules files and scoring rules. */
	if (strcmp(path, "computer.network_addresses.ip") == 0 || strcmp(path, "internal_ip") == 0)
		return EV_INTERNAL_IP;
	if (strcmp(path, "hostname") == 0)
		return EV_HOSTNAME;
	if (strcmp(path, "sha256") == 0)
		return EV_SHA256;
	return -1;
}

kenchi_event_t *
kenchi_event_new(void)
{
	return g_new0(kenchi_event_t, 1);
}

void
kenchi_event_free(kenchi_event_t *ev)
{
	int i;

	if (ev == NULL)
		return;
	for (i = 0; i < EV_NFIELDS; i++)
		g_free(ev->v[i]);
	g_free(ev);
}

gboolean
kenchi_event_absorb(kenchi_event_t *a, kenchi_event_t *b)
{
	for (int f = 0; f < EV_NFIELDS; f++)
		if (a->v[f] != NULL && b->v[f] != NULL && strcmp(a->v[f], b->v[f]) != 0)
			return FALSE;
	for (int f = 0; f < EV_NFIELDS; f++)
		if (a->v[f] == NULL && b->v[f] != NULL) {
			a->v[f] = b->v[f];
			b->v[f] = NULL;
			if (f == EV_DATE) {
				a->date = b->date;
				a->date_zoneless = b->date_zoneless;
			}
		}
	return TRUE;
}

gboolean
kenchi_event_fill(kenchi_event_t *a, const kenchi_event_t *b)
{
	gboolean any = FALSE;

	for (int f = 0; f < EV_NFIELDS; f++)
		if (a->v[f] == NULL && b->v[f] != NULL) {
			a->v[f] = g_strdup(b->v[f]);
			if (f == EV_DATE) {
				a->date = b->date;
				a->date_zoneless = b->date_zoneless;
			}
			any = TRUE;
		}
	return any;
}

kenchi_event_t *
kenchi_event_copy(const kenchi_event_t *ev)
{
	kenchi_event_t *c = kenchi_event_new();
	int i;

	for (i = 0; i < EV_NFIELDS; i++)
		c->v[i] = g_strdup(ev->v[i]);
	c->date = ev->date;
	c->rejected = ev->rejected;
	c->bad_id = ev->bad_id;
	c->soc_marks = ev->soc_marks;
	c->date_zoneless = ev->date_zoneless;
	return c;
}

static char *
norm_int64_text(const char *value)
{
	char *t = kenchi_norm_uint(value);
	guint64 n;

	/* Ids are kept as text, but must fit the JSON integer we print. */
	if (t && !g_ascii_string_to_unsigned(t, 10, 0, G_MAXINT64, &n, NULL)) {
		g_free(t);
		t = NULL;
	}
	return t;
}

/* A detection id: digits, as the API gives it, a ticket tool's thousands
 * separators taken out; else none ("Unknown", "不明" joined two hosts'
 * unrelated detections into one case: rt28 V22, V24). */
static char *
norm_detection_id(const char *value)
{
	char *t = kenchi_norm_text(value), *w = t;
	gboolean grouped = t && strchr(t, ',') != NULL;

	if (t == NULL)
		return NULL;
	for (const char *r = t; *r; r++) {
		if (*r == ',' && grouped && r > t && g_ascii_isdigit(r[-1]) && strspn(r + 1, "0123456789") >= 3 &&
		    (r[4] == ',' || r[4] == '\0'))
			continue;
		*w++ = *r;
	}
	*w = '\0';
	if (*t == '\0' || strspn(t, "0123456789") != strlen(t)) {
		g_free(t);
		return NULL;
	}
	return t;
}

/* A link a mail gateway rewrote, as it was (normalize.h); takes u. */
static char *
unwrap(char *u)
{
	char *w;

	/* Gateways stack: Safe Links around Proofpoint's link. */
	for (int k = 0; k < 4 && (w = kenchi_norm_unwrap_link(u)) != NULL; k++) {
		g_free(u);
		u = w;
	}
	return u;
}

/* Whether U, after a '<', opens a link's address. */
static gboolean
link_scheme(const char *u)
{
	/* file: too: Outlook links a path it recognises ("\\fs01\share\x.exe
	 * <file:///\\fs01\share\x.exe>", rt30 V06). */
	return g_ascii_strncasecmp(u, "http://", 7) == 0 || g_ascii_strncasecmp(u, "https://", 8) == 0 ||
	    g_ascii_strncasecmp(u, "mailto:", 7) == 0 || g_ascii_strncasecmp(u, "file:", 5) == 0 ||
	    g_ascii_strncasecmp(u, "ftp://", 6) == 0;
}

/* The first '<' at or after P that opens a link's address, or NULL. */
static const char *
next_link(const char *p)
{
	for (p = strchr(p, '<'); p; p = strchr(p + 1, '<'))
		if (link_scheme(p + 1))
			return p;
	return NULL;
}

/* "PC-01 <https://console...>": a linked value's address after its words
 * (html.c), or Outlook's text of a link.  Only a link field keeps it. */
static char *
drop_link(const char *value)
{
	GString *out;
	const char *p = value;

	/* Every "<http(s)://...>" after words, with a space before it or not
	 * (Outlook's text writes "PC-01<https://...>"): two linked detection
	 * names, a link inside a Cloud IOC description.  And "<mailto:...>":
	 * Outlook writes a linked address (a user's UPN) as
	 * "user@corp.example<mailto:user@corp.example>" (session 22, rt22 F1). */
	if (value == NULL || next_link(value) == NULL)
		return NULL;
	out = g_string_new(NULL);
	for (;;) {
		const char *lt = next_link(p), *u, *gt;

		if (lt == NULL) {
			g_string_append(out, p);
			break;
		}
		u = lt + 1;
		gt = strchr(u, '>');
		if (lt > value && gt && memchr(u, ' ', (size_t)(gt - u)) == NULL) {
			g_string_append_len(out, p, (gssize)(lt - p));
			while (out->len > 0 && out->str[out->len - 1] == ' ')
				g_string_truncate(out, out->len - 1);
			p = gt + 1;
		} else {
			g_string_append_len(out, p, (gssize)(u - p));
			p = u;
		}
	}
	return g_string_free(out, FALSE);
}

/* Is every value of F ASCII as AMP writes it (an id, an address, a hash)? */
static gboolean
ascii_field(kenchi_field_t f)
{
	return f == EV_ID || f == EV_EVENT_TYPE_ID || f == EV_DETECTION_ID || f == EV_EXTERNAL_IP || f == EV_INTERNAL_IP ||
	    f == EV_REMOTE_IP || f == EV_LOCAL_IP || f == EV_REMOTE_PORT || f == EV_LOCAL_PORT || f == EV_CONNECTOR_GUID ||
	    f == EV_SHA256 || f == EV_PARENT_SHA256;
}

/* Does S hold a full-width form of ASCII (U+FF01-FF5E) or "。"?  Such a
 * value, retyped in a Japanese mail ("６４５５…", "１９２．１６８…"), lost
 * its id, and kept its address in full width (rt23 G5). */
static gboolean
full_width(const char *s)
{
	return strstr(s, "\xef\xbc") || strstr(s, "\xef\xbd") || strstr(s, "\xe3\x80\x82");
}

static gboolean
event_set(kenchi_event_t *ev, kenchi_field_t f, const char *value)
{
	char *n = NULL, *bare = NULL;
	gint64 t;
	gboolean zoned;

	if (f != EV_TRAJECTORY && f != EV_URL && (bare = drop_link(value)) != NULL)
		value = bare;
	if (value && ascii_field(f) && full_width(value)) {
		char *folded = kenchi_norm_host(value);

		g_free(bare);
		value = bare = folded;
	}
	switch (f) {
	case EV_FILE_PATH:
		n = kenchi_norm_path(value);
		break;
	case EV_DATE:
		if (kenchi_norm_date_zoned(value, &t, &zoned)) {
			n = kenchi_format_date(t);
			if (n) {
				ev->date = t;
				ev->date_zoneless = !zoned;
			}
		}
		break;
	case EV_INTERNAL_IP:
		n = kenchi_norm_addresses(value);
		break;
	case EV_REMOTE_IP:
		/* "203.0.113.5:8443": the port too, unless a line gave it */
		if (ev->v[EV_REMOTE_PORT] == NULL)
			ev->v[EV_REMOTE_PORT] = kenchi_norm_ip_port(value);
		/* fall through */
	case EV_EXTERNAL_IP:
	case EV_LOCAL_IP:
		n = kenchi_norm_ip(value);
		break;
	case EV_REMOTE_PORT:
	case EV_LOCAL_PORT:
		n = kenchi_norm_port(value);
		break;
	case EV_NFM_PROTOCOL:
		n = kenchi_norm_protocol(value);
		break;
	case EV_NFM_DIRECTION:
		n = kenchi_norm_direction(value);
		break;
	case EV_VULNERABILITIES:
		n = kenchi_norm_vulnerabilities(value);
		break;
	case EV_CONNECTOR_GUID:
		n = kenchi_norm_guid(value);
		break;
	case EV_HOSTNAME:
		n = kenchi_norm_host(value);   /* a forwarder's note: extract_mail.c */
		break;
	case EV_SEVERITY:
		n = kenchi_norm_severity(value);
		break;
	case EV_DISPOSITION:
		n = kenchi_norm_disposition(value);
		break;
	case EV_SHA256:
	case EV_PARENT_SHA256:
		n = kenchi_norm_sha256(value);
		break;
	case EV_ID:
	case EV_EVENT_TYPE_ID:
		n = norm_int64_text(value);
		break;
	case EV_DETECTION_ID:
		n = norm_detection_id(value);
		break;
	case EV_TRAJECTORY: {
		/* A link: the words of a button ("File Trajectory") are not one.
		 * Outlook's text writes a link as "View in Console <https://...>". */
		char *t2 = kenchi_norm_text(value), *u = NULL;

		for (char *c = t2; c && *c && !u; c++)
			if ((c == t2 || c[-1] == ' ' || c[-1] == '<') &&
			    (g_ascii_strncasecmp(c, "http://", 7) == 0 || g_ascii_strncasecmp(c, "https://", 8) == 0))
				u = c;
		if (u) {
			/* Outlook's text gives a link as "text<https://...>":
			 * the text is the link here. */
			gsize k = strcspn(u, " <>");
			n = g_strndup(u, k);
			n = unwrap(n);
		}
		g_free(t2);
		break;
	}
	case EV_URL: {
		/* The dirty URL is the evidence, shown defanged: a gateway's
		 * wrapper around it hides the address, and Outlook's
		 * "url<link>" doubles it. */
		char *lt;

		n = kenchi_norm_text(value);
		if (n && (lt = strchr(n, '<')) != NULL && lt > n &&
		    (g_ascii_strncasecmp(lt + 1, "http://", 7) == 0 || g_ascii_strncasecmp(lt + 1, "https://", 8) == 0)) {
			gboolean words_link = g_ascii_strncasecmp(n, "http://", 7) == 0 ||
			    g_ascii_strncasecmp(n, "https://", 8) == 0 || g_ascii_strncasecmp(n, "hxxp", 4) == 0;
			char *gt = strchr(lt, '>');

			if (words_link) {
				*lt = '\0';   /* "url<link>": the words are the link */
				g_strchomp(n);
			} else if (gt && gt[1] == '\0' && !memchr(lt, ' ', (size_t)(gt - lt))) {
				/* "example.net/x <http://example.net/x>": a link
				 * whose words left its scheme out; the address. */
				char *h = g_strndup(lt + 1, (gsize)(gt - lt - 1));

				g_free(n);
				n = h;
			}
		}
		{
			char *r = kenchi_norm_refang_url(n);

			if (r) {
				g_free(n);
				n = r;
			}
		}
		n = unwrap(n);
		/* The gateway's own address is not the one the file came
		 * from: left out, not guessed (rt26 G02). */
		if (kenchi_norm_opaque_link(n)) {
			g_free(n);
			n = NULL;
		}
		break;
	}
	case EV_EVENT_TYPE: {
		char *t2 = kenchi_norm_text(value);

		/* "1 / 3", "2件": a count under a heading that is a label word
		 * ("イベント"), not a type; no event type begins with a digit. */
		if (t2 && g_ascii_isdigit(*t2)) {
			g_free(t2);
			t2 = NULL;
		}
		const char *canon = t2 ? kenchi_event_type_canonical(t2) : NULL;
		n = canon ? g_strdup(canon) : t2;
		if (canon)
			g_free(t2);
		break;
	}
	case EV_FILE_NAME:
	case EV_PARENT_FILE_NAME: {
		/* A relay's "File:" or "Parent:" may give the whole path: the
		 * name is its last part (rt28 V25). */
		char *path = kenchi_norm_path(value);
		const char *slash = path && (g_ascii_isalpha(path[0]) && path[1] == ':' && path[2] == '\\') ?
		    strrchr(path, '\\') : NULL;

		n = slash && slash[1] ? g_strdup(slash + 1) : kenchi_norm_text(value);
		kenchi_strip_dquotes(n);
		g_free(path);
		break;
	}
	default:
		n = kenchi_norm_text(value);
		break;
	}
	if (n == NULL) {
		if (value && *value)
			ev->rejected++;
		g_free(bare);
		return FALSE;
	}
	g_free(bare);
	g_free(ev->v[f]);
	ev->v[f] = n;
	return TRUE;
}

/* VALUE without the Japanese quotation brackets around the whole of it
 * ("「PC-OS-2002」", "【高】"), as a translated template marks values; NULL
 * when it has none. */
static char *
unbracket(const char *value)
{
	static const char *const pairs[][2] = { { "「", "」" }, { "『", "』" }, { "【", "】" }, { "［", "］" } };
	const char *p = value, *e;

	while (*p == ' ')
		p++;
	e = p + strlen(p);
	while (e > p && e[-1] == ' ')
		e--;
	for (gsize k = 0; k < G_N_ELEMENTS(pairs); k++) {
		gsize lo = strlen(pairs[k][0]), lc = strlen(pairs[k][1]);

		const char *close;

		if ((gsize)(e - p) > lo + lc && strncmp(p, pairs[k][0], lo) == 0 && strncmp(e - lc, pairs[k][1], lc) == 0 &&
		    g_strstr_len(p + lo, e - lc - p - lo, pairs[k][0]) == NULL)
			return g_strndup(p + lo, e - lc - p - lo);
		/* "「PC-OS-0819」（営業部）": the value, then a note in brackets. */
		if ((gsize)(e - p) > lo + lc && strncmp(p, pairs[k][0], lo) == 0 &&
		    (close = g_strstr_len(p + lo, e - p - lo, pairs[k][1])) != NULL &&
		    (close[lc] == '(' || strncmp(close + lc, "\xef\xbc\x88", 3) == 0 ||
		     (close[lc] == ' ' && (close[lc + 1] == '(' || strncmp(close + lc + 1, "\xef\xbc\x88", 3) == 0))))
			return g_strndup(p + lo, close - p - lo);
	}
	return NULL;
}

/* Is V, blanks around it aside, one of WORDS (NULL-ended; ASCII case
 * ignored)? */
static gboolean
is_word(const char *v, const char *const *words)
{
	gsize n;

	while (*v == ' ')
		v++;
	n = strlen(v);
	while (n > 0 && v[n - 1] == ' ')
		n--;
	for (int k = 0; words[k]; k++)
		if (strlen(words[k]) == n && g_ascii_strncasecmp(v, words[k], n) == 0)
			return TRUE;
	return FALSE;
}

/* A value that says there is none: "None", "N/A", "-", "なし".  A
 * gateway's "Threat: None" made an event of its scan line. */
static gboolean
is_placeholder(const char *v)
{
	static const char *const words[] = { "none", "n/a", "-", "--", "\xe2\x80\x94", "(none)", "null", "nil",
		"\xe3\x81\xaa\xe3\x81\x97", "\xe8\xa9\xb2\xe5\xbd\x93\xe3\x81\xaa\xe3\x81\x97",   /* なし, 該当なし */
		"\xe8\xa8\x98\xe8\xbc\x89\xe3\x81\xaa\xe3\x81\x97", NULL };   /* 記載なし: a first report's (soc-service.md) */

	return is_word(v, words);
}

/* "Unknown", "不明": no value, but of a disposition, where it is AMP's
 * word for a file the cloud does not know (rt28 V22: a relay's "Detection
 * ID: Unknown" joined two hosts' detections into one case). */
static gboolean
says_unknown(const char *v)
{
	static const char *const words[] = { "unknown", "(unknown)", "\xe4\xb8\x8d\xe6\x98\x8e" /* 不明 */, NULL };

	return is_word(v, words);
}

/* Does V, the value of F, hold what the SOC's reports write and AMP's
 * alerts never do: a defanged path (soc-service.md: "c[:]¥users¥..."), or
 * the reports' "記載なし" for a value not given?  Not a defanged link or
 * address: a careful admin forwarding an alert defangs those too. */
static gboolean
soc_written(const char *v, kenchi_field_t f)
{
	while (*v == ' ')
		v++;
	return (f == EV_FILE_PATH && strstr(v, "[:]")) ||
	    strncmp(v, "\xe8\xa8\x98\xe8\xbc\x89\xe3\x81\xaa\xe3\x81\x97", 12) == 0;   /* 記載なし */
}

gboolean
kenchi_event_set(kenchi_event_t *ev, kenchi_field_t f, const char *value)
{
	char *clean = NULL, *bare = NULL, *note = NULL;
	gboolean ok;

	/* Invisible and non-ASCII spaces first (kenchi_norm_spaces): an NBSP
	 * from HTML or an ideographic space after a Japanese value left the
	 * id, the severity and the SHA-256 unread. */
	if (value && (clean = kenchi_norm_spaces(value)) != NULL)
		value = clean;
	if (value && (unsigned char)*value >= 0x80 && (bare = unbracket(value)) != NULL)
		value = bare;
	if (value && (note = kenchi_note_drop(value, f)) != NULL)
		value = note;
	if (value && soc_written(value, f))
		ev->soc_marks = TRUE;
	if (value && (is_placeholder(value) || (f != EV_DISPOSITION && says_unknown(value))))
		ok = FALSE;   /* absent, not rejected */
	else
		ok = event_set(ev, f, value);
	g_free(clean);
	g_free(bare);
	g_free(note);
	return ok;
}

void
kenchi_event_complete(kenchi_event_t *ev)
{
	gint64 id = ev->v[EV_EVENT_TYPE] ? kenchi_event_type_id(ev->v[EV_EVENT_TYPE]) : 0;
	const char *name;

	kenchi_note_drop_file_pair(ev);
	if (id > 0 && !ev->v[EV_EVENT_TYPE_ID])
		ev->v[EV_EVENT_TYPE_ID] = g_strdup_printf("%" G_GINT64_FORMAT, id);
	name = ev->v[EV_EVENT_TYPE_ID] ? kenchi_event_type_name(g_ascii_strtoll(ev->v[EV_EVENT_TYPE_ID], NULL, 10)) : NULL;
	if (name == NULL)
		return;
	/* The API's name for the type, as for severity and disposition: an
	 * older name ("Generic IOC", "Retrospective Detection") or another
	 * case missed the scoring rules, written with the API's ("Cloud
	 * IOC"), and a Japanese console's name that the table lacks, the
	 * id's in translation ("脆弱なアプリケーションの検出", rt28 E15).
	 * Not a name that is another type's than the id's: a conflict is
	 * kept as it came. */
	if (ev->v[EV_EVENT_TYPE] == NULL) {
		ev->v[EV_EVENT_TYPE] = g_strdup(name);
	} else if ((id == g_ascii_strtoll(ev->v[EV_EVENT_TYPE_ID], NULL, 10) ||
	    (id == 0 && !g_str_is_ascii(ev->v[EV_EVENT_TYPE]))) && strcmp(name, ev->v[EV_EVENT_TYPE]) != 0) {
		g_free(ev->v[EV_EVENT_TYPE]);
		ev->v[EV_EVENT_TYPE] = g_strdup(name);
	}
}

gboolean
kenchi_event_is_complete(const kenchi_event_t *ev)
{
	return ev->v[EV_EVENT_TYPE] || ev->v[EV_EVENT_TYPE_ID] || ev->v[EV_DETECTION];
}

char *
kenchi_event_fingerprint(const kenchi_event_t *ev)
{
	static const kenchi_field_t parts[] = {
		EV_EVENT_TYPE_ID, EV_EVENT_TYPE, EV_DATE, EV_CONNECTOR_GUID, EV_HOSTNAME,
		EV_SHA256, EV_DETECTION, EV_DETECTION_ID, EV_FILE_PATH, EV_URL, EV_REMOTE_IP
	};
	kenchi_sha256_t *ck = kenchi_sha256_new();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(parts); i++) {
		const char *v = ev->v[parts[i]] ? ev->v[parts[i]] : "";
		kenchi_sha256_update(ck, v, strlen(v));
		kenchi_sha256_update(ck, "\x1f", 1);
	}
	return kenchi_sha256_finish(ck, 32);
}

char *
kenchi_event_uid(const kenchi_event_t *ev)
{
	char *fp, *uid;

	if (ev->v[EV_ID])
		return g_strconcat("amp:", ev->v[EV_ID], NULL);
	fp = kenchi_event_fingerprint(ev);
	uid = g_strconcat("fp:", fp, NULL);
	g_free(fp);
	return uid;
}
