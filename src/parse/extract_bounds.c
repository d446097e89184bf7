/* extract_bounds.c: where one event of the block reader (extract.c) ends
 * and the next begins - a field that comes again, another id or type, a
 * preamble above the alert's greeting, prose after a block that is no
 * event yet - and keeping a finished event. */
#include <string.h>
#include "parse/extract_int.h"
#include "parse/line_shape.h"

/* A block began by a field that came again ("Internal IP:" twice, a
 * laptop on VPN; "Detection:" twice) and that held no type, id or date,
 * was no next event but the rest of the last one, and had been dropped
 * with all the fields below it (rt25 W2).  Its fields go to LAST where
 * LAST has none; a second internal address joins the list. */
/* Does REST give a file when LAST has one already: another file's block
 * under the same event ("Multiple Infected Files"), not LAST's rest
 * (rev94 #4: a.exe's hash took b.exe's name and path)? */
static gboolean
another_file(const kenchi_event_t *last, const kenchi_event_t *rest)
{
	static const kenchi_field_t file[] = { EV_FILE_NAME, EV_FILE_PATH, EV_SHA256 };
	gboolean has = FALSE, gives = FALSE;

	for (gsize k = 0; k < G_N_ELEMENTS(file); k++) {
		has = has || last->v[file[k]];
		gives = gives || rest->v[file[k]];
	}
	return has && gives;
}

/* Is ADDR one of LIST's ("A, B"), whole (rev94 #14: 192.168.10.8 was
 * taken for a part of 192.168.10.80)? */
static gboolean
listed(const char *list, const char *addr)
{
	char **v = g_strsplit(list, ", ", -1);
	gboolean in = g_strv_contains((const char *const *)v, addr);

	g_strfreev(v);
	return in;
}

static void
merge_rest(kenchi_event_t *last, const kenchi_event_t *rest)
{
	for (int k = 0; k < EV_NFIELDS; k++) {
		if (rest->v[k] == NULL)
			continue;
		if (last->v[k] == NULL) {
			kenchi_event_set(last, k, rest->v[k]);
		} else if (k == EV_INTERNAL_IP && !listed(last->v[k], rest->v[k])) {
			char *both = g_strconcat(last->v[k], ", ", rest->v[k], NULL);

			kenchi_event_set(last, k, both);
			g_free(both);
		}
	}
	kenchi_event_complete(last);
}

/* Does field F, held already, start the next event? */
gboolean
kenchi_reader_repeats(reader_t *rd, int f, guint label)
{
	return rd->has[f] && !rd->stale[f] && kenchi_event_is_complete(rd->cur) &&
	    (rd->label[f] == label || rd->label[f] == 0);
}

/* Does field F's value V (N bytes), under a label the block has not used
 * for it, name another event than the block's, though the block is a
 * whole event?  Another id; another type, given by name or by id, than
 * the one the block's type or type id names.  A digest with no rule
 * between its events may label one event's type "Event Type" and the
 * next one's "Event Type ID", or by two labels of the reference's list;
 * the same field under a second label is otherwise the same event's,
 * unless a blank line came between. */
gboolean
kenchi_reader_names_another(reader_t *rd, int f, const char *v, size_t n)
{
	kenchi_event_t *probe;
	gboolean other = FALSE;
	gint64 id_here = 0, id_new = 0;

	if ((f != EV_ID && f != EV_EVENT_TYPE && f != EV_EVENT_TYPE_ID) || rd->stale[f] ||
	    !kenchi_event_is_complete(rd->cur))
		return FALSE;
	/* The type once more, under its other label, after a blank line: the
	 * next block's opening line, even when it is the same type. */
	if (f != EV_ID && rd->has[f] && rd->blank_in_block)
		return TRUE;
	/* The type's id right under its name (or the name under the id) is
	 * the same event's, even when the two disagree: a ghost event of the
	 * name alone had taken the subject's host (rt28 E29). */
	if ((f == EV_EVENT_TYPE_ID && rd->field == EV_EVENT_TYPE && rd->cur->v[EV_EVENT_TYPE_ID] == NULL) ||
	    (f == EV_EVENT_TYPE && rd->field == EV_EVENT_TYPE_ID && rd->cur->v[EV_EVENT_TYPE] == NULL))
		return FALSE;
	probe = kenchi_event_new();
	{
		char *t = g_strndup(v, n);

		kenchi_event_set(probe, f, t);
		g_free(t);
	}
	if (probe->v[f] == NULL) {
		kenchi_event_free(probe);
		return FALSE;
	}
	if (f == EV_ID) {
		other = rd->cur->v[EV_ID] && strcmp(rd->cur->v[EV_ID], probe->v[EV_ID]) != 0;
	} else {
		/* Both sides as a type id: by name through the table, or as given. */
		id_new = f == EV_EVENT_TYPE_ID ? g_ascii_strtoll(probe->v[f], NULL, 10) : kenchi_event_type_id(probe->v[f]);
		if (rd->cur->v[EV_EVENT_TYPE_ID])
			id_here = g_ascii_strtoll(rd->cur->v[EV_EVENT_TYPE_ID], NULL, 10);
		else if (rd->cur->v[EV_EVENT_TYPE])
			id_here = kenchi_event_type_id(rd->cur->v[EV_EVENT_TYPE]);
		other = id_here != 0 && id_new != 0 && id_here != id_new;
	}
	kenchi_event_free(probe);
	return other;
}

