/* banner.h: the lines a mail gateway puts at the top of the mail it lets
 * in ("[EXTERNAL] This email originated from outside...", "【社外】この
 * メールは社外から送信されています"), which an analyst cannot keep out of a
 * reply.  Which lines are a banner is data: data/reply-banners, one PCRE2
 * pattern a line, matched against each line at the top of a reply. */
#ifndef KENCHI_BANNER_H
#define KENCHI_BANNER_H

#include <glib.h>
#include "util/status.h"

typedef struct kenchi_banners kenchi_banners_t;

/* Load PATH.  A file that does not exist is a set of no patterns.
 * KENCHI_CONFIG with *errmsg ("PATH:LINE: message", g_free) when a line
 * is no pattern PCRE2 takes; *out is NULL then. */
kenchi_status_t kenchi_banners_load(const char *path, kenchi_banners_t **out, char **errmsg);
guint kenchi_banners_count(const kenchi_banners_t *b);
void kenchi_banners_free(kenchi_banners_t *b);

/* Blank out, in place, the banner at the top of TEXT: from a first line
 * that is not blank, no command, and that a pattern matches, up to a
 * blank line, a command line (kenchi_commands_line_is_command()) or a
 * line that looks typed ("word: ...", one short word).  Its bytes become
 * spaces, so the lines below keep their numbers.  Several banners, each
 * under a blank line, go too.  Returns how many lines were blanked: 0
 * when the top of TEXT is no banner. */
int kenchi_banners_blank(const kenchi_banners_t *b, GString *text);

#endif
