/* scoring.c: compile and evaluate the scoring rules (doc/scoring-rules.md).
 *
 *   rule "executed malware"
 *     if event_type == "Executed malware" and not host_is_server
 *     then add 40, tag executed
 *
 * The text is cut into tokens first, then parsed by recursive descent into a
 * condition tree and an action list per rule.  Everything that can be
 * checked is checked at load: regexes are compiled once through re.c, CIDRs
 * and numbers are parsed once, long string lists become hash sets.  The
 * evaluator is then a walk over the tree with no allocation except the
 * result's own reasons and tags.
 *
 * Decisions a reader may question:
 * - Newlines mean nothing to the grammar (a rule may span lines or share
 *   one); only "rule" starts a rule.  That keeps long "or" chains readable
 *   without continuation marks, and lets the parser resynchronise after an
 *   error at the next "rule", so one load reports every broken rule.
 * - String equality and lists compare ASCII case-insensitively: every value
 *   the rules look at (event types, severities, dispositions, host names,
 *   hashes, domains) is case-insensitive in AMP, and Cisco itself writes both
 *   "Executed malware" and "Executed Malware".  Regexes are exact unless
 *   they say (?i).
 * - A test on an absent field is false; "!=", "!~" and "not in" are the
 *   negations of "==", "=~" and "in" and so are true there.  A regex that
 *   hits a PCRE2 limit is false both ways and is counted: a hostile value
 *   must neither add points nor take them away.
 * - Each field is fetched from the getter at most once per evaluation and
 *   copied into a small arena on the stack: the getter's string need only
 *   live until its next call (the easiest contract for the case code), and
 *   twenty rules that test event_type cost one lookup, not twenty. */
#include <math.h>
#include <string.h>
#include <arpa/inet.h>
#include "case/scoring.h"

#define MAX_ERRORS 100          /* past this a file is not a rules file */
#define MAX_POINTS 1000         /* |add N|: a typo guard, not a policy */
#define HASH_LIST_MIN 9         /* lists this long are looked up by hash */

G_DEFINE_QUARK(kenchi-scoring-error-quark, kenchi_scoring_error)

/* ------------------------------------------------------------------ model */

typedef enum {
	C_AND, C_OR, C_NOT,
	C_EXISTS,       /* exists FIELD */
	C_TRUTHY,       /* FIELD alone: present and not false/0/no */
	C_STR_EQ,       /* FIELD == "s" */
	C_REGEX,        /* FIELD =~ "re" */
	C_NUM_CMP,      /* FIELD <op> N */
	C_STR_IN,       /* FIELD in ["a", "b"] */
	C_NUM_IN,       /* FIELD in [1, 2] */
	C_RANGE,        /* FIELD in A..B */
	C_CIDR_IN       /* FIELD in 10.0.0.0/8, ::1 */
} cond_kind_t;

typedef enum { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE } cmp_t;

/* An IPv4 network is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d/96+n),
 * so one 128-bit masked compare serves both families and an IPv4-mapped
 * address in a field matches an IPv4 rule. */
typedef struct {
	guint64 addr[2];
	guint64 mask[2];
} cidr_t;

typedef struct cond {
	cond_kind_t kind;
	gboolean negate;        /* "!=", "!~", "not in" */
	char *field;            /* owned; NULL for and/or/not */
	guint fid;              /* the field's number, its cache slot */
	gboolean is_score;      /* the running score, kept by the evaluator */
	struct cond *a, *b;     /* owned operands of and/or/not */
	char *str;              /* C_STR_EQ value, owned */
	kenchi_re_t *re;        /* C_REGEX, owned */
	cmp_t cmp;
	double num, lo, hi;     /* C_NUM_CMP operand, C_RANGE bounds */
	GPtrArray *strs;        /* C_STR_IN, char *, owned */
	GHashTable *set;        /* C_STR_IN when long: keys borrowed from strs */
	GArray *nums;           /* C_NUM_IN, double */
	GArray *cidrs;          /* C_CIDR_IN, cidr_t */
} cond_t;

typedef enum { A_ADD, A_SET, A_PRIORITY, A_TAG, A_SUPPRESS, A_ESCALATE, A_STOP } action_kind_t;

typedef struct {
	action_kind_t kind;
	int n;                  /* points, score, or priority 1..4 */
	char *tag;              /* owned */
} action_t;

typedef struct {
	char *name;             /* owned */
	int line;
	cond_t *cond;           /* owned; NULL: always fires */
	GArray *actions;        /* action_t */
} rule_t;

struct kenchi_scoring {
	GPtrArray *rules;       /* rule_t *, owned */
};

static void
cond_free(cond_t *c)
{
	if (c == NULL)
		return;
	cond_free(c->a);
	cond_free(c->b);
	g_free(c->field);
	g_free(c->str);
	kenchi_re_free(c->re);
	if (c->set)
		g_hash_table_unref(c->set);
	if (c->strs)
		g_ptr_array_unref(c->strs);
	if (c->nums)
		g_array_unref(c->nums);
	if (c->cidrs)
		g_array_unref(c->cidrs);
	g_free(c);
}

