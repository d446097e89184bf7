/* bench/gmime-parse.c: the reference row of issue 2's speed table, "a GMime
 * parse-only loop (parse and decode every text part, nothing else, one
 * core)".  bench/ingest builds it and runs it on the same maildir as kenchi
 * import, so that the two rates come from the same machine in the same run:
 * the 20,000 msg/s target was set against 19,800 msg/s of this loop
 * on the issue writer's machine.
 *
 *   gmime-parse DIR...    (each DIR a maildir: its cur/ and new/ are read)
 *
 * Prints "N messages, T s, R msg/s, B text bytes" on stdout.  Not installed,
 * not part of kenchi. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

static guint64 text_bytes;

/* Decode one text part to UTF-8: what any reader of the alert must do. */
static void
visit(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	(void)parent;
	(void)data;
	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));

		if (inner != NULL)
			g_mime_message_foreach(inner, visit, NULL);
		return;
	}
	if (GMIME_IS_TEXT_PART(part)) {
		char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));

		if (text != NULL)
			text_bytes += strlen(text);
		g_free(text);
	}
}

static gboolean
parse_file(const char *path)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	gchar *buf;
	gsize len;

	if (!g_file_get_contents(path, &buf, &len, NULL))
		return FALSE;
	/* The stream takes the bytes without a copy, and frees them. */
	stream = g_mime_stream_mem_new_with_byte_array(g_byte_array_new_take((guint8 *)buf, len));
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	if (msg != NULL) {
		(void)g_mime_message_get_subject(msg);
		g_mime_message_foreach(msg, visit, NULL);
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	return msg != NULL;
}

static guint
parse_dir(const char *dir)
{
	static const char *subs[] = { "cur", "new" };
	guint n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(subs); i++) {
		char *sub = g_build_filename(dir, subs[i], NULL);
		DIR *d = opendir(sub);
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			char *path;

			if (e->d_name[0] == '.')
				continue;
			path = g_build_filename(sub, e->d_name, NULL);
			if (parse_file(path))
				n++;
			g_free(path);
		}
		if (d != NULL)
			closedir(d);
		g_free(sub);
	}
	return n;
}

int
main(int argc, char **argv)
{
	guint n = 0;
	gint64 t0;
	double secs;

	if (argc < 2) {
		fprintf(stderr, "usage: gmime-parse MAILDIR...\n");
		return 64;
	}
	g_mime_init();
	t0 = g_get_monotonic_time();
	for (int i = 1; i < argc; i++)
		n += parse_dir(argv[i]);
	secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	printf("%u messages, %.2f s, %.0f msg/s, %" G_GUINT64_FORMAT " text bytes\n",
	       n, secs, secs > 0 ? n / secs : 0.0, text_bytes);
	g_mime_shutdown();
	return n > 0 ? 0 : 1;
}
