/* secret.h: secret files (passwords, keys), refused when group or others
 * can read them. */
#ifndef KENCHI_SECRET_H
#define KENCHI_SECRET_H

#include <glib.h>
#include "util/status.h"

/* Read PATH into *SECRET (g_free; trailing whitespace removed).  KENCHI_CONFIG
 * with *ERRMSG (g_free) when it is missing, unreadable or mode & 077. */
kenchi_status_t kenchi_read_secret_file(const char *path, char **secret, char **errmsg);

#endif
