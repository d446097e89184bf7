/* commands.c: find and read the block of commands at the top of an
 * analyst's reply (see commands.h and kenchi-commands(7)): its lines, their
 * keywords, continuation lines and where the block ends.  Each command's
 * value is checked by commands_value.c; the white-space and folding helpers
 * are in commands_text.c.  The list and every string in it belong to the
 * caller, freed with kenchi_commands_free().
 *
 * The command block ends at the first of these, and nothing after it is
 * read, so a quoted notice that happens to hold "verdict: benign" is inert:
 *   - a blank line (only spaces, tabs, U+3000, NBSP) once a command was seen;
 *     blank lines before the first command are skipped;
 *   - the gap between two HTML paragraphs (a KENCHI_HTML_PARA_GAP line),
 *     unless the line after it is a command: an editor shows one at every
 *     line typed;
 *   - a quoted line: ">" or full-width "＞", after optional spaces;
 *   - a line beginning "--": the signature "-- " (and the "--" that clients
 *     strip it to), "-----Original Message-----", "-----元のメッセージ-----",
 *     "---------- Forwarded message ---------";
 *   - Outlook's line of underscores (10 or more);
 *   - a reply header that is not itself a command line: "On ... wrote:"
 *     (also wrapped onto two lines), any line ending "wrote:" or
 *     "書きました:", a line ending ":" that holds "<addr@host>" (Gmail's
 *     "2026年11月25日(水) 10:00 Taro <taro@example.jp>:", also wrapped after
 *     "<"), and "From:"/"差出人:" followed by "Sent:"/"Date:"/"送信日時:"/"日付:".
 * Header detection is skipped for lines that start with a known keyword and
 * a colon, so "note: asked <x@example.jp> about it:" stays a command.
 *
 * Decisions a reader may question:
 *   - Every line becomes an entry, good or bad, so the transcript can echo
 *     each one (debbugs control@ style) and the caller can refuse the whole
 *     mail when errors > 0.  A line that is not a command is an error rather
 *     than the silent end of the block: a typo must not be dropped unseen.
 *   - Hostile mail is bounded: at most KENCHI_CMD_MAX entries (the next line
 *     is one error and parsing stops), and a line or joined value is read
 *     only up to about KENCHI_CMD_VALUE_MAX bytes, so a 1 MB line costs one
 *     scan and a 4 KB copy.  Invalid UTF-8 becomes U+FFFD; a NUL or other
 *     control character in a command line makes that line an error, since
 *     it would otherwise end up in the database and in terminals. */
#include <string.h>
#include "reply/commands_int.h"
#include "parse/html.h"

/* A logical line is read up to this many bytes: a full value plus room for
 * the keyword and a colon.  Beyond it the value is too long anyway. */
#define LINE_CAP (KENCHI_CMD_VALUE_MAX + 256)

typedef struct {
	const char *name;   /* NFKC + case-folded */
	kenchi_cmd_kind_t kind;
} keyword_t;

