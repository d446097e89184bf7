/* reply.c: acting on replies to kenchi's mail (reply_classify.c tells
 * which they are).
 *
 * Never trust From alone: a command mail must also carry the case token
 * (HMAC of the case id under the SOC's key) and, when configured, a pass
 * from the SOC's own MTA in Authentication-Results.  A mail that fails gets
 * no answer at all (no backscatter to forged senders) and an audit row.
 * Commands are applied inside a savepoint: one failing line rolls all of
 * them back. */
#include <string.h>
#include "reply/reply.h"
#include "parse/html.h"
#include "reply/token.h"
#include "reply/commands.h"
#include "reply/customer.h"
#include "reply/banner.h"
#include "parse/normalize.h"

/* Process ---------------------------------------------------------------- */

typedef struct {
	char *customer;
	char *hostname;
	char *state;
} case_info_t;

static gboolean
take_info(const kenchi_case_row_t *r, gpointer user)
{
	case_info_t *ci = user;

	ci->customer = g_strdup(r->customer);
	ci->hostname = g_strdup(r->hostname ? r->hostname : r->host_key);
	ci->state = g_strdup(r->state);
	return FALSE;
}

/* The case ID's events went to: ID itself, or the case it was merged
 * into, followed (a chain of merges, to a bound). */
static gint64
survivor(kenchi_store_t *st, gint64 id)
{
	kenchi_findings_t f;

	for (int hop = 0; hop < 8 && kenchi_store_findings_get(st, id, &f) == KENCHI_OK; hop++) {
		gint64 next = f.merged_into;

		kenchi_findings_clear(&f);
		if (next == 0)
			break;
		id = next;
	}
	return id;
}

/* May CL's commands go to the case their case was merged into?  Not a
 * merge or a reopen, which are of the merged case itself (refused, with
 * the case to work on). */
static gboolean
follows_merge(const kenchi_command_list_t *cl)
{
	for (guint i = 0; i < cl->cmds->len; i++) {
		const kenchi_command_t *c = g_ptr_array_index(cl->cmds, i);

		if (c->kind == KENCHI_CMD_MERGE || c->kind == KENCHI_CMD_REOPEN)
			return FALSE;
	}
	return cl->cmds->len > 0;
}

static kenchi_status_t
audit(kenchi_store_t *st, gint64 case_id, const char *sender, const char *msgid, const char *command,
      const char *result, gboolean ok, gint64 now)
{
	kenchi_audit_row_t a = { .case_id = case_id, .sender = sender, .message_id = msgid, .command = command,
				 .result = result, .ok = ok, .created_at = now };
	return kenchi_store_audit_add(st, &a);
}

static void
replace(char **field, const char *v)
{
	g_free(*field);
	*field = g_strdup(v);
}

/* What an allow entry did to the open cases it covers (report_withdraw.c),
 * for the command's result; NULL when it covers none. */
static char *
allow_done(gint64 case_id, const GArray *supp, const GArray *kept, kenchi_findings_t *f)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < supp->len; i++) {
		gint64 id = g_array_index(supp, gint64, i);
		g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : "case ", id);
		/* The findings are written back after the commands: they must
		 * not make it open again.  A close in the same mail stands. */
		if (id == case_id && g_strcmp0(f->state, "open") == 0)
			replace(&f->state, "suppressed");
	}
	if (supp->len)
		g_string_append(s, supp->len > 1 ? " suppressed, and taken out of their unsent first report" :
		    " suppressed, and taken out of its unsent first report");
	for (guint i = 0; i < kept->len; i++)
		g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : s->len ? "; case " : "case ",
		    g_array_index(kept, gint64, i));
	if (kept->len)
		g_string_append(s, " open still: P1, or its first report was sent or tried");
	return g_string_free(s, s->len == 0);
}

/* The other cases an allow entry added by a reply to case CASE_ID covers
 * get an audit row each, so that the trail of a case says what suppressed
 * it (round 49: only the case answered had one).  Inside the reply's
 * savepoint: a later command that fails takes them back too. */
