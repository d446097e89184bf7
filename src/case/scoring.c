/* scoring.c: compile and evaluate the scoring rules (doc/scoring-rules.md).
 *
 *   rule "executed malware"
 *     if event_type == "Executed malware" and not host_is_server
 *     then add 40, tag executed
 *
 * The text is cut into tokens first (scoring_lex.c), then parsed by recursive
 * descent into a condition tree and an action list per rule
 * (scoring_parse.c).  Everything that can be checked is checked at load:
 * regexes are compiled once through re.c, CIDRs and numbers are parsed once
 * (scoring_values.c), long string lists become hash sets.  The evaluator
 * (scoring_eval.c) is then a walk over the tree with no allocation except
 * the result's own reasons and tags.
 *
 * This file owns the compiled model's lifetime (the types are in
 * scoring_int.h) and reading a rules file. */
#include "case/scoring_int.h"

void
kenchi_scoring_cond_free(cond_t *c)
{
	if (c == NULL)
		return;
	kenchi_scoring_cond_free(c->a);
	kenchi_scoring_cond_free(c->b);
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

void
kenchi_scoring_action_clear(gpointer p)
{
	action_t *a = p;

	g_free(a->tag);
}

void
kenchi_scoring_rule_free(gpointer p)
{
	rule_t *r = p;

	if (r == NULL)
		return;
	g_free(r->name);
	g_free(r->name_json);
	kenchi_scoring_cond_free(r->cond);
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
