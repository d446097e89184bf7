/* notes.c: a person's note written after a value of a forwarded alert
 * ("ACME\\kato <-- on leave", "PC-01 ← 社長のPC", "a.exe ※業務利用の申請
 * なし"): where the value ends.  event.c calls it on every value it sets. */
#include <string.h>
#include "parse/notes.h"

/* Past the spaces at Q: ASCII, or the ideographic one a Japanese note
 * uses (a path keeps it). */
static const char *
skip_spaces(const char *q)
{
	while (*q == ' ' || (q[0] == '\xe3' && q[1] == '\x80' && q[2] == '\x80'))
		q += *q == ' ' ? 1 : 3;
	return q;
}

/* When is "※" a note after a value: always (stuck to it too), after
 * AMP's detection names only (amp_names(); stuck to them too), after a
 * space (a link's path may hold "※" of its own), or after a space and a
 * value of one word. */
typedef enum { KOME_FIRST_WORD, KOME_ALWAYS, KOME_AMP_NAMES, KOME_SPACED } kome_t;

/* Is [V, END) one or more of AMP's own detection names, separated by
 * spaces ("W32.Application.22ik.1201 W32.DFC.MalParent", as the Executed
 * malware alert gives two)?  Each is ASCII with two "." or a ":" in it
 * (Talos's Platform.Category.Name, "W32.Auto:a879d2.in03.Talos"); a
 * custom list's name ("SCD ブロックリスト", "Acme.Blocklist") is not. */
static gboolean
amp_names(const char *v, const char *end)
{
	const char *p = v;
	int words = 0;

	while (p < end) {
		const char *w = p;
		gboolean mark = FALSE;
		int dots = 0;

		for (; p < end && *p != ' '; p++) {
			if ((unsigned char)*p >= 0x80)
				return FALSE;
			dots += *p == '.';
			mark = mark || *p == ':';
		}
		if (p > w && !mark && dots < 2)
			return FALSE;
		words += p > w;
		while (p < end && *p == ' ')
			p++;
	}
	return words > 0;
}

/* Does a "※" note begin at Q: "※", or "(※" / "（※" ("Talos （※初見）")?
 * At most six bytes tell. */
static gboolean
kome_note(const char *q)
{
	return kenchi_note_mark(q, strnlen(q, 6));
}

/* A person's note after a value in a forward ("ACME\\kato   <-- on
 * leave", "PC-01 ← 社長のPC", "PC-01 ※社長のPC"): the value ends before
 * the mark, after some value.  Only in a field whose values are names,
 * addresses, ids, links or words of a list (notes_cut), where no space
 * and no arrow belong: a file's name, a folder or a group may hold an
 * arrow of its own ("請求書 ←必ずご確認ください.exe", a lure; "旧PCデータ
 * ←移行済み").  An arrow counts stuck to the value too ("PC-01←共有PC");
 * "※" (or "(※", "（※") as KOME says: a detection's name may be a custom
 * list's, "SCD ブロックリスト ※SOC依頼分" or "Acme.Blocklist ※SOC依頼分",
 * while "W32.Auto:a879d2.in03.Talos ※初めて" is AMP's name and a note.
 * NULL when there is none; else g_free. */
