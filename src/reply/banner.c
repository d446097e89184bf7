/* banner.c: a mail gateway's banner at the top of a reply (banner.h).
 * A banner wraps onto more lines than its pattern's first one ("CAUTION:
 * This email originated from outside of the organization. Do not click /
 * links or open attachments..."), so the lines after it go with it until
 * a blank line - or a command line, since a gateway may put no blank line
 * between its banner and what the analyst typed. */
#include <string.h>
#include "reply/banner.h"
#include "reply/commands.h"
#include "parse/re.h"

struct kenchi_banners {
	GPtrArray *res;            /* kenchi_re_t * */
	kenchi_re_match_t *m;
};

void
kenchi_banners_free(kenchi_banners_t *b)
{
	if (b == NULL)
		return;
	g_ptr_array_unref(b->res);
	kenchi_re_match_free(b->m);
	g_free(b);
}

guint
kenchi_banners_count(const kenchi_banners_t *b)
{
	return b ? b->res->len : 0;
}

kenchi_status_t
kenchi_banners_load(const char *path, kenchi_banners_t **out, char **errmsg)
{
	kenchi_banners_t *b = g_new0(kenchi_banners_t, 1);
	char *text = NULL, **lines, **samples = NULL;
	GError *err = NULL;

	*out = NULL;
	*errmsg = NULL;
	b->res = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	b->m = kenchi_re_match_new();
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		gboolean none = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);

		if (!none)
			*errmsg = g_strdup_printf("%s: %s", path, err->message);
		g_error_free(err);
		if (!none) {
			kenchi_banners_free(b);
			return KENCHI_CONFIG;
		}
		*out = b;
		return KENCHI_OK;
	}
	lines = g_strsplit(text, "\n", -1);
	g_free(text);
	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]), *why = NULL;
		kenchi_re_t *re;

		if (*l == '\0' || *l == '#')
			continue;
		if (!g_utf8_validate(l, -1, NULL) || (re = kenchi_re_compile(l, &why)) == NULL) {
			*errmsg = g_strdup_printf("%s:%d: %s", path, i + 1, why ? why : "not valid UTF-8");
			g_free(why);
			goto fail;
		}
		g_ptr_array_add(b->res, re);
		/* A pattern that takes a command for a banner is useless (a
		 * command is never blanked), and says its writer erred (round
		 * 41a F12: rules check passed one that matched "close"). */
		if (samples == NULL)
			samples = kenchi_commands_sample_lines();
		for (int k = 0; samples[k]; k++)
			if (kenchi_re_exec(re, b->m, samples[k], strlen(samples[k])) == KENCHI_RE_MATCH) {
				*errmsg = g_strdup_printf("%s:%d: the pattern matches the command line \"%s\": a banner pattern "
				    "must not", path, i + 1, samples[k]);
				goto fail;
			}
	}
	g_strfreev(lines);
	g_strfreev(samples);
	*out = b;
	return KENCHI_OK;
fail:
	g_strfreev(samples);
	g_strfreev(lines);
	kenchi_banners_free(b);
	return KENCHI_CONFIG;
}

/* A line under a banner's first that its wrapped prose would not be:
 * "word: ..." (a mistyped command, round 41a: "verdct: benign" was
 * skipped as the banner's, and the mail applied), or one short ASCII
 * word ("clsoe"), or a short greeting.  The analyst typed it: the
 * command reader judges it. */
static gboolean
typed_by_hand(const char *p, const char *e)
{
	const char *q = p, *colon;
	gsize word = 0;

	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	for (colon = q; colon < e && word < 25 && *colon != ' ' && *colon != '\t' && *colon != ':'; colon++)
		word++;
	if (word > 0 && word < 25 && ((colon < e && *colon == ':') ||
	    (e - colon >= 3 && memcmp(colon, "\xef\xbc\x9a", 3) == 0)))   /* "：" */
		return TRUE;
	while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	/* A greeting ("Hi,", "Hello team,"): a banner's prose wraps at
	 * longer lines (round 42 F6: "Hi," was skipped with the banner). */
	if (e - q > 1 && e - q <= 24 && e[-1] == ',')
		return TRUE;
	if (e - q == 0 || e - q > 12)
		return FALSE;
	for (const char *c = q; c < e; c++)
		if (!g_ascii_isalpha(*c))
			return FALSE;
	return TRUE;
}

int
kenchi_banners_blank(const kenchi_banners_t *b, GString *text)
{
	char *p = text->str, *end = text->str + text->len, *e;
	gboolean in = FALSE;
	int n = 0;

	if (b == NULL || b->res->len == 0)
		return 0;
	for (; p < end; p = e + (e < end)) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		if (kenchi_commands_line_is_blank(p, (gsize)(e - p))) {
			in = FALSE;   /* a banner may follow another */
			continue;
		}
		/* A command is never a banner, whatever a pattern says
		 * (round 41a: a pattern that matched "close" skipped it). */
		if (kenchi_commands_line_is_command(p, (gsize)(e - p)))
			break;
		{
			guint i;

			for (i = 0; i < b->res->len; i++)
				if (kenchi_re_exec(g_ptr_array_index(b->res, i), b->m, p, (size_t)(e - p)) == KENCHI_RE_MATCH)
					break;
			if (i == b->res->len && (!in || typed_by_hand(p, e)))
				break;
			in = TRUE;
		}
		memset(p, ' ', (size_t)(e - p));
		n++;
	}
	return n;
}
