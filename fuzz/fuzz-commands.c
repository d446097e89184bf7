/* fuzz-commands.c: the analyst command parser, kenchi_commands_parse_len(),
 * on the raw bytes of a reply body (NULs and bad UTF-8 included, as a
 * decoded base64 part can hold).  The list is checked against commands.h:
 * texts are valid UTF-8, errors are counted, at most KENCHI_CMD_MAX
 * commands are accepted. */
#include "fuzz-common.h"
#include "reply/commands.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kenchi_command_list_t *l = kenchi_commands_parse_len((const char *)data, (gssize)size);
	int errors = 0, ok = 0;

	if (l == NULL || l->cmds == NULL)
		abort();
	for (guint i = 0; i < l->cmds->len; i++) {
		kenchi_command_t *c = g_ptr_array_index(l->cmds, i);

		if (c->text && !g_utf8_validate(c->text, -1, NULL))
			abort();
		fuzz_touch(kenchi_cmd_kind_name(c->kind));
		fuzz_touch(c->value);
		fuzz_touch(c->level);
		fuzz_touch(c->list_kind);
		fuzz_touch(c->list_value);
		if (c->error) {
			fuzz_touch(c->error);
			errors++;
		} else {
			ok++;
		}
	}
	if (errors != l->errors || ok > KENCHI_CMD_MAX)
		abort();
	kenchi_commands_free(l);
	return 0;
}