static char *
drop_note(const char *v, kome_t kome)
{
	static const struct { const char *s; size_t n; } arrows[] = {
		{ "<--", 3 }, { "<-", 2 }, { "<==", 3 }, { "\xe2\x86\x90", 3 }, { "\xe2\x87\x90", 3 },
		{ "\xe2\xac\x85", 3 }, { "\xe2\x80\xb9--", 5 },   /* ←, ⇐, ⬅, ‹-- */
		{ "\xef\xbc\x9c\xef\xbc\x8d", 6 }, { "\xef\xbc\x9c\xef\xbc\x9d", 6 },   /* ＜－, ＜＝ (an IME's) */
	};

	for (const char *p = v; *p; p++) {
		const char *q = p;
		unsigned char c = (unsigned char)*p;

		/* Only a space, '<' or the lead byte of U+2000-U+3FFF or of
		 * the full-width forms (the arrows, ※, the ideographic space,
		 * "＜－") may begin a note: the rest of a value is passed over
		 * at a byte's cost (each value of every import goes through
		 * here). */
		if (c != ' ' && c != '<' && c != '(' && c != 0xe2 && c != 0xe3 && c != 0xef)
			continue;
		q = skip_spaces(q);
		/* In a link an arrow needs a space before it too: a query may
		 * hold "<-" ("item.php?id=1<-1", round 22a). */
		if (p > v && (*q == '<' || *q == '\xe2' || *q == '\xef') && (kome != KOME_SPACED || q > p))
			for (gsize k = 0; k < G_N_ELEMENTS(arrows); k++)
				if (strncmp(q, arrows[k].s, arrows[k].n) == 0)
					return g_strndup(v, (gsize)(p - v));
		if (p > v && kome_note(q) &&
		    (kome == KOME_ALWAYS || (kome == KOME_AMP_NAMES && amp_names(v, p)) || (kome == KOME_SPACED && q > p) ||
		     (kome == KOME_FIRST_WORD && q > p && memchr(v, ' ', (size_t)(p - v)) == NULL)))
			return g_strndup(v, (gsize)(p - v));
		if (q > p)
			p = q - 1;
	}
	return NULL;
}

/* When is " ※" a note after a value of F?  Always after a value with no
 * space of its own (a name of a machine, an address, an id, a hash), a
 * person's name or a word of a list ("Threat Detected ※2回目", "High
 * ※要確認"); after a space in a link, whose path may hold "※"; after a
 * detection of AMP's names, one or two ("W32.Auto:a879d2.in03.Talos
 * W32.DFC.MalParent ※初見"); else after a first word only. */
static kome_t
kome_cut(kenchi_field_t f)
{
	switch (f) {
	case EV_HOSTNAME: case EV_CONNECTOR_GUID: case EV_EXTERNAL_IP: case EV_INTERNAL_IP: case EV_ID:
	case EV_EVENT_TYPE_ID: case EV_DETECTION_ID: case EV_SHA256: case EV_PARENT_SHA256: case EV_REMOTE_IP:
	case EV_EVENT_TYPE: case EV_SEVERITY: case EV_DISPOSITION:
	case EV_USER:   /* "Taro Sato ※退職済み": a name may hold a space, not "※" (round 27b) */
		return KOME_ALWAYS;
	case EV_URL: case EV_TRAJECTORY:
		return KOME_SPACED;   /* "http://shop.example.jp/※限定.html", round 25a */
	case EV_DETECTION:
		return KOME_AMP_NAMES;
	default:
		return KOME_FIRST_WORD;
	}
}

/* May a value of F end in a person's note (drop_note)?  Not a group, a
 * file's name or path, an IOC's description: free text that may hold an
 * arrow of its own. */
static gboolean
notes_cut(kenchi_field_t f)
{
	switch (f) {
	case EV_GROUP: case EV_FILE_NAME: case EV_FILE_PATH: case EV_PARENT_FILE_NAME: case EV_IOC_DESC:
		return FALSE;
	default:
		return TRUE;
	}
}

/* Does [V, END) end in a file's extension (".exe", ".xlsm", ".7z")? */
static gboolean
ends_in_extension(const char *v, const char *end)
{
	const char *p = end;

	while (p > v && p - end > -9 && g_ascii_isalnum(p[-1]))
		p--;
	return p < end && p - 1 > v && p[-1] == '.' && end - p <= 8;
}

/* A person's " ※" note after a file's name or path (round 26b: "a.exe ※
 * 業務利用の申請なし", "C:\...\a.exe　※メール添付から保存"): only after an
 * extension, and only when the note is no rest of the name (no folder, no
 * extension of its own), since a lure's name may hold "※" ("請求書 ※至急
 * .exe").  NULL when there is none; else g_free. */