static kenchi_status_t
audit_covered(kenchi_store_t *st, gint64 case_id, const GArray *supp, const GArray *kept, const kenchi_command_t *c,
	      const kenchi_mail_t *mail, gint64 now)
{
	kenchi_status_t rc = KENCHI_OK;

	for (guint k = 0; k < 2 && rc == KENCHI_OK; k++) {
		const GArray *ids = k == 0 ? supp : kept;
		for (guint i = 0; i < ids->len && rc == KENCHI_OK; i++) {
			gint64 id = g_array_index(ids, gint64, i);
			char *res;
			if (id == case_id)
				continue;
			res = g_strdup_printf(k == 0 ? "suppressed by this allow entry, added by a reply to case %" G_GINT64_FORMAT
			    ", and taken out of its unsent first report" : "covered by this allow entry, added by a reply to case %"
			    G_GINT64_FORMAT ", and open still: P1, or its first report was sent or tried", case_id);
			rc = audit(st, id, mail->from_addr, mail->message_id, c->text, res, TRUE, now);
			g_free(res);
		}
	}
	return rc;
}

/* Apply one valid command.  Returns NULL ("ok", with *DONE saying more
 * when set: g_free) or why it failed (g_free). */
static char *
apply_one(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_cases_t *cx, kenchi_store_t *st, gint64 case_id,
	  const case_info_t *ci, kenchi_findings_t *f, const kenchi_command_t *c, const kenchi_mail_t *mail,
	  gint64 now, kenchi_status_t *rc, char **done)
{
	*rc = KENCHI_OK;
	switch (c->kind) {
	case KENCHI_CMD_VERDICT:
		replace(&f->verdict, c->value);
		replace(&f->verdict_level, c->level);
		break;
	case KENCHI_CMD_STATE:
		replace(&f->state_text, c->value);
		break;
	case KENCHI_CMD_REASON:
		replace(&f->reason, c->value);
		break;
	case KENCHI_CMD_SUMMARY:
		replace(&f->summary, c->value);
		break;
	case KENCHI_CMD_ACTION:
		replace(&f->action, c->value);
		break;
	case KENCHI_CMD_PREVENTION:
		replace(&f->prevention, c->value);
		break;
	case KENCHI_CMD_ASSIGN:
		replace(&f->assignee, c->value);
		break;
	case KENCHI_CMD_PRIORITY:
		replace(&f->priority, c->value);
		break;
	case KENCHI_CMD_NOTE:
		*rc = kenchi_store_note_add(st, case_id, mail->from_addr, "analyst", mail->message_id, c->value, now);
		break;
	case KENCHI_CMD_ALLOW:
	case KENCHI_CMD_BLOCK: {
		kenchi_list_row_t l = { .list = c->kind == KENCHI_CMD_ALLOW ? "allow" : "block", .customer = ci->customer,
					.kind = c->list_kind, .note = mail->message_id, .created_at = now };
		char *v = strcmp(c->list_kind, "path") == 0 ? kenchi_norm_path(c->list_value) : g_strdup(c->list_value);
		gint64 id;
		l.value = v;
		*rc = kenchi_store_list_add(st, &l, &id);
		if (*rc == KENCHI_DUPLICATE) {
			*rc = KENCHI_OK;
		} else if (*rc == KENCHI_OK && c->kind == KENCHI_CMD_ALLOW) {
			/* Issue 3: an allow-listed case has no customer report. */
			GArray *supp = g_array_new(FALSE, FALSE, sizeof(gint64)), *kept = g_array_new(FALSE, FALSE, sizeof(gint64));
			*rc = kenchi_report_allow_apply(rx, st, &l, id, now, supp, kept);
			if (*rc == KENCHI_OK)
				*rc = audit_covered(st, case_id, supp, kept, c, mail, now);
			if (*rc == KENCHI_OK)
				*done = allow_done(case_id, supp, kept, f);
			g_array_unref(supp);
			g_array_unref(kept);
		}
		g_free(v);
		break;
	}
	case KENCHI_CMD_MERGE: {
		case_info_t other = { 0 };
		kenchi_status_t r;
		char *why = NULL;
		if (c->number == case_id)
			return g_strdup("cannot merge a case into itself");
		/* Its events are the other case's already: merged again, it
		 * pointed elsewhere, and the new target took its times (rc2 F7). */
		if (f->merged_into)
			return g_strdup_printf("this case was merged into case %" G_GINT64_FORMAT ": work on that one",
			    f->merged_into);
		r = kenchi_store_case_get(st, c->number, take_info, &other);
		if (r == KENCHI_NOT_FOUND)
			why = g_strdup_printf("no case %" G_GINT64_FORMAT, c->number);
		else if (r != KENCHI_OK)
			*rc = r;
		else if (strcmp(other.customer, ci->customer) != 0)
			why = g_strdup_printf("case %" G_GINT64_FORMAT " belongs to another customer", c->number);
		else if (strcmp(other.state, "closed") == 0)
			/* A closed case - or one merged itself - would hide the
			 * incident from open work; two merged into each other
			 * were both closed (round 36b). */
			why = g_strdup_printf("case %" G_GINT64_FORMAT " is closed (merged, or done): reopen it first, "
			    "or merge into the case it went to", c->number);
		else {
			/* Findings first: the merge closes this case. */
			*rc = kenchi_store_findings_set(st, case_id, f, now);
			if (*rc == KENCHI_OK)
				*rc = kenchi_store_case_merge(st, case_id, c->number, now);
			/* the case that took the events is scored with them (rc2 F8),
			 * and its first report, not sent yet, tells of them (rc3 F4) */
			if (*rc == KENCHI_OK && cx)
				*rc = kenchi_cases_rescore(cx, st, c->number);
			if (*rc == KENCHI_OK && rx)
				*rc = kenchi_report_refresh_first(rx, st, c->number, TRUE, FALSE, now, NULL);
			replace(&f->state, "closed");
			f->merged_into = c->number;
		}
		g_free(other.customer);
		g_free(other.hostname);
		g_free(other.state);
		return why;
	}
	case KENCHI_CMD_CLOSE:
		/* Said, so that two analysts see that one closed it first
		 * (reply round rr1 F11: a bare "ok"). */
		if (g_strcmp0(f->state, "closed") == 0)
			*done = g_strdup("it was closed already");
		replace(&f->state, "closed");
		break;
	case KENCHI_CMD_REOPEN:
		/* Its events are the other case's now: reopened, it would be
		 * an empty case still pointing there, and a merge back would
		 * close both (round 37a). */
		if (f->merged_into)
			return g_strdup_printf("this case was merged into case %" G_GINT64_FORMAT ": work on that one",
			    f->merged_into);
		/* Reopened, it would be open and still not reportable: in no
		 * list, with no report (round 47). */
		if (g_strcmp0(f->state, "suppressed") == 0)
			return g_strdup("this case is suppressed (allow list, tuning or rules), not closed: reopen takes"
			    " back a close");
		if (g_strcmp0(f->state, "open") == 0)
			*done = g_strdup("it was open already");
		replace(&f->state, "open");
		break;
	case KENCHI_CMD_SEND: {
		char *why = NULL;
		/* Its events went to the other case: the report would be of
		 * nothing (round 38a: a hollow one went out). */
		if (f->merged_into)
			return g_strdup_printf("this case was merged into case %" G_GINT64_FORMAT ": send from that one",
			    f->merged_into);
		/* The report must see the findings of the lines before it. */
		*rc = kenchi_store_findings_set(st, case_id, f, now);
		if (*rc == KENCHI_OK) {
			*rc = kenchi_report_queue_second(rx, st, case_id, now, &why);
			if (*rc == KENCHI_BAD_INPUT) {
				*rc = KENCHI_OK;
				return why;
			}
			/* Keep f in step with what the report recorded. */
			if (*rc == KENCHI_OK) {
				kenchi_findings_t fresh;
				if (kenchi_store_findings_get(st, case_id, &fresh) == KENCHI_OK) {
					f->second_report = fresh.second_report;
					f->second_report_at = fresh.second_report_at;
					kenchi_findings_clear(&fresh);
				}
			}
		}
		g_free(why);
		break;
	}
	case KENCHI_CMD_HELP:
		break;
	}
	(void)cfg;
	return NULL;
}

