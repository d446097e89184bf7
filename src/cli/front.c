/* front.c: `kenchi`, the command that procmail, maildrop and the analysts
 * run.  It links GLib alone.  `kenchi deliver` with [kenchi] socket set and
 * the daemon listening is handled here, whole: read the message, hand it
 * to the daemon, exit with its answer.  Everything else - and a deliver
 * that no daemon takes - is handed, arguments unchanged, to kenchi-core.so,
 * the program itself (main.c), loaded into this process; it hands send,
 * run and imap on to kenchi-net with execv().
 *
 * Why a front: a delivery hook starts once per message, and loading GIO,
 * GMime, json-glib and SQLite was 6.35 M of the 7.1 M instructions of a
 * deliver that the daemon stored (the libraries are linked with BIND_NOW,
 * so every symbol is resolved at start).  Why a module, not a second
 * program: without the daemon, exec'ing kenchi-core cost a hook 1.0-1.3 ms
 * more than kenchi-core run directly (a second exec, a second dynamic
 * linker start), a sixth of the delivery. */
#define _GNU_SOURCE   /* memfd_create */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "cli/deliver_client.h"
#include "util/config.h"
#include "util/exec.h"
#include "util/input.h"
#include "config.h"

/* The message was read from stdin already: kenchi-core reads it from a
 * memory file in its place. */
static gboolean
restore_stdin(const GByteArray *raw)
{
	int fd = memfd_create("kenchi-deliver", MFD_CLOEXEC);
	const guint8 *p = raw->data;
	gsize n = raw->len;

	if (fd < 0)
		return FALSE;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return FALSE;
		}
		p += w;
		n -= (gsize)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0) {
		close(fd);
		return FALSE;
	}
	close(fd);
	/* stdin was read to its end through stdio: its buffer is empty, and
	 * the next read goes to the memory file once EOF is forgotten. */
	clearerr(stdin);
	return TRUE;
}

/* `deliver [--customer ID]` through the daemon.  Returns the exit status,
 * or -1 to hand the delivery to kenchi-core (its stdin restored). */
static int
deliver(const char *conf_path, gboolean quiet, int argc, char **argv)
{
	const char *customer = NULL;
	kenchi_config_t *cfg = NULL;
	GString *errs = g_string_new(NULL);
	GByteArray *raw = NULL;
	char *text = NULL;
	int i, code = -1;
	kenchi_status_t st;

	/* Only the options this path knows; anything else is kenchi-core's. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--customer") == 0 && i + 1 < argc)
			customer = argv[++i];
		else if (g_str_has_prefix(argv[i], "--customer="))
			customer = argv[i] + strlen("--customer=");
		else
			goto out;
	}
	/* A broken configuration is reported by kenchi-core. */
	if (kenchi_config_load(conf_path, &cfg, errs) != KENCHI_OK || cfg->socket_path == NULL)
		goto out;
	if ((st = kenchi_read_all(stdin, &raw)) == KENCHI_BAD_INPUT) {
		/* Too big to store: no retry will help.  Exit 65, and the
		 * recipes keep it in their fallback maildir. */
		fprintf(stderr, "kenchi: error: deliver: the message is larger than %" G_GSIZE_FORMAT
		    " bytes (KENCHI_MESSAGE_MAX): not stored\n", kenchi_message_max());
		code = KENCHI_EXIT_DATAERR;
		goto out;
	}
	if (st != KENCHI_OK) {
		/* Part of it is read already: handing the rest on would store
		 * a truncated message.  The delivery agent retries. */
		fprintf(stderr, "kenchi: error: deliver: reading stdin: %s (temporary failure)\n",
		    kenchi_status_to_string(st));
		code = KENCHI_EXIT_TEMPFAIL;
		goto out;
	}
	st = kenchi_deliver_via_socket(cfg->socket_path, (const char *)raw->data, raw->len, customer,
	    cfg->busy_timeout_ms / 1000 + 30, &code, &text);
	if (st == KENCHI_OK) {
		if (code != 0)
			fprintf(stderr, "kenchi: error: deliver: the daemon did not store it: %s\n", text);
		else if (!quiet)
			fprintf(stderr, "kenchi: %s\n", text);
	} else if (st == KENCHI_TEMP) {
		fprintf(stderr, "kenchi: error: deliver: %s (temporary failure)\n", text);
		code = KENCHI_EXIT_TEMPFAIL;
	} else if (!restore_stdin(raw)) {
		fprintf(stderr, "kenchi: error: deliver: cannot hand the message on: %s (temporary failure)\n",
		    g_strerror(errno));
		code = KENCHI_EXIT_TEMPFAIL;
	} else
		code = -1;
out:
	g_free(text);
	if (raw)
		g_byte_array_unref(raw);
	kenchi_config_free(cfg);
	g_string_free(errs, TRUE);
	return code;
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL;
	gboolean quiet = FALSE;
	kenchi_main_fn core;
	char *err = NULL;
	int i, rc;

	/* The global options of main.c, read the same way. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			i++;
		else if (strncmp(argv[i], "--db=", 5) == 0 || strcmp(argv[i], "-v") == 0)
			continue;
		else if (strcmp(argv[i], "-q") == 0)
			quiet = TRUE;
		else
			break;
	}
	if (i < argc && strcmp(argv[i], "deliver") == 0 && (rc = deliver(conf_path, quiet, argc - i, argv + i)) >= 0)
		return rc;
	core = (kenchi_main_fn)kenchi_load_sibling("kenchi-core.so", KENCHI_CORE_ENTRY, KENCHI_LIBEXECDIR,
	    KENCHI_BUILDDIR, &err);
	if (core == NULL) {
		fprintf(stderr, "kenchi: error: cannot load kenchi-core.so (beside this binary, in %s or %s): %s\n",
		    KENCHI_LIBEXECDIR, KENCHI_BUILDDIR, err);
		g_free(err);
		return 1;
	}
	return core(argc, argv);
}
