/* outbox.h: flushing the outbox over SMTP.  Every ready row goes out in one
 * SMTP session; each row then moves pending -> sent, or stays pending with
 * a backed-off next attempt (temporary failure: connection refused, 4xx,
 * timeout), or becomes failed (5xx) with a notice to the analysts.  A row
 * is only marked sent after the server's 250: a crash in between sends it
 * again with the same Message-ID, the one unavoidable duplicate.  Also the
 * SLA guard: a first report still unsent sla_warning after its alert's
 * arrival is mailed to the analysts. */
#ifndef KENCHI_OUTBOX_H
#define KENCHI_OUTBOX_H

#include <glib.h>
#include "util/config.h"
#include "util/status.h"
#include "store/store.h"
#include "report/report.h"

typedef struct {
	int sent, temp_failed, failed, sla_alerts;
	kenchi_status_t session;   /* the SMTP session's class (OK, TEMP, FINAL, CONFIG) */
	char *detail;              /* g_free: the session's or last row's error */
} kenchi_flush_stats_t;

/* Send what is ready at NOW (ALL: ignore next_attempt, e.g. `kenchi send
 * --all`).  The password, if any, is read from [smtp] password_file. */
kenchi_status_t kenchi_outbox_flush(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_store_t *st,
				    gint64 now, gboolean all, kenchi_flush_stats_t *stats);
/* Seconds to wait before attempt number ATTEMPTS+1 (exponential, jittered, capped). */
gint64 kenchi_outbox_backoff(int attempts);

#endif