/* The findings a second report tells, as one string to compare. */
static char *
reported_findings(const kenchi_findings_t *f)
{
	return g_strjoin("\x1f", f->verdict ? f->verdict : "", f->verdict_level ? f->verdict_level : "",
	    f->state_text ? f->state_text : "", f->reason ? f->reason : "", f->summary ? f->summary : "",
	    f->action ? f->action : "", f->prevention ? f->prevention : "", NULL);
}

/* A second report queued before this reply (QUEUED) and not yet taken by
 * a sender, whose findings the reply changed (REPORTED: as they were) or
 * which the reply replaced with another: withdrawn, *WITHDRAWN its id.
 * Two analysts: one sent "malicious", the other then said
 * "false-positive" and closed the case, and the customer got "malicious"
 * (reply round rr1 F9); a changed verdict sent again went out twice. */
static kenchi_status_t
withdraw_overturned(kenchi_store_t *st, const kenchi_findings_t *f, gint64 queued, const char *reported, gint64 now,
		    gint64 *withdrawn)
{
	char *now_reported = reported_findings(f);
	gboolean changed = strcmp(now_reported, reported) != 0;
	kenchi_status_t rc = KENCHI_OK;

	g_free(now_reported);
	*withdrawn = 0;
	if (queued == 0 || (!changed && f->second_report == queued))
		return KENCHI_OK;
	rc = kenchi_store_outbox_withdraw(st, queued, f->second_report != queued ?
	    "replaced by a later second report with other findings" : "its findings changed before it went out", now);
	if (rc == KENCHI_OK)
		*withdrawn = queued;
	return rc == KENCHI_NOT_FOUND ? KENCHI_OK : rc;   /* taken by a sender, or sent: it stands */
}

