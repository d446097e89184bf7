/* import_list.c: what `kenchi import` walks.  A directory with cur/ or new/
 * is a maildir (both are taken, new/ first: an import is a backlog, read or
 * not; then its Maildir++ folders, .Name/); any other directory is walked
 * for files, in name order, down to 8 levels, each directory once, a link
 * followed only into the tree of the path named; a folder that cannot be
 * read is skipped and counted; a file starting "From " (after a BOM and
 * blank lines) is an mbox, split by mbox.c; everything else is one message
 * or one JSON document.
 *
 * A stack of open directories replaces a list of every item: at 100,000
 * messages the list cost 25 MB, and peak RSS must stay flat. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "source/import_list.h"
#include "source/mbox.h"
#include "util/input.h"

/* Names sorted together.  A maildir name is about 60 bytes: a chunk holds
 * about 1 MB (65,536 names held 4.5 MB of an import's 32 MB). */
#define CHUNK 16384
#define MAX_DEPTH 8

typedef struct {
	char *path;
	GDir *dir;          /* open while it has names not read yet */
	int depth;
	GString *names;     /* the chunk: NUL-separated names */
	GArray *offs;       /* guint offsets into names, sorted by name */
	guint next;         /* next index into offs */
} frame_t;

struct kenchi_import_walk {
	char **paths;
	int npaths, next_path;
	GPtrArray *stack;   /* frame_t*, top last */
	kenchi_mbox_reader_t *mbox;   /* the mbox being split, or NULL */
	char *mbox_origin;
	int mbox_n;
	gboolean defer_mbox;   /* files are not sniffed: kenchi_import_walk_defer_mbox */
	GQueue pending;        /* pending_t*: mboxes found by the readers, not begun */
	guint64 skipped;       /* entries that are no file or directory, or not reachable */
	guint64 denied;        /* of them, folders that could not be read */
	char *first_skipped;
	char *root;            /* the argument being walked, its links resolved */
	char *db_dir, *db_base;   /* the database's directory (resolved) and name */
	GHashTable *seen;      /* "dev:ino" of the directories entered */
};

typedef struct {
	char *path;
	GBytes *data;
} pending_t;

static void
pending_free(gpointer p)
{
	pending_t *m = p;

	g_free(m->path);
	if (m->data)
		g_bytes_unref(m->data);
	g_free(m);
}

void
kenchi_import_item_free(kenchi_import_item_t *it)
{
	if (it == NULL)
		return;
	if (it->origin != it->path)
		g_free(it->origin);
	g_free(it->path);
	if (it->data)
		g_bytes_unref(it->data);
	g_free(it);
}

static void
frame_free(gpointer p)
{
	frame_t *f = p;

	if (f->dir)
		g_dir_close(f->dir);
	g_free(f->path);
	g_string_free(f->names, TRUE);
	g_array_unref(f->offs);
	g_free(f);
}

kenchi_import_walk_t *
kenchi_import_walk_new(char **paths, int n)
{
	kenchi_import_walk_t *w = g_new0(kenchi_import_walk_t, 1);

	w->paths = paths;
	w->npaths = n;
	w->stack = g_ptr_array_new_with_free_func(frame_free);
	g_queue_init(&w->pending);
	w->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return w;
}

void
kenchi_import_walk_exclude_db(kenchi_import_walk_t *w, const char *db)
{
	char *dir = g_path_get_dirname(db), *r = realpath(dir, NULL);

	if (r) {
		w->db_dir = g_strdup(r);
		w->db_base = g_path_get_basename(db);
	}
	free(r);
	g_free(dir);
}

/* Is NAME in the directory DIR a file of the database (the name first,
 * then the directory, resolved: one realpath for a name that may be)? */
