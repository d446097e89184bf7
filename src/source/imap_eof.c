/* imap_eof.c: end of file is an error on an IMAP stream (see imap_eof.h).
 * Each function hands the call to the real driver, whose mailstream_low is
 * the guard's data. */
#include <stdlib.h>
#include "source/imap_eof.h"

static ssize_t
eof_read(mailstream_low *s, void *buf, size_t n)
{
	ssize_t r = mailstream_low_read(s->data, buf, n);

	return r == 0 && n > 0 ? -1 : r;
}

static ssize_t
eof_write(mailstream_low *s, const void *buf, size_t n)
{
	return mailstream_low_write(s->data, buf, n);
}

static int
eof_close(mailstream_low *s)
{
	return mailstream_low_close(s->data);
}

static int
eof_get_fd(mailstream_low *s)
{
	return mailstream_low_get_fd(s->data);
}

static void
eof_free(mailstream_low *s)
{
	mailstream_low_free(s->data);
	free(s);   /* made by mailstream_low_new(), which uses malloc */
}

static void
eof_cancel(mailstream_low *s)
{
	mailstream_low_cancel(s->data);
}

static struct mailstream_cancel *
eof_get_cancel(mailstream_low *s)
{
	return mailstream_low_get_cancel(s->data);
}

static carray *
eof_certificate_chain(mailstream_low *s)
{
	return mailstream_low_get_certificate_chain(s->data);
}

static int
eof_setup_idle(mailstream_low *s)
{
	return mailstream_low_setup_idle(s->data);
}

static int
eof_unsetup_idle(mailstream_low *s)
{
	return mailstream_low_unsetup_idle(s->data);
}

static int
eof_interrupt_idle(mailstream_low *s)
{
	return mailstream_low_interrupt_idle(s->data);
}

static mailstream_low_driver eof_driver = {
	eof_read, eof_write, eof_close, eof_get_fd, eof_free, eof_cancel, eof_get_cancel,
	eof_certificate_chain, eof_setup_idle, eof_unsetup_idle, eof_interrupt_idle
};

gboolean
kenchi_imap_eof_guard(mailstream *s)
{
	mailstream_low *real = mailstream_get_low(s), *guard;

	guard = mailstream_low_new(real, &eof_driver);
	if (guard == NULL)
		return FALSE;
	/* The real driver keeps using its own timeout; this is for callers that ask. */
	mailstream_low_set_timeout(guard, mailstream_low_get_timeout(real));
	mailstream_set_low(s, guard);
	return TRUE;
}