static void
action_clear(gpointer p)
{
	action_t *a = p;

	g_free(a->tag);
}

static void
rule_free(gpointer p)
{
	rule_t *r = p;

	if (r == NULL)
		return;
	g_free(r->name);
	cond_free(r->cond);
	if (r->actions)
		g_array_unref(r->actions);
	g_free(r);
}

void
kenchi_scoring_free(kenchi_scoring_t *sc)
{
	if (sc == NULL)
		return;
	g_ptr_array_unref(sc->rules);
	g_free(sc);
}

guint
kenchi_scoring_rule_count(const kenchi_scoring_t *sc)
{
	return sc ? sc->rules->len : 0;
}

/* ------------------------------------------------------------------ values */

/* Case-insensitive hashing, to match g_ascii_strcasecmp() in short lists. */
static guint
ci_hash(gconstpointer p)
{
	const unsigned char *s = p;
	guint h = 5381;

	for (; *s; s++)
		h = h * 33 + (guint)g_ascii_tolower(*s);
	return h;
}

static gboolean
ci_equal(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(a, b) == 0;
}

/* A decimal number, whole string.  Integers (counts, hours, the score) take
 * the fast path; strtod is only for the rare fraction. */
static gboolean
parse_number(const char *s, double *out)
{
	const char *p = s;
	guint64 n = 0;
	int digits = 0;
	char *end;
	double d;

	if (*p == '-')
		p++;
	while (*p >= '0' && *p <= '9' && digits < 18) {
		n = n * 10 + (guint64)(*p - '0');
		p++;
		digits++;
	}
	if (*p == '\0' && digits > 0) {
		*out = *s == '-' ? -(double)n : (double)n;
		return TRUE;
	}
	/* Refuse what strtod would take but a person would not mean: hex,
	 * "inf", "nan", leading blanks. */
	p = *s == '-' ? s + 1 : s;
	if (!g_ascii_isdigit(*p))
		return FALSE;
	for (; *p; p++)
		if (!g_ascii_isdigit(*p) && *p != '.' && *p != 'e' && *p != 'E'
		    && *p != '-' && *p != '+')
			return FALSE;
	d = g_ascii_strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(d))
		return FALSE;
	*out = d;
	return TRUE;
}

static void
mask_bits(guint64 mask[2], int bits)
{
	int i;

	for (i = 0; i < 2; i++) {
		int b = bits - 64 * i;
		if (b >= 64)
			mask[i] = G_MAXUINT64;
		else if (b <= 0)
			mask[i] = 0;
		else
			mask[i] = G_MAXUINT64 << (64 - b);
	}
}

static void
bytes_to_words(const guint8 b[16], guint64 w[2])
{
	int i;

	w[0] = w[1] = 0;
	for (i = 0; i < 8; i++) {
		w[0] = (w[0] << 8) | b[i];
		w[1] = (w[1] << 8) | b[8 + i];
	}
}

/* An address as text into 128 bits, IPv4 mapped.  A zone ("%eth0") is
 * dropped: rules speak of networks, not links. */
static gboolean
parse_addr(const char *s, size_t len, guint64 w[2])
{
	char buf[INET6_ADDRSTRLEN + 1];
	guint8 b[16];
	const char *pct = memchr(s, '%', len);

	if (pct)
		len = (size_t)(pct - s);
	if (len == 0 || len >= sizeof buf)
		return FALSE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len) == NULL) {
		memset(b, 0, 10);
		b[10] = b[11] = 0xff;
		if (inet_pton(AF_INET, buf, b + 12) != 1)
			return FALSE;
	} else if (inet_pton(AF_INET6, buf, b) != 1)
		return FALSE;
	bytes_to_words(b, w);
	return TRUE;
}

/* "a.b.c.d[/n]" or "x::y[/n]".  On error returns a static reason. */
static const char *
parse_cidr(const char *s, cidr_t *c)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	gboolean v4 = memchr(s, ':', len) == NULL;
	guint64 bits = v4 ? 32 : 128;

	if (!parse_addr(s, len, c->addr) || memchr(s, '%', len))
		return "not an IP address";
	if (slash && !g_ascii_string_to_unsigned(slash + 1, 10, 0, v4 ? 32 : 128, &bits, NULL))
		return v4 ? "prefix length is not 0..32" : "prefix length is not 0..128";
	mask_bits(c->mask, (int)bits + (v4 ? 96 : 0));
	/* Host bits set is almost always a typo for another network. */
	if ((c->addr[0] & ~c->mask[0]) || (c->addr[1] & ~c->mask[1]))
		return "host bits are set (write the network address)";
	return NULL;
}

/* ------------------------------------------------------------------ lexer */

typedef enum { TK_EOF, TK_WORD, TK_STRING, TK_OP, TK_ERROR } tk_kind_t;