static JsonObject *
line_obj(const char *text, const char *result)
{
	JsonObject *o = json_object_new();
	json_object_set_string_member(o, "text", text);
	json_object_set_string_member(o, "result", result);
	return o;
}

static kenchi_status_t process_customer(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_store_t *st,
					const kenchi_mail_t *mail, const kenchi_reply_info_t *info, gint64 now,
					kenchi_reply_result_t *out);

/* RES[0..n), some NULL. */
static void
free_results(char **res, guint n)
{
	for (guint i = 0; i < n; i++)
		g_free(res[i]);
	g_free(res);
}

/* How many of the lines read are "not a command" (a mistyped keyword
 * is "unknown keyword"): all of them, no command was written above the
 * blank line that ended them; some, a greeting or such is among them. */
static guint
not_commands(const kenchi_command_list_t *cl)
{
	guint n = 0;

	for (guint i = 0; i < cl->cmds->len; i++) {
		const kenchi_command_t *c = g_ptr_array_index(cl->cmds, i);

		if (c->error != NULL && g_str_has_prefix(c->error, "not a command"))
			n++;
	}
	return n;
}

/* A copy of the reply's text in *BODY with a mail gateway's banner at
 * its top blanked out (banner.h; round 36a: "[EXTERNAL] ..." above the
 * commands failed every reply); how many lines it took.  A banner file
 * that does not load blanks nothing: `kenchi rules check` names it. */
static int
skip_banner(const kenchi_config_t *cfg, const kenchi_mail_t *mail, GString **body)
{
	char *path = kenchi_config_data_path(cfg, "reply-banners"), *why = NULL;
	kenchi_banners_t *b = NULL;
	int n = 0;

	*body = g_string_new_len(mail->text->str, (gssize)mail->text->len);
	if (kenchi_banners_load(path, &b, &why) == KENCHI_OK)
		n = kenchi_banners_blank(b, *body);
	kenchi_banners_free(b);
	g_free(why);
	g_free(path);
	return n;
}

