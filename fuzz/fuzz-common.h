/* fuzz-common.h: what every kenchi fuzz target shares.
 *
 * Data files (rules, event types, the fuzz configuration) are found under
 * $KENCHI_DATADIR, the repository root; the scripts set it, and without it
 * the targets fall back to the source tree they were built from
 * (KENCHI_SRCDIR, passed by build.sh).
 *
 * GLib criticals and errors abort: a g_return_if_fail() that fires on hostile
 * input is a kenchi bug (a NULL or a bad UTF-8 string passed where it must not
 * be), and libFuzzer only notices what crashes.  Everything else GLib or
 * GMime logs is dropped, so that a campaign's output stays readable. */
#ifndef KENCHI_FUZZ_COMMON_H
#define KENCHI_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#ifndef KENCHI_SRCDIR
#define KENCHI_SRCDIR "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* $KENCHI_FUZZ_KNOWN: ';'-separated substrings of criticals that are known
 * and reported but not fixed yet.  Long campaigns set it (see README) so
 * that one known bug does not stop them; smoke.sh and CI never do. */
static char **fuzz_known;

static gboolean
fuzz_is_known(const char *msg)
{
	for (char **k = fuzz_known; msg && k && *k; k++)
		if (**k && strstr(msg, *k))
			return TRUE;
	return FALSE;
}

static void
fuzz_log_handler(const char *domain, GLogLevelFlags level, const char *msg, gpointer user)
{
	if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL)) && !fuzz_is_known(msg)) {
		fprintf(stderr, "fuzz: fatal GLib message from %s: %s\n", domain ? domain : "(app)", msg);
		abort();
	}
}

static GLogWriterOutput
fuzz_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user)
{
	const char *msg = NULL;

	for (gsize i = 0; i < n; i++)
		if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
			msg = fields[i].value;
	if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL)) && !fuzz_is_known(msg)) {
		fprintf(stderr, "fuzz: fatal GLib message: %s\n", msg ? msg : "?");
		abort();
	}
	return G_LOG_WRITER_HANDLED;
}

/* Logging, and the data root in $KENCHI_DATADIR (which the config loader
 * reads too).  Returns the data root (static). */
static const char *
fuzz_setup(void)
{
	const char *dd = g_getenv("KENCHI_DATADIR");

	const char *known = g_getenv("KENCHI_FUZZ_KNOWN");

	if (known && *known)
		fuzz_known = g_strsplit(known, ";", -1);
	g_log_set_default_handler(fuzz_log_handler, NULL);
	g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
	if (dd == NULL || *dd == '\0') {
		g_setenv("KENCHI_DATADIR", KENCHI_SRCDIR, TRUE);
		dd = g_getenv("KENCHI_DATADIR");
	}
	/* A deterministic clock for anything that asks kenchi_now(). */
	g_setenv("KENCHI_NOW", "2023-11-14T22:13:20Z", FALSE);
	return dd;
}

G_GNUC_UNUSED static void
fuzz_die(const char *what, GError *err)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, err ? err->message : "failed");
	exit(2);
}

/* Touch every byte of S so that ASan sees a dangling or unterminated string
 * here, in the target, rather than never. */
static size_t fuzz_sink;
G_GNUC_UNUSED static void
fuzz_touch(const char *s)
{
	if (s)
		fuzz_sink += strlen(s);
}

#endif
