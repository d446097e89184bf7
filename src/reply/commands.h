/* commands.h: the analyst's commands in a reply to a notice mail, as in
 * RT's CommandByMail: `keyword: value` lines at the top of the body.
 *
 * This is a pure parser and validator: no database, no printing, no mail.
 * The caller applies the list only when errors == 0 (all or nothing) and
 * writes the transcript from each command's text and error.  The syntax and
 * every command are documented in kenchi-commands(7). */
#ifndef KENCHI_COMMANDS_H
#define KENCHI_COMMANDS_H

#include <glib.h>

#define KENCHI_CMD_MAX       100    /* commands per mail; more is an error */
#define KENCHI_CMD_VALUE_MAX 4096   /* bytes per value, continuations included */

typedef enum {
	KENCHI_CMD_VERDICT,
	KENCHI_CMD_STATE,
	KENCHI_CMD_REASON,
	KENCHI_CMD_SUMMARY,
	KENCHI_CMD_ACTION,
	KENCHI_CMD_PREVENTION,
	KENCHI_CMD_ASSIGN,
	KENCHI_CMD_PRIORITY,
	KENCHI_CMD_NOTE,
	KENCHI_CMD_ALLOW,
	KENCHI_CMD_BLOCK,
	KENCHI_CMD_MERGE,
	KENCHI_CMD_CLOSE,
	KENCHI_CMD_REOPEN,
	KENCHI_CMD_SEND,
	KENCHI_CMD_HELP
} kenchi_cmd_kind_t;

/* One line of the transcript.  All strings are owned by the command and
 * freed with the list.  Check error first: when it is set, nothing of the
 * command may be acted on, value and the other fields may be NULL, and for
 * a line that is not a command at all (no colon, unknown keyword, over the
 * limit) kind is KENCHI_CMD_NOTE only because the enum has no "none". */
typedef struct {
	kenchi_cmd_kind_t kind;
	int line;             /* 1-based line in the body */
	char *text;           /* owned: the line as written, continuations joined with a space;
	                       * valid UTF-8, controls replaced, cut at about 4 KB ("…") */
	char *value;          /* owned: normalized value: verdict word, "P2", state/note text,
	                       * "KIND VALUE" for allow/block, "123" for merge,
	                       * "second-report" for send, "" for close/reopen/help */
	char *level;          /* owned: verdict level low|medium|high, or NULL */
	char *list_kind;      /* owned: allow: sha256 detection path host;
	                       * block: sha256 url ip domain; else NULL */
	char *list_value;     /* owned: kenchi_list_value's: sha256 64 lower-case hex; ip
	                       * in canonical form (IPv4-mapped as IPv4); url refanged,
	                       * with a lower-case scheme; domain lower-case ASCII (IDN
	                       * to punycode); path as AMP writes one (unquoted,
	                       * backslashes); detection, host as written */
	gint64 number;        /* merge: the case number; priority: 1..4; else 0 */
	char *error;          /* owned: NULL when valid, else why (for the transcript) */
} kenchi_command_t;

typedef struct {
	GPtrArray *cmds;      /* owned: kenchi_command_t *, in body order */
	int errors;           /* commands with error != NULL */
	gboolean empty;       /* no command lines at all before the end markers */
	gboolean more_after_blank; /* a line that looks like a command follows the
	                            * blank line that ended them: not read */
} kenchi_command_list_t;

/* Parse the top of BODY_UTF8 (NUL-terminated; NULL is an empty body).
 * Never NULL; free with kenchi_commands_free(). */
kenchi_command_list_t *kenchi_commands_parse(const char *body_utf8);
/* The same for a body of LEN bytes (-1: NUL-terminated) that may hold NUL
 * bytes, as a decoded base64 part can: a command line with a NUL or another
 * control character is an error, never silently cut. */
kenchi_command_list_t *kenchi_commands_parse_len(const char *body, gssize len);
/* The same; WRAPPED: the body is plain text a mail client may have
 * wrapped (no HTML part), so the unindented rest of a long line of free
 * text is joined to it (kenchi-commands(7)). */
kenchi_command_list_t *kenchi_commands_parse_text(const char *body, gssize len, gboolean wrapped);
void kenchi_commands_free(kenchi_command_list_t *l);

/* The line [P, P+N) (no line end) is blank to the command reader: only
 * spaces, tabs, U+3000 or NBSP. */
gboolean kenchi_commands_line_is_blank(const char *p, gsize n);
/* ... or reads as a command: a keyword and its colon, or a bare close,
 * reopen or help. */
gboolean kenchi_commands_line_is_command(const char *p, gsize n);
/* A line of each keyword as an analyst writes it ("verdict: x",
 * "Verdict: x", "CLOSE", "close", "判定: x"), NULL-terminated
 * (g_strfreev): what a banner pattern must not match. */
char **kenchi_commands_sample_lines(void);

/* Who adds a list entry: an analyst's reply, or `kenchi allow|block add`,
 * whose ip entry may be a network ("203.0.113.0/24", kenchi(1)). */
typedef enum {
	KENCHI_LIST_FROM_REPLY,
	KENCHI_LIST_FROM_CLI
} kenchi_list_from_t;

/* VALUE of an allow or block entry of KIND (sha256 detection path host url
 * ip domain) as it is stored and matched, or NULL when no event could
 * match it, with *WHY (g_free) saying what it must be.  The one
 * normalisation of both ways in: the breadth checks of a reply are not
 * made here (list_breadth.c).  Returns a new string (g_free). */
char *kenchi_list_value(const char *kind, const char *value, kenchi_list_from_t from, char **why);

/* "verdict", "state", ... (static; "unknown" outside the enum). */
const char *kenchi_cmd_kind_name(kenchi_cmd_kind_t k);
/* The reply to `help`, also the source of the man page's list (g_free). */
char *kenchi_commands_help_text(void);

#endif
