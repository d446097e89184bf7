/* rules.h: extractor rules, loaded from data/extractors/NAME.rules.
 *
 * Recognising an alert and reading its fields is data, not C: a new vendor
 * or a changed layout is an edited rules file.  The format is documented at
 * the top of data/extractors/amp.rules and in kenchi(1).  Loading reports
 * every error, each as "file:line: message" (PCRE2's message for a bad
 * pattern), and fails if there was any. */
#ifndef KENCHI_RULES_H
#define KENCHI_RULES_H

#include <glib.h>
#include "parse/re.h"

typedef struct kenchi_rule {
	char *name;              /* owned */
	char *file;              /* where it was (first) defined; owned */
	int line;
	GPtrArray *from;         /* kenchi_re_t*, owned: sender address patterns */
	GPtrArray *subject;      /* kenchi_re_t*, owned: subject patterns; group "hostname" */
	GPtrArray *body;         /* kenchi_re_t*, owned: body marker patterns */
	GPtrArray *paste;        /* kenchi_re_t*, owned: all match a text with no header that is an alert's */
	GPtrArray *alert_subject; /* kenchi_re_t*, owned: subjects that promise an event */
	GPtrArray *opening;      /* kenchi_re_t*, owned: a line that opens the alert's body */
	GPtrArray *captures;     /* kenchi_re_t*, owned: line patterns whose named groups are fields */
	GPtrArray *capture_fields; /* int arrays (field per group number), owned */
	kenchi_re_t *line_re;    /* owned: splits "label: value"; groups "label", "value" */
	kenchi_re_t *separator;  /* owned: a line that ends an event block */
	GHashTable *labels;      /* normalized label -> GINT_TO_POINTER(field + 1) */
	GHashTable *resets;      /* normalized labels that restart an empty block */
	int line_label, line_value; /* group numbers in line_re */
} kenchi_rule_t;

typedef struct {
	GPtrArray *rules;        /* kenchi_rule_t*, owned, in load order */
	int nfiles;
} kenchi_rules_t;

/* Load every *.rules file of DIR in name order.  A rule name that appears
 * again (in the same or a later file) extends that rule, so label sets can
 * live in files of their own (amp-labels-en.rules, amp-labels-ja.rules).
 * On error returns NULL and *error holds all messages, one per line. */
kenchi_rules_t *kenchi_rules_load_dir(const char *dir, GError **error);
kenchi_rules_t *kenchi_rules_load_files(char **paths, GError **error);
void kenchi_rules_free(kenchi_rules_t *rules);

/* Label normalization used for lookups: NFKC, case-folded, inner white
 * space collapsed, trimmed.  g_free. */
char *kenchi_rules_norm_label(const char *s, gssize len);

#endif
