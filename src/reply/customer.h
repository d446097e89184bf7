/* customer.h: whether a mail naming a case comes from the case's
 * customer (customer.c), so that reply.c files it as the customer's note.
 * A case number is no secret - they count up - so a subject tag alone
 * filed any outsider's text, and another customer's, as the customer's
 * word (round 36b). */
#ifndef KENCHI_REPLY_CUSTOMER_H
#define KENCHI_REPLY_CUSTOMER_H

#include "parse/mime.h"
#include "store/store.h"
#include "util/config.h"

/* MAIL is from CUSTOMER, whose case CASE_ID it names: From is one of the
 * customer's report_to/report_cc addresses; or in the domain (or a
 * subdomain) of one, when that domain is the customer's own - no free mail
 * service, carrier or ISP, no other customer's; or the mail cites a report
 * kenchi mailed the customer about the case.  Domains compare in punycode. */
gboolean kenchi_reply_from_customer(const kenchi_config_t *cfg, kenchi_store_t *st, const char *customer,
				    gint64 case_id, const kenchi_mail_t *mail);

#endif