/* Does the line open an alert's body (the rule's opening: AMP's "Hello
 * <user>,", amp-alert-mail.md 1)?  Fields above it, with no event yet,
 * were a ticket's or a gateway's ("URL:", "Priority:"), and are dropped
 * rather than kept where the alert has none of its own.  Asked only
 * while a block holds such fields. */
gboolean
kenchi_reader_opens_alert(reader_t *rd, const char *q, const char *end)
{
	gboolean any = FALSE;

	for (int k = 0; k < EV_NFIELDS && !any; k++)
		any = rd->has[k];
	if (!any)
		return FALSE;
	for (guint i = 0; i < rd->rule->opening->len; i++) {
		kenchi_re_result_t r = kenchi_re_exec(g_ptr_array_index(rd->rule->opening, i), rd->m, q, (size_t)(end - q));

		if (r == KENCHI_RE_MATCH)
			return TRUE;
		if (r == KENCHI_RE_ERROR)
			rd->out->regex_errors++;
	}
	return FALSE;
}

/* A line of prose (no field): what the block holds so far, if it is no
 * event yet, was a preamble. */
void
kenchi_reader_prose(reader_t *rd)
{
	if (!kenchi_event_is_complete(rd->cur))
		memcpy(rd->stale, rd->has, sizeof rd->stale);
	/* A heading, a rule or a note between a block's last section and
	 * the next event: the fields before it stay in this event. */
	memset(rd->fresh, 0, sizeof rd->fresh);
}

/* Does EV hold nothing but what a type's description has: a type, its
 * id, a severity, a disposition, a group?  A release note's table of
 * event types and severities gave each row as an event (round 29b).  The
 * computer a subscription's subject names makes one an event (an
 * Uninstall's block may hold its type and group only, round 30a). */
static gboolean
nowhere(const kenchi_event_t *ev)
{
	for (int f = 0; f < EV_NFIELDS; f++)
		if (ev->v[f] && f != EV_EVENT_TYPE && f != EV_EVENT_TYPE_ID && f != EV_SEVERITY && f != EV_DISPOSITION &&
		    f != EV_GROUP)
			return FALSE;
	return TRUE;
}

