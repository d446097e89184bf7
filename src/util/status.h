/* status.h: the one status type that every layer below the command layer
 * returns.  Layers never print or exit; the command layer maps a status to
 * an exit code with kenchi_status_to_exit() (documented in kenchi(1)).
 *
 * The classes follow isync's FAIL_TEMP / FAIL_WAIT / FAIL_FINAL so that the
 * IMAP reconnect loop, the outbox and the exit codes share one notion of
 * "retry helps". */
#ifndef KENCHI_STATUS_H
#define KENCHI_STATUS_H

typedef enum {
	KENCHI_OK = 0,
	KENCHI_NOT_FOUND,   /* the thing asked for does not exist */
	KENCHI_DUPLICATE,   /* already stored: idempotent no-op, not an error */
	KENCHI_BAD_INPUT,   /* data error in what we were given (final) */
	KENCHI_USAGE,       /* wrong command-line use */
	KENCHI_CONFIG,      /* bad configuration, rules or templates (final) */
	KENCHI_TEMP,        /* temporary: busy database, full disk, no memory, 4xx */
	KENCHI_WAIT,        /* temporary, but back off before retrying */
	KENCHI_FINAL,       /* a person must act: auth refused, 5xx */
	KENCHI_IO,          /* I/O error that is not known to be temporary */
	KENCHI_FAIL         /* anything else */
} kenchi_status_t;

const char *kenchi_status_to_string(kenchi_status_t st);

/* Exit codes: 0 ok, 64 usage, 65 data error, 75 temporary, 78 config, 1 other. */
enum {
	KENCHI_EXIT_OK = 0,
	KENCHI_EXIT_FAIL = 1,
	KENCHI_EXIT_USAGE = 64,
	KENCHI_EXIT_DATAERR = 65,
	KENCHI_EXIT_TEMPFAIL = 75,
	KENCHI_EXIT_CONFIG = 78
};
int kenchi_status_to_exit(kenchi_status_t st);

/* True when trying again later may succeed. */
int kenchi_status_is_temporary(kenchi_status_t st);

#endif
