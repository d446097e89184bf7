/* flowed.h: undo format=flowed (RFC 3676), as mail clients such as
 * Thunderbird and Apple Mail send text/plain.  Their writer breaks a long
 * line after a space and leaves the space at the end of the line: a reader
 * that does not join such lines sees a long Windows path cut in two, the
 * second half on a line of its own (a forwarded alert's "File Path"). */
#ifndef KENCHI_FLOWED_H
#define KENCHI_FLOWED_H

#include <glib.h>

/* TEXT (UTF-8, LF or CRLF lines) with its flowed lines joined and its
 * space-stuffing removed; lines end in LF.  DELSP: the part's DelSp=yes,
 * whose writer added the space at each break, so it is taken out again.
 * Lines of another quote depth ('>' marks) are never joined; a quoted
 * line keeps its marks, then one space.  Returns a newly allocated string
 * (g_free). */
char *kenchi_flowed_decode(const char *text, gboolean delsp);

#endif
