/* clock.h: "now", overridable for tests with KENCHI_NOW (ISO 8601), so that
 * deadlines and windows can be proved with a fixed clock. */
#ifndef KENCHI_CLOCK_H
#define KENCHI_CLOCK_H

#include <glib.h>

gint64 kenchi_now(void);   /* Unix seconds */

#endif
