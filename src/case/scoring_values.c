/* scoring_values.c: the literals of the scoring rules (numbers, IP
 * addresses, CIDR networks) and the case-insensitive hash of long string
 * lists.  The parser reads the rules' literals with these and the evaluator
 * reads the fields' values with the same functions, so "10" in a rule and
 * "10" in an event are one number and a field's address is compared in the
 * form its rule was compiled to.  Nothing here allocates. */
#include <math.h>
#include <string.h>
#include <arpa/inet.h>
#include "case/scoring_int.h"

/* Case-insensitive hashing, to match g_ascii_strcasecmp() in short lists. */
guint
kenchi_scoring_ci_hash(gconstpointer p)
{
	const unsigned char *s = p;
	guint h = 5381;

	for (; *s; s++)
		h = h * 33 + (guint)g_ascii_tolower(*s);
	return h;
}

gboolean
kenchi_scoring_ci_equal(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(a, b) == 0;
}

/* A decimal number, whole string.  Integers (counts, hours, the score) take
 * the fast path; strtod is only for the rare fraction. */
gboolean
kenchi_scoring_parse_number(const char *s, double *out)
{
	const char *p = s;
	guint64 n = 0;
	int digits = 0;
	char *end;
	double d;

	if (*p == '-')
		p++;
	while (*p >= '0' && *p <= '9' && digits < 18) {
		n = n * 10 + (guint64)(*p - '0');
		p++;
		digits++;
	}
	if (*p == '\0' && digits > 0) {
		*out = *s == '-' ? -(double)n : (double)n;
		return TRUE;
	}
	/* Refuse what strtod would take but a person would not mean: hex,
	 * "inf", "nan", leading blanks. */
	p = *s == '-' ? s + 1 : s;
	if (!g_ascii_isdigit(*p))
		return FALSE;
	for (; *p; p++)
		if (!g_ascii_isdigit(*p) && *p != '.' && *p != 'e' && *p != 'E'
		    && *p != '-' && *p != '+')
			return FALSE;
	d = g_ascii_strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(d))
		return FALSE;
	*out = d;
	return TRUE;
}

static void
mask_bits(guint64 mask[2], int bits)
{
	int i;

	for (i = 0; i < 2; i++) {
		int b = bits - 64 * i;
		if (b >= 64)
			mask[i] = G_MAXUINT64;
		else if (b <= 0)
			mask[i] = 0;
		else
			mask[i] = G_MAXUINT64 << (64 - b);
	}
}

static void
bytes_to_words(const guint8 b[16], guint64 w[2])
{
	int i;

	w[0] = w[1] = 0;
	for (i = 0; i < 8; i++) {
		w[0] = (w[0] << 8) | b[i];
		w[1] = (w[1] << 8) | b[8 + i];
	}
}

/* An address as text into 128 bits, IPv4 mapped.  A zone ("%eth0") is
 * dropped: rules speak of networks, not links. */
gboolean
kenchi_scoring_parse_addr(const char *s, size_t len, guint64 w[2])
{
	char buf[INET6_ADDRSTRLEN + 1];
	guint8 b[16];
	const char *pct = memchr(s, '%', len);

	if (pct)
		len = (size_t)(pct - s);
	if (len == 0 || len >= sizeof buf)
		return FALSE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len) == NULL) {
		memset(b, 0, 10);
		b[10] = b[11] = 0xff;
		if (inet_pton(AF_INET, buf, b + 12) != 1)
			return FALSE;
	} else if (inet_pton(AF_INET6, buf, b) != 1)
		return FALSE;
	bytes_to_words(b, w);
	return TRUE;
}

/* "a.b.c.d[/n]" or "x::y[/n]".  On error returns a static reason. */
const char *
kenchi_scoring_parse_cidr(const char *s, cidr_t *c)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	gboolean v4 = memchr(s, ':', len) == NULL;
	guint64 bits = v4 ? 32 : 128;

	if (!kenchi_scoring_parse_addr(s, len, c->addr) || memchr(s, '%', len))
		return "not an IP address";
	if (slash && !g_ascii_string_to_unsigned(slash + 1, 10, 0, v4 ? 32 : 128, &bits, NULL))
		return v4 ? "prefix length is not 0..32" : "prefix length is not 0..128";
	mask_bits(c->mask, (int)bits + (v4 ? 96 : 0));
	/* Host bits set is almost always a typo for another network. */
	if ((c->addr[0] & ~c->mask[0]) || (c->addr[1] & ~c->mask[1]))
		return "host bits are set (write the network address)";
	return NULL;
}