typedef struct {
	tk_kind_t kind;
	char *text;     /* owned */
	int line;
} token_t;

typedef struct {
	const char *name;
	GArray *toks;           /* token_t */
	guint pos;
	GString *errs;
	int nerr;
	gboolean failed;        /* the current rule is broken: skip to the next */
	GHashTable *names;      /* rule name -> line, for duplicates */
	GHashTable *fields;     /* field name -> number */
	kenchi_scoring_t *sc;
} parser_t;

static void
add_error(parser_t *p, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
add_error(parser_t *p, int line, const char *fmt, ...)
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

static void
token_clear(gpointer q)
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
static void
lex(parser_t *p, const char *text)
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
				add_error(p, line, "unterminated string");
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
			add_error(p, line, "unexpected character '%s'", buf);
			push(p, TK_ERROR, NULL, line);
			s = g_utf8_next_char(s);
		}
	}
	/* "end of file" is reported where the text ends, not on the line
	 * after the last newline, which no editor shows. */
	push(p, TK_EOF, NULL, p->toks->len ? g_array_index(p->toks, token_t, p->toks->len - 1).line : 1);
}

/* ------------------------------------------------------------------ parser */

static const char *const keywords[] = {
	"rule", "if", "then", "and", "or", "not", "in", "exists", NULL
};

static token_t *
peek(parser_t *p)
{
	return &g_array_index(p->toks, token_t, p->pos);
}

static token_t *
peek2(parser_t *p)
{
	guint i = p->pos + 1 < p->toks->len ? p->pos + 1 : p->toks->len - 1;
	return &g_array_index(p->toks, token_t, i);
}

static token_t *
next(parser_t *p)
{
	token_t *t = peek(p);

	if (t->kind != TK_EOF)
		p->pos++;
	return t;
}

static gboolean
is_word(const token_t *t, const char *w)
{
	return t->kind == TK_WORD && strcmp(t->text, w) == 0;
}

static gboolean
is_op(const token_t *t, const char *o)
{
	return t->kind == TK_OP && strcmp(t->text, o) == 0;
}

static gboolean
is_keyword(const char *w)
{
	int i;

	for (i = 0; keywords[i]; i++)
		if (strcmp(w, keywords[i]) == 0)
			return TRUE;
	return FALSE;
}

/* How a token reads in a message. */
static char *
describe(const token_t *t)
{
	switch (t->kind) {
	case TK_EOF: return g_strdup("end of file");
	case TK_STRING: return g_strdup_printf("\"%s\"", t->text);
	case TK_ERROR: return g_strdup("an error");
	default: return g_strdup_printf("'%s'", t->text);
	}
}

/* Report at T, unless T is a lexer error already reported, and mark the
 * rule broken. */