void
kenchi_reader_flush(reader_t *rd)
{
	gboolean rest = rd->repeat_split && rd->last_event && !rd->cur->v[EV_ID] && !rd->cur->v[EV_EVENT_TYPE] &&
	    !rd->cur->v[EV_EVENT_TYPE_ID] && !rd->cur->v[EV_DATE] && !another_file(rd->last_event, rd->cur);

	rd->repeat_split = FALSE;
	if (rest) {
		/* The fields after a repeated one that began no event: the
		 * last event's rest (rt25 W2). */
		merge_rest(rd->last_event, rd->cur);
		kenchi_event_free(rd->cur);
		rd->cur = kenchi_event_new();
	}
	if (kenchi_event_is_complete(rd->cur)) {
		kenchi_event_complete(rd->cur);
	}
	/* A block with a detection but no event type, no id and no date is
	 * no event: a newsletter's or a ticket's "Detection:" and "SHA-256:"
	 * lines, a summary table read as labels.  Nor is one whose type is
	 * no type the table knows, with no id: a weekly summary's header
	 * row "Event Type | Count", the SOC's second report's "PC名",
	 * "検知日時" and "ハッシュ値" quoted in a reply.  Nor one with no id
	 * that holds the SOC's own marks (a defanged path, "記載なし"): its first
	 * report quoted in a customer's reply, which the alert's Japanese
	 * labels read as an alert (soc-service.md). */
	if (kenchi_event_is_complete(rd->cur) && !rd->cur->v[EV_ID] &&
	    (rd->cur->soc_marks || (!rd->cur->v[EV_EVENT_TYPE_ID] &&
	    (!rd->cur->v[EV_EVENT_TYPE] || kenchi_event_type_id(rd->cur->v[EV_EVENT_TYPE]) == 0)) ||
	     (nowhere(rd->cur) && rd->block_host == NULL && !rd->out->subject_host))) {
		rd->out->headless++;
		kenchi_event_free(rd->cur);
		rd->cur = kenchi_event_new();
	} else if (kenchi_event_is_complete(rd->cur)) {
		if (rd->block_host && rd->cur->v[EV_HOSTNAME] == NULL)
			kenchi_event_set(rd->cur, EV_HOSTNAME, rd->block_host);
		kenchi_event_t *first = NULL;

		rd->out->rejected_values += rd->cur->rejected;
		if (rd->cur->v[EV_ID]) {
			if (rd->by_id == NULL)
				rd->by_id = g_hash_table_new(g_str_hash, g_str_equal);
			first = g_hash_table_lookup(rd->by_id, rd->cur->v[EV_ID]);
		}
		if (first && kenchi_event_absorb(first, rd->cur)) {
			kenchi_event_free(rd->cur);
			rd->last_event = first;
		} else {
			g_ptr_array_add(rd->out->events, rd->cur);
			rd->last_event = rd->cur;
			if (rd->cur->v[EV_ID] && first == NULL)
				g_hash_table_insert(rd->by_id, rd->cur->v[EV_ID], rd->cur);
		}
		rd->cur = kenchi_event_new();
	} else {
		kenchi_event_free(rd->cur);
		rd->cur = kenchi_event_new();
	}
	memset(rd->has, 0, sizeof rd->has);
	memset(rd->stale, 0, sizeof rd->stale);
	memset(rd->fresh, 0, sizeof rd->fresh);
	memset(rd->label, 0, sizeof rd->label);
	memset(rd->early, 0, sizeof rd->early);
	rd->dups = 0;
	rd->blank_in_block = FALSE;
	rd->field = rd->pending = -1;
}

/* Field F comes again: the next event begins.  If a blank line came since
 * the block began, the fields after it began that event, not this one. */
void
kenchi_reader_next_event(reader_t *rd)
{
	kenchi_event_t *moved = NULL;
	gboolean have[EV_NFIELDS] = { FALSE };
	guint labels[EV_NFIELDS] = { 0 };

	if (rd->blank_in_block) {
		for (int k = 0; k < EV_NFIELDS; k++) {
			if (!rd->fresh[k] || rd->cur->v[k] == NULL)
				continue;
			if (moved == NULL)
				moved = kenchi_event_new();
			moved->v[k] = rd->cur->v[k];
			rd->cur->v[k] = NULL;
			if (k == EV_DATE) {
				moved->date = rd->cur->date;
				rd->cur->date = 0;
			}
			have[k] = TRUE;
			labels[k] = rd->label[k];
		}
	}
	kenchi_reader_flush(rd);
	if (moved) {
		kenchi_event_free(rd->cur);
		rd->cur = moved;
		memcpy(rd->has, have, sizeof rd->has);
		memcpy(rd->fresh, have, sizeof rd->fresh);
		memcpy(rd->label, labels, sizeof rd->label);
	}
}

/* Field F read under a "Parent" heading: the file's labels name the
 * parent's fields (the API has no parent's path: none).  Any other field
 * ends the section. */
int
kenchi_reader_parent_field(reader_t *rd, int f)
{
	switch (f) {
	case EV_FILE_NAME:
		return EV_PARENT_FILE_NAME;
	case EV_SHA256:
		return EV_PARENT_SHA256;
	case EV_FILE_PATH:
	case EV_DISPOSITION:   /* the parent's: the file's stays (rev94 #9) */
		return -1;
	case EV_PARENT_FILE_NAME:
	case EV_PARENT_SHA256:
		return f;
	default:
		rd->parent_section = FALSE;
		return f;
	}
}
