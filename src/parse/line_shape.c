/* line_shape.c: what a line or a label looks like, for the block reader
 * (extract.c): the tests that tell a wrapped value's rest, a caption, a
 * sentence, a label's note and a label's identity.  Pure functions. */
#include <string.h>
#include "parse/event.h"
#include "parse/html.h"
#include "parse/line_shape.h"
#include "parse/notes.h"
#include "parse/rules.h"

/* Q..END can be the rest of a value wrapped before a blank line: ASCII
 * (a sentence in Japanese is a note, not a path's end), no "Label: ", and
 * no space unless PATH. */
gboolean
kenchi_line_wrapped_rest(const char *q, const char *end, gboolean path)
{
	for (const char *c = q; c < end; c++) {
		if ((unsigned char)*c >= 0x80 || (*c == ' ' && !path))
			return FALSE;
		if (*c == ':' && c + 1 < end && c[1] == ' ')
			return FALSE;
	}
	return TRUE;
}

/* How many hex digits the "q=" or "s=" hash after T ("/trajectory...")
 * has when the link ends with them (0 right after "q="); -1 when it does
 * not end in one. */
static gssize
link_hash(const char *t)
{
	const char *h = strstr(t, "q=");
	gssize hex = 0;

	if (h == NULL)
		h = strstr(t, "s=");
	if (h == NULL)
		return -1;
	for (h += 2; g_ascii_isxdigit(h[hex]); hex++)
		;
	return h[hex] == '\0' ? hex : -1;
}

/* Is Q..END one token of a link's characters that begins no link of its
 * own (a wrapped link's rest)? */
static gboolean
link_token(const char *q, const char *end)
{
	if (q >= end || g_ascii_strncasecmp(q, "http", 4) == 0 || g_ascii_strncasecmp(q, "www.", 4) == 0)
		return FALSE;
	for (const char *c = q; c < end; c++)
		if ((guchar)*c <= ' ' || (guchar)*c >= 0x7f || strchr("\"<>\\^`{|}", *c))
			return FALSE;
	return TRUE;
}

gboolean
kenchi_link_rest(const char *v, const char *q, const char *end)
{
	const char *t = strstr(v, "/trajectory");
	gssize hex;

	if (!link_token(q, end))
		return FALSE;
	if (t == NULL) {
		/* Cut in the connector's id, or in "/trajectory" after it: the
		 * line goes on with what is missing (not a "--" or a word
		 * after a link to the computer alone). */
		const char *c = strstr(v, "/computers/"), *r;
		size_t g, rl, qn = (size_t)(end - q);

		if (c == NULL)
			return FALSE;
		c += strlen("/computers/");
		g = strspn(c, "0123456789abcdefABCDEF-");
		if (c[g] == '\0' && g < 36)
			return g_ascii_isxdigit(*q) || *q == '-';
		r = c + g;
		rl = strlen(r);
		if (rl >= strlen("/trajectory") || strncmp("/trajectory", r, rl) != 0)
			return FALSE;
		return strncmp(q, &"/trajectory"[rl], MIN(qn, strlen("/trajectory") - rl)) == 0;
	}
	hex = link_hash(t);
	/* The hash's rest: hex digits, then perhaps more of the query. */
	if (hex >= 0 && hex < 64)
		return g_ascii_isxdigit(*q);
	/* Whole, and the query goes on with another hash that the link's
	 * second cut left short ("&s=5e92...a35" / "59d0...", round 35a). */
	{
		const char *eq = strrchr(t, '=');
		size_t tail = eq ? strspn(eq + 1, "0123456789abcdefABCDEF") : 0;

		return eq && eq[1 + tail] == '\0' && tail > 0 && tail < 64 && g_ascii_isxdigit(*q);
	}
}

gboolean
kenchi_url_rest(const char *q, const char *end)
{
	if (!link_token(q, end))
		return FALSE;
	for (const char *c = q; c < end; c++)
		if (strchr("/?=&%", *c))
			return TRUE;
	return FALSE;
}

