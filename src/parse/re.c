/* re.c: PCRE2 behind a small interface, with JIT and limits.
 *
 * Limits: the match limit bounds the work of one match (backtracking steps);
 * the depth limit bounds memory.  JIT honours the match limit too.  The
 * figures are far above what a well-written extractor needs on one line and
 * far below what catastrophic backtracking on a 100k line would take. */
#include <string.h>
#include "parse/re.h"

#define KENCHI_RE_MATCH_LIMIT 200000
#define KENCHI_RE_DEPTH_LIMIT 2000
#define KENCHI_RE_JIT_STACK (512 * 1024)

struct kenchi_re {
	pcre2_code *code;
	char *pattern;
	int ngroups;
	char **names;    /* names[i] is the name of group i, or NULL; owned */
	const char **name_list; /* the non-NULL names, NULL-terminated */
};

struct kenchi_re_match {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
	int capacity;
};

static gboolean re_jit = TRUE;

void
kenchi_re_set_jit(gboolean on)
{
	re_jit = on;
}

kenchi_re_t *
kenchi_re_compile(const char *pattern, char **errmsg)
{
	int errcode;
	PCRE2_SIZE erroff;
	kenchi_re_t *re;
	uint32_t namecount, entry_size, capture_count;
	PCRE2_SPTR table;
	int i, k;

	re = g_new0(kenchi_re_t, 1);
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DUPNAMES, &errcode, &erroff, NULL);
	if (re->code == NULL) {
		PCRE2_UCHAR buf[256];
		pcre2_get_error_message(errcode, buf, sizeof buf);
		if (errmsg)
			*errmsg = g_strdup_printf("offset %zu: %s", (size_t)erroff, (char *)buf);
		g_free(re);
		return NULL;
	}
	/* JIT failure is not fatal: the interpreter honours the same limits.
	 * KENCHI_NO_JIT=1 uses the interpreter only: memcheck cannot follow
	 * generated code (tests/valgrind.sh sets it). */
	if (re_jit && g_getenv("KENCHI_NO_JIT") == NULL)
		(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	re->pattern = g_strdup(pattern);

	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &capture_count);
	pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &namecount);
	pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
	pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
	re->ngroups = (int)capture_count + 1;
	re->names = g_new0(char *, re->ngroups);
	for (i = 0; i < (int)namecount; i++) {
		const unsigned char *e = table + i * entry_size;
		int n = (e[0] << 8) | e[1];
		if (n < re->ngroups && re->names[n] == NULL)
			re->names[n] = g_strdup((const char *)e + 2);
	}
	re->name_list = g_new0(const char *, re->ngroups + 1);
	for (i = 0, k = 0; i < re->ngroups; i++)
		if (re->names[i])
			re->name_list[k++] = re->names[i];
	return re;
}

void
kenchi_re_free(kenchi_re_t *re)
{
	int i;

	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	for (i = 0; i < re->ngroups; i++)
		g_free(re->names[i]);
	g_free(re->names);
	g_free(re->name_list);
	g_free(re->pattern);
	g_free(re);
}

const char *
kenchi_re_pattern(const kenchi_re_t *re)
{
	return re->pattern;
}

int
kenchi_re_group_index(const kenchi_re_t *re, const char *name)
{
	int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
	return n > 0 ? n : -1;
}

const char *const *
kenchi_re_group_names(const kenchi_re_t *re)
{
	return re->name_list;
}

int
kenchi_re_group_count(const kenchi_re_t *re)
{
	return re->ngroups;
}

kenchi_re_match_t *
kenchi_re_match_new(void)
{
	kenchi_re_match_t *m = g_new0(kenchi_re_match_t, 1);

	m->capacity = 32;
	m->md = pcre2_match_data_create(m->capacity, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(m->mctx, KENCHI_RE_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, KENCHI_RE_DEPTH_LIMIT);
	m->jit = pcre2_jit_stack_create(32 * 1024, KENCHI_RE_JIT_STACK, NULL);
	if (m->jit)
		pcre2_jit_stack_assign(m->mctx, NULL, m->jit);
	return m;
}

void
kenchi_re_match_free(kenchi_re_match_t *m)
{
	if (m == NULL)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	if (m->jit)
		pcre2_jit_stack_free(m->jit);
	g_free(m);
}

kenchi_re_result_t
kenchi_re_exec(const kenchi_re_t *re, kenchi_re_match_t *m, const char *subject, size_t len)
{
	int rc;

	if (re->ngroups > m->capacity) {
		pcre2_match_data_free(m->md);
		m->capacity = re->ngroups;
		m->md = pcre2_match_data_create(m->capacity, NULL);
	}
	rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, m->md, m->mctx);
	if (rc >= 0)
		return KENCHI_RE_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
		return KENCHI_RE_NOMATCH;
	return KENCHI_RE_ERROR;
}

gboolean
kenchi_re_group(const kenchi_re_match_t *m, int n, const char *subject,
		const char **start, size_t *len)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	uint32_t cnt = pcre2_get_ovector_count(m->md);

	if (n < 0 || (uint32_t)n >= cnt || ov[2 * n] == PCRE2_UNSET)
		return FALSE;
	*start = subject + ov[2 * n];
	*len = ov[2 * n + 1] - ov[2 * n];
	return TRUE;
}
