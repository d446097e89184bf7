/* scoring_int.h: private to src/case/scoring*.c.  The compiled model that
 * scoring_parse.c builds and scoring_eval.c walks, the lexer's tokens and the
 * parser's state, and the helpers the files share.  Nothing here is API:
 * callers see only scoring.h.
 *
 * Ownership: a kenchi_scoring_t owns its rules, a rule its name, condition
 * tree and actions, a condition its operands and values (marked "owned" at
 * each field); kenchi_scoring_rule_free() and kenchi_scoring_cond_free()
 * (scoring.c) release them.  A parser_t owns its tokens and error text for
 * one kenchi_scoring_parse() call. */
#ifndef KENCHI_CASE_SCORING_INT_H
#define KENCHI_CASE_SCORING_INT_H

#include "case/scoring.h"

#define MAX_ERRORS 100          /* past this a file is not a rules file */

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
	char *name_json;        /* owned: NAME as a JSON string, quotes included */
	int line;
	cond_t *cond;           /* owned; NULL: always fires */
	GArray *actions;        /* action_t */
} rule_t;

struct kenchi_scoring {
	GPtrArray *rules;       /* rule_t *, owned */
};

/* scoring.c: the model's lifetime. */
void kenchi_scoring_cond_free(cond_t *c);
void kenchi_scoring_action_clear(gpointer p);   /* action_t, for GArray */
void kenchi_scoring_rule_free(gpointer p);      /* rule_t *, for GPtrArray */

/* scoring_values.c: literals, parsed the same way at load and at evaluation. */
guint kenchi_scoring_ci_hash(gconstpointer p);
gboolean kenchi_scoring_ci_equal(gconstpointer a, gconstpointer b);
gboolean kenchi_scoring_parse_number(const char *s, double *out);
gboolean kenchi_scoring_parse_addr(const char *s, size_t len, guint64 w[2]);
const char *kenchi_scoring_parse_cidr(const char *s, cidr_t *c);

/* scoring_fields.c: whether C names a field kenchi knows and tests it in a
 * way that can match; FALSE with *WHY (g_free) set when not. */
gboolean kenchi_scoring_check_field(const cond_t *c, char **why);

/* ------------------------------------------------------------------ tokens */

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
	gboolean untyped;       /* any field name, unchecked (kenchi_scoring_parse_untyped) */
	kenchi_scoring_t *sc;
} parser_t;

/* scoring_lex.c: the tokens and the error list. */
void kenchi_scoring_add_error(parser_t *p, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void kenchi_scoring_token_clear(gpointer q);     /* token_t, for GArray */
void kenchi_scoring_lex(parser_t *p, const char *text);

#endif
