/* scoring_lex.c: cut the scoring rules into tokens (words, strings,
 * operators), and keep the list of load errors that the lexer and the
 * parser (scoring_parse.c) add to.  The parser_t is the parser's; this file
 * fills its tokens and errors.  Token texts are owned by the token array. */
#include <string.h>
#include "case/scoring_int.h"

void
kenchi_scoring_add_error(parser_t *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (++p->nerr > MAX_ERRORS)
		return;
	if (p->errs->len)
		g_string_append_c(p->errs, '\n');
	g_string_append_printf(p->errs, "%s:%d: ", p->name, line);
	va_start(ap, fmt);
	g_string_append_vprintf(p->errs, fmt, ap);
	va_end(ap);
	if (p->nerr == MAX_ERRORS)
		g_string_append_printf(p->errs, "\n%s:%d: too many errors, giving up", p->name, line);
}

static void
push(parser_t *p, tk_kind_t kind, char *text, int line)
{
	token_t t = { kind, text, line };

	g_array_append_val(p->toks, t);
}

void
kenchi_scoring_token_clear(gpointer q)
{
	token_t *t = q;

	g_free(t->text);
}

static gboolean
is_word_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

/* Strings are raw so that regexes read as PCRE2 reads them: a backslash and
 * the character after it are kept as written, except that \" is a quote.
 * A string ends at its line: an unterminated one is reported there. */
void
kenchi_scoring_lex(parser_t *p, const char *text)
{
	const char *s = text;
	int line = 1;

	while (*s) {
		if (*s == '\n') {
			line++;
			s++;
		} else if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' || *s == '\v') {
			s++;
		} else if (*s == '#') {
			while (*s && *s != '\n')
				s++;
		} else if (*s == '"') {
			GString *v = g_string_new(NULL);
			const char *q = s + 1;
			while (*q && *q != '"' && *q != '\n') {
				if (*q == '\\' && q[1] == '"') {
					g_string_append_c(v, '"');
					q += 2;
				} else if (*q == '\\' && q[1] && q[1] != '\n') {
					g_string_append_len(v, q, 2);
					q += 2;
				} else
					g_string_append_c(v, *q++);
			}
			if (*q != '"') {
				kenchi_scoring_add_error(p, line, "unterminated string");
				g_string_free(v, TRUE);
				push(p, TK_ERROR, NULL, line);
				s = q;
			} else {
				push(p, TK_STRING, g_string_free(v, FALSE), line);
				s = q + 1;
			}
		} else if (is_word_char(*s)) {
			const char *q = s;
			for (;;) {
				while (is_word_char(*q))
					q++;
				/* an index inside a field path: network_addresses[0].ip */
				if (*q == '[' && g_ascii_isdigit(q[1])) {
					const char *r = q + 1;
					while (g_ascii_isdigit(*r))
						r++;
					if (*r == ']') {
						q = r + 1;
						continue;
					}
				}
				break;
			}
			push(p, TK_WORD, g_strndup(s, (gsize)(q - s)), line);
			s = q;
		} else if ((s[0] == '=' || s[0] == '!') && (s[1] == '=' || s[1] == '~')) {
			push(p, TK_OP, g_strndup(s, 2), line);
			s += 2;
		} else if ((s[0] == '<' || s[0] == '>') && s[1] == '=') {
			push(p, TK_OP, g_strndup(s, 2), line);
			s += 2;
		} else if (strchr("<>()[],", *s)) {
			push(p, TK_OP, g_strndup(s, 1), line);
			s++;
		} else {
			gunichar ch = g_utf8_get_char(s);
			char buf[8] = { 0 };
			g_unichar_to_utf8(ch, buf);
			kenchi_scoring_add_error(p, line, "unexpected character '%s'", buf);
			push(p, TK_ERROR, NULL, line);
			s = g_utf8_next_char(s);
		}
	}
	/* "end of file" is reported where the text ends, not on the line
	 * after the last newline, which no editor shows. */
	push(p, TK_EOF, NULL, p->toks->len ? g_array_index(p->toks, token_t, p->toks->len - 1).line : 1);
}
