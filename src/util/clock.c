/* clock.c: real time unless KENCHI_NOW fixes it. */
#include "util/clock.h"
#include "parse/normalize.h"

gint64
kenchi_now(void)
{
	const char *env = g_getenv("KENCHI_NOW");
	gint64 t;

	if (env && *env && kenchi_norm_date(env, &t))
		return t;
	return g_get_real_time() / G_USEC_PER_SEC;
}

gboolean
kenchi_now_valid(void)
{
	const char *env = g_getenv("KENCHI_NOW");
	gint64 t;

	return env == NULL || *env == '\0' || kenchi_norm_date(env, &t);
}