size_t
kenchi_link_hash_rest(const char *v, const char *q, const char *end)
{
	const char *t = strstr(v, "/trajectory");
	gssize hex = t ? link_hash(t) : -1;
	size_t n = 0;

	while (q + n < end && g_ascii_isxdigit(q[n]))
		n++;
	if (hex < 0 || n == 0 || (size_t)hex + n != 64)
		return 0;
	/* The link's query may go on after the hash ("&s=<sha256>", round
	 * 31a): up to a space or a non-ASCII byte.  Whatever a person wrote
	 * after the digits ("※確認済", "　※…", " (要ログイン)", rounds 28a,
	 * 30a) is left off the link. */
	if (q + n < end && q[n] == '&')
		while (q + n < end && (guchar)q[n] > 0x20 && (guchar)q[n] < 0x7f)
			n++;
	return n;
}

gboolean
kenchi_line_value_shaped(int f, const char *q, const char *end)
{
	size_t n = (size_t)(end - q), hex = 0;

	if (n == 0)
		return FALSE;
	switch (f) {
	case EV_SHA256:
	case EV_PARENT_SHA256:
		while (hex < n && g_ascii_isxdigit(q[hex]))
			hex++;
		return hex == n && n == 64;
	case EV_TRAJECTORY:
	case EV_URL:
		return n > 8 && g_ascii_strncasecmp(q, "http", 4) == 0 && !memchr(q, ' ', n);
	case EV_FILE_PATH:
		return n > 3 && g_ascii_isalpha(q[0]) && q[1] == ':' && q[2] == '\\';
	default:
		return FALSE;
	}
}

size_t
kenchi_line_columns(const char *s, const char *end)
{
	size_t c = 0;

	for (const guchar *p = (const guchar *)s; p < (const guchar *)end; p++)
		if (*p < 0x80)
			c++;
		else if (*p >= 0xe0)
			c += 2;
		else if (*p >= 0xc0)
			c++;
	return c;
}

gboolean
kenchi_line_hash_rest(const char *v, const char *q, const char *end)
{
	size_t vn = strlen(v), qn = (size_t)(end - q);

	if (vn + qn != 64)
		return FALSE;
	for (size_t i = 0; i < vn; i++)
		if (!g_ascii_isxdigit(v[i]))
			return FALSE;
	for (size_t i = 0; i < qn; i++)
		if (!g_ascii_isxdigit(q[i]))
			return FALSE;
	return TRUE;
}

/* Is Q..END words that cannot be field F's value, a caption of its label:
 * no path separator under a path's label, no hex digits under a hash's,
 * no "http" under a link's? */
gboolean
kenchi_line_caption_for(int f, const char *q, const char *end)
{
	size_t n = (size_t)(end - q);
	size_t hex = 0;

	if (memchr(q, '\t', n))
		return FALSE;
	switch (f) {
	case EV_FILE_PATH:
		return !memchr(q, '\\', n) && !memchr(q, '/', n) && !memchr(q, ':', n) && memchr(q, ' ', n);
	case EV_SHA256:
	case EV_PARENT_SHA256:
		for (size_t i = 0; i < n; i++)
			hex += g_ascii_isxdigit(q[i]) != 0;
		return hex < 16;
	case EV_TRAJECTORY:
		return !g_strstr_len(q, (gssize)n, "http");
	default:
		return FALSE;
	}
}

/* Is Q..END a sentence: four words or more, ending in ".", ":" or "。"? */
gboolean
kenchi_line_is_sentence(const char *q, const char *end)
{
	int words = 1;

	if (end - q >= 3 && memcmp(end - 3, "\xe3\x80\x82", 3) == 0)
		return TRUE;
	if (end == q || (end[-1] != '.' && end[-1] != ':'))
		return FALSE;
	for (const char *c = q; c < end; c++)
		words += *c == ' ' && c + 1 < end && c[1] != ' ';
	return words >= 4;
}

/* Fields whose wrapped lines join with no space: paths, links, hashes. */
gboolean
kenchi_field_is_glued(int f)
{
	return f == EV_FILE_PATH || f == EV_URL || f == EV_SHA256 || f == EV_PARENT_SHA256 || f == EV_TRAJECTORY;
}

/* Does the name S (N bytes) end in a file's extension: a dot, then two
 * to five letters or digits, at least one a letter ("Release 2.1" does
 * not)? */
gboolean
kenchi_name_has_extension(const char *s, size_t n)
{
	const char *dot = g_strrstr_len(s, (gssize)n, ".");
	size_t k, letters = 0;

	if (dot == NULL || (size_t)(s + n - dot - 1) < 2 || (size_t)(s + n - dot - 1) > 5)
		return FALSE;
	for (k = 1; dot + k < s + n; k++) {
		if (!g_ascii_isalnum(dot[k]))
			return FALSE;
		letters += g_ascii_isalpha(dot[k]) != 0;
	}
	return letters > 0;
}

