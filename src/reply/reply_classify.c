/* reply_classify.c: which mail is a reply to kenchi's, to which case, and
 * how it came (reply.h): the reply address, the subject tag or the
 * message ids it cites, read from the mail alone, without the store; and
 * whether an Authentication-Results header vouches for its sender.  What
 * a reply then does is reply.c's. */
#include <string.h>
#include "reply/reply.h"

const char *
kenchi_reply_kind_to_string(kenchi_reply_kind_t k)
{
	switch (k) {
	case KENCHI_REPLY_ANALYST: return "command";
	case KENCHI_REPLY_CUSTOMER: return "customer_reply";
	case KENCHI_REPLY_AUTO: return "auto_reply";
	case KENCHI_REPLY_LOOP: return "loop";
	default: return "none";
	}
}

void
kenchi_reply_info_clear(kenchi_reply_info_t *r)
{
	g_free(r->token);
	g_free(r->why);
	memset(r, 0, sizeof *r);
}

void
kenchi_reply_result_clear(kenchi_reply_result_t *r)
{
	g_free(r->summary);
	memset(r, 0, sizeof *r);
}

/* local+case-N-TOKEN@domain */
static gboolean
parse_plus(const char *addr, gint64 *case_id, char **token)
{
	const char *p = strstr(addr, "+case-"), *at = strchr(addr, '@');
	char *end;
	gint64 n;

	if (p == NULL || at == NULL || p > at)
		return FALSE;
	n = g_ascii_strtoll(p + 6, &end, 10);
	if (n <= 0 || end == p + 6)
		return FALSE;
	*case_id = n;
	if (*end == '-' && end < at)
		*token = g_strndup(end + 1, at - end - 1);
	return TRUE;
}

/* "[kenchi #N]" or "[kenchi #N TOKEN]" anywhere in the subject, the
 * word in any case: a client or a person retyping the subject may write
 * "[KENCHI #1 ...]", and the reply was then filed as no reply at all,
 * unanswered (reply round rr1 F10). */
static gboolean
parse_subject(const char *subject, gint64 *case_id, char **token)
{
	const char *p = subject;
	char *end;
	gint64 n;

	while (p && *p && g_ascii_strncasecmp(p, "[kenchi #", 9) != 0)
		p++;
	if (p == NULL || *p == '\0')
		return FALSE;
	n = g_ascii_strtoll(p + 9, &end, 10);
	if (n <= 0 || end == p + 9)
		return FALSE;
	*case_id = n;
	if (*end == ' ') {
		const char *e = strchr(end + 1, ']');
		if (e && e - end - 1 > 0 && e - end - 1 <= 32)
			*token = g_strndup(end + 1, e - end - 1);
	}
	return TRUE;
}

/* A Message-ID of ours: kenchi.KIND.N.RANDOM@domain. */
static gboolean
parse_refs(const char *s, gint64 *case_id)
{
	const char *p = s;

	while (p && (p = strstr(p, "kenchi.")) != NULL) {
		const char *dot = strchr(p + 7, '.');
		if (dot) {
			char *end;
			gint64 n = g_ascii_strtoll(dot + 1, &end, 10);
			if (n > 0 && *end == '.') {
				*case_id = n;
				return TRUE;
			}
		}
		p += 7;
	}
	return FALSE;
}

/* The header that marks MAIL as sent by a machine, not typed: RFC 3834's
 * Auto-Submitted, a list's or a bulk sender's Precedence, a bounce, and
 * the marks of responders that set none of these - X-Autoreply,
 * X-Autorespond, Precedence: auto_reply, Exchange's
 * X-Auto-Response-Suppress, a null Return-Path (RFC 3834 2: never
 * answered).  Such a reply answered with a transcript answers back, a
 * loop (reply round rr1 F2).  NULL: a person's. */
static const char *
automatic(const kenchi_mail_t *mail)
{
	static const char *const prec[] = { "bulk", "junk", "list", "auto_reply", NULL };

	if (mail->auto_submitted && g_ascii_strcasecmp(mail->auto_submitted, "no") != 0)
		return "Auto-Submitted";
	for (int i = 0; mail->precedence && prec[i]; i++)
		if (g_ascii_strcasecmp(mail->precedence, prec[i]) == 0)
			return "Precedence";
	if (mail->is_report)
		return "multipart/report";
	if (mail->x_autoreply && g_ascii_strcasecmp(mail->x_autoreply, "no") != 0)
		return "X-Autoreply";
	/* "None" is what a person's Outlook may send: suppress nothing. */
	if (mail->auto_suppress && g_ascii_strcasecmp(mail->auto_suppress, "none") != 0)
		return "X-Auto-Response-Suppress";
	if (mail->return_path) {
		/* "<>", or "< >" folded: the spaces are no address. */
		const char *p = mail->return_path + strspn(mail->return_path, " \t\r\n");
		if (*p == '<' && p[1 + strspn(p + 1, " \t\r\n")] == '>')
			return "a null Return-Path";
	}
	return NULL;
}

