/* scoring_eval.c: evaluate a compiled ruleset (scoring_parse.c) against
 * one case: a walk over each rule's condition tree, then its actions, with
 * no allocation except the result's own reasons and tags.  The ruleset is
 * only read, so threads may share it; the result is the caller's.
 *
 * Decisions a reader may question:
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
#include <string.h>
#include "case/scoring_int.h"

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

	if (!kenchi_scoring_parse_addr(v, strlen(v), w))
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
		if (v == NULL || (!c->is_score && !kenchi_scoring_parse_number(v, &d)))
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
		memset(&reason, 0, sizeof reason);
		for (j = 0; j < r->actions->len; j++) {
			const action_t *a = &g_array_index(r->actions, action_t, j);
			switch (a->kind) {
			case A_ADD: x.score += a->n; break;
			case A_SET: x.score = a->n; break;
			case A_PRIORITY: prio = reason.priority = a->n; break;
			case A_TAG: add_tag(out->tags, a->tag); break;
			case A_SUPPRESS: out->suppress = reason.suppress = TRUE; break;
			case A_ESCALATE: out->escalate = reason.escalate = TRUE; break;
			case A_STOP: stop = TRUE; break;
			}
		}
		reason.rule = g_strdup(r->name);
		reason.rule_json = r->name_json;
		reason.points = x.score - before;
		g_array_append_val(out->reasons, reason);
	}

	/* The running score is left unclamped so that a +50 then -20 sums as a
	 * person would add it up; only the result is held to 0..100. */
	out->unclamped = x.score;
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
