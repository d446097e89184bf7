/* jsonscan.c: JSON text before json-glib sees it.  One linear pass each
 * bounds the nesting depth (json-glib recurses: a document 10,000 levels
 * deep is refused in microseconds, not by a stack overflow), refuses the
 * escapes json-glib leaks on, blanks comments and trailing commas, and
 * finds where a value ends.  apijson.c and apitext.c read the values. */
#include <string.h>
#include "parse/apijson.h"
#include "parse/apijson_int.h"

static gboolean parse_text(const char *s, gsize len, JsonNode **root, char **why);

/* Does [P, END) begin a comment, "#" or "//" to the end of its line (a
 * script's note at the top of a saved stream), or a block comment?  No
 * JSON value begins so. */
gboolean
kenchi_json_comment_line(const char *p, const char *end)
{
	return p < end && (*p == '#' || (*p == '/' && p + 1 < end && (p[1] == '/' || p[1] == '*')));
}

const char *
kenchi_json_comment_end(const char *p, const char *end)
{
	const char *q;

	if (p[0] == '/' && p[1] == '*') {
		q = g_strstr_len(p + 2, end - p - 2, "*/");
		return q ? q + 2 : end;
	}
	q = memchr(p, '\n', (size_t)(end - p));
	return q ? q : end;
}

/* Deepest nesting of [ and { outside strings; stops early past the limit. */
static int
json_depth(const char *s, gsize len)
{
	int depth = 0, max = 0;
	gboolean in_str = FALSE;
	gsize i;

	for (i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = FALSE;
			continue;
		}
		if (c == '"')
			in_str = TRUE;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
			if (max > KENCHI_JSON_MAX_DEPTH)
				return max;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return max;
}

/* The value of the 4 hex digits at P, or -1. */
static int
hex4(const char *p, const char *end)
{
	int v = 0;

	if (end - p < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int d = g_ascii_xdigit_value(p[k]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The escape at P (a backslash inside a string): FALSE when it is not JSON
 * ("\x", "\u12G4") or a \u escape of a UTF-16 surrogate that is not one
 * half of a pair; else TRUE, with *LAST at its last byte.  json-glib 1.6
 * leaks its scanner's buffer on such escapes (found by fuzzing: a high
 * surrogate followed by another escape, "\ud80P\u0041"), and none of them
 * is a character anyway. */
static gboolean
escape_ok(const char *p, const char *end, const char **last)
{
	int u, lo;

	if (p + 1 >= end)
		return FALSE;
	if (p[1] != 'u') {
		*last = p + 1;
		return p[1] != '\0' && strchr("\"\\/bfnrt", p[1]) != NULL;
	}
	if ((u = hex4(p + 2, end)) < 0 || (u >= 0xDC00 && u <= 0xDFFF))
		return FALSE;   /* not 4 hex digits, or a low half alone */
	if (u >= 0xD800 && u <= 0xDBFF) {
		lo = p + 7 < end && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8, end) : -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return FALSE;
		p += 6;         /* the low half's escape follows */
	}
	*last = p + 5;
	return TRUE;
}

/* One pass over the text before json-glib sees it.  *MULTI: it holds more
 * than one top-level value ("{}{}", "1[]"): json-glib 1.6 leaks the nodes of
 * a second object or array, which an attacker could send again and again to
 * the daemon.  *BAD_ESCAPE: a string holds an escape escape_ok() refuses. */
static void
json_prescan(const char *s, gsize len, gboolean *multi, gboolean *bad_escape)
{
	const char *p, *end = s + len, *last;
	int depth = 0;
	gboolean in_str = FALSE, seen = FALSE;

	*multi = *bad_escape = FALSE;
	for (p = s; p < end; p++) {
		char c = *p;
		if (in_str) {
			if (c == '\\') {
				if (!escape_ok(p, end, &last)) {
					*bad_escape = TRUE;
					last = p + 1;
				}
				p = last;
			} else if (c == '"')
				in_str = FALSE;
			continue;
		}
		if (c == '"') {
			in_str = TRUE;
			if (depth <= 0)
				seen = TRUE;
		} else if (c == '{' || c == '[') {
			if (depth <= 0 && seen)
				*multi = TRUE;
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth <= 0)
				seen = TRUE;
		} else if (depth <= 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			seen = TRUE;
		}
	}
}

gboolean
kenchi_json_parse_doc(const char *s, gsize len, JsonNode **root, char **why)
{
	char *clean = kenchi_jsonc_clean(s, len);
	gboolean ok;

	ok = parse_text(clean ? clean : s, len, root, why);
	g_free(clean);
	return ok;
}

