/* extract_wrap.c: a value's rest on the next line that a client or a
 * relay hard-wrapped with no indent (Gmail's plain text at 78 columns, a
 * relay at 76): a path's, a device trajectory link's, a hash's; and
 * whether the space the wrap took is put back. */
#include <string.h>
#include "parse/event.h"
#include "parse/extract_int.h"
#include "parse/line_shape.h"
#include "parse/rules.h"

/* Does [S, END) end in the file's NAME, after a folder's separator or
 * alone? */
static gboolean
name_ends(const char *s, const char *end, const char *name)
{
	size_t nl = name ? strlen(name) : 0;

	return nl > 0 && (size_t)(end - s) >= nl && memcmp(end - nl, name, nl) == 0 &&
	    (end - nl == s || end[-(ptrdiff_t)nl - 1] == '\\');
}

/* Do V and Q..END, joined by SEP ("" or " "), end in "\\" and the file's
 * NAME: a wrap inside the name ("...\\inv" / "oice.exe", round 28a), or
 * at a space in it ("...\\Invoice" / "November 2026.exe", round 29a)? */
static gboolean
joined_name(const char *v, const char *sep, const char *q, const char *end, const char *name)
{
	size_t nl = name ? strlen(name) : 0, vl = strlen(v), sl = strlen(sep), ql = (size_t)(end - q);
	GString *t;
	gboolean hit;

	if (nl == 0 || ql >= nl || vl + sl + ql < nl + 1)
		return FALSE;
	t = g_string_new(NULL);
	g_string_append(t, v + vl - MIN(vl, nl + 1));
	g_string_append(t, sep);
	g_string_append_len(t, q, (gssize)ql);
	hit = t->len >= nl + 1 && t->str[t->len - nl - 1] == '\\' && strcmp(t->str + t->len - nl, name) == 0;
	g_string_free(t, TRUE);
	return hit;
}

/* Was the value's line, with no space in it, cut by a relay inside a
 * word?  A client wraps at a space, on a shorter line ("...\\Content.O" /
 * "utlook\\...", round 28a; "..._Approve" / "d_v3.xlsm", round 31a).  A
 * relay cuts at exactly 76 columns (RFC 2045's line), fold(1) at 80 or
 * the width the text was folded at, whatever the rest holds; a word-wrap
 * cuts at its width a word too long for a line, alone on it (beside a
 * label, a line may end at the margin with a word's end: rev89 w72) ("..._202" / "6\\Setup Files\\...", round 35a);
 * at 78 Gmail's lines end at a space as often, so there the rest must
 * have none either. */
static gboolean
relay_cut(const reader_t *rd, const char *q, const char *end)
{
	if (strchr(rd->raw->str, ' '))
		return FALSE;
	return rd->value_cols == 76 || rd->value_cols == 80 ||
	    (rd->value_cols == 78 && !memchr(q, ' ', (size_t)(end - q))) ||
	    (rd->fold_cols && rd->value_cols == rd->fold_cols) || (rd->wrap_cols && rd->value_alone && rd->value_cols == rd->wrap_cols);
}

/* Does the line Q (N bytes) hold a label or a table's cells ("Label: ",
 * "ラベル：", a tab): no value's rest? */
static gboolean
labelled(const char *q, size_t n)
{
	return memchr(q, '\t', n) || g_strstr_len(q, (gssize)n, ": ") || g_strstr_len(q, (gssize)n, KENCHI_FULLWIDTH_COLON);
}

/* Is the line Q..END, not indented, the rest of a path that a mail
 * client hard-wrapped (Gmail's plain text mode at 78 columns, no indent)?
 * Only when the path's line was long, its last part has no extension
 * yet, and the line holds a backslash or ends in one: a note after a
 * whole path stays prose. */
static gboolean
path_rest(reader_t *rd, const char *q, const char *end)
{
	const char *v = rd->raw->str, *last = strrchr(v, '\\');
	size_t n = (size_t)(end - q);

	if (last == NULL || n > 200 || labelled(q, n))
		return FALSE;
	/* A path that ends in its separator is not whole, however short its
	 * line: a <br> after "...\\Microsoft\\" in a card or a list.  Its rest
	 * holds a separator or ends in an extension; a closing word ("以上")
	 * is none. */
	if (last[1] == '\0')
		return memchr(q, '\\', n) != NULL || kenchi_name_has_extension(q, n);
	/* The file's name, read before the path, ends this line and not the
	 * path: its rest, however short the path's line (a relay wrapped at a
	 * space before the 60th column, round 27a). */
	if (!name_ends(v, v + strlen(v), rd->cur->v[EV_FILE_NAME]) &&
	    (name_ends(q, end, rd->cur->v[EV_FILE_NAME]) || joined_name(v, "", q, end, rd->cur->v[EV_FILE_NAME]) ||
	     joined_name(v, " ", q, end, rd->cur->v[EV_FILE_NAME])))
		return TRUE;
	if (rd->value_cols < 60 || rd->value_cols > 100)
		return FALSE;
	if (kenchi_name_has_extension(last + 1, strlen(last + 1)))
		return FALSE;
	if (memchr(q, '\\', n))
		return TRUE;
	/* The file's name alone: one word with an extension ("a.exe"), not a
	 * footer's sentence ("Visit www.acme.example.com"). */
	return memchr(q, ' ', n) == NULL && kenchi_name_has_extension(q, n);
}