size_t
kenchi_cut_label_colon(char *c, size_t cl)
{
	cl -= kenchi_label_colon_len(c, cl);
	c[cl] = '\0';
	return cl;
}

size_t
kenchi_label_colon_len(const char *c, size_t cl)
{
	if (cl && c[cl - 1] == ':')
		return 1;
	return cl >= 3 && memcmp(c + cl - 3, KENCHI_FULLWIDTH_COLON, 3) == 0 ? 3 : 0;
}

/* Fields whose value is one word, never wrapped: a name or an id.  What
 * follows one under it is another datum (an address, a file's path). */
gboolean
kenchi_field_is_one_word(int f)
{
	return f == EV_HOSTNAME || f == EV_CONNECTOR_GUID || f == EV_ID || f == EV_EVENT_TYPE_ID ||
	    f == EV_DETECTION_ID || f == EV_FILE_NAME || f == EV_PARENT_FILE_NAME;
}

/* Is Q..END a clock time alone ("07:12:31", "16:12 JST", "07:12:31 UTC")?  Or "16時12分31秒". */
gboolean
kenchi_line_is_time(const char *q, const char *end)
{
	const char *c = q;
	int d = 0;

	while (c < end && g_ascii_isdigit(*c) && d < 3)
		c++, d++;
	if (d < 1 || d > 2 || c >= end)
		return FALSE;
	/* "16時12分31秒", as a Japanese console writes it. */
	if (end - c >= 3 && memcmp(c, "\xe6\x99\x82", 3) == 0) {   /* 時 */
		c += 3;
		for (d = 0; c < end && g_ascii_isdigit(*c) && d < 3; c++, d++)
			;
		if (d < 1 || d > 2 || end - c < 3 || memcmp(c, "\xe5\x88\x86", 3) != 0)   /* 分 */
			return FALSE;
		c += 3;
		for (d = 0; c < end && g_ascii_isdigit(*c) && d < 3; c++, d++)
			;
		if (d > 0 && (d > 2 || end - c < 3 || memcmp(c, "\xe7\xa7\x92", 3) != 0))   /* 秒 */
			return FALSE;
		if (d > 0)
			c += 3;
		return end - c <= 24 && !g_strstr_len(c, end - c, ": ");
	}
	if (*c != ':')
		return FALSE;
	c++;
	if (end - c < 2 || !g_ascii_isdigit(c[0]) || !g_ascii_isdigit(c[1]))
		return FALSE;
	c += 2;
	if (c < end && *c == ':') {
		if (end - c < 3 || !g_ascii_isdigit(c[1]) || !g_ascii_isdigit(c[2]))
			return FALSE;
		c += 3;
	}
	/* A zone or a note after it, short and no label. */
	return end - c <= 24 && (c == end || *c == ' ' || *c == '.' || *c == '(' || *c == '+' || *c == '-' ||
	    (unsigned char)*c >= 0x80) && !g_strstr_len(c, end - c, ": ");
}

/* A cell broken in pieces (KENCHI_HTML_CELL_BREAK, html.c): a path, a
 * link or a hash goes on without a space - a hash already written in
 * groups ("15403904 ae1a8499 ...") with one - and prose with one.  A name
 * or an id is one word: what a template puts under it ("PC-01<br>192.0.2.1")
 * is another field's.  In place; returns v, stripped. */
char *
kenchi_cell_join(int field, char *v)
{
	char *r = v, *w = v;
	gboolean sha = field == EV_SHA256 || field == EV_PARENT_SHA256;
	gboolean glue = kenchi_field_is_glued(field) && !(sha && strchr(v, ' '));
	gboolean one = kenchi_field_is_one_word(field);

	if (strchr(v, KENCHI_HTML_CELL_BREAK[0]) == NULL)
		return v;
	if (sha) {
		/* A hash's pieces are hex; a button's word under it ("Copy")
		 * is not part of it. */
		char *p = v, *q;

		while (*p) {
			size_t k = strcspn(p, KENCHI_HTML_CELL_BREAK);

			for (q = p; q < p + k && (g_ascii_isxdigit(*q) || *q == ' '); q++)
				;
			if (q < p + k) {
				memmove(p, p + k + (p[k] != '\0'), strlen(p + k + (p[k] != '\0')) + 1);
				continue;
			}
			p += k + (p[k] != '\0');
		}
		r = w = v;
	}
	for (; *r; r++) {
		if (*r != KENCHI_HTML_CELL_BREAK[0])
			*w++ = *r;
		else if (one && w > v)
			break;
		else if (!glue && w > v && w[-1] != ' ')
			*w++ = ' ';
	}
	*w = '\0';
	return g_strstrip(v);
}