static gboolean
parse_text(const char *s, gsize len, JsonNode **root, char **why)
{
	JsonParser *p;
	GError *err = NULL;
	gboolean multi, bad_escape;

	if (json_depth(s, len) > KENCHI_JSON_MAX_DEPTH) {
		*why = g_strdup_printf("JSON nested deeper than %d levels", KENCHI_JSON_MAX_DEPTH);
		return FALSE;
	}
	json_prescan(s, len, &multi, &bad_escape);
	if (multi) {
		*why = g_strdup("more than one JSON value");
		return FALSE;
	}
	if (bad_escape) {
		*why = g_strdup("an invalid escape, or a \\u escape of an unpaired UTF-16 surrogate");
		return FALSE;
	}
	p = json_parser_new_immutable();
	if (!json_parser_load_from_data(p, s, (gssize)len, &err)) {
		*why = g_strdup(err->message);
		g_error_free(err);
		g_object_unref(p);
		return FALSE;
	}
	/* An empty document parses, with no root. */
	*root = json_parser_get_root(p) ? json_node_ref(json_parser_get_root(p)) : NULL;
	g_object_unref(p);
	if (*root == NULL)
		*why = g_strdup("empty JSON document");
	return *root != NULL;
}

/* Anything but white space in [p, end)?  (The input is not NUL-terminated.) */
gboolean
kenchi_json_more_text(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return TRUE;
	return FALSE;
}

/* Past the bracket that closes the JSON value that begins at P ('{' or
 * '['), or NULL when none does before END.  A comment inside it
 * (kenchi_jsonc_clean()) holds no bracket of it. */
const char *
kenchi_json_value_close(const char *p, const char *end)
{
	int depth = 0;
	gboolean in_str = FALSE;

	for (; p < end; p++) {
		if (in_str) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				in_str = FALSE;
		} else if (*p == '"') {
			in_str = TRUE;
		} else if (kenchi_json_comment_line(p, end)) {
			p = kenchi_json_comment_end(p, end) - 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* The end of the JSON value that begins at P: kenchi_json_value_close(),
 * or END when it never closes (a cut download). */
const char *
kenchi_json_value_end(const char *p, const char *end)
{
	const char *ve = kenchi_json_value_close(p, end);

	return ve ? ve : end;
}

gboolean
kenchi_json_value_start(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || (*p != '{' && *p != '['))
		return FALSE;
	while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
		q++;
	if (q >= end)
		return FALSE;
	return *p == '{' ? (*q == '"' || *q == '}') : (*q == '{' || *q == '[' || *q == '"' || *q == ']');
}

/* Blank [S+I, S+J) of COPY, made from S when it is NULL; newlines stay, so
 * that a parse error's line is the text's. */
static char *
blank(char *copy, const char *s, gsize len, gsize i, gsize j)
{
	if (copy == NULL)
		copy = g_memdup2(s, len);
	for (; i < j; i++)
		if (copy[i] != '\n')
			copy[i] = ' ';
	return copy;
}

/* A copy of [S, S+LEN) with its comments blanked, or NULL when it has
 * none: "//" or "#" outside a string, to the end of the line, and a block
 * comment (JSONC, a sample edited by hand).  json-glib 1.6 must not see
 * "//": its scanner takes it for a comment that ends at the next "/", so
 * the rest of a commented-out line ('// "severity": "Low",') was read as
 * data.  No JSON text has these characters outside a string, and no string
 * spans a line, so nothing else is touched. */
static char *
blank_comments(const char *s, gsize len)
{
	char *copy = NULL;
	gboolean in_str = FALSE;

	for (gsize i = 0; i < len; i++) {
		char c = s[i];
		const char *stop;
		gsize j;

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"' || c == '\n')
				in_str = FALSE;
			continue;
		}
		if (c == '"') {
			in_str = TRUE;
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			stop = g_strstr_len(s + i + 2, (gssize)(len - i - 2), "*/");
			j = stop ? (gsize)(stop - s) + 2 : len;
		} else if (c == '#' || (c == '/' && i + 1 < len && s[i + 1] == '/')) {
			stop = memchr(s + i, '\n', len - i);
			j = stop ? (gsize)(stop - s) : len;
		} else {
			continue;
		}
		copy = blank(copy, s, len, i, j);
		i = j - 1;
	}
	return copy;
}

/* TEXT (of LEN) with the commas before a closing bracket blanked, COPY
 * (made from TEXT when NULL) returned: what is left of a list whose last
 * member was commented out, which json-glib refuses. */
static char *
blank_trailing_commas(char *copy, const char *text, gsize len)
{
	gboolean in_str = FALSE;

	for (gsize i = 0; i < len; i++) {
		const char *t = copy ? copy : text;
		gsize j;

		if (in_str) {
			if (t[i] == '\\')
				i++;
			else if (t[i] == '"' || t[i] == '\n')
				in_str = FALSE;
			continue;
		}
		if (t[i] == '"') {
			in_str = TRUE;
			continue;
		}
		if (t[i] != ',')
			continue;
		for (j = i + 1; j < len && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r' || t[j] == '\n'); j++)
			;
		if (j < len && (t[j] == '}' || t[j] == ']'))
			copy = blank(copy, text, len, i, i + 1);
	}
	return copy;
}

/* [S, S+LEN) as json-glib can read it, or NULL when it can as it is
 * (g_free): comments blanked, then trailing commas. */
char *
kenchi_jsonc_clean(const char *s, gsize len)
{
	char *copy = blank_comments(s, len);

	if (memchr(copy ? copy : s, ',', len))
		copy = blank_trailing_commas(copy, s, len);
	return copy;
}

