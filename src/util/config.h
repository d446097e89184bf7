/* config.h: kenchi.conf, a GKeyFile (INI) file; see kenchi.conf(5).
 *
 * The loader reports every error it finds, each as "file:line: message",
 * and keeps going, so one `kenchi check-config` shows them all.  With no
 * file at all, built-in defaults apply and kenchi runs on its bundled data. */
#ifndef KENCHI_CONFIG_H
#define KENCHI_CONFIG_H

#include <glib.h>
#include "util/status.h"

typedef struct {
	char *id;                /* the group name after "customer " */
	char *name;              /* display name (〇〇〇〇株式会社) */
	char **recipients;       /* lower-case glob patterns of alert recipients */
	char **groups;           /* glob patterns of AMP group names */
	char **groups_fold;      /* the same, as names compare (config_match.c) */
	char **group_guids;      /* AMP group ids (an API event has no group name) */
	char **report_to;
	char **report_cc;
	char *language;          /* "ja" or "en" */
	char *charset;           /* "utf-8" or "iso-2022-jp" */
	char *tuning_until;      /* YYYY-MM-DD or NULL */
	char **server_hosts;     /* glob patterns of important hosts (servers) */
	char **closed_days;      /* calendar overrides */
	char *closure;
	char *hours;
} kenchi_customer_t;

typedef struct {
	char *path;              /* the file read, or NULL for built-in defaults */
	char *datadir;           /* root holding data/ and templates/ */
	char *db_path;           /* from the file; the command line and $KENCHI_DB win */
	char *socket_path;       /* the daemon's deliver socket, or NULL */
	int busy_timeout_ms;
	int window_s;            /* correlation window */
	int outbreak_s;          /* consolidation window of first reports */
	int stale_s;             /* older alerts wait for release */
	int report_hold_s;       /* a first report waits this long for more cases to join */
	int sla_warn_s;          /* unsent first report this long after arrival: alert analysts */
	int send_interval_s;     /* the daemon flushes the outbox this often */
	GPtrArray *customers;    /* kenchi_customer_t*, owned, in file order */
	/* [soc] */
	char *soc_name;
	char *soc_from;
	char *soc_signature;
	char **analysts;
	char *token_key_file;
	char **trusted_authserv;
	gboolean require_auth_results;
	/* [smtp] */
	char *smtp_host;
	int smtp_port;
	char *smtp_tls;          /* none, starttls, tls */
	char *smtp_user;
	char *smtp_password_file;
	char *smtp_helo;
	GKeyFile *kf;            /* owned: the parsed file, for sections read elsewhere */
} kenchi_config_t;

/* Load PATH, or when PATH is NULL: $KENCHI_CONF, then /etc/kenchi/kenchi.conf
 * if it exists, else defaults.  Errors are appended to ERRORS (one per line);
 * KENCHI_CONFIG when there was any, and *out is still filled in as far as it
 * could be (check-config prints them all). */
kenchi_status_t kenchi_config_load(const char *path, kenchi_config_t **out, GString *errors);
void kenchi_config_free(kenchi_config_t *cfg);

/* Paths below the data root (g_free). */
char *kenchi_config_data_path(const kenchi_config_t *cfg, const char *rel);
char *kenchi_config_template_path(const kenchi_config_t *cfg, const char *rel);

/* Which customer an alert is for (config_match.c); NULL when none, or
 * when two customers match and no pattern decides (the caller says
 * "unassigned"; *AMBIGUOUS, which may be NULL, says so):
 * - the one whose recipient patterns match RECIPIENTS (lower-case
 *   addresses: To, Cc, Delivered-To, X-Original-To, Envelope-To);
 * - the one whose group pattern matches GROUP, an AMP group's name, both
 *   sides NFKC and case folded ("㈱" is "(株)"); a pattern within another
 *   customer's decides ("AcmeTech*" over "Acme*"), else PREFER (the
 *   mailbox's customer) if it is among them;
 * - the one one of whose group_guids is among GUIDS (an API event's "A,
 *   B"; case does not matter). */
const kenchi_customer_t *kenchi_config_match_recipients(const kenchi_config_t *cfg, GPtrArray *recipients,
							 gboolean *ambiguous);
const kenchi_customer_t *kenchi_config_match_group(const kenchi_config_t *cfg, const char *group,
						   const kenchi_customer_t *prefer, gboolean *ambiguous);
const kenchi_customer_t *kenchi_config_match_group_guids(const kenchi_config_t *cfg, const char *guids,
							  gboolean *ambiguous);
const kenchi_customer_t *kenchi_config_customer(const kenchi_config_t *cfg, const char *id);
/* What makes an alert two customers' or no one's, as configuration errors
 * at file:line in ERRORS (config_match.c): a recipient pattern with no
 * "@", or one that two customers list; a group pattern or a group id two
 * customers list; a [customer ID] section written twice (GKeyFile merges
 * the two). */
void kenchi_config_check_customers(const kenchi_config_t *cfg, GString *errors);
/* The address of S, "addr" or "Name <addr>": where it starts, and its
 * length in *LEN (config_match.c). */
const char *kenchi_addr_spec(const char *s, gsize *len);
/* A and B ("addr" or "Name <addr>") are one address, compared without case. */
gboolean kenchi_addr_same(const char *a, const char *b);
/* ADDR ("addr" or "Name <addr>") is one of [soc] analysts, compared
 * without case. */
gboolean kenchi_config_is_analyst(const kenchi_config_t *cfg, const char *addr);
/* CUSTOMER's group patterns as names compare (groups_fold), once at load. */
void kenchi_config_fold_groups(kenchi_customer_t *customer);
/* The line of KEY in GROUP of the file (1-based), 0 when unknown. */
int kenchi_config_line(const kenchi_config_t *cfg, const char *group, const char *key);

/* Append "file:line: [GROUP] KEY: message" to ERRORS (the one format of
 * every configuration error, also used by the [imap NAME] loader). */
void kenchi_config_error(GString *errors, const kenchi_config_t *cfg, const char *group, const char *key,
			 const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* "24h", "30m", "90s", "2d" or plain seconds -> seconds; -1 when invalid. */
int kenchi_parse_duration(const char *s);

#endif