static char *
drop_file_note(const char *v)
{
	const char *end = v + strlen(v);

	for (const char *p = v; *p; p++) {
		const char *q;

		if (*p != ' ' && *p != '\xe3')
			continue;
		q = skip_spaces(p);
		if (q == p || !kome_note(q) || !ends_in_extension(v, p))
			continue;
		if (strpbrk(q, "\\/") || ends_in_extension(q, end))
			return NULL;
		return g_strndup(v, (gsize)(p - v));
	}
	return NULL;
}

/* A person's " ※" note after a group (rounds 25a, 26b: "Globex-Laptops
 * ※営業部"), or one in parentheses (round 28a: "Acme Desktops（※旧グルー
 * プ）"): a group's name may hold spaces and has no extension to go by, so
 * the note needs a space or a parenthesis before its "※"; a name that
 * holds " ※" itself is the rarer thing, and a note kept would miss the
 * customer's group.  NULL when there is none; else g_free. */
static char *
drop_group_note(const char *v)
{
	for (const char *p = v; *p; p++) {
		const char *q;

		if (*p != ' ' && *p != '\xe3' && *p != '(' && *p != '\xef')
			continue;
		q = skip_spaces(p);
		if (p > v && (q > p || *p == '(' || strncmp(p, "\xef\xbc\x88", 3) == 0) && kome_note(q))
			return g_strndup(v, (gsize)(p - v));
		if (q > p)
			p = q - 1;
	}
	return NULL;
}

char *
kenchi_note_drop(const char *value, kenchi_field_t f)
{
	if (notes_cut(f))
		return drop_note(value, kome_cut(f));
	if (f == EV_FILE_NAME || f == EV_FILE_PATH || f == EV_PARENT_FILE_NAME)
		return drop_file_note(value);
	if (f == EV_GROUP)
		return drop_group_note(value);
	return NULL;
}

