/* reread.h: other readings of a text than kenchi_mail_text_parse()'s first
 * (reread.c), for kenchi_ingest_analyse(): each replaces A's mail and
 * extraction when it reads more of the alert. */
#ifndef KENCHI_REREAD_H
#define KENCHI_REREAD_H

#include "ingest/ingest.h"

/* A text read as the mail after its preamble (KENCHI_HEADLESS_PREAMBLE;
 * a->mail->preamble bytes before the mail's header) whose preamble holds
 * an alert of its own: an alert's text, then "-----Original Message-----"
 * and an older alert or a customer's mail under its quoted header (rounds
 * 31a, 35a).  Read whole, as a body with no header, it gives more events
 * than the mail after the preamble does; then the whole text is A's.  The rules' paste patterns, for a
 * block pasted alone, may claim the whole only when they claim its
 * preamble: a customer's mail under a ticket's line that quotes a type
 * and a hash stays the customer's (round 35a). */
void kenchi_reread_preamble(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m, const char *raw, gsize len,
			    kenchi_analysis_t *a);

/* Text in UTF-16 that Windows PowerShell 5.1 wrote ("Get-Content a.eml |
 * Out-File b.txt"): it read the mail's bytes in the ANSI code page (CP932
 * on a Japanese Windows, CP1252 elsewhere), so a Shift_JIS or a UTF-8
 * part's bytes became characters under a header that still names the
 * bytes' charset.  Encoded back in that code page they are the mail's
 * bytes again.  Tried when the first reading gave no alert or decoded
 * short; it wins with more events, or as many decoded exactly (round 35a).
 * A text Notepad saved in UTF-16 is read as it was written unless so. */
void kenchi_reread_utf16_ansi(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m, const char *raw, gsize len,
			      kenchi_analysis_t *a);

#endif
