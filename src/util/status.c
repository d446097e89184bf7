/* status.c: names and exit codes of kenchi_status_t. */
#include "util/status.h"

const char *
kenchi_status_to_string(kenchi_status_t st)
{
	switch (st) {
	case KENCHI_OK: return "ok";
	case KENCHI_NOT_FOUND: return "not found";
	case KENCHI_DUPLICATE: return "duplicate";
	case KENCHI_BAD_INPUT: return "bad input";
	case KENCHI_USAGE: return "usage error";
	case KENCHI_CONFIG: return "configuration error";
	case KENCHI_TEMP: return "temporary failure";
	case KENCHI_WAIT: return "temporary failure, backing off";
	case KENCHI_FINAL: return "permanent failure";
	case KENCHI_IO: return "I/O error";
	case KENCHI_FAIL: return "failure";
	}
	return "unknown status";
}

int
kenchi_status_is_temporary(kenchi_status_t st)
{
	return st == KENCHI_TEMP || st == KENCHI_WAIT;
}

int
kenchi_status_to_exit(kenchi_status_t st)
{
	switch (st) {
	case KENCHI_OK:
	case KENCHI_DUPLICATE:
		return KENCHI_EXIT_OK;
	case KENCHI_USAGE:
		return KENCHI_EXIT_USAGE;
	case KENCHI_BAD_INPUT:
		return KENCHI_EXIT_DATAERR;
	case KENCHI_CONFIG:
		return KENCHI_EXIT_CONFIG;
	case KENCHI_TEMP:
	case KENCHI_WAIT:
		return KENCHI_EXIT_TEMPFAIL;
	default:
		return KENCHI_EXIT_FAIL;
	}
}
