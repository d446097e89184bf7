/* fuzz-mime.c: the whole pure parse path, kenchi_ingest_analyse(): the
 * API-JSON sniff, GMime parsing, charsets, HTML to text, recognition and
 * extraction by the shipped rules, customer assignment and reply
 * classification (which runs the command parser on answers to kenchi's own
 * mail), and the second reading of a reply as typed.  Then each event is turned into the JSON kenchi prints, as
 * `kenchi parse` does, so that the output side sees hostile values too.
 *
 * The rules, event types and configuration load once: loading is fuzzed on
 * its own (fuzz-rules).  "now" is fixed so that runs are reproducible. */
#include "fuzz-common.h"
#include "ingest/ingest.h"
#include "parse/apijson.h"
#include "parse/event.h"
#include "reply/commands.h"

static kenchi_config_t *cfg;
static kenchi_rules_t *rules;
static kenchi_re_match_t *match;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dd = fuzz_setup();
	GString *errs = g_string_new(NULL);
	GError *err = NULL;
	char *p;

	kenchi_mime_init();
	p = g_strconcat(dd, G_DIR_SEPARATOR_S "fuzz" G_DIR_SEPARATOR_S "kenchi-fuzz.conf", NULL);
	if (kenchi_config_load(p, &cfg, errs) != KENCHI_OK) {
		fprintf(stderr, "fuzz-mime: %s\n", errs->str);
		exit(2);
	}
	g_free(p);
	g_string_free(errs, TRUE);
	p = kenchi_config_data_path(cfg, "event-types.tsv");
	if (!kenchi_event_types_load(p, &err))
		fuzz_die("event types", err);
	g_free(p);
	p = kenchi_config_data_path(cfg, "extractors");
	if ((rules = kenchi_rules_load_dir(p, &err)) == NULL)
		fuzz_die("extractor rules", err);
	g_free(p);
	match = kenchi_re_match_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kenchi_ingest_ctx_t ctx = { .cfg = cfg, .rules = rules, .cases = NULL, .reports = NULL };
	kenchi_ingest_opts_t opts = { .source = "fuzz", .origin = "fuzz", .customer = NULL, .now = 1700000000 };
	kenchi_analysis_t a;
	JsonGenerator *gen;
	const char *body = (const char *)data;
	size_t blen = size;

	/* KNOWN campaigns: skip what would only hit a known json-glib leak
	 * (ingest drops an mbox "From " line first, then sniffs). */
	if (fuzz_known_on()) {
		if (blen > 5 && memcmp(body, "From ", 5) == 0) {
			const char *nl = memchr(body, '\n', blen);
			blen -= nl ? (size_t)(nl - body) + 1 : blen;
			body = nl ? nl + 1 : body + size;
		}
		if (kenchi_api_sniff(body, blen) && fuzz_known_json_leak(body, blen))
			return 0;
	}
	gen = json_generator_new();
	kenchi_ingest_analyse(&ctx, match, (const char *)data, size, &opts, &a);
	fuzz_touch(kenchi_kind_to_string(a.x.kind));
	fuzz_touch(a.x.reason);
	fuzz_touch(a.customer);
	if (a.mail) {
		fuzz_touch(a.mail->subject);
		fuzz_touch(a.mail->from_addr);
		fuzz_touch(a.mail->message_id);
		if (!g_utf8_validate(a.mail->text->str, a.mail->text->len, NULL))
			abort();   /* mime.h promises UTF-8 extraction text */
		/* Every input read once more as a reply is, as typed (hidden
		 * HTML, paragraph gaps, blockquotes), then as commands. */
		if (!a.mail->typed && !a.mail->no_header && a.mail->preamble < size) {
			kenchi_command_list_t *cl;

			kenchi_mail_retext_typed(a.mail, (const char *)data + a.mail->preamble, size - a.mail->preamble);
			if (!g_utf8_validate(a.mail->text->str, a.mail->text->len, NULL))
				abort();
			cl = kenchi_commands_parse_text(a.mail->text->str, a.mail->text->len, a.mail->html_parts == 0);
			kenchi_commands_free(cl);
		}
	}
	for (guint i = 0; a.x.events && i < a.x.events->len; i++) {
		kenchi_event_t *ev = g_ptr_array_index(a.x.events, i);
		JsonNode *n = kenchi_ingest_event_json(&a, i);
		char *s, *uid = kenchi_event_uid(ev);

		json_generator_set_root(gen, n);
		s = json_generator_to_data(gen, NULL);
		fuzz_touch(s);
		g_free(s);
		g_free(uid);
		json_node_unref(n);
	}
	g_object_unref(gen);
	kenchi_analysis_clear(&a);
	return 0;
}