static void
fail_at(parser_t *p, const token_t *t, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
fail_at(parser_t *p, const token_t *t, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	p->failed = TRUE;
	if (t->kind == TK_ERROR)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	add_error(p, t->line, "%s", msg);
	g_free(msg);
}

static void
expected(parser_t *p, const char *what)
{
	token_t *t = peek(p);
	char *d = describe(t);

	fail_at(p, t, "expected %s, got %s", what, d);
	g_free(d);
}

/* name(.name)* with an optional [N] after each part; not a keyword. */
static gboolean
valid_field(const char *s)
{
	const char *p = s;

	if (is_keyword(s))
		return FALSE;
	for (;;) {
		if (!g_ascii_isalpha(*p) && *p != '_')
			return FALSE;
		while (g_ascii_isalnum(*p) || *p == '_')
			p++;
		if (*p == '[') {
			p++;
			if (!g_ascii_isdigit(*p))
				return FALSE;
			while (g_ascii_isdigit(*p))
				p++;
			if (*p++ != ']')
				return FALSE;
		}
		if (*p == '\0')
			return TRUE;
		if (*p++ != '.')
			return FALSE;
	}
}

/* Each distinct field gets a number, its slot in the evaluator's cache. */
static cond_t *
leaf(parser_t *p, cond_kind_t kind, const char *field)
{
	cond_t *c = g_new0(cond_t, 1);
	gpointer id;

	c->kind = kind;
	c->field = g_strdup(field);
	c->is_score = strcmp(field, "score") == 0;
	if (!g_hash_table_lookup_extended(p->fields, field, NULL, &id)) {
		id = GUINT_TO_POINTER(g_hash_table_size(p->fields));
		g_hash_table_insert(p->fields, g_strdup(field), id);
	}
	c->fid = GPOINTER_TO_UINT(id);
	return c;
}

static cond_t *parse_or(parser_t *p);

/* in [ ... ] | in A..B | in CIDR, CIDR ... */
static cond_t *
parse_set(parser_t *p, const char *field, gboolean negate)
{
	token_t *t = peek(p);
	cond_t *c = NULL;
	const char *dots;

	if (is_op(t, "[")) {
		/* A list holds one kind: strings, numbers or networks. */
		next(p);
		for (;;) {
			token_t *it = peek(p);
			double d;
			cidr_t cidr;
			const char *why;
			cond_kind_t kind;

			if (it->kind == TK_STRING)
				kind = C_STR_IN;
			else if (it->kind == TK_WORD && parse_number(it->text, &d))
				kind = C_NUM_IN;
			else if (it->kind == TK_WORD && (strchr(it->text, ':') || strchr(it->text, '/')
							 || strchr(it->text, '.')))
				kind = C_CIDR_IN;
			else {
				char *ds = describe(it);
				fail_at(p, it, "expected a quoted string, a number or a network in the list, got %s", ds);
				g_free(ds);
				goto fail;
			}
			if (c == NULL) {
				c = leaf(p, kind, field);
				if (kind == C_STR_IN)
					c->strs = g_ptr_array_new_with_free_func(g_free);
				else if (kind == C_NUM_IN)
					c->nums = g_array_new(FALSE, FALSE, sizeof(double));
				else
					c->cidrs = g_array_new(FALSE, FALSE, sizeof(cidr_t));
			} else if (c->kind != kind) {
				fail_at(p, it, "a list holds one kind of value: strings, numbers or networks");
				goto fail;
			}
			if (kind == C_STR_IN)
				g_ptr_array_add(c->strs, g_strdup(it->text));
			else if (kind == C_NUM_IN)
				g_array_append_val(c->nums, d);
			else if ((why = parse_cidr(it->text, &cidr)) != NULL) {
				fail_at(p, it, "bad CIDR '%s': %s", it->text, why);
				goto fail;
			} else
				g_array_append_val(c->cidrs, cidr);
			next(p);
			t = peek(p);
			if (is_op(t, "]")) {
				next(p);
				break;
			}
			if (!is_op(t, ",")) {
				expected(p, "',' or ']' in the list");
				goto fail;
			}
			next(p);
		}
		if (c->kind == C_STR_IN && c->strs->len >= HASH_LIST_MIN) {
			guint i;
			c->set = g_hash_table_new(ci_hash, ci_equal);
			for (i = 0; i < c->strs->len; i++)
				g_hash_table_add(c->set, c->strs->pdata[i]);
		}
	} else if (t->kind == TK_WORD && (dots = strstr(t->text, "..")) != NULL) {
		char *lo = g_strndup(t->text, (gsize)(dots - t->text));
		c = leaf(p, C_RANGE, field);
		if (!parse_number(lo, &c->lo) || !parse_number(dots + 2, &c->hi))
			fail_at(p, t, "bad range '%s': expected two numbers, as in 0..6", t->text);
		else if (c->lo > c->hi)
			fail_at(p, t, "bad range '%s': the low end is above the high end", t->text);
		g_free(lo);
		next(p);
		if (p->failed)
			goto fail;
	} else if (t->kind == TK_WORD && !is_keyword(t->text)) {
		/* A bare list of networks: "in 10.0.0.0/8, 192.168.0.0/16".  Only
		 * "then", "and", "or" or ")" can follow a condition, so a comma
		 * here always continues the list. */
		c = leaf(p, C_CIDR_IN, field);
		c->cidrs = g_array_new(FALSE, FALSE, sizeof(cidr_t));
		for (;;) {
			token_t *it = peek(p);
			cidr_t cidr;
			const char *why;

			if (it->kind != TK_WORD || is_keyword(it->text)) {
				expected(p, "a network such as 10.0.0.0/8");
				goto fail;
			}
			if ((why = parse_cidr(it->text, &cidr)) != NULL) {
				fail_at(p, it, "bad CIDR '%s': %s", it->text, why);
				goto fail;
			}
			next(p);
			g_array_append_val(c->cidrs, cidr);
			if (!is_op(peek(p), ","))
				break;
			next(p);
		}
	} else {
		expected(p, "'[', a range such as 0..6 or networks such as 10.0.0.0/8 after 'in'");
		return NULL;
	}
	c->negate = negate;
	return c;
fail:
	cond_free(c);
	return NULL;
}

static cond_t *
parse_primary(parser_t *p)
{
	token_t *t = peek(p), *op, *v;
	const char *field;
	cond_t *c;
	double d;

	if (is_op(t, "(")) {
		next(p);
		c = parse_or(p);
		if (c == NULL)
			return NULL;
		if (!is_op(peek(p), ")")) {
			expected(p, "')'");
			cond_free(c);
			return NULL;
		}
		next(p);
		return c;
	}
	if (is_word(t, "exists")) {
		next(p);
		t = peek(p);
		if (t->kind != TK_WORD || !valid_field(t->text)) {
			expected(p, "a field name after 'exists'");
			return NULL;
		}
		next(p);
		return leaf(p, C_EXISTS, t->text);
	}
	if (t->kind != TK_WORD || !valid_field(t->text)) {
		expected(p, "a condition");
		return NULL;
	}
	field = next(p)->text;
	op = peek(p);
	if (is_op(op, "==") || is_op(op, "!=")) {
		next(p);
		v = peek(p);
		if (v->kind == TK_STRING) {
			c = leaf(p, C_STR_EQ, field);
			c->str = g_strdup(v->text);
		} else if (v->kind == TK_WORD && parse_number(v->text, &d)) {
			c = leaf(p, C_NUM_CMP, field);
			c->cmp = CMP_EQ;
			c->num = d;
		} else {
			char *ds = describe(v);
			fail_at(p, v, "expected a quoted string or a number after '%s', got %s", op->text, ds);
			g_free(ds);
			return NULL;
		}
		next(p);
		c->negate = op->text[0] == '!';
	} else if (is_op(op, "=~") || is_op(op, "!~")) {
		char *err = NULL;
		next(p);
		v = peek(p);
		if (v->kind != TK_STRING) {
			char *ds = describe(v);
			fail_at(p, v, "expected a quoted regex after '%s', got %s", op->text, ds);
			g_free(ds);
			return NULL;
		}
		next(p);
		c = leaf(p, C_REGEX, field);
		c->negate = op->text[0] == '!';
		c->re = kenchi_re_compile(v->text, &err);
		if (c->re == NULL) {
			fail_at(p, v, "bad regex \"%s\": %s", v->text, err ? err : "?");
			g_free(err);
			cond_free(c);
			return NULL;
		}
	} else if (is_op(op, "<") || is_op(op, "<=") || is_op(op, ">") || is_op(op, ">=")) {
		next(p);
		v = peek(p);
		if (v->kind != TK_WORD || !parse_number(v->text, &d)) {
			char *ds = describe(v);
			fail_at(p, v, "expected a number after '%s', got %s", op->text, ds);
			g_free(ds);
			return NULL;
		}
		next(p);
		c = leaf(p, C_NUM_CMP, field);
		c->num = d;
		c->cmp = op->text[0] == '<' ? (op->text[1] ? CMP_LE : CMP_LT)
					    : (op->text[1] ? CMP_GE : CMP_GT);
	} else if (is_word(op, "in")) {
		next(p);
		c = parse_set(p, field, FALSE);
	} else if (is_word(op, "not") && is_word(peek2(p), "in")) {
		next(p);
		next(p);
		c = parse_set(p, field, TRUE);
	} else
		c = leaf(p, C_TRUTHY, field);
	if (c && c->is_score && c->kind != C_NUM_CMP && c->kind != C_NUM_IN && c->kind != C_RANGE) {
		fail_at(p, t, "'score' is a number: compare it with a number");
		cond_free(c);
		return NULL;
	}
	return c;
}

static cond_t *
parse_unary(parser_t *p)
{
	cond_t *c, *inner;

	if (!is_word(peek(p), "not"))
		return parse_primary(p);
	next(p);
	inner = parse_unary(p);
	if (inner == NULL)
		return NULL;
	c = g_new0(cond_t, 1);
	c->kind = C_NOT;
	c->a = inner;
	return c;
}

/* "and" binds tighter than "or", as everywhere. */
static cond_t *
parse_binary(parser_t *p, const char *word, cond_kind_t kind, cond_t *(*sub)(parser_t *))
{
	cond_t *l = sub(p), *r, *c;

	while (l && is_word(peek(p), word)) {
		next(p);
		r = sub(p);
		if (r == NULL) {
			cond_free(l);
			return NULL;
		}
		c = g_new0(cond_t, 1);
		c->kind = kind;
		c->a = l;
		c->b = r;
		l = c;
	}
	return l;
}

static cond_t *
parse_and(parser_t *p)
{
	return parse_binary(p, "and", C_AND, parse_unary);
}

static cond_t *
parse_or(parser_t *p)
{
	return parse_binary(p, "or", C_OR, parse_and);
}

static gboolean
parse_int(parser_t *p, const char *what, gint64 lo, gint64 hi, int *out)
{
	token_t *t = peek(p);
	gint64 n;

	if (t->kind != TK_WORD || !g_ascii_string_to_signed(t->text, 10, lo, hi, &n, NULL)) {
		char *d = describe(t);
		fail_at(p, t, "expected %s (a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT "), got %s",
			what, lo, hi, d);
		g_free(d);
		return FALSE;
	}
	next(p);
	*out = (int)n;
	return TRUE;
}