/* Is the line Q..END the rest of a file's name whose line a client
 * wrapped: the name's line 60 to 100 columns long and the name with no
 * extension yet, the line one that ends in one, with no folder, no label
 * and no tab? */
static gboolean
name_rest(reader_t *rd, const char *q, const char *end)
{
	const char *v = rd->raw->str;
	size_t n = (size_t)(end - q), hex = 0;

	/* A file named by its SHA-256 is whole but for its extension: the
	 * line after it is prose ("Please check ... invoice.pdf", round 31a)
	 * unless it is one word (".exe", round 35a). */
	while (g_ascii_isxdigit(v[hex]))
		hex++;
	if (hex == 64 && v[hex] == '\0' && memchr(q, ' ', n))
		return FALSE;
	return rd->value_cols >= 60 && rd->value_cols <= 100 && n <= 200 && !kenchi_name_has_extension(v, strlen(v)) &&
	    kenchi_name_has_extension(q, n) && !memchr(q, '\\', n) && !labelled(q, n);
}

/* Is the line Q..END, not indented and with no label, the rest of a
 * value of words a client word-wrapped (rt24 D3: "Group: Acme Tokyo ...
 * Department" / "Workstations", a detection's second name, an IOC's
 * description, lost)?  Only when the text was wrapped (rd->wrap_cols),
 * the line is no wider, and its first word would have run past the
 * width on the value's line: why the client broke it there. */
/* Is Q..END shaped as the rest of field F's value?  Not a sign-off
 * ("Regards,", "以上、よろしくお願いいたします。") nor a line of another
 * label with no colon ("Connector Version 8.4.2.30307"), which a wrapped
 * paragraph's next line could be too (rev94 #7).  A detection's rest is
 * names ("W32.DFC.MalParent": each word with a dot), a group's a few words
 * with no version in them, a description's prose. */
static gboolean
rest_shaped(int f, const char *q, const char *end)
{
	char *t = g_strndup(q, (gsize)(end - q)), **w;
	gsize n = strlen(t);
	gboolean ok = n > 0 && t[n - 1] != ',' && !strstr(t, "\xe3\x80\x81") && !strstr(t, "\xe3\x80\x82") &&
	    !strstr(t, "\xef\xbc\x8c");   /* 、 。 ， */

	w = g_strsplit(t, " ", -1);
	for (int i = 0; ok && w[i]; i++) {
		const char *d = w[i];

		if (f == EV_DETECTION)
			ok = strchr(d, '.') != NULL;
		else if (f == EV_GROUP) {
			ok = i < 3;
			for (; ok && *d; d++)
				ok = !(g_ascii_isdigit(d[0]) && d[1] == '.' && g_ascii_isdigit(d[2]));
		}
	}
	g_strfreev(w);
	g_free(t);
	return ok;
}

static gboolean
words_rest(const reader_t *rd, const char *q, const char *end)
{
	size_t n = (size_t)(end - q), w = 0;

	if (rd->wrap_cols == 0 || n == 0 || labelled(q, n) || rd->value_cols * 2 < rd->wrap_cols ||
	    kenchi_line_columns(q, end) > rd->wrap_cols || !rest_shaped(rd->field, q, end))
		return FALSE;
	while (w < n && q[w] != ' ')
		w++;
	return rd->value_cols + 1 + kenchi_line_columns(q, q + w) > rd->wrap_cols;
}

