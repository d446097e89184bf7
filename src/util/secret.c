/* secret.c: reading the files that hold secrets (SMTP and IMAP passwords,
 * the command-token key).  Here rather than beside the SMTP sender so that
 * the delivery path, which never sends, can check them without linking the
 * network libraries. */
#include <sys/stat.h>
#include "util/secret.h"

kenchi_status_t
kenchi_read_secret_file(const char *path, char **secret, char **errmsg)
{
	struct stat sb;
	GError *err = NULL;
	char *text;

	if (stat(path, &sb) != 0) {
		*errmsg = g_strdup_printf("%s: cannot read", path);
		return KENCHI_CONFIG;
	}
	if (sb.st_mode & 077) {
		*errmsg = g_strdup_printf("%s: readable by group or others: chmod 600", path);
		return KENCHI_CONFIG;
	}
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		*errmsg = g_strdup(err->message);
		g_error_free(err);
		return KENCHI_CONFIG;
	}
	g_strchomp(text);
	*secret = text;
	return KENCHI_OK;
}