static gboolean
valid_tag(const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '_' && *s != '-' && *s != '.' && *s != ':')
			return FALSE;
	return TRUE;
}

static gboolean
parse_action(parser_t *p, action_t *a)
{
	token_t *t = peek(p);

	memset(a, 0, sizeof *a);
	if (t->kind == TK_WORD && !is_keyword(t->text))
		next(p);        /* every action starts with a word; keep "rule" for resync */
	if (is_word(t, "add")) {
		a->kind = A_ADD;
		return parse_int(p, "points after 'add'", -MAX_POINTS, MAX_POINTS, &a->n);
	}
	if (is_word(t, "set")) {
		a->kind = A_SET;
		if (!is_word(peek(p), "score")) {
			expected(p, "'score' after 'set'");
			return FALSE;
		}
		next(p);
		return parse_int(p, "a score after 'set score'", KENCHI_SCORE_MIN, KENCHI_SCORE_MAX, &a->n);
	}
	if (is_word(t, "priority")) {
		token_t *v = peek(p);
		a->kind = A_PRIORITY;
		if (v->kind != TK_WORD || strlen(v->text) != 2 || (v->text[0] != 'P' && v->text[0] != 'p')
		    || v->text[1] < '1' || v->text[1] > '4') {
			expected(p, "P1, P2, P3 or P4 after 'priority'");
			return FALSE;
		}
		next(p);
		a->n = v->text[1] - '0';
		return TRUE;
	}
	if (is_word(t, "tag")) {
		token_t *v = peek(p);
		a->kind = A_TAG;
		if ((v->kind != TK_WORD && v->kind != TK_STRING) || !valid_tag(v->text)) {
			expected(p, "a tag name (letters, digits, _ - . :) after 'tag'");
			return FALSE;
		}
		next(p);
		a->tag = g_strdup(v->text);
		return TRUE;
	}
	if (is_word(t, "suppress")) {
		a->kind = A_SUPPRESS;
		return TRUE;
	}
	if (is_word(t, "escalate")) {
		a->kind = A_ESCALATE;
		return TRUE;
	}
	if (is_word(t, "stop")) {
		a->kind = A_STOP;
		return TRUE;
	}
	if (t->kind == TK_WORD && !is_keyword(t->text))
		fail_at(p, t, "unknown action '%s' (add, set score, priority, tag, suppress, escalate, stop)",
			t->text);
	else
		expected(p, "an action after 'then'");
	return FALSE;
}

