/* scoring.h: the scoring rules (data/scoring.rules, doc/scoring-rules.md).
 *
 * A rules file is compiled once (regexes, CIDRs, lists) and then evaluated
 * against one case at a time.  The evaluator never sees an event or a case:
 * it asks a getter for fields by name, so the case code decides what a field
 * is (event slots by API path, case counters, allow/block list verdicts).
 *
 * Ownership: kenchi_scoring_load/parse return a ruleset owned by the caller
 * and released with kenchi_scoring_free().  A ruleset is never modified by
 * evaluation, so threads may share one; each thread brings its own regex
 * match context.  A result owns its tags and reasons (see below).
 *
 * Never prints, never exits.  Load errors are GErrors in the
 * KENCHI_SCORING_ERROR domain whose message is every error found, one per
 * line, each "path:line: message" (file I/O errors keep G_FILE_ERROR). */
#ifndef KENCHI_CASE_SCORING_H
#define KENCHI_CASE_SCORING_H

#include <glib.h>
#include "parse/re.h"
#include "util/status.h"

G_BEGIN_DECLS

#define KENCHI_SCORING_ERROR (kenchi_scoring_error_quark())
GQuark kenchi_scoring_error_quark(void);

typedef enum {
	KENCHI_SCORING_ERROR_PARSE   /* one or more errors in the rules text */
} kenchi_scoring_error_t;

/* Scores are clamped to this range after the last rule. */
#define KENCHI_SCORE_MIN 0
#define KENCHI_SCORE_MAX 100

/* When no rule set a priority, it is derived from the final score. */
#define KENCHI_SCORE_P1 80
#define KENCHI_SCORE_P2 60
#define KENCHI_SCORE_P3 35

/* The value of FIELD for the case being scored, as text (numbers as decimal
 * text), or NULL when absent; an empty string counts as absent.  The string
 * is only read before the next call of the getter, so one buffer may be
 * reused.  Each field is asked for about once per evaluation (values are
 * cached), and only when a rule needs it.  The field "score" is never asked
 * for: the evaluator keeps the running score itself. */
typedef const char *(*kenchi_score_get_fn)(const char *field, gpointer user);

typedef struct kenchi_scoring kenchi_scoring_t;   /* opaque, owned by the loader's caller */

/* Read and compile PATH.  NULL with *error set on any error. */
kenchi_scoring_t *kenchi_scoring_load(const char *path, GError **error);
/* Compile TEXT; NAME stands for the file name in error messages.  A field
 * kenchi does not know, or a test its field can never pass (a network test
 * on a text field), is an error: such a rule would silently never fire. */
kenchi_scoring_t *kenchi_scoring_parse(const char *name, const char *text, GError **error);
/* The same with any field name accepted and untyped: for the language's own
 * unit tests and fuzzer, whose getters make fields up.  kenchi itself loads
 * rules only through kenchi_scoring_load(), so `rules check` and the loader
 * agree. */
kenchi_scoring_t *kenchi_scoring_parse_untyped(const char *name, const char *text, GError **error);
void kenchi_scoring_free(kenchi_scoring_t *sc);

/* Number of rules, for "kenchi rules check" and logs. */
guint kenchi_scoring_rule_count(const kenchi_scoring_t *sc);

typedef struct {
	char *rule;        /* the rule's name, owned */
	const char *rule_json;  /* the name as a JSON string (quotes included), the model's */
	int points;        /* how much it moved the running score (may be 0 or negative) */
	/* What else it did, so that an explanation can name the rule that
	 * suppressed a case or set its priority (rs1 F7). */
	int priority;      /* 1..4 when it set the priority, else 0 */
	gboolean suppress, escalate;
} kenchi_score_reason_t;

typedef struct {
	int score;                  /* 0..100 */
	char priority[3];           /* "P1".."P4" */
	gboolean suppress, escalate;
	GPtrArray *tags;            /* char *, owned, each tag once, in order of first setting */
	GArray *reasons;            /* kenchi_score_reason_t, owned: every rule that fired, in order */
	/* Additions to the brief's shape; both are informative only. */
	gboolean priority_explicit; /* a rule set the priority (else derived from the score) */
	guint regex_errors;         /* regex tests that hit a PCRE2 limit (counted as false) */
	int unclamped;              /* the sum of the reasons' points, before the clamp to 0..100 */
} kenchi_score_result_t;

void kenchi_score_result_init(kenchi_score_result_t *r);
void kenchi_score_result_clear(kenchi_score_result_t *r);

/* Score one case.  OUT must have been initialised; its previous contents are
 * replaced, so one result may be reused across calls.  M is a per-thread
 * regex match context (kenchi_re_match_new()).  Returns KENCHI_OK, or
 * KENCHI_FAIL when an argument is missing. */
kenchi_status_t kenchi_scoring_eval(const kenchi_scoring_t *sc, kenchi_re_match_t *m,
				    kenchi_score_get_fn get, gpointer user,
				    kenchi_score_result_t *out);

G_END_DECLS

#endif
