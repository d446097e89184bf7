/* kfault-malloc.c: LD_PRELOAD allocation faults for the test suite.
 *
 *   KFAULT_MALLOC_MIN=BYTES   malloc/realloc/calloc of at least BYTES return
 *                             NULL (a big allocation in the parse path fails,
 *                             small ones work)
 *
 * Not usable together with ASan, which owns malloc. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_calloc(size_t, size_t);

static size_t
malloc_min(void)
{
	static size_t min = (size_t)-2;

	if (min == (size_t)-2) {
		const char *m = getenv("KFAULT_MALLOC_MIN");
		min = m ? (size_t)atol(m) : (size_t)-1;
	}
	return min;
}

void *
malloc(size_t n)
{
	if (n >= malloc_min()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
realloc(void *p, size_t n)
{
	if (n >= malloc_min()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

void *
calloc(size_t a, size_t b)
{
	if (b && a >= malloc_min() / b) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(a, b);
}
