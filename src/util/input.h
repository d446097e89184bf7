/* input.h: reading a whole stream (a delivered message on stdin). */
#ifndef KENCHI_INPUT_H
#define KENCHI_INPUT_H

#include <stdio.h>
#include <glib.h>
#include "util/status.h"

/* Read all of FP into a byte array; KENCHI_TEMP on ENOMEM (or an
 * interrupted read), KENCHI_IO else. */
kenchi_status_t kenchi_read_all(FILE *fp, GByteArray **out);

#endif
