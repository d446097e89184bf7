/* enriched.c: text/enriched to plain text (see enriched.h). */
#include <string.h>
#include "parse/enriched.h"

/* Is [P, ...) a formatting command, "<name>" or "</name>"?  Its name's
 * start and length in *NAME and *LEN, whether it closes in *CLOSE, and
 * where it ends.  NULL when it is no command (a lone '<' stays text). */
static const char *
command(const char *p, const char **name, size_t *len, gboolean *close)
{
	const char *q = p + 1;

	*close = *q == '/';
	if (*close)
		q++;
	*name = q;
	while (g_ascii_isalnum(*q) || *q == '-')
		q++;
	*len = (size_t)(q - *name);
	/* RFC 1896: a name is at most 60 characters. */
	return *q == '>' && *len > 0 && *len <= 60 ? q + 1 : NULL;
}

static void
count(int *depth, gboolean close)
{
	if (!close)
		(*depth)++;
	else if (*depth > 0)
		(*depth)--;
}

char *
kenchi_enriched_to_text(const char *text)
{
	GString *o = g_string_sized_new(strlen(text));
	int param = 0, nofill = 0;
	const char *p = text;

	while (*p) {
		const char *name, *next;
		size_t len;
		gboolean close;

		if (p[0] == '<' && p[1] == '<') {
			if (!param)
				g_string_append_c(o, '<');
			p += 2;
		} else if (*p == '<' && (next = command(p, &name, &len, &close)) != NULL) {
			if (len == 5 && g_ascii_strncasecmp(name, "param", 5) == 0)
				count(&param, close);
			else if (len == 6 && g_ascii_strncasecmp(name, "nofill", 6) == 0)
				count(&nofill, close);
			p = next;
		} else if (*p == '\r') {
			p++;
		} else if (*p == '\n' && !nofill) {
			int breaks = 0;

			for (; *p == '\n' || *p == '\r'; p++)
				breaks += *p == '\n';
			if (param)
				continue;
			if (breaks == 1)
				g_string_append_c(o, ' ');
			for (int k = 1; k < breaks; k++)
				g_string_append_c(o, '\n');
		} else {
			if (!param)
				g_string_append_c(o, *p);
			p++;
		}
	}
	return g_string_free(o, FALSE);
}
