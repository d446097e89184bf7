/* enriched.h: text/enriched (RFC 1896) as plain text, as Eudora and some
 * other clients send a forward with no text/plain beside it.  Its labels
 * come wrapped in formatting commands ("<bold>Event Type:</bold>"), which
 * no label pattern knows. */
#ifndef KENCHI_ENRICHED_H
#define KENCHI_ENRICHED_H

#include <glib.h>

/* TEXT (UTF-8) with its formatting commands taken out, "<<" made "<", the
 * contents of <param> dropped, and its line breaks as RFC 1896 reads them
 * (outside <nofill>: one line end is a space, n of them n-1 breaks); lines
 * end in LF.  Returns a newly allocated string (g_free). */
char *kenchi_enriched_to_text(const char *text);

#endif
