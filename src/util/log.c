/* log.c: stderr in the foreground, syslog as a daemon. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include "util/log.h"

static const char *log_prog = "kenchi";
static int log_verbosity = 1;   /* 0 errors, 1 +warnings/info, 2 +debug */
static int log_syslog;

void
kenchi_log_init(const char *progname, int verbosity)
{
	log_prog = progname;
	log_verbosity = verbosity;
}

void
kenchi_log_to_syslog(int on)
{
	if (on && !log_syslog)
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_MAIL);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

void
kenchi_log(kenchi_log_level_t lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *tag[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if ((int)lvl > log_verbosity + 1)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(prio[lvl], fmt, ap);
	} else {
		fprintf(stderr, "%s: %s", log_prog, tag[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
