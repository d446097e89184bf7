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
#include <json-glib/json-glib.h>

#ifndef KENCHI_SRCDIR
#define KENCHI_SRCDIR "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* $KENCHI_FUZZ_KNOWN, set only by `KNOWN=1 campaign.sh`: its presence (even
 * empty) turns on the targets' detours around known, reported, unfixed bugs
 * (fuzz_known_on() below), and its ';'-separated substrings name GLib
 * criticals to tolerate.  smoke.sh and CI never set it: there every saved
 * regression must fail until its bug is fixed. */
static char **fuzz_known;

G_GNUC_UNUSED static gboolean
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

	if (known)
		fuzz_known = g_strsplit(known, ";", -1);   /* set, even empty: KNOWN mode */
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

/* KNOWN=1 campaigns only ($KENCHI_FUZZ_KNOWN set): steer around bugs that
 * are saved in fixtures/fuzz-regressions/ and reported but not fixed, so
 * that a campaign finds new ones instead of the same one every minute.
 * Off in smoke.sh and CI, where the regressions must fail until fixed. */
G_GNUC_UNUSED static gboolean
fuzz_known_on(void)
{
	return fuzz_known != NULL;
}

/* apijson-two-documents-leak: json-glib 1.6 leaks a second top-level value
 * that is an object or array.  TRUE when S[0..N) holds one ('{' or '['
 * opening at depth 0 after another value), conservatively; *DEPTH gets the
 * nesting depth as apijson.c's pre-scan counts it. */
G_GNUC_UNUSED static gboolean
fuzz_json_second_container(const char *s, size_t n, int *depth_out)
{
	int depth = 0, max = 0;
	gboolean in_str = FALSE, seen = FALSE, multi = FALSE;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = FALSE;
			continue;
		}
		if (c == '"') {
			in_str = TRUE;
			if (depth <= 0)
				seen = TRUE;
		} else if (c == '{' || c == '[') {
			if (depth <= 0 && seen)
				multi = TRUE;
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			if (--depth <= 0)
				seen = TRUE;
		} else if (depth <= 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			seen = TRUE;
		}
	}
	if (depth_out)
		*depth_out = max;
	return multi;
}

/* TRUE when kenchi_api_parse(B, N) would hand json-glib a document that
 * trips the leak above; such inputs are skipped in KNOWN campaigns.  Follows
 * apijson.c: each line is parsed alone in NDJSON mode, and the whole
 * document only when the first line is not a complete document. */
G_GNUC_UNUSED static gboolean
fuzz_known_json_leak(const char *b, size_t n)
{
	const char *end = b + n, *nl, *p;
	int depth;
	gboolean ndjson = FALSE;

	if (!fuzz_known_on() || memchr(b, '\0', n))
		return FALSE;
	for (p = b; p < end; ) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (fuzz_json_second_container(p, (size_t)(e - p), NULL))
			return TRUE;
		p = e + 1;
	}
	if (!fuzz_json_second_container(b, n, &depth) || depth > 64)
		return FALSE;
	nl = memchr(b, '\n', n);
	if (nl && nl + 1 < end) {
		for (p = nl + 1; p < end; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				break;
		if (p < end && (fuzz_json_second_container(b, (size_t)(nl - b), &depth), depth <= 64)) {
			JsonParser *jp = json_parser_new_immutable();
			ndjson = json_parser_load_from_data(jp, b, (gssize)(nl - b), NULL) &&
			    json_parser_get_root(jp) != NULL;
			g_object_unref(jp);
		}
	}
	return !ndjson;
}

#endif
