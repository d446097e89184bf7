/* log.h: kenchi's one log API.  In the foreground it writes to stderr; as a
 * daemon (kenchi_log_to_syslog) it writes to syslog.  Per-message lines are
 * key=value, one line per processed message, as OpenSMTPD logs deliveries.
 * Only the command layer (src/cli) calls this: lower layers return statuses. */
#ifndef KENCHI_LOG_H
#define KENCHI_LOG_H

typedef enum { KENCHI_LOG_ERR, KENCHI_LOG_WARN, KENCHI_LOG_INFO, KENCHI_LOG_DEBUG } kenchi_log_level_t;

void kenchi_log_init(const char *progname, int verbosity);
void kenchi_log_to_syslog(int on);
void kenchi_log(kenchi_log_level_t lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define kenchi_err(...)   kenchi_log(KENCHI_LOG_ERR, __VA_ARGS__)
#define kenchi_warn(...)  kenchi_log(KENCHI_LOG_WARN, __VA_ARGS__)
#define kenchi_info(...)  kenchi_log(KENCHI_LOG_INFO, __VA_ARGS__)
#define kenchi_debug(...) kenchi_log(KENCHI_LOG_DEBUG, __VA_ARGS__)

#endif
