/* jis_tables.h: JIS X 0208 (+ CP932 extensions) <-> Unicode tables, generated
 * once by gen-jis-tables.c and compiled in (see charset_iso2022jp.c). */
#ifndef KENCHI_JIS_TABLES_H
#define KENCHI_JIS_TABLES_H

#include <glib.h>

/* (j1 - 0x21) * 94 + (j2 - 0x21) -> BMP character, 0 = none. */
extern const guint16 kenchi_jis_ucs[94 * 94];
/* (Unicode << 16) | (j1 << 8) | j2, sorted by Unicode: the encoder's map. */
extern const guint32 kenchi_ucs_jis[];
extern const guint kenchi_ucs_jis_count;

#endif
