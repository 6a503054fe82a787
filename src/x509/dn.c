/*
 * The --subject parser: an RFC 4514 style string to an X509_NAME, with
 * the reference 0.7.1's (GnuTLS) choices so that the DER matches: the
 * Name holds the attributes in the reverse order of the string, one per
 * RDN, and a DirectoryString value is a PrintableString when GnuTLS
 * would call every character printable, else a UTF8String.
 * Deliberately stricter than GnuTLS (spec provisioning.md §3.2): no
 * multi-valued RDNs (GnuTLS rejects them too), no '#hex' values, and no
 * invalid UTF-8 or characters the attribute's fixed string type forbids.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <openssl/objects.h>

#include "internal.h"

#define SUBJECT_MAX	4096	/* characters in --subject */
#define ATTRS_MAX	64	/* attributes in one subject */

enum kind {
	K_DIR,		/* DirectoryString: PrintableString or UTF8String */
	K_PRINT,	/* PrintableString only */
	K_IA5,		/* IA5String */
};

/* The names and OIDs GnuTLS 3.7 accepts in a DN string. */
static const struct attr {
	const char	*name;
	const char	*oid;
	enum kind	 kind;
} attrs[] = {
	{ "C",		"2.5.4.6",	K_PRINT },
	{ "O",		"2.5.4.10",	K_DIR },
	{ "OU",		"2.5.4.11",	K_DIR },
	{ "CN",		"2.5.4.3",	K_DIR },
	{ "L",		"2.5.4.7",	K_DIR },
	{ "ST",		"2.5.4.8",	K_DIR },
	{ "STREET",	"2.5.4.9",	K_DIR },
	{ "DC",		"0.9.2342.19200300.100.1.25", K_IA5 },
	{ "UID",	"0.9.2342.19200300.100.1.1", K_DIR },
	{ "EMAIL",	"1.2.840.113549.1.9.1", K_IA5 },
	{ "serialNumber", "2.5.4.5",	K_PRINT },
	{ "surName",	"2.5.4.4",	K_DIR },
	{ "givenName",	"2.5.4.42",	K_DIR },
	{ "title",	"2.5.4.12",	K_DIR },
	{ "initials",	"2.5.4.43",	K_DIR },
	{ "generationQualifier", "2.5.4.44", K_DIR },
	{ "dnQualifier", "2.5.4.46",	K_PRINT },
	{ "pseudonym",	"2.5.4.65",	K_DIR },
	{ "postalCode",	"2.5.4.17",	K_DIR },
	{ "name",	"2.5.4.41",	K_DIR },
	{ "businessCategory", "2.5.4.15", K_DIR },
	{ "jurisdictionOfIncorporationLocalityName",
	    "1.3.6.1.4.1.311.60.2.1.1", K_DIR },
	{ "jurisdictionOfIncorporationStateOrProvinceName",
	    "1.3.6.1.4.1.311.60.2.1.2", K_DIR },
	{ "jurisdictionOfIncorporationCountryName",
	    "1.3.6.1.4.1.311.60.2.1.3", K_PRINT },
	{ "placeOfBirth", "1.3.6.1.5.5.7.9.2", K_DIR },
	{ "gender",	"1.3.6.1.5.5.7.9.3", K_PRINT },
	{ "countryOfCitizenship", "1.3.6.1.5.5.7.9.4", K_PRINT },
	{ "countryOfResidence", "1.3.6.1.5.5.7.9.5", K_PRINT },
};

struct ent {
	const struct attr	*a;
	size_t			 off, len;	/* value in the value buffer */
};

static const struct attr *
find_attr(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (strlen(attrs[i].name) == n &&
		    strncasecmp(attrs[i].name, t, n) == 0)
			return &attrs[i];
		if (strlen(attrs[i].oid) == n && memcmp(attrs[i].oid, t, n) == 0)
			return &attrs[i];
	}
	return NULL;
}

/* COMPAT: provisioning.md §3.2, GnuTLS's "printable" set (no apostrophe) */
static bool
gnutls_printable(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr(" ()+,-./:=?", c));
}

/* X.680 PrintableString */
static bool
asn1_printable(unsigned char c)
{
	return gnutls_printable(c) || c == '\'';
}

/* Well-formed UTF-8 without NUL, overlongs, surrogates or > U+10FFFF. */
static bool
utf8_ok(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t k, j;
		unsigned long cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (k > n - i - 1)
			return false;
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* The ASN.1 string type for a value, or -1 if the value cannot be one. */
static int
string_type(const struct attr *a, const unsigned char *v, size_t n)
{
	bool printable = true, ascii = true;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] == 0)
			return -1;
		if (!(a->kind == K_PRINT ? asn1_printable(v[i]) :
		    gnutls_printable(v[i])))
			printable = false;
		if (v[i] >= 0x80)
			ascii = false;
	}
	switch (a->kind) {
	case K_PRINT:
		return printable ? V_ASN1_PRINTABLESTRING : -1;
	case K_IA5:
		return ascii ? V_ASN1_IA5STRING : -1;
	case K_DIR:
		if (printable)
			return V_ASN1_PRINTABLESTRING;
		return utf8_ok(v, n) ? V_ASN1_UTF8STRING : -1;
	}
	return -1;
}

/*
 * Reads one value from s[*i..n) into val (at *vlen), stopping before an
 * unescaped ',' or at the end. Leading spaces are already skipped;
 * trailing unescaped spaces are dropped.
 */