static gboolean
db_file(const kenchi_import_walk_t *w, const char *dir, const char *name)
{
	gsize n = w->db_base ? strlen(w->db_base) : 0;
	const char *rest = name + n;
	char *r;
	gboolean is;

	if (n == 0 || strncmp(name, w->db_base, n) != 0 ||
	    !(*rest == '\0' || strcmp(rest, "-wal") == 0 || strcmp(rest, "-shm") == 0 || strcmp(rest, "-journal") == 0))
		return FALSE;
	r = realpath(dir, NULL);
	is = r && strcmp(r, w->db_dir) == 0;
	free(r);
	return is;
}

void
kenchi_import_walk_defer_mbox(kenchi_import_walk_t *w)
{
	w->defer_mbox = TRUE;
}

void
kenchi_import_walk_add_mbox(kenchi_import_walk_t *w, const char *path, GBytes *data)
{
	pending_t *m = g_new0(pending_t, 1);

	m->path = g_strdup(path);
	m->data = data ? g_bytes_ref(data) : NULL;
	g_queue_push_tail(&w->pending, m);
}

/* P is no file to read (a FIFO, a device, a socket) or cannot be reached
 * (a symlink loop, no access): counted, so that the import says so (round
 * 33a: they went unsaid). */
static void
skip(kenchi_import_walk_t *w, const char *p)
{
	if (w->skipped++ == 0)
		w->first_skipped = g_strdup(p);
}

/* Begin splitting the mbox PATH, whose bytes are DATA (the walk takes
 * them), or, DATA NULL, streamed from PATH (a large one: its bytes are
 * never all in memory). */
static void
begin_mbox(kenchi_import_walk_t *w, char *path, GBytes *data)
{
	GError *err = NULL;

	w->mbox = data ? kenchi_mbox_reader_new_bytes(data) : kenchi_mbox_reader_new_file(path, &err);
	if (data)
		g_bytes_unref(data);
	w->mbox_n = 0;
	w->mbox_origin = path;
	if (w->mbox == NULL) {
		/* Gone or closed to us since it was looked at: said as no
		 * access is. */
		skip(w, path);
		g_clear_error(&err);
		g_clear_pointer(&w->mbox_origin, g_free);
	}
}

void
kenchi_import_walk_free(kenchi_import_walk_t *w)
{
	if (w == NULL)
		return;
	g_ptr_array_unref(w->stack);
	kenchi_mbox_reader_free(w->mbox);
	g_queue_clear_full(&w->pending, pending_free);
	g_free(w->mbox_origin);
	g_free(w->first_skipped);
	g_free(w->root);
	g_free(w->db_dir);
	g_free(w->db_base);
	g_hash_table_unref(w->seen);
	g_free(w);
}

