/* commands_int.h: private to src/reply/commands*.c: what the block parser
 * (commands.c), the value checks (commands_value.c) and the text helpers
 * (commands_text.c) share.  Nothing here is API: callers see commands.h. */
#ifndef KENCHI_REPLY_COMMANDS_INT_H
#define KENCHI_REPLY_COMMANDS_INT_H

#include "reply/commands.h"

/* commands.c: "verdict", "state", ... indexed by kind (static strings). */
extern const char *const kenchi_cmd_kind_names[];

/* commands_text.c: white space (ASCII, NBSP, U+3000) and comparison.
 * skip_space and rskip_space return positions in P..END; strip_dup and fold
 * return new strings (g_free). */
gsize kenchi_cmd_space_len(const char *p, const char *end);
const char *kenchi_cmd_skip_space(const char *p, const char *end);
const char *kenchi_cmd_rskip_space(const char *p, const char *end);
char *kenchi_cmd_strip_dup(const char *p, const char *end);
gboolean kenchi_cmd_is_blank(const char *p, const char *end);
char *kenchi_cmd_fold(const char *s);

/* commands_value.c: replace C's error with MSG (taking ownership of it). */
void kenchi_cmd_set_error(kenchi_command_t *c, char *msg);
/* Fill C from its keyword and VAL, the text after the colon; on a bad
 * value C->error says why. */
void kenchi_cmd_parse_value(kenchi_command_t *c, const char *val);

/* list_breadth.c: why an entry from a reply would catch too much, or no
 * indicator at all (g_free), or NULL when it is fine. */
char *kenchi_cmd_path_too_broad(const char *path);
char *kenchi_cmd_host_too_broad(const char *host);
char *kenchi_cmd_ip_no_indicator(const char *ip);
char *kenchi_cmd_url_no_indicator(const char *url);
char *kenchi_cmd_domain_too_broad(const char *domain);
char *kenchi_cmd_invisible(const char *value);

#endif