static const keyword_t keywords[] = {
	{ "verdict", KENCHI_CMD_VERDICT },       { "判定", KENCHI_CMD_VERDICT },
	{ "state", KENCHI_CMD_STATE },           { "状態", KENCHI_CMD_STATE },
	{ "reason", KENCHI_CMD_REASON },         { "検知理由", KENCHI_CMD_REASON },
	{ "理由", KENCHI_CMD_REASON },
	{ "summary", KENCHI_CMD_SUMMARY },       { "概要", KENCHI_CMD_SUMMARY },
	{ "検体概要", KENCHI_CMD_SUMMARY },
	{ "action", KENCHI_CMD_ACTION },         { "対応", KENCHI_CMD_ACTION },
	{ "お願い事項", KENCHI_CMD_ACTION },
	{ "prevention", KENCHI_CMD_PREVENTION }, { "再発防止策", KENCHI_CMD_PREVENTION },
	{ "再発防止", KENCHI_CMD_PREVENTION },
	{ "assign", KENCHI_CMD_ASSIGN },         { "担当", KENCHI_CMD_ASSIGN },
	{ "担当者", KENCHI_CMD_ASSIGN },
	{ "priority", KENCHI_CMD_PRIORITY },     { "優先度", KENCHI_CMD_PRIORITY },
	{ "note", KENCHI_CMD_NOTE },             { "メモ", KENCHI_CMD_NOTE },
	{ "備考", KENCHI_CMD_NOTE },
	{ "allow", KENCHI_CMD_ALLOW },           { "許可", KENCHI_CMD_ALLOW },
	{ "block", KENCHI_CMD_BLOCK },           { "ブロック", KENCHI_CMD_BLOCK },
	{ "merge", KENCHI_CMD_MERGE },           { "統合", KENCHI_CMD_MERGE },
	{ "close", KENCHI_CMD_CLOSE },           { "クローズ", KENCHI_CMD_CLOSE },
	{ "reopen", KENCHI_CMD_REOPEN },         { "再オープン", KENCHI_CMD_REOPEN },
	{ "send", KENCHI_CMD_SEND },             { "送信", KENCHI_CMD_SEND },
	{ "help", KENCHI_CMD_HELP },             { "ヘルプ", KENCHI_CMD_HELP },
};

const char *const kenchi_cmd_kind_names[] = {
	[KENCHI_CMD_VERDICT] = "verdict",   [KENCHI_CMD_STATE] = "state",
	[KENCHI_CMD_REASON] = "reason",     [KENCHI_CMD_SUMMARY] = "summary",
	[KENCHI_CMD_ACTION] = "action",     [KENCHI_CMD_PREVENTION] = "prevention",
	[KENCHI_CMD_ASSIGN] = "assign",     [KENCHI_CMD_PRIORITY] = "priority",
	[KENCHI_CMD_NOTE] = "note",         [KENCHI_CMD_ALLOW] = "allow",
	[KENCHI_CMD_BLOCK] = "block",       [KENCHI_CMD_MERGE] = "merge",
	[KENCHI_CMD_CLOSE] = "close",       [KENCHI_CMD_REOPEN] = "reopen",
	[KENCHI_CMD_SEND] = "send",         [KENCHI_CMD_HELP] = "help",
};

/* ---- lines -------------------------------------------------------------- */

/* Next physical line of the body: [*lp, *lp + *ln) without CR LF. */
static gboolean
next_line(const char **pos, const char *end, const char **lp, gsize *ln)
{
	const char *p = *pos, *nl;

	if (p >= end)
		return FALSE;
	nl = memchr(p, '\n', end - p);
	*lp = p;
	*ln = (nl != NULL ? nl : end) - p;
	if (*ln > 0 && p[*ln - 1] == '\r')
		(*ln)--;
	*pos = nl != NULL ? nl + 1 : end;
	return TRUE;
}

/* A copy of a physical line that is safe to store and echo: at most
 * LINE_CAP bytes (*cut when shortened), valid UTF-8, tabs as spaces, other
 * C0/C1 controls and NUL as U+FFFD (*bad when there were any). */