/* Is C a character of a computer's name as Windows and DNS write it? */
static gboolean
host_char(char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

/* Does a bracket's note open at Q: "(", "[", "【", "〔" holding more than
 * digits?  A Mac's name may end in " (2)", a second machine of its name;
 * "(CFO's laptop)" or "(Windows 11)" is no machine's. */
static gboolean
bracket_note(const char *q)
{
	static const struct { const char *open, *close; } br[] = {
		{ "(", ")" }, { "[", "]" }, { "\xe3\x80\x90", "\xe3\x80\x91" }, { "\xe3\x80\x94", "\xe3\x80\x95" },
	};

	for (gsize k = 0; k < G_N_ELEMENTS(br); k++) {
		size_t n = strlen(br[k].open);
		const char *p;

		if (strncmp(q, br[k].open, n) != 0)
			continue;
		for (p = q + n; *p && strncmp(p, br[k].close, strlen(br[k].close)) != 0; p++)
			if (!g_ascii_isdigit(*p) && *p != ' ')
				return TRUE;
		return FALSE;
	}
	return FALSE;
}

/* Why: a forwarder marks a machine as he sees it ("PC-01 (CFO's laptop,
 * VIP!)", "PC-01（社長のPC）", "PC-01 // CFO"), and a name kept so is
 * another machine's for cases, outbreaks and the allow list (rt22 F2).
 * Only after a first word that is all a Windows or DNS name can be: a
 * Mac's display name ("Kato’s MacBook Pro (2)") holds spaces and marks of
 * its own, and stays whole. */
char *
kenchi_note_drop_host(const char *host)
{
	const char *p = host, *q;

	while (host_char(*p))
		p++;
	/* "192.168.1.5 (PC-01)": the note is the name (round 52); "iMac
	 * (Reception)", "iPad - Front Desk": a Mac's or an iPad's name, which
	 * may hold brackets and spaces (round 53 F4) */
	if (p == host || *p == '\0' || strspn(host, "0123456789.") == (size_t)(p - host) ||
	    g_ascii_strncasecmp(host, "mac", 3) == 0 || g_ascii_strncasecmp(host, "imac", 4) == 0 ||
	    g_ascii_strncasecmp(host, "ipad", 4) == 0 || g_ascii_strncasecmp(host, "iphone", 6) == 0)
		return NULL;
	q = skip_spaces(p);
	/* "KS-PC-0409 至急確認お願いします": Japanese words after a machine's
	 * name and a space, in a person's mail, are the person's (rt28 J07:
	 * a forward's subject); a Windows name holds no space. */
	if (bracket_note(q) || (q > p && (strncmp(q, "//", 2) == 0 || strncmp(q, "- ", 2) == 0 ||
	    strncmp(q, "-- ", 3) == 0 || (guchar)*q >= 0xe3)))
		return g_strndup(host, (gsize)(p - host));
	return NULL;
}

/* Why: a console link written after the machine's name, "PC-01 (View
 * computer)", "PC-01 [Device Trajectory]", is the template's, in mail the
 * cloud sent too, where a note of any other words may be a Mac's name
 * (rt26 H10).  The link's words are the console's verbs and pages. */
char *
kenchi_note_drop_host_link(const char *host)
{
	static const char *const words[] = {
		"view", "details", "open", "show", "trajectory", "device trajectory", "file trajectory",
		"console", "link", "\xe8\xa9\xb3\xe7\xb4\xb0" /* 詳細 */, "\xe8\xa1\xa8\xe7\xa4\xba" /* 表示 */,
	};
	const char *p = host, *q;

	while (host_char(*p))
		p++;
	if (p == host || *p != ' ')
		return NULL;
	q = skip_spaces(p);
	if (*q != '(' && *q != '[')
		return NULL;
	q++;
	for (gsize k = 0; k < G_N_ELEMENTS(words); k++) {
		size_t n = strlen(words[k]);

		if (g_ascii_strncasecmp(q, words[k], n) == 0 && (q[n] == ' ' || q[n] == ')' || q[n] == ']'))
			return g_strndup(host, (gsize)(p - host));
	}
	return NULL;
}

gboolean
kenchi_note_mark(const char *q, gsize n)
{
	const char *e = q + n;

	while (q < e && (*q == ' ' || (e - q >= 3 && memcmp(q, "\xe3\x80\x80", 3) == 0)))
		q += *q == ' ' ? 1 : 3;
	if (q < e && *q == '(')
		q++;
	else if (e - q >= 3 && memcmp(q, "\xef\xbc\x88", 3) == 0)   /* （ */
		q += 3;
	return e - q >= 3 && memcmp(q, "\xe2\x80\xbb", 3) == 0;      /* ※ */
}

void
kenchi_note_drop_file_pair(kenchi_event_t *ev)
{
	char *name = ev->v[EV_FILE_NAME], *path = ev->v[EV_FILE_PATH];
	const char *base, *hit = NULL;
	gsize bl, nl;

	if (name == NULL || path == NULL)
		return;
	base = strrchr(path, '\\');
	base = base ? base + 1 : path;
	bl = strlen(base);
	/* The path's own file name begins the name, and a note follows it. */
	if (bl > 0 && strncmp(name, base, bl) == 0 && name[bl] && kenchi_note_mark(name + bl, strlen(name + bl)) &&
	    ends_in_extension(base, base + bl)) {
		name[bl] = '\0';
		return;
	}
	/* The name, after a separator of the path, and a note after it. */
	nl = strlen(name);
	if (nl == 0 || !ends_in_extension(name, name + nl))
		return;
	for (const char *p = strstr(path, name); p; p = strstr(p + 1, name))
		if (p > path && p[-1] == '\\' && p[nl] && kenchi_note_mark(p + nl, strlen(p + nl))) {
			hit = p + nl;
			break;
		}
	if (hit)
		path[hit - path] = '\0';
}