static gboolean
is_mbox(const char *path)
{
	char buf[512];   /* a BOM and blank lines may come first */
	struct stat sb;
	ssize_t n;
	/* Not waiting on a FIFO: only a regular file is looked into. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return FALSE;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return FALSE;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n > 0 && kenchi_is_mbox(buf, (gsize)n);
}

/* Does [p, end) hold a line ">From ", ">>From "...? */
static gboolean
has_quoted_from(const char *p, const char *end)
{
	while ((p = memchr(p, '\n', end - p)) != NULL && ++p < end) {
		const char *q = p;
		while (q < end && *q == '>')
			q++;
		if (q > p && end - q >= 5 && memcmp(q, "From ", 5) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The mbox's next message as an item, or NULL when it has no more (the
 * mbox is done then). */
static kenchi_import_item_t *
mbox_next(kenchi_import_walk_t *w)
{
	gboolean verbatim = FALSE;
	GBytes *msg = kenchi_mbox_reader_next(w->mbox, &verbatim, NULL);
	gsize len;
	const char *start, *next;
	kenchi_import_item_t *it;

	if (msg == NULL) {
		g_clear_pointer(&w->mbox, kenchi_mbox_reader_free);
		g_clear_pointer(&w->mbox_origin, g_free);
		return NULL;
	}
	start = g_bytes_get_data(msg, &len);
	next = start ? start + len : start;
	it = g_new0(kenchi_import_item_t, 1);
	it->origin = g_strdup_printf("%s:%d", w->mbox_origin, ++w->mbox_n);
	if (start == NULL || verbatim || !has_quoted_from(start, next)) {
		it->data = msg;
	} else {
		/* mboxrd: one level of ">From " quoting is the mbox's, not the mail's. */
		GString *s = g_string_sized_new(len);
		const char *l = start;
		while (l < next) {
			const char *nl = memchr(l, '\n', next - l);
			const char *e = nl ? nl + 1 : next;
			if (e - l >= 6 && l[0] == '>' && strncmp(l + 1 + strspn(l + 1, ">"), "From ", 5) == 0)
				l++;
			g_string_append_len(s, l, e - l);
			l = e;
		}
		it->data = g_bytes_new_take(s->str, s->len);
		g_string_free(s, FALSE);
		g_bytes_unref(msg);
	}
	return it;
}

/* PATH is a file: an mbox starts being split, anything else is one item. */
static kenchi_status_t
regular(kenchi_import_walk_t *w, const char *path, kenchi_import_item_t **item, GError **error)
{
	if (!w->defer_mbox && is_mbox(path)) {
		/* Streamed, not mapped: a mail client that compacts the mbox
		 * meanwhile must not be a SIGBUS, and a mailbox of gigabytes
		 * is never all in memory. */
		begin_mbox(w, g_strdup(path), NULL);
		return KENCHI_OK;
	}
	/* A file's origin is its path: one string. */
	*item = g_new0(kenchi_import_item_t, 1);
	(*item)->path = g_strdup(path);
	(*item)->origin = (*item)->path;
	return KENCHI_OK;
}

static kenchi_status_t
push_dir(kenchi_import_walk_t *w, const char *path, int depth, GError **error)
{
	GDir *d = g_dir_open(path, 0, error);
	frame_t *f;

	if (d == NULL)
		return KENCHI_IO;
	f = g_new0(frame_t, 1);
	f->path = g_strdup(path);
	f->dir = d;
	f->depth = depth;
	f->names = g_string_new(NULL);
	f->offs = g_array_new(FALSE, FALSE, sizeof(guint));
	g_ptr_array_add(w->stack, f);
	return KENCHI_OK;
}

static kenchi_status_t enter_dir(kenchi_import_walk_t *w, const char *path, int depth, GError **error);

static gint
cmp_str_desc(gconstpointer a, gconstpointer b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* The Maildir++ folders of the maildir PATH (".Alerts", ".Alerts.AMP": a
 * directory whose name starts with a dot and that holds cur/ or new/), each
 * entered as a maildir, in name order.  A SOC files AMP mail into such a
 * folder, and `kenchi import ~/Maildir` is expected to find it there, as
 * notmuch and mu do. */
static kenchi_status_t
push_subfolders(kenchi_import_walk_t *w, const char *path, int depth, GError **error)
{
	GDir *d;
	GPtrArray *names;
	const char *name;
	kenchi_status_t rc = KENCHI_OK;

	if (depth >= MAX_DEPTH || (d = g_dir_open(path, 0, NULL)) == NULL)
		return KENCHI_OK;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL) {
		char *p, *c, *n;

		if (name[0] != '.' || name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))
			continue;
		p = g_build_filename(path, name, NULL);
		c = g_build_filename(p, "cur", NULL);
		n = g_build_filename(p, "new", NULL);
		if (g_file_test(c, G_FILE_TEST_IS_DIR) || g_file_test(n, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(names, p);
		else
			g_free(p);
		g_free(c);
		g_free(n);
	}
	g_dir_close(d);
	/* Pushed last name first, so that they are taken in name order. */
	g_ptr_array_sort(names, cmp_str_desc);
	for (guint i = 0; i < names->len && rc == KENCHI_OK; i++)
		rc = enter_dir(w, g_ptr_array_index(names, i), depth + 1, error);
	g_ptr_array_unref(names);
	return rc;
}

/* PATH, a maildir's cur/ or new/: pushed, or skipped and counted when it
 * cannot be read (a .Trash/cur of another owner stopped the whole
 * import, every time: intake round ri1 F4). */
static void
push_box(kenchi_import_walk_t *w, const char *path)
{
	if (push_dir(w, path, MAX_DEPTH, NULL) != KENCHI_OK) {
		skip(w, path);
		w->denied++;
	}
}

/* A directory argument or subdirectory: a maildir's new/ and cur/ and its
 * Maildir++ folders, or the directory itself. */
static kenchi_status_t
enter_dir(kenchi_import_walk_t *w, const char *path, int depth, GError **error)
{
	char *cur = g_build_filename(path, "cur", NULL), *new_ = g_build_filename(path, "new", NULL);
	gboolean has_cur = g_file_test(cur, G_FILE_TEST_IS_DIR), has_new = g_file_test(new_, G_FILE_TEST_IS_DIR);
	kenchi_status_t rc = KENCHI_OK;

	if (has_cur || has_new) {
		/* The stack pops the last pushed first: new/ is taken first,
		 * then cur/, then the Maildir++ folders. */
		rc = push_subfolders(w, path, depth, error);
		if (rc == KENCHI_OK && has_cur)
			push_box(w, cur);
		if (rc == KENCHI_OK && has_new)
			push_box(w, new_);
	} else {
		rc = push_dir(w, path, depth, error);
	}
	g_free(cur);
	g_free(new_);
	return rc;
}

static int
cmp_off(gconstpointer a, gconstpointer b, gpointer base)
{
	return strcmp((const char *)base + *(const guint *)a, (const char *)base + *(const guint *)b);
}

/* Read the next chunk of F's names, sorted; FALSE when there are none. */
static gboolean
read_chunk(frame_t *f)
{
	const char *name;

	g_string_truncate(f->names, 0);
	g_array_set_size(f->offs, 0);
	f->next = 0;
	while (f->dir && f->offs->len < CHUNK) {
		if ((name = g_dir_read_name(f->dir)) == NULL) {
			g_dir_close(f->dir);
			f->dir = NULL;
			break;
		}
		if (name[0] != '.') {
			guint off = (guint)f->names->len;
			g_string_append_len(f->names, name, strlen(name) + 1);
			g_array_append_val(f->offs, off);
		}
	}
	g_array_sort_with_data(f->offs, cmp_off, f->names->str);
	return f->offs->len > 0;
}

guint64
kenchi_import_walk_skipped(const kenchi_import_walk_t *w, const char **first, guint64 *denied)
{
	*first = w->first_skipped;
	*denied = w->denied;
	return w->skipped;
}

/* Whether the directory SB is entered for the first time (a link back to
 * it is a loop: four "x -> ." links read one file 87,381 times, intake
 * round ri1 F3). */
static gboolean
first_visit(kenchi_import_walk_t *w, const GStatBuf *sb)
{
	return g_hash_table_add(w->seen, g_strdup_printf("%ju:%ju", (uintmax_t)sb->st_dev, (uintmax_t)sb->st_ino));
}

/* Is the symlink P one to follow: into the tree of the argument walked?
 * One out of it is not (a customer's backlog is hostile input: a link to
 * "/" walked the file system, one to a key stored the key: ri1 F3). */
static gboolean
link_inside(const kenchi_import_walk_t *w, const char *p)
{
	char *to = realpath(p, NULL);
	gsize n = w->root ? strlen(w->root) : 0;
	gboolean in = to && n && strncmp(to, w->root, n) == 0 && (to[n] == '/' || to[n] == '\0' || w->root[n - 1] == '/');

	free(to);
	return in;
}

/* The argument ARG begins to be walked: its tree is what links may lead into. */
static void
begin_arg(kenchi_import_walk_t *w, const char *arg)
{
	char *r = realpath(arg, NULL);

	g_free(w->root);
	w->root = r ? g_strdup(r) : NULL;
	free(r);
}

kenchi_status_t
kenchi_import_walk_next(kenchi_import_walk_t *w, kenchi_import_item_t **item, GError **error)
{
	kenchi_status_t rc = KENCHI_OK;

	*item = NULL;
	while (*item == NULL) {
		frame_t *f;
		const char *name;
		char *p;
		GStatBuf sb;

		if (w->mbox) {
			*item = mbox_next(w);
			continue;
		}
		if (!g_queue_is_empty(&w->pending)) {
			pending_t *m = g_queue_pop_head(&w->pending);
			begin_mbox(w, m->path, m->data);
			g_free(m);
			continue;
		}
		if (w->stack->len == 0) {
			const char *arg;
			if (w->next_path >= w->npaths)
				break;
			arg = w->paths[w->next_path++];
			begin_arg(w, arg);
			if (g_file_test(arg, G_FILE_TEST_IS_DIR)) {
				if (g_stat(arg, &sb) == 0 && !first_visit(w, &sb))
					continue;   /* named twice */
				rc = enter_dir(w, arg, 0, error);
			}
			else if (!g_file_test(arg, G_FILE_TEST_EXISTS)) {
				g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such file or directory", arg);
				rc = KENCHI_IO;
			} else
				rc = regular(w, arg, item, error);
			if (rc != KENCHI_OK)
				break;
			continue;
		}
		f = g_ptr_array_index(w->stack, w->stack->len - 1);
		if (f->next >= f->offs->len && !read_chunk(f)) {
			g_ptr_array_remove_index(w->stack, w->stack->len - 1);
			continue;
		}
		name = f->names->str + g_array_index(f->offs, guint, f->next++);
		p = g_build_filename(f->path, name, NULL);
		/* One lstat a name, a stat more for a link; a name gone since
		 * the listing is skipped. */
		if (g_lstat(p, &sb) != 0) {
			/* Gone since the listing: taken by someone else. */
			if (errno != ENOENT)
				skip(w, p);
		} else if (S_ISLNK(sb.st_mode) && (!link_inside(w, p) || g_stat(p, &sb) != 0)) {
			skip(w, p);   /* out of the tree, or leading nowhere */
		} else if (S_ISDIR(sb.st_mode)) {
			if (strcmp(name, "tmp") == 0) {
				;   /* a maildir's mail being delivered */
			} else if (f->depth >= MAX_DEPTH) {
				skip(w, p);   /* in a maildir's cur/ or new/, or 8 levels down: said (ri1 F9) */
			} else if (!first_visit(w, &sb)) {
				skip(w, p);   /* a link back into the walk: a loop */
			} else if ((rc = enter_dir(w, p, f->depth + 1, error)) == KENCHI_IO) {
				/* One folder that cannot be read (a .Trash/cur of
				 * another owner) is skipped and said; it stopped
				 * the whole import, every time (ri1 F4). */
				skip(w, p);
				w->denied++;
				g_clear_error(error);
				rc = KENCHI_OK;
			}
		} else if (S_ISREG(sb.st_mode)) {
			/* Apple Mail's export, X.mbox/, holds its index beside
			 * the mbox: no mail (ri1 F9: stored as an error). */
			if (!(g_str_has_suffix(f->path, ".mbox") &&
			    (strcmp(name, "Info.plist") == 0 || strcmp(name, "table_of_contents") == 0)) &&
			    !db_file(w, f->path, name))
				rc = regular(w, p, item, error);
		} else {
			skip(w, p);
		}
		g_free(p);
		if (rc != KENCHI_OK)
			break;
	}
	return rc;
}