/* rule NAME [if COND] then ACTION {, ACTION} */
static rule_t *
parse_rule(parser_t *p)
{
	token_t *t = next(p);   /* "rule" */
	rule_t *r = g_new0(rule_t, 1);
	gpointer seen;

	r->line = t->line;
	r->actions = g_array_new(FALSE, FALSE, sizeof(action_t));
	g_array_set_clear_func(r->actions, action_clear);
	t = peek(p);
	if (t->kind != TK_STRING && (t->kind != TK_WORD || is_keyword(t->text))) {
		expected(p, "a rule name after 'rule'");
		goto fail;
	}
	if (*t->text == '\0') {
		fail_at(p, t, "empty rule name");
		goto fail;
	}
	next(p);
	r->name = g_strdup(t->text);
	/* Reasons name rules, so two rules with one name would be ambiguous. */
	if (g_hash_table_lookup_extended(p->names, r->name, NULL, &seen)) {
		fail_at(p, t, "duplicate rule name \"%s\" (first at line %d)", r->name, GPOINTER_TO_INT(seen));
		goto fail;
	}
	g_hash_table_insert(p->names, g_strdup(r->name), GINT_TO_POINTER(r->line));
	if (is_word(peek(p), "if")) {
		next(p);
		r->cond = parse_or(p);
		if (r->cond == NULL)
			goto fail;
	}
	if (!is_word(peek(p), "then")) {
		expected(p, r->cond ? "'then' (or 'and', 'or')" : "'if' or 'then'");
		goto fail;
	}
	next(p);
	for (;;) {
		action_t a;
		if (!parse_action(p, &a)) {
			action_clear(&a);
			goto fail;
		}
		g_array_append_val(r->actions, a);
		if (!is_op(peek(p), ","))
			break;
		next(p);
	}
	t = peek(p);
	if (t->kind != TK_EOF && !is_word(t, "rule")) {
		expected(p, "',' and another action, or the next 'rule'");
		goto fail;
	}
	return r;
fail:
	rule_free(r);
	return NULL;
}

kenchi_scoring_t *
kenchi_scoring_parse(const char *name, const char *text, GError **error)
{
	parser_t p = { 0 };
	kenchi_scoring_t *sc = g_new0(kenchi_scoring_t, 1);
	const char *bad;

	sc->rules = g_ptr_array_new_with_free_func(rule_free);
	p.name = name ? name : "(rules)";
	p.errs = g_string_new(NULL);
	p.toks = g_array_new(FALSE, FALSE, sizeof(token_t));
	g_array_set_clear_func(p.toks, token_clear);
	p.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p.fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p.sc = sc;

	/* PCRE2 runs in UTF mode and messages quote the text: refuse bad
	 * bytes up front rather than in a confusing regex error. */
	if (!g_utf8_validate(text, -1, &bad)) {
		int line = 1;
		const char *s;
		for (s = text; s < bad; s++)
			line += *s == '\n';
		add_error(&p, line, "invalid UTF-8");
		goto done;
	}
	lex(&p, text);
	while (peek(&p)->kind != TK_EOF && p.nerr < MAX_ERRORS) {
		rule_t *r;
		if (!is_word(peek(&p), "rule")) {
			expected(&p, "'rule'");
		} else if ((r = parse_rule(&p)) != NULL) {
			g_ptr_array_add(sc->rules, r);
			continue;
		}
		/* Resynchronise at the next rule; the skipped text may hold
		 * errors of its own, but they would only be echoes.  A failed
		 * rule has consumed its "rule", so this always moves on. */
		while (peek(&p)->kind != TK_EOF && !is_word(peek(&p), "rule"))
			next(&p);
		p.failed = FALSE;
	}
done:
	g_array_unref(p.toks);
	g_hash_table_unref(p.names);
	g_hash_table_unref(p.fields);
	if (p.nerr > 0) {
		g_set_error_literal(error, KENCHI_SCORING_ERROR, KENCHI_SCORING_ERROR_PARSE, p.errs->str);
		g_string_free(p.errs, TRUE);
		kenchi_scoring_free(sc);
		return NULL;
	}
	g_string_free(p.errs, TRUE);
	return sc;
}

