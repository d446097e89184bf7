/* api_in_mail.c: the reason of a mail that carries API JSON (api_in_mail.h). */
#include "ingest/api_in_mail.h"
#include "parse/apijson.h"
#include "parse/event.h"

/* How many API events the LEN bytes at S hold; 0 when they are none. */
static guint
api_events(const char *s, gsize len)
{
	GPtrArray *evs;
	char *why = NULL;
	guint n = 0;

	if (!kenchi_api_sniff(s, len))
		return 0;
	evs = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_event_free);
	if (kenchi_api_parse(s, len, evs, &why) == KENCHI_OK)
		n = evs->len;
	g_free(why);
	g_ptr_array_unref(evs);
	return n;
}

static void
add_reason(kenchi_analysis_t *a, char *what)
{
	char *r = g_strdup_printf("%s%s%s", a->x.reason ? a->x.reason : "", a->x.reason ? "; " : "", what);

	g_free(a->x.reason);
	a->x.reason = r;
	g_free(what);
}

void
kenchi_ingest_api_in_mail(kenchi_analysis_t *a)
{
	const kenchi_mail_t *m = a->mail;
	guint n;

	if (m == NULL)
		return;
	if (m->text->len > 0 && (n = api_events(m->text->str, m->text->len)) > 0)
		add_reason(a, g_strdup_printf("its text holds API JSON with %u event(s), not read from a mail "
		    "(save the JSON and import it to read them)", n));
	if (m->json_text && (n = api_events(m->json_text->str, m->json_text->len)) > 0)
		add_reason(a, g_strdup_printf("its attachment (%s) holds API JSON with %u event(s), not read from a mail "
		    "(save the attachment and import it to read them)", m->json_name, n));
}