static char *
clean_line(const char *p, gsize n, gboolean *bad, gboolean *cut)
{
	GString *out;
	char *valid;
	const guchar *u;

	*bad = FALSE;
	*cut = FALSE;
	if (n > LINE_CAP) {
		n = LINE_CAP;
		while (n > 0 && ((guchar)p[n] & 0xC0) == 0x80)
			n--;
		*cut = TRUE;
	}
	if (memchr(p, '\0', n) != NULL)
		*bad = TRUE;
	valid = g_utf8_make_valid(p, n);   /* NUL and bad bytes become U+FFFD */
	out = g_string_sized_new(strlen(valid));
	for (u = (const guchar *)valid; *u; u++) {
		if (*u == '\t') {
			g_string_append_c(out, ' ');
		} else if (*u < 0x20 || *u == 0x7F) {
			g_string_append(out, "\xEF\xBF\xBD");
			*bad = TRUE;
		} else if (u[0] == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F) {
			/* C1 controls: 0x9B is a CSI to some terminals */
			g_string_append(out, "\xEF\xBF\xBD");
			*bad = TRUE;
			u++;
		} else {
			g_string_append_c(out, (char)*u);
		}
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

static gboolean
is_quote_line(const char *p, const char *end)
{
	p = kenchi_cmd_skip_space(p, end);
	return (p < end && *p == '>') || (end - p >= 3 && memcmp(p, "＞", 3) == 0);
}

/* Position of the first ':' or '：' in S, and the byte after it. */
static const char *
find_colon(const char *s, const char **after)
{
	const char *a = strchr(s, ':');
	const char *b = strstr(s, "：");

	if (b != NULL && (a == NULL || b < a)) {
		*after = b + strlen("：");
		return b;
	}
	if (a != NULL)
		*after = a + 1;
	return a;
}

static gboolean
keyword_kind(const char *p, const char *end, kenchi_cmd_kind_t *kind)
{
	char *kw, *f;
	gboolean found = FALSE;

	p = kenchi_cmd_skip_space(p, end);
	end = kenchi_cmd_rskip_space(p, end);
	if (p == end || end - p > 64)
		return FALSE;
	kw = g_strndup(p, end - p);
	f = kenchi_cmd_fold(kw);
	for (gsize i = 0; i < G_N_ELEMENTS(keywords); i++)
		if (strcmp(keywords[i].name, f) == 0) {
			*kind = keywords[i].kind;
			found = TRUE;
			break;
		}
	g_free(kw);
	g_free(f);
	return found;
}

/* The keyword [P, END) is one typo away from: one letter wrong, missing,
 * extra or two swapped ("verdct", "prioirty"), two in a long keyword.
 * NULL when it is none's, or no ASCII word. */
static const char *
near_keyword(const char *p, const char *end)
{
	gsize n = (gsize)(end - p);
	char w[24];

	if (n < 3 || n >= sizeof w)
		return NULL;
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isalpha(p[i]))
			return NULL;
		else
			w[i] = g_ascii_tolower(p[i]);
	w[n] = '\0';
	for (gsize k = 0; k < G_N_ELEMENTS(kenchi_cmd_kind_names); k++) {
		const char *kw = kenchi_cmd_kind_names[k];
		gsize m = kw ? strlen(kw) : 0, d[24][24];

		if (kw == NULL || m > n + 2 || n > m + 2)
			continue;
		/* Damerau-Levenshtein (optimal string alignment) */
		for (gsize i = 0; i <= n; i++)
			d[i][0] = i;
		for (gsize j = 0; j <= m; j++)
			d[0][j] = j;
		for (gsize i = 1; i <= n; i++)
			for (gsize j = 1; j <= m; j++) {
				gsize c = w[i - 1] == kw[j - 1] ? 0 : 1;

				d[i][j] = MIN(MIN(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + c);
				if (i > 1 && j > 1 && w[i - 1] == kw[j - 2] && w[i - 2] == kw[j - 1])
					d[i][j] = MIN(d[i][j], d[i - 2][j - 2] + 1);
			}
		if (d[n][m] > 0 && d[n][m] <= (m >= 6 ? 2u : 1u))
			return kw;
	}
	return NULL;
}

static gboolean
is_keyword_line(const char *s)
{
	const char *after, *colon = find_colon(s, &after);
	kenchi_cmd_kind_t k;

	return colon != NULL && keyword_kind(s, colon, &k);
}

static gboolean
ends_with(const char *s, const char *suffix)
{
	const char *end = kenchi_cmd_rskip_space(s, s + strlen(s));
	gsize n = strlen(suffix);

	return (gsize)(end - s) >= n && memcmp(end - n, suffix, n) == 0;
}

static gboolean
ends_with_colon(const char *s)
{
	return ends_with(s, ":") || ends_with(s, "：");
}

/* "<" then "@" then ">": an address, as reply headers quote it. */
static gboolean
has_address(const char *s)
{
	const char *lt = strchr(s, '<');
	const char *at = lt != NULL ? strchr(lt, '@') : NULL;

	return at != NULL && strchr(at, '>') != NULL;
}

/* S is not a keyword line; NEXT is the line after it (maybe NULL). */
static gboolean
is_reply_header(const char *s, const char *next)
{
	const char *lt;

	if (g_str_has_prefix(s, "__________"))
		return TRUE;
	if (ends_with(s, "wrote:") || ends_with(s, "書きました:") || ends_with(s, "書きました："))
		return TRUE;
	if (ends_with_colon(s) && has_address(s))
		return TRUE;
	if (next == NULL)
		return FALSE;
	if (g_str_has_prefix(s, "On ") && ends_with(next, "wrote:"))
		return TRUE;
	/* Gmail wraps a long header after the "<" of the address. */
	lt = strrchr(s, '<');
	if (lt != NULL && strchr(lt, '>') == NULL && ends_with_colon(next) && strchr(next, '>') != NULL)
		return TRUE;
	if ((g_str_has_prefix(s, "From:") || g_str_has_prefix(s, "差出人:") || g_str_has_prefix(s, "差出人："))
	    && (g_str_has_prefix(next, "Sent:") || g_str_has_prefix(next, "Date:")
		|| g_str_has_prefix(next, "送信日時:") || g_str_has_prefix(next, "送信日時：")
		/* Outlook for Mac in Japanese (round 37a) */
		|| g_str_has_prefix(next, "日付:") || g_str_has_prefix(next, "日付：")))
		return TRUE;
	return FALSE;
}

/* CLEAN, a line whose next starts at POS, is a reply header. */
static gboolean
header_here(const char *clean, const char *pos, const char *end)
{
	const char *np;
	gsize nn;
	gboolean bad, cut, hdr;
	char *next = NULL;

	if (next_line(&pos, end, &np, &nn))
		next = clean_line(np, nn, &bad, &cut);
	hdr = is_reply_header(clean, next);
	g_free(next);
	return hdr;
}

/* ---- the block ---------------------------------------------------------- */

typedef struct {
	GString *text;
	int line;
	gboolean bad;   /* NUL or control character */
	gboolean cut;   /* longer than LINE_CAP */
	gboolean free_text;   /* state, reason, summary, action, prevention, note */
	gsize last_cols;      /* display width of its last physical line */
} pending_t;

/* A mail client that wraps long lines (Gmail's plain-text mode at 78
 * columns, Becky! at 72) cuts a line of free text without indenting the
 * rest (round 36a: "not a command", and nothing applied).  After a line
 * at least this wide, a line that is no command is its rest. */
#define WRAP_COLS 60
/* ... and no wider than a client wraps (78, with a full-width character
 * that did not fit): a longer line was not wrapped, so what follows it is
 * not its rest (round 37a: a disclaimer after a 90-column action). */
#define WRAP_MAX_COLS 80

static gsize
columns(const char *s)
{
	gsize n = 0;

	for (const char *p = s; *p; p = g_utf8_next_char(p))
		n += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	return n;
}

/* "close", "reopen", "help": a command of one word, no colon. */
static gboolean
bare_keyword(const char *s)
{
	kenchi_cmd_kind_t k;

	return keyword_kind(s, s + strlen(s), &k);
}

/* NEXT is the wrapped rest of the line that ended PREV, not a line of
 * its own (round 37a: a mistyped command, a disclaimer and "Sent from my
 * iPhone" were joined into an action, and went to the customer).  A
 * client wraps inside a sentence: a line that ends one is whole.  What
 * looks like a command, a label, an address or a mobile signature is
 * never a rest: it stays a line, and an error when it is no command. */
static gboolean
wrapped_rest(const char *prev, const char *next)
{
	static const char *const ends[] = { ".", "\u3002", "!", "\uff01", "?", "\uff1f", ")", "\uff09", "\u300d",
		":", "\uff1a", NULL };
	static const char *const sigs[] = { "sent from", "get outlook", "\u9001\u4fe1", NULL };
	const char *pe = kenchi_cmd_rskip_space(prev, prev + strlen(prev)), *w = next, *we;
	kenchi_cmd_kind_t k;
	char *low;
	gboolean sig = FALSE;

	for (int i = 0; ends[i]; i++) {
		gsize n = strlen(ends[i]);
		if ((gsize)(pe - prev) >= n && memcmp(pe - n, ends[i], n) == 0)
			return FALSE;
	}
	if (bare_keyword(next) || strchr(next, ':') || strstr(next, "\uff1a") || strchr(next, '@'))
		return FALSE;
	/* "prevention enable ASR": a command with its colon missing. */
	const char *end = next + strlen(next);
	for (we = w; we < end && kenchi_cmd_space_len(we, end) == 0; we++)
		;
	if (we > w && keyword_kind(w, we, &k))
		return FALSE;
	low = g_ascii_strdown(next, -1);
	for (int i = 0; sigs[i] && !sig; i++)
		sig = strstr(low, sigs[i]) != NULL;
	g_free(low);
	return !sig;
}

static gboolean
free_text_line(const char *s)
{
	const char *after, *colon = find_colon(s, &after);
	kenchi_cmd_kind_t k;

	if (colon == NULL || !keyword_kind(s, colon, &k))
		return FALSE;
	return k == KENCHI_CMD_STATE || k == KENCHI_CMD_REASON || k == KENCHI_CMD_SUMMARY || k == KENCHI_CMD_ACTION ||
	    k == KENCHI_CMD_PREVENTION || k == KENCHI_CMD_NOTE;
}

static void
command_free(gpointer p)
{
	kenchi_command_t *c = p;

	if (c == NULL)
		return;
	g_free(c->text);
	g_free(c->value);
	g_free(c->level);
	g_free(c->list_kind);
	g_free(c->list_value);
	g_free(c->error);
	g_free(c);
}

static void
push(kenchi_command_list_t *l, kenchi_command_t *c)
{
	if (c->error != NULL) {
		/* a half-parsed command must not look usable */
		g_clear_pointer(&c->value, g_free);
		g_clear_pointer(&c->level, g_free);
		g_clear_pointer(&c->list_kind, g_free);
		g_clear_pointer(&c->list_value, g_free);
		c->number = 0;
		l->errors++;
	}
	g_ptr_array_add(l->cmds, c);
}

/* Turn a finished logical line into an entry. */
static void
finish(kenchi_command_list_t *l, pending_t *pd)
{
	kenchi_command_t *c = g_new0(kenchi_command_t, 1);
	const char *s = pd->text->str, *after = NULL, *colon;
	kenchi_cmd_kind_t kind;

	c->line = pd->line;
	c->kind = KENCHI_CMD_NOTE;
	if (pd->cut) {
		gsize n = MIN(pd->text->len, (gsize)KENCHI_CMD_VALUE_MAX);
		while (n > 0 && ((guchar)s[n] & 0xC0) == 0x80)
			n--;
		c->text = g_strdup_printf("%.*s…", (int)n, s);
	} else {
		c->text = g_strdup(s);
	}
	colon = find_colon(s, &after);
	if (colon != NULL && keyword_kind(s, colon, &kind)) {
		char *val = kenchi_cmd_strip_dup(after, s + pd->text->len);

		c->kind = kind;
		if (pd->bad)
			kenchi_cmd_set_error(c, g_strdup("NUL byte or control character in the line"));
		else if (pd->cut || strlen(val) > KENCHI_CMD_VALUE_MAX)
			kenchi_cmd_set_error(c, g_strdup_printf("value longer than %d bytes", KENCHI_CMD_VALUE_MAX));
		else
			kenchi_cmd_parse_value(c, val);
		g_free(val);
	} else if (colon == NULL && keyword_kind(s, s + pd->text->len, &kind)) {
		/* a bare "close", "reopen" or "help" needs no colon */
		c->kind = kind;
		if (kind == KENCHI_CMD_CLOSE || kind == KENCHI_CMD_REOPEN || kind == KENCHI_CMD_HELP)
			c->value = g_strdup("");
		else
			kenchi_cmd_set_error(c, g_strdup_printf("missing \":\" after \"%s\"", kenchi_cmd_kind_names[kind]));
	} else {
		/* "verdict malicious": name the slip rather than just refusing */
		const char *end = s + (colon != NULL ? (gsize)(colon - s) : pd->text->len);
		const char *w = kenchi_cmd_skip_space(s, end), *we = w, *near;
		while (we < end && kenchi_cmd_space_len(we, end) == 0)
			we++;
		if (colon == NULL && we < end && keyword_kind(w, we, &kind))
			kenchi_cmd_set_error(c, g_strdup_printf("missing \":\" after \"%.*s\"", (int)(we - w), w));
		else if (colon != NULL && kenchi_cmd_skip_space(we, end) == end && (near = near_keyword(w, we)) != NULL)
			kenchi_cmd_set_error(c, g_strdup_printf("unknown keyword \"%.*s\" (did you mean \"%s\"?)",
			    (int)(we - w), w, near));
		else
			kenchi_cmd_set_error(c, g_strdup("not a command (expected \"keyword: value\"; send \"help\" for the list)"));
	}
	push(l, c);
}

/* The line is KENCHI_HTML_PARA_GAP alone (html.h). */
static gboolean
is_para_gap(const char *lp, const char *le)
{
	gsize n = sizeof KENCHI_HTML_PARA_GAP - 1;

	return (gsize)(le - lp) == n && memcmp(lp, KENCHI_HTML_PARA_GAP, n) == 0;
}

/* The first line after POS that is not blank looks like a command. */
static gboolean
command_follows(const char *pos, const char *end)
{
	const char *lp;
	gsize ln;

	while (next_line(&pos, end, &lp, &ln)) {
		if (kenchi_cmd_is_blank(lp, lp + ln) || is_para_gap(lp, lp + ln))
			continue;
		return !is_quote_line(lp, lp + ln) && kenchi_commands_line_is_command(lp, ln);
	}
	return FALSE;
}

/* The paragraph after POS is commands: each of its lines, up to the next
 * paragraph gap or where commands end (a blank line, a quote, a "--"
 * line, a reply header, the end), is a command or continues one. */
static gboolean
paragraph_of_commands(const char *pos, const char *end)
{
	const char *lp;
	gsize ln;

	while (next_line(&pos, end, &lp, &ln)) {
		gboolean bad, cut, header;
		char *clean;

		if (is_para_gap(lp, lp + ln) || kenchi_cmd_is_blank(lp, lp + ln) || is_quote_line(lp, lp + ln) ||
		    (ln >= 2 && lp[0] == '-' && lp[1] == '-'))
			break;
		if (kenchi_cmd_space_len(lp, lp + ln) > 0 || kenchi_commands_line_is_command(lp, ln))
			continue;
		/* OWA's "差出人: ... / 送信日時: ..." right under the last
		 * paragraph (round 37a H08) */
		clean = clean_line(lp, ln, &bad, &cut);
		header = header_here(clean, pos, end);
		g_free(clean);
		return header;
	}
	return TRUE;
}

kenchi_command_list_t *
kenchi_commands_parse_len(const char *body, gssize len)
{
	return kenchi_commands_parse_text(body, len, TRUE);
}

kenchi_command_list_t *
kenchi_commands_parse_text(const char *body, gssize len, gboolean wrapped)
{
	kenchi_command_list_t *l = g_new0(kenchi_command_list_t, 1);
	const char *pos, *end, *lp;
	gsize ln;
	int lineno = 0;
	pending_t pd = { NULL, 0, FALSE, FALSE, FALSE, 0 };

	l->cmds = g_ptr_array_new_with_free_func(command_free);
	if (body == NULL)
		goto done;
	pos = body;
	end = body + (len < 0 ? strlen(body) : (gsize)len);
	if (end - pos >= 3 && memcmp(pos, "\xEF\xBB\xBF", 3) == 0)   /* BOM */
		pos += 3;

	while (next_line(&pos, end, &lp, &ln)) {
		const char *le = lp + ln;
		gboolean bad, cut;
		char *clean;

		lineno++;
		if (is_para_gap(lp, le)) {
			const char *peek = pos, *np;
			gsize nn;

			/* An HTML editor's gap between paragraphs: read on when
			 * the next paragraph is commands, else it is a blank line
			 * (round 36a: only the first command of an editor that
			 * makes a paragraph of each line was read; round 41a: a
			 * signature's "担当：田中" over its other lines set the
			 * assignee). */
			if (next_line(&peek, end, &np, &nn) && !kenchi_cmd_is_blank(np, np + nn) &&
			    !is_para_gap(np, np + nn) && paragraph_of_commands(pos, end))
				continue;
			lp = le;   /* read as the blank line it shows */
		}
		if (kenchi_cmd_is_blank(lp, le)) {
			if (pd.text == NULL && l->cmds->len == 0)
				continue;   /* leading blank lines */
			/* A blank line ends the commands.  Reading on when a
			 * command-like line came next let a signature's "対応：
			 * SOC 田中" overwrite the action unseen (round 38a), so
			 * the transcript says instead that one was not read
			 * (round 36a: dropped unseen). */
			l->more_after_blank = command_follows(pos, end);
			break;
		}
		if (is_quote_line(lp, le) || (ln >= 2 && lp[0] == '-' && lp[1] == '-'))
			break;
		clean = clean_line(lp, ln, &bad, &cut);
		if (kenchi_cmd_space_len(lp, le) > 0 && pd.text != NULL) {
			/* continuation: join with one space, up to the cap */
			const char *sp = kenchi_cmd_skip_space(clean, clean + strlen(clean));
			const char *se = kenchi_cmd_rskip_space(sp, sp + strlen(sp));
			pd.bad |= bad;
			if (pd.text->len + 1 + (se - sp) > LINE_CAP || cut) {
				pd.cut = TRUE;
			} else {
				g_string_append_c(pd.text, ' ');
				g_string_append_len(pd.text, sp, se - sp);
			}
			pd.last_cols = columns(clean);
			g_free(clean);
			continue;
		}
		if (!is_keyword_line(clean)) {
			if (header_here(clean, pos, end)) {
				g_free(clean);
				break;
			}
			if (wrapped && pd.text != NULL && pd.free_text && pd.last_cols >= WRAP_COLS &&
			    pd.last_cols <= WRAP_MAX_COLS && !pd.cut &&
			    wrapped_rest(pd.text->str, clean)) {
				/* The wrapped rest of a long line: joined as typed,
				 * with a space only between words of Latin script. */
				const char *se = kenchi_cmd_rskip_space(clean, clean + strlen(clean));
				gboolean cjk = pd.text->len > 0 && (guchar)pd.text->str[pd.text->len - 1] >= 0x80 &&
				    (guchar)clean[0] >= 0x80;
				pd.bad |= bad;
				if (pd.text->len + 1 + (gsize)(se - clean) > LINE_CAP || cut)
					pd.cut = TRUE;
				else {
					if (!cjk)
						g_string_append_c(pd.text, ' ');
					g_string_append_len(pd.text, clean, se - clean);
				}
				pd.last_cols = columns(clean);
				g_free(clean);
				continue;
			}
		}
		if (pd.text != NULL) {
			finish(l, &pd);
			g_string_free(pd.text, TRUE);
			pd.text = NULL;
		}
		if (l->cmds->len >= KENCHI_CMD_MAX) {
			kenchi_command_t *c = g_new0(kenchi_command_t, 1);
			c->kind = KENCHI_CMD_NOTE;
			c->line = lineno;
			c->text = g_strdup(clean);
			c->error = g_strdup_printf("more than %d commands; the rest of the mail is ignored",
						   KENCHI_CMD_MAX);
			push(l, c);
			g_free(clean);
			break;
		}
		{
			/* an indented first line has nothing to continue: read it as a line */
			const char *s = kenchi_cmd_skip_space(clean, clean + strlen(clean));
			pd.text = g_string_new_len(s, kenchi_cmd_rskip_space(s, s + strlen(s)) - s);
		}
		pd.line = lineno;
		pd.bad = bad;
		pd.cut = cut;
		pd.free_text = free_text_line(clean);
		pd.last_cols = columns(clean);
		g_free(clean);
	}
	if (pd.text != NULL) {
		finish(l, &pd);
		g_string_free(pd.text, TRUE);
	}
done:
	l->empty = l->cmds->len == 0;
	return l;
}

char **
kenchi_commands_sample_lines(void)
{
	GPtrArray *a = g_ptr_array_new();

	for (gsize i = 0; i < G_N_ELEMENTS(keywords); i++) {
		const char *k = keywords[i].name;
		kenchi_cmd_kind_t kd = keywords[i].kind;

		g_ptr_array_add(a, g_strdup_printf("%s: x", k));
		if ((guchar)k[0] < 0x80) {
			g_ptr_array_add(a, g_strdup_printf("%c%s: x", g_ascii_toupper(k[0]), k + 1));
			g_ptr_array_add(a, g_ascii_strup(k, -1));
		}
		if (kd == KENCHI_CMD_CLOSE || kd == KENCHI_CMD_REOPEN || kd == KENCHI_CMD_HELP)
			g_ptr_array_add(a, g_strdup(k));
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

gboolean
kenchi_commands_line_is_blank(const char *p, gsize n)
{
	return kenchi_cmd_is_blank(p, p + n);
}

gboolean
kenchi_commands_line_is_command(const char *p, gsize n)
{
	gboolean bad, cut, yes;
	char *clean;

	if (kenchi_cmd_space_len(p, p + n) > 0)
		return FALSE;
	clean = clean_line(p, n, &bad, &cut);
	yes = is_keyword_line(clean) || bare_keyword(clean);
	g_free(clean);
	return yes;
}

kenchi_command_list_t *
kenchi_commands_parse(const char *body_utf8)
{
	return kenchi_commands_parse_len(body_utf8, -1);
}

void
kenchi_commands_free(kenchi_command_list_t *l)
{
	if (l == NULL)
		return;
	g_ptr_array_unref(l->cmds);
	g_free(l);
}

const char *
kenchi_cmd_kind_name(kenchi_cmd_kind_t k)
{
	if ((unsigned)k >= G_N_ELEMENTS(kenchi_cmd_kind_names) || kenchi_cmd_kind_names[k] == NULL)
		return "unknown";
	return kenchi_cmd_kind_names[k];
}

char *
kenchi_commands_help_text(void)
{
	/* Kept next to the keyword table above (and in one module with the
	 * value tables of commands_value.c) so that they change together; the
	 * man page's COMMANDS section says the same at more length. */
	static const char text[] =
		"Commands go at the top of your reply, one \"keyword: value\" per line.\n"
		"They end at the first blank line, quoted text (>) or signature (-- ).\n"
		"An indented line continues the one before. Keywords ignore case.\n"
		"A mail's commands are applied all together, or not at all when any\n"
		"line is wrong.\n"
		"\n"
		"verdict: malicious|benign|pup|policy-violation|false-positive [low|medium|high]\n"
		"    (判定; 悪性 非悪性 PUP ポリシー違反 誤検知; 低 中 高; e.g. 悪性(中))\n"
		"state: TEXT          state of the endpoint, e.g. partially quarantined (状態)\n"
		"reason: TEXT         why it was detected (検知理由, 理由)\n"
		"summary: TEXT        what the sample is (概要, 検体概要)\n"
		"action: TEXT         what the customer must do (対応, お願い事項)\n"
		"prevention: TEXT     how to prevent it again (再発防止策, 再発防止)\n"
		"assign: NAME         who works the case (担当)\n"
		"priority: P1|P2|P3|P4  also 1..4 (優先度)\n"
		"note: TEXT           internal note, never sent to the customer (メモ, 備考)\n"
		"allow: sha256|detection|path|host VALUE   customer's allow list (許可)\n"
		"block: sha256|url|ip|domain VALUE         customer's block list (ブロック)\n"
		"merge: N             merge this case into case N, also #N (統合)\n"
		"close                close the case (クローズ)\n"
		"reopen               reopen the case (再オープン)\n"
		"send: second-report  send the second report to the customer (送信: 二次報告)\n"
		"help                 this text (ヘルプ)\n";

	return g_strdup(text);
}