kenchi_scoring_t *
kenchi_scoring_load(const char *path, GError **error)
{
	char *text = NULL;
	GError *err = NULL;
	kenchi_scoring_t *sc;

	if (!g_file_get_contents(path, &text, NULL, &err)) {
		g_propagate_prefixed_error(error, err, "%s: ", path);
		return NULL;
	}
	sc = kenchi_scoring_parse(path, text, error);
	g_free(text);
	return sc;
}

/* ------------------------------------------------------------------ evaluation */

/* Rules test the same few fields again and again (event_type, severity),
 * and the getter is a lookup by name, so each value is fetched once per
 * evaluation and copied here.  The copy is what lets the getter reuse one
 * buffer; a value that does not fit is simply fetched again when needed. */
#define CACHE_FIELDS 128
#define CACHE_BYTES 4096

typedef struct {
	kenchi_score_get_fn get;
	gpointer user;
	kenchi_re_match_t *m;
	int score;              /* running, unclamped */
	guint regex_errors;
	gsize used;                     /* bytes of arena in use */
	gboolean have[CACHE_FIELDS];    /* val[i] is known */
	const char *val[CACHE_FIELDS];  /* into arena, or NULL when absent */
	char arena[CACHE_BYTES];
} eval_t;

static const char *
fetch(const cond_t *c, eval_t *x)
{
	const char *v;
	gsize len;

	if (c->fid < CACHE_FIELDS && x->have[c->fid])
		return x->val[c->fid];
	v = x->get(c->field, x->user);
	if (v != NULL && *v == '\0')
		v = NULL;
	if (c->fid >= CACHE_FIELDS)
		return v;
	if (v == NULL) {
		x->have[c->fid] = TRUE;
		x->val[c->fid] = NULL;
		return NULL;
	}
	len = strlen(v) + 1;
	if (len > CACHE_BYTES - x->used)
		return v;
	memcpy(x->arena + x->used, v, len);
	x->val[c->fid] = x->arena + x->used;
	x->have[c->fid] = TRUE;
	x->used += len;
	return x->val[c->fid];
}

static gboolean
cmp_num(cmp_t cmp, double v, double n)
{
	switch (cmp) {
	case CMP_EQ: return v == n;
	case CMP_LT: return v < n;
	case CMP_LE: return v <= n;
	case CMP_GT: return v > n;
	case CMP_GE: return v >= n;
	}
	return FALSE;
}

static gboolean
in_cidrs(const GArray *cidrs, const char *v)
{
	guint64 w[2];
	guint i;

	if (!parse_addr(v, strlen(v), w))
		return FALSE;
	for (i = 0; i < cidrs->len; i++) {
		const cidr_t *c = &g_array_index(cidrs, cidr_t, i);
		if ((w[0] & c->mask[0]) == c->addr[0] && (w[1] & c->mask[1]) == c->addr[1])
			return TRUE;
	}
	return FALSE;
}

/* 1 true, 0 false, -1 a regex error (false whichever way it is negated). */
static int
eval_leaf(const cond_t *c, eval_t *x)
{
	const char *v;
	double d;
	guint i;

	if (c->is_score) {
		d = x->score;
		v = "";
	} else
		v = fetch(c, x);
	switch (c->kind) {
	case C_EXISTS:
		return v != NULL;
	case C_TRUTHY:
		return v != NULL && g_ascii_strcasecmp(v, "false") != 0 && strcmp(v, "0") != 0
		    && g_ascii_strcasecmp(v, "no") != 0;
	case C_STR_EQ:
		return v != NULL && g_ascii_strcasecmp(v, c->str) == 0;
	case C_REGEX:
		if (v == NULL)
			return 0;
		switch (kenchi_re_exec(c->re, x->m, v, strlen(v))) {
		case KENCHI_RE_MATCH: return 1;
		case KENCHI_RE_NOMATCH: return 0;
		default: x->regex_errors++; return -1;
		}
	case C_STR_IN:
		if (v == NULL)
			return 0;
		if (c->set)
			return g_hash_table_contains(c->set, v);
		for (i = 0; i < c->strs->len; i++)
			if (g_ascii_strcasecmp(v, c->strs->pdata[i]) == 0)
				return 1;
		return 0;
	case C_CIDR_IN:
		return v != NULL && in_cidrs(c->cidrs, v);
	case C_NUM_CMP:
	case C_NUM_IN:
	case C_RANGE:
		if (v == NULL || (!c->is_score && !parse_number(v, &d)))
			return 0;
		if (c->kind == C_NUM_CMP)
			return cmp_num(c->cmp, d, c->num);
		if (c->kind == C_RANGE)
			return d >= c->lo && d <= c->hi;
		for (i = 0; i < c->nums->len; i++)
			if (d == g_array_index(c->nums, double, i))
				return 1;
		return 0;
	default:
		return 0;
	}
}

