/* clock.h: "now", overridable for tests with KENCHI_NOW (ISO 8601), so that
 * deadlines and windows can be proved with a fixed clock. */
#ifndef KENCHI_CLOCK_H
#define KENCHI_CLOCK_H

#include <glib.h>

gint64 kenchi_now(void);   /* Unix seconds */
/* FALSE when KENCHI_NOW is set to what is no time: kenchi_now() would use
 * the real clock, and a replay would go wrong unsaid (round 43b F8). */
gboolean kenchi_now_valid(void);

#endif
