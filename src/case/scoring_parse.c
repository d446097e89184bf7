/* scoring_parse.c: parse the scoring rules' tokens (scoring_lex.c) by
 * recursive descent into the model of scoring_int.h, checking everything
 * that can be checked at load, and report every error with file:line.
 *
 * Decisions a reader may question:
 * - Newlines mean nothing to the grammar (a rule may span lines or share
 *   one); only "rule" starts a rule.  That keeps long "or" chains readable
 *   without continuation marks, and lets the parser resynchronise after an
 *   error at the next "rule", so one load reports every broken rule.
 *
 * Ownership: a parse_* function that returns a condition or a rule gives
 * it to its caller, or returns NULL having reported the error and freed
 * what it built; the finished ruleset belongs to kenchi_scoring_parse()'s
 * caller. */
#include <string.h>
#include <json-glib/json-glib.h>
#include "case/scoring_int.h"

/* S as a JSON string, quotes included (g_free): a case's score reasons
 * cite rules by name (correlate.c). */
static char *
json_literal(const char *s)
{
	JsonNode *n = json_node_init_string(json_node_alloc(), s);
	char *text = json_to_string(n, FALSE);

	json_node_unref(n);
	return text;
}

#define MAX_POINTS 1000         /* |add N|: a typo guard, not a policy */
#define HASH_LIST_MIN 9         /* lists this long are looked up by hash */

G_DEFINE_QUARK(kenchi-scoring-error-quark, kenchi_scoring_error)

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
	kenchi_scoring_add_error(p, t->line, "%s", msg);
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

/* C, or NULL (freed, the error reported at T, its field's token) when it
 * names a field kenchi does not know or tests it in a way that cannot
 * match: such a rule would load and silently never fire (rs1 F3). */
static cond_t *
checked(parser_t *p, const token_t *t, cond_t *c)
{
	char *why = NULL;

	if (c == NULL || p->untyped || kenchi_scoring_check_field(c, &why))
		return c;
	fail_at(p, t, "%s", why);
	g_free(why);
	kenchi_scoring_cond_free(c);
	return NULL;
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
			else if (it->kind == TK_WORD && kenchi_scoring_parse_number(it->text, &d))
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
			else if ((why = kenchi_scoring_parse_cidr(it->text, &cidr)) != NULL) {
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
			c->set = g_hash_table_new(kenchi_scoring_ci_hash, kenchi_scoring_ci_equal);
			for (i = 0; i < c->strs->len; i++)
				g_hash_table_add(c->set, c->strs->pdata[i]);
		}
	} else if (t->kind == TK_WORD && (dots = strstr(t->text, "..")) != NULL) {
		char *lo = g_strndup(t->text, (gsize)(dots - t->text));
		c = leaf(p, C_RANGE, field);
		if (!kenchi_scoring_parse_number(lo, &c->lo) || !kenchi_scoring_parse_number(dots + 2, &c->hi))
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
			if ((why = kenchi_scoring_parse_cidr(it->text, &cidr)) != NULL) {
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
	kenchi_scoring_cond_free(c);
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
			kenchi_scoring_cond_free(c);
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
		return checked(p, t, leaf(p, C_EXISTS, t->text));
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
		} else if (v->kind == TK_WORD && kenchi_scoring_parse_number(v->text, &d)) {
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
			kenchi_scoring_cond_free(c);
			return NULL;
		}
	} else if (is_op(op, "<") || is_op(op, "<=") || is_op(op, ">") || is_op(op, ">=")) {
		next(p);
		v = peek(p);
		if (v->kind != TK_WORD || !kenchi_scoring_parse_number(v->text, &d)) {
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
		kenchi_scoring_cond_free(c);
		return NULL;
	}
	return checked(p, t, c);
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
			kenchi_scoring_cond_free(l);
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
	g_array_set_clear_func(r->actions, kenchi_scoring_action_clear);
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
	r->name_json = json_literal(r->name);
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
			kenchi_scoring_action_clear(&a);
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
	kenchi_scoring_rule_free(r);
	return NULL;
}

static kenchi_scoring_t *
parse(const char *name, const char *text, gboolean untyped, GError **error)
{
	parser_t p = { .untyped = untyped };
	kenchi_scoring_t *sc = g_new0(kenchi_scoring_t, 1);
	const char *bad;

	sc->rules = g_ptr_array_new_with_free_func(kenchi_scoring_rule_free);
	p.name = name ? name : "(rules)";
	p.errs = g_string_new(NULL);
	p.toks = g_array_new(FALSE, FALSE, sizeof(token_t));
	g_array_set_clear_func(p.toks, kenchi_scoring_token_clear);
	p.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p.fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p.sc = sc;

	/* Windows Notepad starts a UTF-8 file with a BOM, which the lexer
	 * would refuse as an invisible "unexpected character" (rs1 F9). */
	if (g_str_has_prefix(text, "\xef\xbb\xbf"))
		text += 3;
	/* PCRE2 runs in UTF mode and messages quote the text: refuse bad
	 * bytes up front rather than in a confusing regex error. */
	if (!g_utf8_validate(text, -1, &bad)) {
		int line = 1;
		const char *s;
		for (s = text; s < bad; s++)
			line += *s == '\n';
		kenchi_scoring_add_error(&p, line, "invalid UTF-8");
		goto done;
	}
	kenchi_scoring_lex(&p, text);
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
kenchi_scoring_parse(const char *name, const char *text, GError **error)
{
	return parse(name, text, FALSE, error);
}

kenchi_scoring_t *
kenchi_scoring_parse_untyped(const char *name, const char *text, GError **error)
{
	return parse(name, text, TRUE, error);
}