static gboolean
eval_cond(const cond_t *c, eval_t *x)
{
	int r;

	switch (c->kind) {
	case C_AND: return eval_cond(c->a, x) && eval_cond(c->b, x);
	case C_OR: return eval_cond(c->a, x) || eval_cond(c->b, x);
	case C_NOT: return !eval_cond(c->a, x);
	default:
		r = eval_leaf(c, x);
		if (r < 0)
			return FALSE;
		return c->negate ? !r : r;
	}
}

static void
reason_clear(gpointer p)
{
	kenchi_score_reason_t *r = p;

	g_free(r->rule);
}

void
kenchi_score_result_init(kenchi_score_result_t *r)
{
	memset(r, 0, sizeof *r);
	r->tags = g_ptr_array_new_with_free_func(g_free);
	r->reasons = g_array_new(FALSE, FALSE, sizeof(kenchi_score_reason_t));
	g_array_set_clear_func(r->reasons, reason_clear);
	memcpy(r->priority, "P4", 3);
}

void
kenchi_score_result_clear(kenchi_score_result_t *r)
{
	if (r == NULL)
		return;
	if (r->tags)
		g_ptr_array_unref(r->tags);
	if (r->reasons)
		g_array_unref(r->reasons);
	memset(r, 0, sizeof *r);
}

static void
add_tag(GPtrArray *tags, const char *tag)
{
	guint i;

	for (i = 0; i < tags->len; i++)
		if (strcmp(tags->pdata[i], tag) == 0)
			return;
	g_ptr_array_add(tags, g_strdup(tag));
}

kenchi_status_t
kenchi_scoring_eval(const kenchi_scoring_t *sc, kenchi_re_match_t *m,
		    kenchi_score_get_fn get, gpointer user, kenchi_score_result_t *out)
{
	eval_t x;
	int prio = 0;
	gboolean stop = FALSE;
	guint i, j;

	if (sc == NULL || m == NULL || get == NULL || out == NULL || out->tags == NULL
	    || out->reasons == NULL)
		return KENCHI_FAIL;
	/* Only the head of x needs clearing: the arena is read through val[]. */
	memset(&x, 0, G_STRUCT_OFFSET(eval_t, val));
	x.get = get;
	x.user = user;
	x.m = m;
	g_ptr_array_set_size(out->tags, 0);
	g_array_set_size(out->reasons, 0);
	out->suppress = out->escalate = FALSE;

	for (i = 0; i < sc->rules->len && !stop; i++) {
		const rule_t *r = sc->rules->pdata[i];
		kenchi_score_reason_t reason;
		int before = x.score;

		if (r->cond && !eval_cond(r->cond, &x))
			continue;
		for (j = 0; j < r->actions->len; j++) {
			const action_t *a = &g_array_index(r->actions, action_t, j);
			switch (a->kind) {
			case A_ADD: x.score += a->n; break;
			case A_SET: x.score = a->n; break;
			case A_PRIORITY: prio = a->n; break;
			case A_TAG: add_tag(out->tags, a->tag); break;
			case A_SUPPRESS: out->suppress = TRUE; break;
			case A_ESCALATE: out->escalate = TRUE; break;
			case A_STOP: stop = TRUE; break;
			}
		}
		reason.rule = g_strdup(r->name);
		reason.points = x.score - before;
		g_array_append_val(out->reasons, reason);
	}

	/* The running score is left unclamped so that a +50 then -20 sums as a
	 * person would add it up; only the result is held to 0..100. */
	out->score = CLAMP(x.score, KENCHI_SCORE_MIN, KENCHI_SCORE_MAX);
	out->priority_explicit = prio != 0;
	if (prio == 0)
		prio = out->score >= KENCHI_SCORE_P1 ? 1 : out->score >= KENCHI_SCORE_P2 ? 2
		     : out->score >= KENCHI_SCORE_P3 ? 3 : 4;
	out->priority[0] = 'P';
	out->priority[1] = (char)('0' + prio);
	out->priority[2] = '\0';
	out->regex_errors = x.regex_errors;
	return KENCHI_OK;
}