static enum xc_err
read_value(const char *s, size_t n, size_t *i, unsigned char *val,
    size_t *vlen, char *msg, size_t msglen)
{
	size_t len = *vlen, keep = *vlen, j = *i;

	while (j < n && s[j] != ',') {
		unsigned char c = (unsigned char)s[j];

		if (c == '+') {
			xc_setmsg(msg, msglen, "multi-valued RDNs ('+') are not "
			    "supported; escape it as '\\+'");
			return XC_INVAL;
		}
		if (c == '\\') {
			int hi, lo;

			if (j + 1 >= n) {
				xc_setmsg(msg, msglen, "subject ends in a "
				    "backslash");
				return XC_INVAL;
			}
			hi = xc_hexval(s[j + 1]);
			lo = j + 2 < n ? xc_hexval(s[j + 2]) : -1;
			if (hi >= 0 && lo >= 0) {
				c = (unsigned char)(hi << 4 | lo);
				j += 3;
			} else if (strchr(",+\"\\<>;=# ", s[j + 1]) != NULL) {
				c = (unsigned char)s[j + 1];
				j += 2;
			} else {
				xc_setmsg(msg, msglen, "bad escape '\\%c' in "
				    "subject", s[j + 1]);
				return XC_INVAL;
			}
			val[len++] = c;
			keep = len;
			continue;
		}
		val[len++] = c;
		if (c != ' ')
			keep = len;
		j++;
	}
	*i = j;
	*vlen = keep;
	return XC_OK;
}

/* Splits s into ents[] with values in val[]; returns the count or -1. */
static int
split(const char *s, size_t n, struct ent *ents, unsigned char *val,
    char *msg, size_t msglen)
{
	size_t i = 0, vlen = 0, t0, t1;
	int cnt = 0;

	for (;;) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		t0 = i;
		while (i < n && s[i] != '=' && s[i] != ',' && s[i] != '+')
			i++;
		t1 = i;
		while (t1 > t0 && s[t1 - 1] == ' ')
			t1--;
		if (i == n || s[i] != '=' || t1 == t0) {
			xc_setmsg(msg, msglen, "expected 'type=value' at '%s' "
			    "in subject", s + t0);
			return -1;
		}
		if (cnt == ATTRS_MAX) {
			xc_setmsg(msg, msglen, "more than %d attributes in "
			    "subject", ATTRS_MAX);
			return -1;
		}
		ents[cnt].a = find_attr(s + t0, t1 - t0);
		if (ents[cnt].a == NULL) {
			xc_setmsg(msg, msglen, "unknown attribute type '%.*s' "
			    "in subject", (int)(t1 - t0), s + t0);
			return -1;
		}
		i++;
		while (i < n && s[i] == ' ')
			i++;
		if (i < n && s[i] == '#') {
			xc_setmsg(msg, msglen, "hex-encoded ('#') values are "
			    "not supported in subject");
			return -1;
		}
		ents[cnt].off = vlen;
		if (read_value(s, n, &i, val, &vlen, msg, msglen) != XC_OK)
			return -1;
		ents[cnt].len = vlen - ents[cnt].off;
		if (ents[cnt].len == 0) {
			xc_setmsg(msg, msglen, "empty value for '%.*s' in "
			    "subject", (int)(t1 - t0), s + t0);
			return -1;
		}
		cnt++;
		if (i < n)
			i++;	/* the ',' */
	}
	return cnt;
}

enum xc_err
xc_subject_parse(const char *s, X509_NAME **out, char *msg, size_t msglen)
{
	struct ent ents[ATTRS_MAX];
	unsigned char val[SUBJECT_MAX];
	X509_NAME *name;
	size_t n;
	int cnt, k;

	*out = NULL;
	n = s ? strnlen(s, SUBJECT_MAX + 1) : 0;
	if (n > SUBJECT_MAX) {
		xc_setmsg(msg, msglen, "subject longer than %d characters",
		    SUBJECT_MAX);
		return XC_INVAL;
	}
	cnt = split(s ? s : "", n, ents, val, msg, msglen);
	if (cnt < 0)
		return XC_INVAL;
	name = X509_NAME_new();
	if (name == NULL)
		return XC_NOMEM;
	/* COMPAT: provisioning.md §3.2, GnuTLS stores the string reversed */
	for (k = cnt - 1; k >= 0; k--) {
		const struct attr *a = ents[k].a;
		const unsigned char *v = val + ents[k].off;
		ASN1_OBJECT *obj;
		int type, ok;

		type = string_type(a, v, ents[k].len);
		if (type < 0) {
			xc_setmsg(msg, msglen, "value of '%s' in subject is not "
			    "a valid %s", a->name, a->kind == K_PRINT ?
			    "PrintableString" : a->kind == K_IA5 ?
			    "IA5String" : "UTF-8 string");
			X509_NAME_free(name);
			return XC_INVAL;
		}
		obj = OBJ_txt2obj(a->oid, 1);
		ok = obj != NULL && X509_NAME_add_entry_by_OBJ(name, obj, type,
		    v, (int)ents[k].len, -1, 0);
		ASN1_OBJECT_free(obj);
		if (!ok) {
			X509_NAME_free(name);
			return XC_NOMEM;
		}
	}
	*out = name;
	return XC_OK;
}
