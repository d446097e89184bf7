/* scoring_fields.c: the fields a scoring rule may name, and what each can
 * hold, so that the loader refuses a rule that could never fire (scoring
 * round rs1 F3: "hots >= 1", "file.sha256" and "detection in 10.0.0.0/8"
 * loaded and silently scored nothing).
 *
 * Decisions a reader may question:
 * - The set is closed: the event's slots (parse/event.c, by their API
 *   paths and its short aliases) and the case's own fields, which
 *   correlate.c's field_code() resolves.  A field kenchi does not
 *   normalize is absent from every case, so naming it is always a
 *   mistake.  A case field added to correlate.c must be added to
 *   case_fields[] below, or the loader refuses the rules that use it:
 *   loudly, at the first test that tries.
 * - Only tests that cannot succeed are refused: a network test on a field
 *   that never holds an address, a number test on one that never holds a
 *   number.  Text tests (==, =~, in [...]) are allowed on every field: a
 *   quoted number or an address compared as text does match. */
#include <string.h>
#include "case/scoring_int.h"
#include "parse/event.h"

typedef enum { FT_TEXT, FT_NUMBER, FT_ADDR, FT_FLAG } field_type_t;

static const struct {
	const char *name;
	field_type_t type;
} case_fields[] = {
	{ "customer", FT_TEXT }, { "count", FT_NUMBER }, { "hosts", FT_NUMBER },
	{ "quarantine", FT_TEXT }, { "hour_jst", FT_NUMBER }, { "weekday_jst", FT_NUMBER },
	{ "host_is_server", FT_FLAG }, { "allowlisted", FT_FLAG }, { "blocklisted", FT_FLAG },
	{ "score", FT_NUMBER },
};

static field_type_t
event_field_type(int f)
{
	switch (f) {
	case EV_EVENT_TYPE_ID: case EV_ID: case EV_DETECTION_ID: case EV_REMOTE_PORT: case EV_LOCAL_PORT:
		return FT_NUMBER;
	case EV_EXTERNAL_IP: case EV_INTERNAL_IP: case EV_REMOTE_IP: case EV_LOCAL_IP:
		return FT_ADDR;
	default:
		return FT_TEXT;
	}
}

/* -1: not a field kenchi knows. */
static int
field_type(const char *name)
{
	int f = kenchi_field_from_path(name);

	if (f >= 0)
		return event_field_type(f);
	for (gsize i = 0; i < G_N_ELEMENTS(case_fields); i++)
		if (strcmp(name, case_fields[i].name) == 0)
			return case_fields[i].type;
	return -1;
}

static guint
edit_distance(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b);
	guint *row = g_new(guint, lb + 1), d;

	for (gsize j = 0; j <= lb; j++)
		row[j] = (guint)j;
	for (gsize i = 1; i <= la; i++) {
		guint diag = row[0];
		row[0] = (guint)i;
		for (gsize j = 1; j <= lb; j++) {
			guint up = row[j];
			guint cost = g_ascii_tolower(a[i - 1]) != g_ascii_tolower(b[j - 1]);
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
			diag = up;
		}
	}
	d = row[lb];
	g_free(row);
	return d;
}

/* The known name a typo most likely meant, or NULL: the nearest by edit
 * distance (case ignored) when close, else one that ends the same way
 * ("file.sha256" for file.identity.sha256), its first part shared. */
static const char *
nearest(const char *name)
{
	const char *best = NULL, *tail = strrchr(name, '.');
	guint best_d = G_MAXUINT;
	gsize n = G_N_ELEMENTS(case_fields) + EV_NFIELDS;

	for (gsize i = 0; i < n; i++) {
		const char *k = i < EV_NFIELDS ? kenchi_field_path((kenchi_field_t)i)
					       : case_fields[i - EV_NFIELDS].name;
		guint d = edit_distance(name, k);

		if (d < best_d) {
			best_d = d;
			best = k;
		}
	}
	if (best_d <= MAX(2u, (guint)strlen(name) / 4))
		return best;
	for (gsize i = 0; tail && i < EV_NFIELDS; i++) {
		const char *k = kenchi_field_path((kenchi_field_t)i), *kt = strrchr(k, '.');

		if (kt && strcmp(kt, tail) == 0 && strncmp(k, name, (gsize)(strchr(name, '.') - name) + 1) == 0)
			return k;
	}
	return NULL;
}

gboolean
kenchi_scoring_check_field(const cond_t *c, char **why)
{
	int t = field_type(c->field);
	const char *near;

	*why = NULL;
	if (t < 0) {
		near = nearest(c->field);
		if (near && g_ascii_strcasecmp(near, c->field) == 0)
			*why = g_strdup_printf("unknown field '%s': field names are case-sensitive ('%s')",
					       c->field, near);
		else
			*why = near ? g_strdup_printf("unknown field '%s' (did you mean '%s'?)", c->field, near)
			    : g_strdup_printf("unknown field '%s': the fields are the event's API paths and the"
					      " case's, listed in doc/scoring-rules.md", c->field);
		return FALSE;
	}
	if (c->kind == C_CIDR_IN && t != FT_ADDR)
		*why = g_strdup_printf("'%s' never holds an IP address: a network test on it never matches",
				       c->field);
	else if ((c->kind == C_NUM_CMP || c->kind == C_NUM_IN || c->kind == C_RANGE) && t != FT_NUMBER)
		*why = g_strdup_printf("'%s' never holds a number: a number test on it never matches"
				       " (quote the value to compare text)", c->field);
	return *why == NULL;
}