/* A label's identity: its bytes, ASCII case and spaces aside. */
guint
kenchi_label_id(const char *s, size_t n)
{
	guint h = 5381;

	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			h = h * 33 + (guchar)g_ascii_tolower(s[i]);
	return h | 1;   /* never 0, which is "unset" */
}

/* The note in brackets that ends a label ("Date (UTC)", "検知日時（日本時
 * 間）"): *NS, *NN; FALSE when there is none. */
gboolean
kenchi_label_note(const char *s, size_t n, const char **ns, size_t *nn)
{
	const char *e, *o = NULL;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n > 1 && s[n - 1] == ')')
		e = s + n - 1;
	else if (n > 3 && memcmp(s + n - 3, "\xef\xbc\x89", 3) == 0)
		e = s + n - 3;
	else
		return FALSE;
	for (o = e; o > s; o--)
		if (o[-1] == '(' || (o - s >= 3 && memcmp(o - 3, "\xef\xbc\x88", 3) == 0))
			break;
	if (o == s)
		return FALSE;
	*ns = o;
	*nn = (size_t)(e - o);
	return *nn > 0;
}

/* K (a normalized label) without the spaces that touch a non-ASCII
 * character, in place; FALSE when it had none.  Japanese puts no spaces
 * between words, so in "イベント タイプ" or "Cloud IOC での検出名" a space
 * is layout, not part of the label. */