void
kenchi_reply_classify(const kenchi_config_t *cfg, const kenchi_mail_t *mail, kenchi_reply_info_t *out)
{
	guint i;
	gint64 id = 0;
	char *tok = NULL;
	const char *how = NULL, *mark;
	gboolean command_channel = FALSE;

	memset(out, 0, sizeof *out);
	for (i = 0; mail->recipients && i < mail->recipients->len && id == 0; i++)
		if (parse_plus(g_ptr_array_index(mail->recipients, i), &id, &tok))
			how = "reply address";
	if (id == 0 && parse_subject(mail->subject, &id, &tok))
		how = "subject tag";
	else if (tok == NULL && id != 0) {
		gint64 sid = 0;
		char *stok = NULL;
		/* The subject may carry the token when the address did not. */
		if (parse_subject(mail->subject, &sid, &stok) && sid == id)
			tok = stok;
		else
			g_free(stok);
	}
	if (id == 0 && (parse_refs(mail->in_reply_to, &id) || parse_refs(mail->references, &id)))
		how = "In-Reply-To/References";
	if (id == 0)
		return;
	/* Mail to a case's token address, or with a token in the subject tag,
	 * or answering an analyst notice or transcript, is on the command
	 * channel: whoever sent it, it is checked as commands (and a forged
	 * sender is refused there), never taken as a customer's note. */
	command_channel = tok != NULL ||
	    (mail->in_reply_to && (strstr(mail->in_reply_to, "kenchi.notice.") || strstr(mail->in_reply_to, "kenchi.transcript.")));
	out->case_id = id;
	out->token = tok;
	if (mail->has_loop) {
		out->kind = KENCHI_REPLY_LOOP;
		out->why = g_strdup("carries kenchi's loop header: ignored");
	} else if ((mark = automatic(mail)) != NULL) {
		out->kind = KENCHI_REPLY_AUTO;
		out->why = g_strdup_printf("auto-reply or bounce (%s): ignored", mark);
	} else if (command_channel || kenchi_config_is_analyst(cfg, mail->from_addr)) {
		out->kind = KENCHI_REPLY_ANALYST;
		out->why = g_strdup_printf("analyst reply to case %" G_GINT64_FORMAT " (%s)", id, how);
	} else {
		out->kind = KENCHI_REPLY_CUSTOMER;
		out->why = g_strdup_printf("reply to case %" G_GINT64_FORMAT " (%s)", id, how);
	}
}

gboolean
kenchi_reply_auth_results_ok(char **trusted, const char *value, const char *from_addr)
{
	const char *at = from_addr ? strrchr(from_addr, '@') : NULL;
	char **parts, *authserv;
	gboolean ok = FALSE, trusted_ok = FALSE;

	if (value == NULL || at == NULL || trusted == NULL)
		return FALSE;
	parts = g_strsplit(value, ";", -1);
	authserv = g_strstrip(g_strdup(parts[0] ? parts[0] : ""));
	/* "mx.example.jp 1" (a version) is allowed after the authserv-id. */
	authserv[strcspn(authserv, " \t")] = '\0';
	for (char **t = trusted; *t; t++)
		if (g_ascii_strcasecmp(*t, authserv) == 0)
			trusted_ok = TRUE;
	for (guint i = 1; trusted_ok && parts[i] && !ok; i++) {
		/* "dkim=pass header.d=example.jp header.s=s1": the method result
		 * first, then properties compared whole, never by substring
		 * (header.d=example.jp.evil.net must not pass). */
		char **tok = g_strsplit_set(g_strstrip(parts[i]), " \t\r\n", -1);
		gboolean dkim = FALSE, dmarc = FALSE, d_ok = FALSE, f_ok = FALSE;
		for (char **t = tok; *t; t++) {
			if (**t == '\0')
				continue;
			if (g_ascii_strcasecmp(*t, "dkim=pass") == 0)
				dkim = TRUE;
			else if (g_ascii_strcasecmp(*t, "dmarc=pass") == 0)
				dmarc = TRUE;
			else if (g_ascii_strncasecmp(*t, "header.d=", 9) == 0 && g_ascii_strcasecmp(*t + 9, at + 1) == 0)
				d_ok = TRUE;
			else if (g_ascii_strncasecmp(*t, "header.from=", 12) == 0 && g_ascii_strcasecmp(*t + 12, at + 1) == 0)
				f_ok = TRUE;
		}
		ok = (dkim && d_ok) || (dmarc && f_ok);
		g_strfreev(tok);
	}
	g_free(authserv);
	g_strfreev(parts);
	return ok;
}
