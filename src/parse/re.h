/* re.h: the one place kenchi talks to PCRE2 (fdm's re.c is the model).
 *
 * Patterns are compiled once, at load, in UTF mode with JIT where available,
 * and every match runs under a match limit and a depth limit so that a
 * hostile value cannot make a rule backtrack for ever.  A match returns
 * KENCHI_RE_MATCH, KENCHI_RE_NOMATCH or KENCHI_RE_ERROR (limit hit, bad
 * UTF); callers treat an error as "no match" plus a counted reason. */
#ifndef KENCHI_RE_H
#define KENCHI_RE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <glib.h>

typedef enum { KENCHI_RE_NOMATCH = 0, KENCHI_RE_MATCH = 1, KENCHI_RE_ERROR = -1 } kenchi_re_result_t;

typedef struct kenchi_re kenchi_re_t;   /* opaque; owned by whoever compiled it */

/* Compile PATTERN.  On error returns NULL and sets *errmsg to a g_malloc'd
 * "offset N: PCRE2 message" (the caller adds file:line). */
kenchi_re_t *kenchi_re_compile(const char *pattern, char **errmsg);
void kenchi_re_free(kenchi_re_t *re);
/* Whether kenchi_re_compile() JIT-compiles (the default: TRUE).  A process
 * that matches one small message turns it off before it loads any rules:
 * JIT-compiling every rule costs it more than the interpreter's matches do.
 * Not thread-safe; KENCHI_NO_JIT=1 turns JIT off whatever this says. */
void kenchi_re_set_jit(gboolean on);
const char *kenchi_re_pattern(const kenchi_re_t *re);

/* Index of named group NAME, or -1. */
int kenchi_re_group_index(const kenchi_re_t *re, const char *name);
/* Names of all named groups, in group-number order; NULL-terminated, owned by re. */
const char *const *kenchi_re_group_names(const kenchi_re_t *re);
int kenchi_re_group_count(const kenchi_re_t *re);

/* A match context holds the per-thread match data.  One per thread. */
typedef struct kenchi_re_match kenchi_re_match_t;
kenchi_re_match_t *kenchi_re_match_new(void);
void kenchi_re_match_free(kenchi_re_match_t *m);

/* Match SUBJECT[0..len).  On KENCHI_RE_MATCH the groups are readable with
 * kenchi_re_group() until the next call on M. */
kenchi_re_result_t kenchi_re_exec(const kenchi_re_t *re, kenchi_re_match_t *m,
				  const char *subject, size_t len);
/* Group N of the last match as (start, length) into the subject; returns
 * FALSE when the group did not take part. Pointers point into the caller's
 * subject buffer: no copy is made. */
gboolean kenchi_re_group(const kenchi_re_match_t *m, int n, const char *subject,
			 const char **start, size_t *len);

#endif