static gboolean
drop_cjk_spaces(char *k)
{
	char *o = k;
	const char *p;
	gboolean dropped = FALSE;

	for (p = k; *p; p++) {
		if (*p == ' ' && o > k && p[1] &&
		    (((unsigned char)o[-1] & 0x80) || ((unsigned char)p[1] & 0x80))) {
			dropped = TRUE;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return dropped;
}

int
kenchi_label_lookup(const kenchi_rule_t *r, const char *s, size_t n)
{
	char *k = kenchi_rules_norm_label(s, n);
	int f = GPOINTER_TO_INT(g_hash_table_lookup(r->labels, k)) - 1;

	if (f < 0 && drop_cjk_spaces(k))
		f = GPOINTER_TO_INT(g_hash_table_lookup(r->labels, k)) - 1;
	if (f < 0 && g_hash_table_contains(r->resets, k))
		f = -2;
	/* A label with a note in brackets: its translation ("イベントタイプ
	 * (Event Type)", "Date (日時)"), or a qualifier ("File Path (full)",
	 * "検知日時（日本時間）", "Public IP (NAT)").  The label outside
	 * counts, unless the note is a label of another field.  A qualifier
	 * that changes what the value is ("File Hash (MD5)") still names the
	 * field, but the value does not pass its check (32 hex digits are no
	 * SHA-256), and a field's first value is not replaced under another
	 * label (set_field).  Labels that hold brackets themselves
	 * ("ハッシュ値(SHA-256)") were found whole above. */
	if (f == -1 && n > 2 && (s[n - 1] == ')' || (n > 3 && memcmp(s + n - 3, "\xef\xbc\x89", 3) == 0))) {
		size_t close = s[n - 1] == ')' ? 1 : 3;
		const char *o = s + n - close;

		while (o > s && *o != '(' && !(o - s >= 3 && memcmp(o - 2, "\xef\xbc\x88", 3) == 0))
			o--;
		if (o > s) {
			const char *in = o + 1;
			const char *out_end = *o == '(' ? o : o - 2;
			size_t on = (size_t)(out_end - s), inn = in < s + n - close ? (size_t)(s + n - close - in) : 0;
			int outer = kenchi_label_lookup(r, s, on);
			int inner = inn ? kenchi_label_lookup(r, in, inn) : -1;
			/* The note may make the label another field's ("IP Address
			 * (External)" is External IP Address): the two put together
			 * first, either way round. */
			char *a = g_strdup_printf("%.*s %.*s", (int)inn, in, (int)on, s);
			char *b = g_strdup_printf("%.*s%.*s", (int)inn, in, (int)on, s);
			int both = kenchi_label_lookup(r, a, strlen(a));

			if (both < 0)
				both = kenchi_label_lookup(r, b, strlen(b));
			g_free(a);
			g_free(b);
			if (inn && both >= 0)
				f = both;
			else if (outer >= 0 && (inner < 0 || inner == outer))
				f = outer;
		}
	}
	g_free(k);
	return f;
}

/* Is S..C (a line's text before its colon) a forwarded message's header
 * word?  A forward's "From:", "Date:", "Subject:", "To:" are no fields of
 * the alert: a Gmail text/plain that flattened the alert's table kept
 * only them, and hid the HTML that has the table. */
static gboolean
forward_header(const char *s, const char *c)
{
	static const char *const words[] = { "From", "To", "Cc", "Date", "Sent", "Subject", "Reply-To",
		"\xe5\xb7\xae\xe5\x87\xba\xe4\xba\xba", "\xe9\x80\x81\xe4\xbf\xa1\xe6\x97\xa5\xe6\x99\x82",
		"\xe5\xae\x9b\xe5\x85\x88", "\xe4\xbb\xb6\xe5\x90\x8d", NULL };   /* 差出人 送信日時 宛先 件名 */
	gsize n;

	while (s < c && (*s == ' ' || *s == '>' || *s == '*'))
		s++;
	n = (gsize)(c - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '*'))
		n--;
	for (int k = 0; words[k]; k++)
		if (strlen(words[k]) == n && g_ascii_strncasecmp(s, words[k], n) == 0)
			return TRUE;
	return FALSE;
}

/* Is the colon at C (of a line ending at E) a label's: white space, the
 * line's end, or a bold mark's end and then one of those, after it? */
static gboolean
label_colon(const char *c, const char *e)
{
	const char *v = c + 1;

	if (v < e && *v == '*')
		v++;
	if (v < e && *v == '*')
		v++;
	return v >= e || *v == ' ' || *v == '\t' || *v == '\r';
}

int
kenchi_field_lines(const char *s, gsize len)
{
	const char *end = s + len;
	int n = 0;

	while (s < end && n < KENCHI_FIELD_LINES_REAL) {
		const char *nl = memchr(s, '\n', (gsize)(end - s));
		const char *e = nl ? nl : end, *c;
		gboolean colon = FALSE;

		/* A link is no field: a placeholder of links ("View the event
		 * online: https://...") hid the HTML part.  So the first colon
		 * counts when what follows it is not a URL. */
		/* A label's colon is followed by white space or the line's end;
		 * those inside values are not ("07:12:31", "W32.Auto:", "C:\\"). */
		/* Gmail's text of an HTML alert bolds the label, colon inside:
		 * "*Event Type:* Threat Detected". */
		for (c = memchr(s, ':', (gsize)(e - s)); c && c + 1 < e && !label_colon(c, e);
		     c = memchr(c + 1, ':', (gsize)(e - c - 1)))
			;
		if (c != NULL) {
			const char *v = c + 1 + strspn(c + 1, "*");

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			colon = !(e - c >= 3 && c[1] == '/' && c[2] == '/') &&
			    !(e - v >= 4 && g_ascii_strncasecmp(v, "http", 4) == 0) && !forward_header(s, c);
		}
		if (colon || memchr(s, '\t', (gsize)(e - s)) ||
		    g_strstr_len(s, e - s, KENCHI_FULLWIDTH_COLON))
			n++;
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	return n;
}

gboolean
kenchi_line_cve(const char *q, const char *end)
{
	static const char *const bullets[] = { "-", "*", "+", "\xe3\x83\xbb" /* ・ */, "\xe2\x80\xa2" /* • */,
		"\xe2\x97\x8f" /* ● */, "\xe2\x96\xa0" /* ■ */, NULL };

	for (int k = 0; bullets[k]; k++) {
		gsize n = strlen(bullets[k]);

		if ((gsize)(end - q) > n && memcmp(q, bullets[k], n) == 0) {
			q += n;
			break;
		}
	}
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return end - q >= 9 && g_ascii_strncasecmp(q, "CVE-", 4) == 0 && g_ascii_isdigit(q[4]);
}
