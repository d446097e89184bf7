/* fuzz-apijson.c: kenchi_api_parse(), the Secure Endpoint API reader (a
 * /v1/events page, a bare array, or NDJSON), and the JSON that each event
 * read becomes again.  fuzz-mime reaches the same parser only behind the
 * sniff and the rest of ingest; this target spends every execution on it. */
#include "fuzz-common.h"
#include "parse/apijson.h"
#include "parse/event.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dd = fuzz_setup();
	GError *err = NULL;
	char *p = g_build_filename(dd, "data", "event-types.tsv", NULL);

	if (!kenchi_event_types_load(p, &err))
		fuzz_die("event types", err);
	g_free(p);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_event_free);
	JsonGenerator *gen = json_generator_new();
	char *reason = NULL;

	if (fuzz_known_json_leak((const char *)data, size)) {
		g_object_unref(gen);
		g_ptr_array_unref(events);
		return 0;
	}
	(void)kenchi_api_sniff((const char *)data, size);
	(void)kenchi_api_parse((const char *)data, size, events, &reason);
	fuzz_touch(reason);
	for (guint i = 0; i < events->len; i++) {
		kenchi_event_t *ev = g_ptr_array_index(events, i);
		JsonNode *n = kenchi_event_to_json(ev);
		kenchi_event_t *back, *copy = kenchi_event_copy(ev);
		char *s, *uid = kenchi_event_uid(ev);

		json_generator_set_root(gen, n);
		s = json_generator_to_data(gen, NULL);
		/* What kenchi writes it must read back. */
		back = kenchi_event_from_json(json_node_get_object(n));
		kenchi_event_free(back);
		kenchi_event_free(copy);
		g_free(s);
		g_free(uid);
		json_node_unref(n);
	}
	g_object_unref(gen);
	g_free(reason);
	g_ptr_array_unref(events);
	return 0;
}