static kenchi_status_t
process_analyst(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_cases_t *cx, kenchi_store_t *st,
		const kenchi_mail_t *mail, const kenchi_reply_info_t *info, gint64 now, kenchi_reply_result_t *out)
{
	kenchi_command_list_t *cl = NULL;
	kenchi_findings_t f = { 0 };
	case_info_t ci = { 0 };
	guchar *key = NULL;
	gsize key_len = 0;
	char *errmsg = NULL, *reject = NULL;
	kenchi_status_t rc;
	JsonObject *root;
	JsonArray *lines;
	JsonNode *ctx;
	gboolean help = FALSE, failed = FALSE;
	gint64 withdrawn = 0;
	guint i;
	GString *body;
	int banner;
	gint64 target = info->case_id;   /* the case the commands work on */

	rc = kenchi_store_audit_seen(st, mail->message_id);
	if (rc == KENCHI_DUPLICATE) {
		/* Listed too (round 36b: kenchi(1) said so, and it was not). */
		out->replay = TRUE;
		out->summary = g_strdup("replay of a command mail already processed: ignored");
		return audit(st, info->case_id, mail->from_addr, mail->message_id, NULL, out->summary, FALSE, now);
	}
	if (rc != KENCHI_NOT_FOUND)
		return rc;
	rc = kenchi_store_case_get(st, info->case_id, take_info, &ci);
	if (rc == KENCHI_NOT_FOUND)
		reject = g_strdup_printf("no case %" G_GINT64_FORMAT, info->case_id);
	else if (rc != KENCHI_OK)
		goto done;
	rc = kenchi_token_key(cfg, st, &key, &key_len, &errmsg);
	if (rc != KENCHI_OK)
		goto done;
	if (reject == NULL && !kenchi_config_is_analyst(cfg, mail->from_addr)) {
		/* The customer answering a notice forwarded to it: its word,
		 * kept as its note, never commands (round 36b: it was only
		 * audited, and the analysts never saw it). */
		if (kenchi_reply_from_customer(cfg, st, ci.customer, info->case_id, mail)) {
			rc = process_customer(cfg, rx, st, mail, info, now, out);
			goto done;
		}
		reject = g_strdup_printf("sender %s is not in the analysts list", mail->from_addr ? mail->from_addr : "(none)");
	}
	else if (reject == NULL && mail->from_many)
		reject = g_strdup("more than one sender in From: a command mail has one");
	else if (reject == NULL && info->token == NULL)
		reject = g_strdup("no case token (reply to the notice, or keep the subject tag)");
	else if (reject == NULL && !kenchi_token_check(key, key_len, info->case_id, info->token))
		reject = g_strdup("wrong case token");
	else if (reject == NULL && cfg->require_auth_results &&
	    !kenchi_reply_auth_results_ok(cfg->trusted_authserv, mail->auth_results, mail->from_addr))
		reject = g_strdup("no trusted Authentication-Results with dkim=pass or dmarc=pass for the sender");
	if (reject) {
		/* No reply: the sender may be forged. */
		out->rejected = TRUE;
		out->summary = g_strdup_printf("command mail rejected: %s", reject);
		rc = audit(st, info->case_id, mail->from_addr, mail->message_id, NULL, out->summary, FALSE, now);
		goto done;
	}

	/* HTML is not wrapped by the client, nor format=flowed once joined
	 * (round 38a: a marked hard break was joined again): their lines
	 * are as typed. */
	banner = skip_banner(cfg, mail, &body);
	cl = kenchi_commands_parse_text(body->str, body->len, mail->html_parts == 0 && !mail->flowed);
	g_string_free(body, TRUE);
	out->commands = cl->cmds->len;
	out->errors = cl->errors;
	/* A reply to a case merged into another works on that one, as RT's
	 * merged tickets do: a verdict or a note on the closed shell was
	 * never seen again (rc2/rc3). */
	if (cl->errors == 0 && follows_merge(cl) && (target = survivor(st, info->case_id)) != info->case_id) {
		g_free(ci.customer);
		g_free(ci.hostname);
		g_free(ci.state);
		memset(&ci, 0, sizeof ci);
		if ((rc = kenchi_store_case_get(st, target, take_info, &ci)) != KENCHI_OK)
			goto done;
	}
	lines = json_array_new();
	if ((rc = kenchi_store_findings_get(st, target, &f)) != KENCHI_OK) {
		json_array_unref(lines);
		goto done;
	}
	if (cl->errors == 0 && !cl->empty) {
		if ((rc = kenchi_store_savepoint(st)) != KENCHI_OK) {
			json_array_unref(lines);
			goto done;
		}
		/* The commands of a mail apply together: `send` after the
		 * findings it reports, wherever it is written (round 36a:
		 * written first, it failed for want of the verdict below it),
		 * and `merge` last, after the report of the case it empties
		 * (round 37a: a report of nothing went out).  Results are kept
		 * in the mail's order. */
		char **res = g_new0(char *, cl->cmds->len + 1);
		gboolean sent = FALSE;
		char *reported = reported_findings(&f);
		gint64 queued = f.second_report;
		for (guint pass = 0; pass < 3 && !failed; pass++)
			for (i = 0; i < cl->cmds->len && !failed; i++) {
				kenchi_command_t *c = g_ptr_array_index(cl->cmds, i);
				char *why;
				guint when = c->kind == KENCHI_CMD_SEND ? 1 : c->kind == KENCHI_CMD_MERGE ? 2 : 0;
				if (when != pass)
					continue;
				if (c->kind == KENCHI_CMD_SEND && sent) {
					/* Both would report the same findings. */
					res[i] = g_strdup("ok (one second report per mail: sent above)");
					continue;
				}
				sent |= c->kind == KENCHI_CMD_SEND;
				char *done_note = NULL;
				why = apply_one(cfg, rx, cx, st, target, &ci, &f, c, mail, now, &rc, &done_note);
				if (rc != KENCHI_OK) {
					g_free(done_note);
					g_free(why);
					free_results(res, cl->cmds->len);
					kenchi_store_savepoint_rollback(st);
					json_array_unref(lines);
					goto done;
				}
				res[i] = why ? g_strdup_printf("error: %s", why) :
				    done_note ? g_strdup_printf("ok (%s)", done_note) : g_strdup("ok");
				g_free(done_note);
				failed = why != NULL;
				g_free(why);
				if (c->kind == KENCHI_CMD_HELP)
					help = TRUE;
			}
		if (!failed)
			rc = kenchi_store_findings_set(st, target, &f, now);
		if (!failed && rc == KENCHI_OK)
			rc = withdraw_overturned(st, &f, queued, reported, now, &withdrawn);
		g_free(reported);
		for (i = 0; i < cl->cmds->len; i++) {
			kenchi_command_t *c = g_ptr_array_index(cl->cmds, i);
			/* After a failure the lines not reached were not tried,
			 * and those applied before it are taken back: what they
			 * did is not so (round 50: "ok (case 1, 2 suppressed...)"
			 * above "nothing was applied"). */
			const char *r = res[i] ? res[i] : "not tried";
			if (failed && res[i] && g_str_has_prefix(res[i], "ok"))
				r = "ok (not applied)";
			json_array_add_object_element(lines, line_obj(c->text, r));
		}
		free_results(res, cl->cmds->len);
		if (failed || rc != KENCHI_OK) {
			kenchi_store_savepoint_rollback(st);
			if (rc != KENCHI_OK) {
				json_array_unref(lines);
				goto done;
			}
		} else {
			rc = kenchi_store_savepoint_release(st);
		}
	} else {
		for (i = 0; i < cl->cmds->len; i++) {
			kenchi_command_t *c = g_ptr_array_index(cl->cmds, i);
			char *res = c->error ? g_strdup_printf("error: %s", c->error) : g_strdup("ok (not applied)");
			json_array_add_object_element(lines, line_obj(c->text, res));
			g_free(res);
			if (c->kind == KENCHI_CMD_HELP)
				help = TRUE;
		}
		failed = TRUE;
	}
	out->applied = !failed;
	if (cl->empty)
		out->summary = g_strdup("no commands found: nothing was applied");
	else if (failed)
		out->summary = g_strdup_printf("nothing was applied: %d of %u line(s) failed", MAX(cl->errors, 1), cl->cmds->len);
	else if (withdrawn)
		out->summary = g_strdup_printf("all %u command(s) applied; the second report queued before (outbox %"
		    G_GINT64_FORMAT ") had other findings and is withdrawn, not sent%s", cl->cmds->len, withdrawn,
		    f.second_report != withdrawn ? "" : ": send: second-report again to send these");
	else
		out->summary = g_strdup_printf("all %u command(s) applied", cl->cmds->len);
	if (cl->more_after_blank) {
		/* Text above the commands - often a gateway banner that
		 * data/reply-banners does not know - is no gap between
		 * commands (round 41a F13: the hint said it was). */
		guint nc = not_commands(cl);
		char *more = g_strconcat(out->summary, "; below the blank line that ended the commands a line that looks "
		    "like one was not read ", nc > 0 && nc == cl->cmds->len ? "(the lines above it are no commands: write the "
		    "commands at the top, or add a mail gateway's banner to data/reply-banners)" : nc > 0 ?
		    "(leave out the lines that are no commands, and write the commands with no blank line between them)" :
		    "(write the commands with no blank line between them)", NULL);
		g_free(out->summary);
		out->summary = more;
	}
	if (target != info->case_id) {
		char *more = g_strdup_printf("%s; case %" G_GINT64_FORMAT " was merged into case %" G_GINT64_FORMAT
		    ": the commands %s case %" G_GINT64_FORMAT, out->summary, info->case_id, target,
		    out->applied ? "went to" : "were for", target);
		g_free(out->summary);
		out->summary = more;
	}
	if (banner > 0) {
		char *more = g_strdup_printf("%s; %d line(s) of a mail gateway's banner at the top were not read",
		    out->summary, banner);
		g_free(out->summary);
		out->summary = more;
	}
	/* Audit every line, then answer with the transcript. */
	for (i = 0; i < json_array_get_length(lines) && rc == KENCHI_OK; i++) {
		JsonObject *l = json_array_get_object_element(lines, i);
		const char *res = json_object_get_string_member(l, "result");
		/* "ok (what it did)" is as good as "ok" in a mail that was
		 * applied; in one that was not, every line says "ok (not
		 * applied)", an error, or "not tried". */
		rc = audit(st, target, mail->from_addr, mail->message_id, json_object_get_string_member(l, "text"),
		    res, out->applied && (strcmp(res, "ok") == 0 || g_str_has_prefix(res, "ok (")), now);
	}
	if (rc == KENCHI_OK && json_array_get_length(lines) == 0)
		rc = audit(st, info->case_id, mail->from_addr, mail->message_id, NULL, out->summary, FALSE, now);
	root = json_object_new();
	{
		JsonObject *co = json_object_new();
		json_object_set_int_member(co, "id", info->case_id);
		json_object_set_object_member(root, "case", co);
	}
	json_object_set_string_member(root, "from", mail->from_addr);
	if (mail->message_id)
		json_object_set_string_member(root, "message_id", mail->message_id);
	if (mail->message_id && strlen(mail->message_id) > 200) {
		/* Quoted in the transcript's text: a line of thousands of
		 * characters when a mailer wrote such a Message-ID (round 37a). */
		const char *e = mail->message_id + 200;
		char *cut, *valid;
		while (e > mail->message_id && ((guchar)*e & 0xC0) == 0x80)
			e--;   /* not inside a character (round 38a: "\ufffd\ufffd") */
		cut = g_strndup(mail->message_id, e - mail->message_id);
		valid = g_utf8_make_valid(cut, -1);
		char *mid = g_strconcat(valid, "...", NULL);
		json_object_set_string_member(root, "message_id", mid);
		g_free(mid);
		g_free(valid);
		g_free(cut);
	}
	json_object_set_boolean_member(root, "applied", out->applied);
	json_object_set_array_member(root, "lines", lines);
	json_object_set_string_member(root, "summary", out->summary);
	if (help || cl->empty) {
		char *h = kenchi_commands_help_text();
		json_object_set_string_member(root, "help", h);
		g_free(h);
	}
	ctx = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(ctx, root);
	if (rc == KENCHI_OK)
		rc = kenchi_report_queue_transcript(rx, st, info->case_id, mail->from_addr, mail->message_id, ctx, now);
	json_node_unref(ctx);
done:
	if (cl)
		kenchi_commands_free(cl);
	kenchi_findings_clear(&f);
	g_free(ci.customer);
	g_free(ci.hostname);
	g_free(ci.state);
	g_free(key);
	g_free(errmsg);
	g_free(reject);
	return rc;
}

