/* template_int.h: what the three parts of the template module share:
 * template.c compiles, template_render.c renders, template_files.c reads
 * the report-template layout and the explanations file.  Not for use
 * outside src/report/template*.c. */
#ifndef KENCHI_TEMPLATE_INT_H
#define KENCHI_TEMPLATE_INT_H

#include "report/template.h"

#define MAX_ERRORS 20

/* ---------------------------------------------------------------- types */

typedef enum {
	FILTER_DEFAULT,
	FILTER_DEFANG,
	FILTER_UPPER,
	FILTER_LOWER,
	FILTER_JST,
	FILTER_UTC,
	FILTER_HTML,
	FILTER_ONELINE,
	FILTER_AMP_LINK,
} filter_kind_t;

typedef struct {
	filter_kind_t kind;
	char *arg;       /* owned; default: text */
	GTimeZone *tz;   /* owned ref; jst/utc */
} filter_t;

typedef enum {
	SPECIAL_NONE,
	SPECIAL_INDEX,
	SPECIAL_FIRST,
	SPECIAL_LAST,
} special_t;

typedef enum {
	OP_TEXT,
	OP_VAR,
	OP_SECTION,
	OP_INVERTED,
} op_kind_t;

typedef struct {
	op_kind_t kind;
	/* OP_TEXT */
	char *text;          /* owned */
	gsize len;
	/* OP_VAR, OP_SECTION, OP_INVERTED */
	char *path_str;      /* owned; as written, for matching close tags */
	char **segs;         /* owned (g_strfreev); NULL for "." */
	gint *index;         /* owned; per segment: array index or -1 */
	guint nsegs;
	special_t special;
	filter_t *filters;   /* owned */
	guint nfilters;
	gboolean force_html;
	/* sections: index of the first op after the body */
	guint body_end;
	guint line;
} op_t;

struct kenchi_template {
	char *name;  /* owned */
	GArray *ops; /* of op_t, owned */
	int mode;    /* KENCHI_ESC_TEXT / HEADER / HTML */
	gboolean keep_newlines;
};

struct kenchi_report_template {
	kenchi_template_t *subject; /* owned */
	kenchi_template_t *body;    /* owned */
};


/* Compile errors, collected rather than first-only. */
typedef struct {
	const char *name;
	GString *errors;
	guint nerrors;
} diag_t;

G_GNUC_PRINTF(3, 4) void kenchi_tpl_diag_add(diag_t *d, guint line, const char *fmt, ...);
/* Frees D's text; TRUE when it holds no error, else FALSE with *ERROR set
 * (at most MAX_ERRORS lines, then a count of the rest). */
gboolean kenchi_tpl_diag_finish(diag_t *d, GError **error);
/* Newlines in [FROM, TO). */
guint kenchi_tpl_count_lines(const char *from, const char *to);
/* TEXT, whose first line is FIRST_LINE of NAME, to a template; NULL with
 * *ERROR (every problem found) when it does not compile. */
kenchi_template_t *kenchi_tpl_compile(const char *name, const char *text, guint first_line, kenchi_escape_t esc,
    GError **error);
/* A file's contents; NULL with a KENCHI_TEMPLATE_ERROR_IO *ERROR. */
char *kenchi_tpl_read_file(const char *path, GError **error);

#endif