gboolean
kenchi_reader_wrapped(reader_t *rd, const char *q, const char **endp)
{
	const char *end = *endp;
	size_t hash;

	if (rd->field == EV_FILE_PATH && path_rest(rd, q, end)) {
		/* A client wraps at a space, and drops it: put it back (not
		 * beside the separator, after a <br> or before the rest, nor
		 * between two Japanese characters: Japanese wraps anywhere,
		 * round 27a's "...\\見" / "積書.exe", while "Acme Tokyo" /
		 * "営業部" was a space; nor inside the file's name, round 28a;
		 * but always where the file's name has its space, round 29a.
		 * A cut inside a folder's name gets one, unless a relay cut
		 * a path with no space (relay_cut()). */
		const char *name = rd->cur->v[EV_FILE_NAME];

		if (joined_name(rd->raw->str, " ", q, end, name))
			rd->value_trail = TRUE;
		else if (relay_cut(rd, q, end))
			rd->value_trail = FALSE;
		else
			rd->value_trail = rd->raw->len > 0 && rd->raw->str[rd->raw->len - 1] != '\\' && *q != '\\' &&
			    ((guchar)rd->raw->str[rd->raw->len - 1] < 0x80 || (guchar)*q < 0x80) &&
			    !joined_name(rd->raw->str, "", q, end, name);
		return TRUE;
	}
	/* A link or a hash a relay hard-wrapped at 76 or 78 columns, with
	 * no indent (round 27a): the link's rest (kenchi_link_rest()) after
	 * a long line, the hex digits that make the hash, or the link's
	 * hash, whole after any; a dirty URL's rest of a path or a query
	 * after a line of 70 columns or more (round 29a). */
	/* A file's long name wrapped at 76 columns ("...Please review and" /
	 * "sign urgently.pdf.exe", round 30a): the rest ends in the
	 * extension the line lacks; the space the wrap took goes back but
	 * between two Japanese characters. */
	if ((rd->field == EV_FILE_NAME || rd->field == EV_PARENT_FILE_NAME) && name_rest(rd, q, end)) {
		rd->rest_next = TRUE;
		/* A rest that begins with its extension's dot was cut before
		 * it, not at a space. */
		rd->glue_next = (rd->raw->len > 0 && (guchar)rd->raw->str[rd->raw->len - 1] >= 0x80 && (guchar)*q >= 0x80) ||
		    relay_cut(rd, q, end) || *q == '.';
		return TRUE;
	}
	if (rd->field == EV_TRAJECTORY && (hash = kenchi_link_hash_rest(rd->raw->str, q, end)) > 0) {
		*endp = q + hash;
		return TRUE;
	}
	if ((rd->field == EV_TRAJECTORY && rd->value_cols >= 60 && rd->value_cols <= 100 &&
	     kenchi_link_rest(rd->raw->str, q, end)) ||
	    ((rd->field == EV_SHA256 || rd->field == EV_PARENT_SHA256) && kenchi_line_hash_rest(rd->raw->str, q, end)) ||
	    (rd->field == EV_URL && rd->value_cols >= 70 && rd->value_cols <= 100 && kenchi_url_rest(q, end)))
		return TRUE;
	if ((rd->field == EV_GROUP || rd->field == EV_DETECTION || rd->field == EV_IOC_DESC) && words_rest(rd, q, end))
		return TRUE;
	return FALSE;
}

/* The width TEXT was hard-folded at: the widest of its lines, 60 to 100
 * columns, when at least three reach it and they outnumber twice over the
 * lines that fall just short of it.  A client set to 72 or 74 columns cut a path
 * there, and the space read back into it ("Con tent.Outlook"; rt23 G4)
 * was right only at 76, 78 and 80. */
size_t
kenchi_fold_width(const char *text, size_t len, size_t *wrap)
{
	guint count[101] = { 0 }, near = 0, longs = 0;
	size_t widest = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		size_t cols;

		/* a fold may cut after a space: that line is as wide as the rest */
		while (e > p && e[-1] == '\r')
			e--;
		cols = kenchi_line_columns(p, e);
		if (cols > 100)
			longs++;   /* a line longer than any fold */
		else if (cols >= 60) {
			count[cols]++;
			widest = MAX(widest, cols);
		}
		p = nl ? nl + 1 : end;
	}
	*wrap = 0;
	/* Lines longer than any fold: the text was not folded, unless they
	 * are a few among many of a fold's width - a gateway's disclaimer
	 * appended as one line to a forward Notes folded at 75 (rt32 F02b:
	 * "Q7ZK3M1P" read as "Q 7ZK3M1P"). */
	{
		guint lines = 0;

		for (size_t w = 60; w <= 100; w++)
			lines += count[w];
		if (widest == 0 || longs * 4 > lines)
			return 0;
	}
	/* A word-wrap that met a word longer than its line cut it at the
	 * margin: the widest line, with a paragraph's lines just short of it
	 * (a Japanese client at 72: "...\\Content.Outloo" / "k\\...", rt23
	 * G4's file 12). */
	for (size_t w = widest - 12; w <= widest; w++)
		near += count[w];
	if (near >= 5)
		*wrap = widest;
	near = 0;
	if (count[widest] < 3)
		return 0;
	/* A word-wrap ends its lines short of the margin, at a word's end:
	 * most lines of a wrapped paragraph fall just short of it, and a few
	 * reach it by chance (Thunderbird at 72: round 53 F5 read a folder's
	 * "Q3 Reports" as one word).  A fold cuts every line of a paragraph
	 * at the margin itself. */
	for (size_t w = widest - 12; w < widest; w++)
		near += count[w];
	return count[widest] >= 2 * near ? widest : 0;
}

/* Does S (N bytes) end in a file's extension: a dot and 1-5 letters or
 * digits after the last? */
static gboolean
has_extension(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && k <= 5 && g_ascii_isalnum(s[n - 1 - k]))
		k++;
	return k >= 1 && k <= 5 && k < n && s[n - 1 - k] == '.';
}

/* Is V (N bytes) the rest of file name NAME, cut before its extension? */
gboolean
kenchi_wrap_name_rest(int f, const char *name, const char *v, size_t n)
{
	return (f == EV_FILE_NAME || f == EV_PARENT_FILE_NAME) && !has_extension(name, strlen(name)) && n <= 64 &&
	    has_extension(v, n) && !memchr(v, ':', n) && !memchr(v, '\\', n);
}