/* The first N bytes of a reply's text as a note: an HTML editor's gap
 * between paragraphs (html.h) the blank line it shows. */
static char *
note_text(const char *s, gsize n)
{
	GString *t = g_string_sized_new(n);
	const gsize gl = sizeof KENCHI_HTML_PARA_GAP - 1;
	const char *e = s + n, *g = s;

	while ((g = memchr(g, KENCHI_HTML_PARA_GAP[0], (size_t)(e - g))) != NULL) {
		if ((gsize)(e - g) >= gl && memcmp(g, KENCHI_HTML_PARA_GAP, gl) == 0) {
			g_string_append_len(t, s, g - s);
			s = g = g + gl;
		} else {
			g++;
		}
	}
	g_string_append_len(t, s, e - s);
	/* A bare CR the reader kept to refuse a command line (rr1 F4) is a
	 * line break in a note: no terminal that shows it goes back over it. */
	g_strdelimit(t->str, "\r", '\n');
	/* and without the blank lines around it */
	g_strchomp(t->str);
	t->len = strlen(t->str);
	g_string_erase(t, 0, (gssize)strspn(t->str, "\n"));
	return g_string_free(t, FALSE);
}

static kenchi_status_t
process_customer(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_store_t *st, const kenchi_mail_t *mail,
		 const kenchi_reply_info_t *info, gint64 now, kenchi_reply_result_t *out)
{
	case_info_t ci = { 0 };
	kenchi_findings_t f;
	kenchi_status_t rc;
	JsonNode *ctx;
	char *text;
	gint64 id = info->case_id;

	rc = kenchi_store_case_get(st, info->case_id, take_info, &ci);
	if (rc == KENCHI_NOT_FOUND) {
		out->summary = g_strdup_printf("reply names case %" G_GINT64_FORMAT ", which does not exist", info->case_id);
		return KENCHI_OK;
	}
	if (rc != KENCHI_OK)
		return rc;
	if (!kenchi_reply_from_customer(cfg, st, ci.customer, info->case_id, mail)) {
		out->summary = g_strdup_printf("names case %" G_GINT64_FORMAT ", but %s is not of its customer %s (no "
		    "address of its report domains; another customer's, or no reply to its reports): not filed",
		    info->case_id, mail->from_addr ? mail->from_addr : "(no sender)", ci.customer);
		g_free(ci.customer);
		g_free(ci.hostname);
		g_free(ci.state);
		return KENCHI_OK;
	}
	/* A case merged into another: the note goes where its events went
	 * (round 38a: it went on the closed shell, unseen). */
	id = survivor(st, id);
	/* A case taken out of the consolidated report the customer answers
	 * (an allow entry after the fact): the customer asks of the cases
	 * that report holds, so the note goes to its lead (round 48: it went
	 * on the suppressed case, in no list). */
	{
		gint64 lead = 0;
		if ((rc = kenchi_report_first_lead(st, id, &lead)) == KENCHI_OK && lead != 0 &&
		    kenchi_store_case_mail_cited(st, lead, mail->in_reply_to))
			id = lead;
		else if (rc != KENCHI_OK) {
			g_free(ci.customer);
			g_free(ci.hostname);
			g_free(ci.state);
			return rc;
		}
	}
	/* Customer mail never runs commands, whatever lines it holds: it is a note. */
	text = note_text(mail->text->str, MIN(mail->text->len, 16384));
	rc = kenchi_store_note_add(st, id, mail->from_addr, "customer", mail->message_id, text, now);
	if (rc == KENCHI_OK && (rc = kenchi_store_findings_get(st, id, &f)) == KENCHI_OK) {
		f.attention = TRUE;
		rc = kenchi_store_findings_set(st, id, &f, now);
		kenchi_findings_clear(&f);
	}
	if (rc == KENCHI_OK) {
		ctx = kenchi_report_context(rx, st, ci.customer, &id, 1, &rc);
		if (ctx) {
			JsonObject *o = json_node_get_object(ctx);
			json_object_set_string_member(o, "from", mail->from_addr ? mail->from_addr : "");
			json_object_set_string_member(o, "subject", mail->subject ? mail->subject : "");
			json_object_set_string_member(o, "text", text);
			rc = kenchi_report_queue_customer_notice(rx, st, id, ci.customer, ctx, now);
			json_node_unref(ctx);
		}
	}
	out->summary = g_strdup_printf("customer reply: note added to case %" G_GINT64_FORMAT ", flagged for attention",
	    id);
	g_free(text);
	g_free(ci.customer);
	g_free(ci.hostname);
	g_free(ci.state);
	return rc;
}

kenchi_status_t
kenchi_reply_process(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_cases_t *cx, kenchi_store_t *st,
		     const kenchi_mail_t *mail, const kenchi_reply_info_t *info, gint64 now, kenchi_reply_result_t *out)
{
	memset(out, 0, sizeof *out);
	switch (info->kind) {
	case KENCHI_REPLY_ANALYST:
		return process_analyst(cfg, rx, cx, st, mail, info, now, out);
	case KENCHI_REPLY_CUSTOMER:
		return process_customer(cfg, rx, st, mail, info, now, out);
	default:
		out->summary = g_strdup(info->why ? info->why : "ignored");
		return KENCHI_OK;
	}
}
