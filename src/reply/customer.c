/* customer.c: whose mail naming a case is its customer's (customer.h). */
#include <string.h>
#include "reply/customer.h"

/* The domain of ADDR ("a@b" or "Name <a@b>"), in ASCII (IDN as punycode),
 * lower-case; NULL when there is none. */
static char *
addr_domain(const char *addr)
{
	gsize n;
	const char *spec = kenchi_addr_spec(addr, &n), *at = g_strrstr_len(spec, (gssize)n, "@");
	char *d, *ascii;

	if (at == NULL)
		return NULL;
	d = g_strndup(at + 1, spec + n - at - 1);
	g_strstrip(d);
	if (*d && d[strlen(d) - 1] == '.')
		d[strlen(d) - 1] = '\0';
	ascii = g_hostname_to_ascii(d);
	g_free(d);
	if (ascii == NULL)
		return NULL;
	d = g_ascii_strdown(ascii, -1);
	g_free(ascii);
	return d;
}

/* FROM_DOMAIN is DOMAIN or under it. */
static gboolean
in_domain(const char *from_domain, const char *domain)
{
	gsize m = strlen(from_domain), n = strlen(domain);

	return (m == n && strcmp(from_domain, domain) == 0) ||
	    (m > n && from_domain[m - n - 1] == '.' && strcmp(from_domain + m - n, domain) == 0);
}

/* Mail from anyone at all: a customer whose report address is here is
 * known by the whole address, never by the domain (round 37a: any Gmail
 * user filed notes on a customer that reports to a Gmail address). */
static gboolean
free_mail(const char *domain)
{
	/* Webmail, the mobile carriers and the ISPs whose subscribers'
	 * addresses sit under them ("abc.ocn.ne.jp" too: round 38a). */
	static const char *const d[] = { "gmail.com", "googlemail.com", "outlook.com", "outlook.jp", "hotmail.com",
		"hotmail.co.jp", "live.com", "live.jp", "msn.com", "yahoo.com", "yahoo.co.jp", "yahoo.ne.jp", "ymail.com",
		"ymail.ne.jp", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.net", "gmx.de", "mail.com",
		"proton.me", "protonmail.com", "pm.me", "tutanota.com", "fastmail.com", "zoho.com", "yandex.com",
		"yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "naver.com", "goo.jp", "excite.co.jp",
		"rakuten.jp", "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp",
		"vodafone.ne.jp", "disney.ne.jp", "ymobile.ne.jp", "emobile.ne.jp", "willcom.com", "pdx.ne.jp",
		"uqmobile.jp", "nifty.com", "biglobe.ne.jp", "ocn.ne.jp", "so-net.ne.jp", "plala.or.jp", "eonet.ne.jp",
		"zaq.ne.jp", "dion.ne.jp", "ybb.ne.jp", "home.ne.jp", "odn.ne.jp", "asahi-net.or.jp", "ttcn.ne.jp",
		"infoweb.ne.jp", "kcn.ne.jp", "commufa.jp", "bbexcite.jp", NULL };

	for (int i = 0; d[i]; i++)
		if (in_domain(domain, d[i]))
			return TRUE;
	return FALSE;
}

/* Another customer reports to DOMAIN too: the domain names no one. */
static gboolean
shared_domain(const kenchi_config_t *cfg, const kenchi_customer_t *c, const char *domain)
{
	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *o = g_ptr_array_index(cfg->customers, i);
		if (o == c)
			continue;
		for (int k = 0; k < 2; k++)
			for (char **r = k ? o->report_cc : o->report_to; r && *r; r++) {
				char *od = addr_domain(*r);
				gboolean same = od && (in_domain(od, domain) || in_domain(domain, od));
				g_free(od);
				if (same)
					return TRUE;
			}
	}
	return FALSE;
}

/* Is FROM one of C's report addresses, or of their domain (not a free
 * mail service's, nor one another customer shares)? */
static gboolean
customer_address(const kenchi_config_t *cfg, const kenchi_customer_t *c, const char *from)
{
	char *fd = from ? addr_domain(from) : NULL;
	gboolean ok = FALSE;

	for (int k = 0; c && fd && k < 2 && !ok; k++)
		for (char **r = k ? c->report_cc : c->report_to; r && *r && !ok; r++) {
			char *d = addr_domain(*r);
			ok = kenchi_addr_same(*r, from) || (d && !free_mail(d) && in_domain(fd, d) && !shared_domain(cfg, c, d));
			g_free(d);
		}
	g_free(fd);
	return ok;
}

gboolean
kenchi_reply_from_customer(const kenchi_config_t *cfg, kenchi_store_t *st, const char *customer, gint64 case_id,
			   const kenchi_mail_t *mail)
{
	const kenchi_customer_t *c = kenchi_config_customer(cfg, customer);
	char *refs;
	gboolean ok;

	if (customer_address(cfg, c, mail->from_addr))
		return TRUE;
	/* Citing another customer's report does not make one of a customer's
	 * own addresses that customer's (reply round rr1 F7: acme's security
	 * address, citing globex's report, was filed on globex's case and
	 * announced as Globex's reply). */
	for (guint i = 0; cfg->customers && i < cfg->customers->len; i++) {
		const kenchi_customer_t *o = g_ptr_array_index(cfg->customers, i);

		if (o != c && customer_address(cfg, o, mail->from_addr))
			return FALSE;
	}
	refs = g_strconcat(mail->in_reply_to ? mail->in_reply_to : "", " ", mail->references ? mail->references : "", NULL);
	ok = kenchi_store_case_mail_cited(st, case_id, refs);
	g_free(refs);
	return ok;
}
