/* api_in_mail.h: API JSON that came by mail (api_in_mail.c). */
#ifndef KENCHI_API_IN_MAIL_H
#define KENCHI_API_IN_MAIL_H

#include "ingest/ingest.h"

/* A mail that is no alert but carries API events, pasted into its text
 * or attached as a .json file: A's reason says so, and how to read them.
 * Mail is read as mail: the JSON is not taken as events (whose customer
 * and whose events they are, the mail does not say), so a person sees it
 * in `kenchi messages` and imports the file. */
void kenchi_ingest_api_in_mail(kenchi_analysis_t *a);

#endif
