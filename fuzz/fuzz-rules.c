/* fuzz-rules.c: the extractor-rules loader, kenchi_rules_load_files(), on a
 * file holding the input; when the rules load, they are run against a few
 * fixture mails, so that hostile patterns and label tables reach the
 * extractor too.
 *
 * Why a real file: the loader's only entry points take paths, and the
 * target must not need a refactor of src/.  One file per process, rewritten
 * in place for each input and removed at exit. */
#include <fcntl.h>
#include <unistd.h>
#include "fuzz-common.h"
#include "parse/extract.h"
#include "parse/event.h"

static char *path;
static int fd = -1;
static kenchi_mail_t *mails[4];
static kenchi_re_match_t *match;

static void
cleanup(void)
{
	if (path)
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dd = fuzz_setup();
	static const char *const fixtures[] = {
		"en-plain.eml", "ja-iso2022jp.eml", "en-html-table.eml", "digest-en.eml"
	};
	GError *err = NULL;
	char *p = g_build_filename(dd, "data", "event-types.tsv", NULL);

	if (!kenchi_event_types_load(p, &err))
		fuzz_die("event types", err);
	g_free(p);
	kenchi_mime_init();
	for (guint i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		char *raw;
		gsize len;
		const char *why;

		p = g_build_filename(dd, "fixtures", "mail", fixtures[i], NULL);
		if (!g_file_get_contents(p, &raw, &len, &err))
			fuzz_die(p, err);
		if (kenchi_mail_parse(raw, len, &mails[i], &why) != KENCHI_OK)
			fuzz_die(p, NULL);
		g_free(raw);
		g_free(p);
	}
	match = kenchi_re_match_new();
	path = g_strdup_printf("%s/kenchi-fuzz-%d.rules", g_get_tmp_dir(), (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	atexit(cleanup);
	return 0;
}

/* KNOWN campaigns only: rules-unset-label-group (extract.c:283 reads the
 * label group without checking that it took part in the match).  TRUE when
 * some rule's line pattern matches a line of the fixtures, stripped as
 * read_line() strips it, with its label group unset: extraction is then
 * skipped, and only the loader runs on that input. */
static gboolean
known_unset_label(const kenchi_rules_t *rules)
{
	if (!fuzz_known_on())
		return FALSE;
	for (guint i = 0; i < rules->rules->len; i++) {
		const kenchi_rule_t *r = g_ptr_array_index(rules->rules, i);

		if (r->line_re == NULL)
			continue;
		for (guint j = 0; j < G_N_ELEMENTS(mails); j++) {
			const char *p = mails[j]->text->str, *end = p + mails[j]->text->len;

			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				const char *e = nl ? nl : end, *q = p, *ls;
				size_t ln;

				for (;;) {
					while (q < e && (*q == ' ' || *q == '\t'))
						q++;
					if (q < e && *q == '>')
						q++;
					else
						break;
				}
				while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
					e--;
				if (kenchi_re_exec(r->line_re, match, q, (size_t)(e - q)) == KENCHI_RE_MATCH &&
				    !kenchi_re_group(match, r->line_label, q, &ls, &ln))
					return TRUE;
				p = nl ? nl + 1 : end;
			}
		}
	}
	return FALSE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *paths[] = { path, NULL };
	kenchi_rules_t *rules;
	GError *err = NULL;
	guint nmails;

	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	rules = kenchi_rules_load_files(paths, &err);
	if (rules == NULL) {
		if (err == NULL)
			abort();   /* rules.h: NULL comes with an error */
		g_error_free(err);
		return 0;
	}
	nmails = known_unset_label(rules) ? 0 : G_N_ELEMENTS(mails);
	for (guint i = 0; i < nmails; i++) {
		kenchi_extract_t x;

		kenchi_extract_init(&x);
		kenchi_extract_mail(rules, match, mails[i], &x);
		fuzz_touch(x.reason);
		for (guint j = 0; j < x.events->len; j++) {
			char *uid = kenchi_event_uid(g_ptr_array_index(x.events, j));
			g_free(uid);
		}
		kenchi_extract_clear(&x);
	}
	kenchi_rules_free(rules);
	return 0;
}
