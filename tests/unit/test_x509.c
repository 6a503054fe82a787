/*
 * Unit tests of src/x509: the DER writer, the bounded number and hex
 * parsers (every truncation, oversized input), the extension values
 * against the bytes captured from the reference (provisioning.md §3.2),
 * the subject parser, public keys from TPM parameters, and whole
 * certificates built and verified in memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "t.h"
#include "x509.h"

static char tmpdir[] = "/tmp/test_x509.XXXXXX";
static char ca_key_path[256], ca_enc_path[256];
static EVP_PKEY *ca_key, *ek_key;
static X509 *ca_cert;

/* Compares buf[0..len) with a hex string. */
static int
eq_hex(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t want[4096];
	size_t n = t_hex(hex, want, sizeof(want));

	if (n != len || memcmp(buf, want, n) != 0) {
		size_t i;

		fprintf(stderr, "  got  ");
		for (i = 0; i < len; i++)
			fprintf(stderr, "%02X", buf[i]);
		fprintf(stderr, "\n  want %s\n", hex);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ der */

static void
test_der_uint(void)
{
	static const struct { uint32_t v; const char *hex; } c[] = {
		{ 0, "020100" }, { 1, "020101" }, { 127, "02017F" },
		{ 128, "02020080" }, { 164, "020200A4" }, { 256, "02020100" },
		{ 0x7fffffff, "02047FFFFFFF" },
		{ 0x80000000u, "02050080000000" },
		{ 0xffffffffu, "020500FFFFFFFF" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct der d;

		der_init(&d);
		der_uint(&d, c[i].v);
		T_CHECK(!d.bad && eq_hex(d.p, d.len, c[i].hex));
		der_release(&d);
	}
}

static void
test_der_lengths(void)
{
	static uint8_t big[300];
	struct der d;
	uint8_t *out;
	size_t len;

	/* short, one-byte and two-byte long forms, nesting by wrap */
	der_init(&d);
	der_tlv(&d, 0x04, big, 127);
	T_CHECK(d.len == 129 && d.p[1] == 0x7f);
	der_release(&d);
	der_init(&d);
	der_tlv(&d, 0x04, big, 128);
	T_CHECK(d.len == 131 && d.p[1] == 0x81 && d.p[2] == 0x80);
	der_wrap(&d, 0x30, 0);
	T_CHECK(d.len == 134 && d.p[0] == 0x30 && d.p[1] == 0x81 &&
	    d.p[2] == 131 && d.p[3] == 0x04);
	der_release(&d);
	der_init(&d);
	der_tlv(&d, 0x04, big, 300);
	T_CHECK(d.p[1] == 0x82 && d.p[2] == 0x01 && d.p[3] == 0x2c);
	T_ASSERT(der_take(&d, &out, &len) == XC_OK);
	T_CHECK(len == 304 && d.p == NULL);
	free(out);
	/* over the cap: sticky failure, nothing handed out */
	der_init(&d);
	for (len = 0; len < XC_DER_MAX / sizeof(big) + 2; len++)
		der_raw(&d, big, sizeof(big));
	T_CHECK(d.bad);
	T_CHECK(der_take(&d, &out, &len) != XC_OK);
	/* an empty wrap of a bad offset */
	der_init(&d);
	der_wrap(&d, 0x30, 5);
	T_CHECK(d.bad);
	der_release(&d);
}

/* ------------------------------------------------------------ numbers */

static void
test_hex(void)
{
	static const char good[] = "00aBcD0f";
	char buf[16];
	uint8_t *out;
	size_t len, n;
	char *huge;

	T_ASSERT(xc_hex_decode(good, &out, &len, NULL, 0) == XC_OK);
	T_CHECK(eq_hex(out, len, "00ABCD0F"));
	free(out);
	/* every truncation: odd lengths and the empty string fail */
	for (n = 0; n < sizeof(good) - 1; n++) {
		enum xc_err rc;

		memcpy(buf, good, n);
		buf[n] = '\0';
		rc = xc_hex_decode(buf, &out, &len, NULL, 0);
		T_CHECK((rc == XC_OK) == (n > 0 && n % 2 == 0));
		if (rc == XC_OK) {
			T_CHECK(len == n / 2);
			free(out);
		} else {
			T_CHECK(out == NULL);
		}
	}
	T_CHECK(xc_hex_decode("0g", &out, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_hex_decode("0x12", &out, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_hex_decode("12 4", &out, &len, NULL, 0) == XC_INVAL);
	huge = malloc(XC_HEX_MAX + 3);
	T_ASSERT(huge != NULL);
	memset(huge, 'a', XC_HEX_MAX);
	huge[XC_HEX_MAX] = '\0';
	T_CHECK(xc_hex_decode(huge, &out, &len, NULL, 0) == XC_OK);
	free(out);
	huge[XC_HEX_MAX] = 'a';
	huge[XC_HEX_MAX + 1] = 'a';
	huge[XC_HEX_MAX + 2] = '\0';
	T_CHECK(xc_hex_decode(huge, &out, &len, NULL, 0) == XC_INVAL);
	free(huge);
}

static void
test_serial(void)
{
	uint8_t s[XC_SERIAL_MAX];
	char msg[128];
	size_t len;

	T_CHECK(xc_serial_parse("1", s, &len, NULL, 0) == XC_OK &&
	    eq_hex(s, len, "01"));
	T_CHECK(xc_serial_parse("0002", s, &len, NULL, 0) == XC_OK &&
	    eq_hex(s, len, "02"));
	T_CHECK(xc_serial_parse("128", s, &len, NULL, 0) == XC_OK &&
	    eq_hex(s, len, "80"));
	T_CHECK(xc_serial_parse("9223372036854775808", s, &len, NULL, 0) ==
	    XC_OK && eq_hex(s, len, "8000000000000000"));
	/* 2^159 - 1: 20 octets as a positive INTEGER; 2^159 is too big */
	T_CHECK(xc_serial_parse(
	    "730750818665451459101842416358141509827966271487", s, &len,
	    NULL, 0) == XC_OK && len == 20 && s[0] == 0x7f);
	T_CHECK(xc_serial_parse(
	    "730750818665451459101842416358141509827966271488", s, &len,
	    msg, sizeof(msg)) == XC_INVAL);
	T_CHECK(strstr(msg, "octets") != NULL);
	T_CHECK(xc_serial_parse("0", s, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_serial_parse("", s, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_serial_parse("-1", s, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_serial_parse(" 5", s, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_serial_parse("5 ", s, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_serial_parse("0x10", s, &len, NULL, 0) == XC_INVAL);
	T_CHECK(xc_serial_parse(
	    "0000000000000000000000000000000000000000000000000000000000000001",
	    s, &len, NULL, 0) == XC_OK && eq_hex(s, len, "01"));
	T_CHECK(xc_serial_parse(
	    "00000000000000000000000000000000000000000000000000000000000000001",
	    s, &len, NULL, 0) == XC_INVAL);
}

/* ------------------------------------------------------------ extensions */

static struct xc_req
ek_req(void)
{
	struct xc_req r;

	memset(&r, 0, sizeof(r));
	r.type = XC_EK;
	r.tpm2 = true;
	r.tpm_manufacturer = "id:00001014";
	r.tpm_model = "swtpm";
	r.tpm_version = "id:20191023";
	r.platform_manufacturer = "QEMU";
	r.platform_model = "pc";
	r.platform_version = "7.2";
	r.spec_family = "2.0";
	r.spec_level = 0;
	r.spec_revision = 164;
	r.days = XC_DAYS_NONE;
	r.now = 1700000000;
	return r;
}

static void
test_ext_values(void)
{
	struct xc_req r = ek_req();
	uint8_t *v;
	size_t len;

	/* provisioning.md §3.2, captured from the reference */
	T_ASSERT(xc_ext_san(&r, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "3046 A444 3042 3116 3014 0605 6781050201 "
	    "0C0B 69643A3030303031303134 3110 300E 0605 6781050202 0C05 "
	    "737774706D 3116 3014 0605 6781050203 0C0B 69643A3230313931303233"));
	free(v);
	T_ASSERT(xc_ext_sda("2.0", 0, 164, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "3019 3017 0605 6781050210 310E 300C 0C03 "
	    "322E30 020100 020200A4"));
	free(v);
	T_ASSERT(xc_ext_sda("1.2", 2, 116, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "3018301606056781050210310D300B0C03312E32"
	    "020102020174"));
	free(v);
	T_ASSERT(xc_ext_eku(false, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "3007 0605 6781050801"));
	free(v);
	T_ASSERT(xc_ext_eku(true, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "3007 0605 6781050802"));
	free(v);
	T_ASSERT(xc_ext_aki((const uint8_t *)"\x01\x02", 2, &v, &len) ==
	    XC_OK);
	T_CHECK(eq_hex(v, len, "3004 8002 0102"));
	free(v);
	/* platform, TPM 2: the 2.23.133.5.1.x attributes */
	r.type = XC_PLATFORM;
	T_ASSERT(xc_ext_san(&r, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "3037 A435 3033 3110 300E 0606 678105050101 "
	    "0C04 51454D55 310E 300C 0606 678105050104 0C02 7063 310F 300D "
	    "0606 678105050105 0C03 372E32"));
	free(v);
	/* platform, TPM 1.2: [4] holds a SEQUENCE of two Names */
	r.tpm2 = false;
	T_ASSERT(xc_ext_san(&r, &v, &len) == XC_OK);
	T_CHECK(eq_hex(v, len, "307AA4783076304231163014060567810502010C0B"
	    "69643A30303030313031343110300E060567810502020C05737774706D3116"
	    "3014060567810502030C0B69643A32303139313032333030310F300D0605678"
	    "10502040C0451454D55310D300B060567810502050C027063310E300C06056"
	    "7810502060C03372E32"));
	free(v);
}

static void
test_ext_ku(void)
{
	static const struct {
		bool tpm2, sign, dec, ecc;
		const char *hex;
	} c[] = {
		{ true, false, false, false, "03020520" },
		{ true, false, true, false, "03020520" },
		{ true, true, false, false, "03020780" },
		{ true, true, true, false, "030205A0" },
		{ true, false, false, true, "03020308" },
		{ true, false, true, true, "03020308" },
		{ true, true, false, true, "03020780" },
		{ true, true, true, true, "03020388" },
		/* TPM 1.2: keyEncipherment whatever the flags */
		{ false, true, false, true, "03020520" },
		{ false, false, false, false, "03020520" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct xc_req r = ek_req();
		uint8_t *v;
		size_t len;

		r.tpm2 = c[i].tpm2;
		r.allow_signing = c[i].sign;
		r.decryption = c[i].dec;
		T_ASSERT(xc_ext_ku(&r, c[i].ecc, &v, &len) == XC_OK);
		T_CHECK(eq_hex(v, len, c[i].hex));
		free(v);
	}
}

/* ------------------------------------------------------------ subject */

/* DER of the Name for subject s, or NULL with *rc set. */
static int
subject_der(const char *s, uint8_t *buf, size_t cap, size_t *len)
{
	X509_NAME *name;
	unsigned char *p = buf;
	enum xc_err rc;
	int n;

	*len = 0;
	rc = xc_subject_parse(s, &name, NULL, 0);
	if (rc != XC_OK)
		return 0;
	n = i2d_X509_NAME(name, NULL);
	if (n > 0 && (size_t)n <= cap)
		i2d_X509_NAME(name, &p);
	X509_NAME_free(name);
	*len = n > 0 ? (size_t)n : 0;
	return n > 0 && (size_t)n <= cap;
}

static void
test_subject(void)
{
	static const struct { const char *s, *hex; } good[] = {
		{ NULL, "3000" },
		{ "", "3000" },
		{ "CN=myvm", "300F310D300B06035504031304 6D79766D" },
		/* '_' is not printable for GnuTLS: UTF8String */
		{ "CN=myvm_1_2", "3013311130 0F0603550403 0C08 6D79766D5F315F32" },
		/* reversed: the last attribute comes first */
		{ "C=US,CN=h", "3019 310A30080603550403130168 310B30090603550406"
		    "1302 5553" },
		{ "CN=a\\,b", "300E310C300A06035504031303 612C62" },
		{ "CN=a\\+b", "300E310C300A06035504031303 612B62" },
		{ "CN=a\\2Cb", "300E310C300A06035504031303 612C62" },
		{ " CN = a ,", "300C310A3008060355040313 0161" },
		{ "cn=x", "300C310A3008060355040313 0178" },
		{ "2.5.4.3=x", "300C310A3008060355040313 0178" },
		{ "CN=\\ a", "300D310B300906035504031302 2061" },
		{ "CN=a\\ ", "300D310B300906035504031302 6120" },
		{ "CN=it's", "300F310D300B0603550403 0C04 69742773" },
		{ "C=it's", "300F310D300B0603550406 1304 69742773" },
		{ "DC=x", "30133111300F060A0992268993F22C640119 16 0178" },
		{ "CN=\xc3\xa9", "300D310B300906035504030C02 C3A9" },
	};
	static const char *const bad[] = {
		"CN", "=x", "CN=", "CN= ", "CN=a,,O=b", "CN=a+O=b", "foo=bar",
		"1.2.3.4=x", "CN=a\\", "CN=a\\q", "CN=#0c0161", "C=U_",
		"DC=\xc3\xa9", "CN=\xff", "CN=\xc0\x80", "CN=\xed\xa0\x80",
		"CN=a\\00b", "CN=a;O=b\\",
	};
	uint8_t buf[512];
	char big[5000];
	size_t i, len;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int ok = subject_der(good[i].s, buf, sizeof(buf), &len);

		T_CHECK(ok);
		if (ok && !eq_hex(buf, len, good[i].hex)) {
			fprintf(stderr, "  subject '%s'\n", good[i].s);
			t_cur_failed = 1;
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		X509_NAME *n = NULL;

		if (xc_subject_parse(bad[i], &n, NULL, 0) != XC_INVAL) {
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
			t_cur_failed = 1;
		}
		T_CHECK(n == NULL);
	}
	/* bounds: 4096 characters at most, 64 attributes at most */
	memset(big, 'a', sizeof(big));
	memcpy(big, "CN=", 3);
	big[4096] = '\0';
	T_CHECK(subject_der(big, buf, 0, &len) == 0 && len > 4000);
	big[4096] = 'a';
	big[4097] = '\0';
	T_CHECK(subject_der(big, buf, sizeof(buf), &len) == 0 && len == 0);
	big[0] = '\0';
	for (i = 0; i < 65; i++)
		strcat(big, "O=x,");
	T_CHECK(subject_der(big, buf, sizeof(buf), &len) == 0 && len == 0);
	big[strlen(big) - 4] = '\0';
	T_CHECK(subject_der(big, buf, 0, &len) == 0 && len > 64 * 10);
	/* every truncation of a valid subject parses or fails cleanly */
	strcpy(big, "C=US,ST=NY,L=New York,O=Org\\,Inc,OU=U\\2Bx,CN=h\\ ");
	len = strlen(big);
	for (i = 0; i <= len; i++) {
		X509_NAME *n = NULL;
		char save = big[i];

		big[i] = '\0';
		if (xc_subject_parse(big, &n, NULL, 0) == XC_OK)
			X509_NAME_free(n);
		else
			T_CHECK(n == NULL);
		big[i] = save;
	}
}

/* ------------------------------------------------------------ keys */

static void
test_pubkey_ec(void)
{
	/* a P-256 point whose x starts with a zero byte */
	static const char xs[] =
	    "001a5b44f898065117a2a8d129c0238d946b07a65c1515f481c9cbd035602787";
	static const char ys[] =
	    "c7fd5d6ac29d5340b691dcde5738e150555741b3873c02207398e5b5dadc9508";
	uint8_t x[80], y[80], pub[200];
	size_t xl = t_hex(xs, x, sizeof(x)), yl = t_hex(ys, y, sizeof(y));
	uint8_t xx[80];
	EVP_PKEY *k1 = NULL, *k2 = NULL;
	size_t pl;

	T_ASSERT(xc_pubkey_ec("secp256r1", x, xl, y, yl, &k1, NULL, 0) ==
	    XC_OK);
	/* without the zero byte (left-padded) and with one more */
	T_ASSERT(xc_pubkey_ec(NULL, x + 1, xl - 1, y, yl, &k2, NULL, 0) ==
	    XC_OK);
	T_CHECK(EVP_PKEY_eq(k1, k2) == 1);
	EVP_PKEY_free(k2);
	xx[0] = 0;
	memcpy(xx + 1, x, xl);
	T_ASSERT(xc_pubkey_ec(NULL, xx, xl + 1, y, yl, &k2, NULL, 0) ==
	    XC_OK);
	T_CHECK(EVP_PKEY_eq(k1, k2) == 1);
	EVP_PKEY_free(k2);
	T_CHECK(EVP_PKEY_get_octet_string_param(k1, "encoded-pub-key", pub,
	    sizeof(pub), &pl) == 1 && pl == 65 && pub[0] == 4 &&
	    memcmp(pub + 1, x, 32) == 0);
	EVP_PKEY_free(k1);
	/* not on the curve, too long, unknown curve, on another curve */
	y[31] ^= 1;
	T_CHECK(xc_pubkey_ec(NULL, x, xl, y, yl, &k2, NULL, 0) == XC_KEY);
	T_CHECK(k2 == NULL);
	y[31] ^= 1;
	xx[0] = 1;
	T_CHECK(xc_pubkey_ec(NULL, xx, xl + 1, y, yl, &k2, NULL, 0) ==
	    XC_INVAL);
	T_CHECK(xc_pubkey_ec("P-256", x, xl, y, yl, &k2, NULL, 0) ==
	    XC_INVAL);
	T_CHECK(xc_pubkey_ec("secp384r1", x, xl, y, yl, &k2, NULL, 0) ==
	    XC_KEY);
	T_CHECK(!xc_curve_known("SECP256R1") && xc_curve_known("secp521r1"));
}

static void
test_pubkey_rsa(void)
{
	uint8_t n[XC_RSA_MAX_BITS / 8 + 2];
	BIGNUM *bn = NULL;
	EVP_PKEY *k1 = NULL, *k2 = NULL;
	size_t nl;

	T_ASSERT(EVP_PKEY_get_bn_param(ek_key, "n", &bn) == 1);
	nl = (size_t)BN_bn2bin(bn, n + 2);
	BN_free(bn);
	n[0] = n[1] = 0;
	T_ASSERT(xc_pubkey_rsa(n + 2, nl, 65537, &k1, NULL, 0) == XC_OK);
	T_ASSERT(xc_pubkey_rsa(n, nl + 2, 65537, &k2, NULL, 0) == XC_OK);
	T_CHECK(EVP_PKEY_eq(k1, k2) == 1);
	T_CHECK(EVP_PKEY_eq(k1, ek_key) == 1);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	T_CHECK(xc_pubkey_rsa(n + 2, nl, 0, &k1, NULL, 0) == XC_INVAL);
	T_CHECK(xc_pubkey_rsa(n, 2, 65537, &k1, NULL, 0) == XC_INVAL);
	memset(n, 0xff, sizeof(n));
	T_CHECK(xc_pubkey_rsa(n, XC_RSA_MAX_BITS / 8 + 1, 65537, &k1, NULL,
	    0) == XC_INVAL);
	T_CHECK(k1 == NULL);
}

static void
test_signer(void)
{
	struct xc_signer *s = NULL;
	char msg[256];

	T_ASSERT(xc_signer_open(ca_key_path, NULL, NULL, &s, msg,
	    sizeof(msg)) == XC_OK);
	T_CHECK(EVP_PKEY_eq(xc_signer_key(s), ca_key) == 1);
	xc_signer_free(s);
	T_ASSERT(xc_signer_open(ca_enc_path, "capass", NULL, &s, NULL, 0) ==
	    XC_OK);
	xc_signer_free(s);
	s = NULL;
	T_CHECK(xc_signer_open(ca_enc_path, "wrong", NULL, &s, NULL, 0) ==
	    XC_KEY);
	T_CHECK(xc_signer_open(ca_enc_path, NULL, NULL, &s, NULL, 0) ==
	    XC_KEY);
	T_CHECK(xc_signer_open("/nonexistent/key.pem", NULL, NULL, &s, msg,
	    sizeof(msg)) == XC_IO);
	T_CHECK(strstr(msg, "/nonexistent/key.pem") != NULL);
	if (!xc_have_pkcs11())
		T_CHECK(xc_signer_open("pkcs11:token=x", NULL, NULL, &s, NULL,
		    0) == XC_NOTSUP);
	T_CHECK(s == NULL);
	xc_signer_free(NULL);
}

/* ------------------------------------------------------------ certificate */

static X509 *
build(struct xc_req *r, EVP_PKEY *pub, X509 *issuer, enum xc_err *rc)
{
	struct xc_signer *s = NULL;
	X509 *crt = NULL;
	uint8_t serial[] = { 0x80, 0x01 };

	r->serial = serial;
	r->serial_len = sizeof(serial);
	*rc = xc_signer_open(ca_key_path, NULL, NULL, &s, NULL, 0);
	if (*rc == XC_OK)
		*rc = xc_cert_build(r, pub, issuer, s, &crt, NULL, 0);
	xc_signer_free(s);
	return crt;
}

/* NIDs of the extensions in order, and which are critical */
static void
ext_order(X509 *crt, int *nids, int *crit, int *n)
{
	int i;

	*n = X509_get_ext_count(crt);
	for (i = 0; i < *n && i < 8; i++) {
		X509_EXTENSION *e = X509_get_ext(crt, i);

		nids[i] = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		crit[i] = X509_EXTENSION_get_critical(e);
	}
}

static void
test_cert_ek(void)
{
	static const int want[] = { NID_ext_key_usage, NID_subject_alt_name,
	    NID_basic_constraints, NID_subject_directory_attributes,
	    NID_authority_key_identifier, NID_key_usage };
	static const int wcrit[] = { 0, 1, 1, 0, 0, 1 };
	struct xc_req r = ek_req();
	int nids[8], crit[8], n, i;
	const ASN1_INTEGER *sn;
	enum xc_err rc;
	X509 *crt;

	r.subject = "CN=myvm";
	crt = build(&r, ek_key, ca_cert, &rc);
	T_ASSERT(rc == XC_OK && crt != NULL);
	T_CHECK(X509_verify(crt, ca_key) == 1);
	T_CHECK(X509_get_version(crt) == X509_VERSION_3);
	sn = X509_get0_serialNumber(crt);
	T_CHECK(ASN1_STRING_length(sn) == 2 &&
	    ASN1_STRING_type(sn) == V_ASN1_INTEGER);
	T_CHECK(X509_NAME_cmp(X509_get_issuer_name(crt),
	    X509_get_subject_name(ca_cert)) == 0);
	T_CHECK(ASN1_TIME_cmp_time_t(X509_get0_notBefore(crt), r.now) == 0);
	T_CHECK(ASN1_STRING_type(X509_get0_notAfter(crt)) ==
	    V_ASN1_GENERALIZEDTIME);
	T_CHECK(strcmp((const char *)ASN1_STRING_get0_data(
	    X509_get0_notAfter(crt)), "99991231235959Z") == 0);
	T_CHECK(X509_get_signature_nid(crt) == NID_sha256WithRSAEncryption);
	T_CHECK(EVP_PKEY_eq(X509_get0_pubkey(crt), ek_key) == 1);
	ext_order(crt, nids, crit, &n);
	T_ASSERT(n == 6);
	for (i = 0; i < 6; i++) {
		T_CHECK(nids[i] == want[i]);
		T_CHECK(crit[i] == wcrit[i]);
	}
	X509_free(crt);
}

static void
test_cert_platform_tpm12(void)
{
	static const int want[] = { NID_subject_alt_name, NID_basic_constraints,
	    NID_authority_key_identifier, NID_key_usage, NID_ext_key_usage };
	struct xc_req r = ek_req();
	int nids[8], crit[8], n, i;
	uint8_t *der = NULL, hdr[XC_TCG_HDR_LEN];
	size_t len;
	enum xc_err rc;
	X509 *crt;

	r.type = XC_PLATFORM;
	r.tpm2 = false;
	r.subject = "CN=ignored";
	r.days = 30;
	crt = build(&r, ek_key, ca_cert, &rc);
	T_ASSERT(rc == XC_OK && crt != NULL);
	T_CHECK(X509_verify(crt, ca_key) == 1);
	T_CHECK(X509_get_signature_nid(crt) == NID_sha1WithRSAEncryption);
	T_CHECK(X509_NAME_entry_count(X509_get_subject_name(crt)) == 0);
	T_CHECK(ASN1_TIME_cmp_time_t(X509_get0_notAfter(crt),
	    r.now + 30 * 86400) == 0);
	T_CHECK(ASN1_STRING_type(X509_get0_notAfter(crt)) == V_ASN1_UTCTIME);
	ext_order(crt, nids, crit, &n);
	T_ASSERT(n == 5);
	for (i = 0; i < 5; i++)
		T_CHECK(nids[i] == want[i]);
	T_ASSERT(xc_cert_der(crt, &der, &len) == XC_OK);
	T_ASSERT(xc_tcg_header(len, hdr) == XC_OK);
	T_CHECK(hdr[0] == 0x10 && hdr[1] == 0x01 && hdr[2] == 0 &&
	    (size_t)(hdr[3] << 8 | hdr[4]) == len + 2 && hdr[5] == 0x10 &&
	    hdr[6] == 0x02);
	T_CHECK(xc_tcg_header(0xffff - 2, hdr) == XC_OK);
	T_CHECK(xc_tcg_header(0xffff - 1, hdr) == XC_INVAL);
	free(der);
	T_ASSERT(xc_cert_pem(crt, &der, &len) == XC_OK);
	T_CHECK(len > 30 && memcmp(der, "-----BEGIN CERTIFICATE-----\n", 28)
	    == 0);
	free(der);
	X509_free(crt);
}

static void
test_cert_times_and_errors(void)
{
	struct xc_req r = ek_req();
	X509 *crt, *noski;
	enum xc_err rc;

	/* past 2049: GeneralizedTime; past 9999: capped */
	r.days = 10000;
	crt = build(&r, ek_key, ca_cert, &rc);
	T_ASSERT(rc == XC_OK);
	T_CHECK(ASN1_STRING_type(X509_get0_notAfter(crt)) ==
	    V_ASN1_GENERALIZEDTIME);
	X509_free(crt);
	r.days = 2147483647L;
	crt = build(&r, ek_key, ca_cert, &rc);
	T_ASSERT(rc == XC_OK);
	T_CHECK(strcmp((const char *)ASN1_STRING_get0_data(
	    X509_get0_notAfter(crt)), "99991231235959Z") == 0);
	X509_free(crt);
	r.days = -2;
	T_CHECK(build(&r, ek_key, ca_cert, &rc) == NULL && rc == XC_INVAL);
	r = ek_req();
	r.spec_family = NULL;
	T_CHECK(build(&r, ek_key, ca_cert, &rc) == NULL && rc == XC_INVAL);
	r = ek_req();
	r.type = XC_PLATFORM;
	r.platform_model = NULL;
	T_CHECK(build(&r, ek_key, ca_cert, &rc) == NULL && rc == XC_INVAL);
	r = ek_req();
	r.subject = "CN=a+O=b";
	T_CHECK(build(&r, ek_key, ca_cert, &rc) == NULL && rc == XC_INVAL);
	/* the signing key must be the issuer's, the issuer needs an SKI */
	noski = X509_dup(ca_cert);
	T_ASSERT(noski != NULL);
	X509_EXTENSION_free(X509_delete_ext(noski, X509_get_ext_by_NID(noski,
	    NID_subject_key_identifier, -1)));
	X509_set_pubkey(noski, ek_key);
	r = ek_req();
	T_CHECK(build(&r, ek_key, noski, &rc) == NULL && rc == XC_INVAL);
	X509_free(noski);
	noski = X509_dup(ca_cert);
	T_ASSERT(noski != NULL);
	X509_set_pubkey(noski, ek_key);
	T_CHECK(build(&r, ek_key, noski, &rc) == NULL && rc == XC_KEY);
	X509_free(noski);
}

/* ------------------------------------------------------------ set-up */

static int
write_key(const char *path, EVP_PKEY *k, const char *pass)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return 0;
	ok = PEM_write_PrivateKey(f, k, pass ? EVP_aes_256_cbc() : NULL,
	    NULL, 0, NULL, (void *)pass);
	return fclose(f) == 0 && ok;
}

static int
setup(void)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509_NAME *name;

	if (mkdtemp(tmpdir) == NULL)
		return 0;
	snprintf(ca_key_path, sizeof(ca_key_path), "%s/ca.key", tmpdir);
	snprintf(ca_enc_path, sizeof(ca_enc_path), "%s/ca-enc.key", tmpdir);
	ca_key = EVP_RSA_gen(2048);
	ek_key = EVP_RSA_gen(2048);
	ca_cert = X509_new();
	if (ca_key == NULL || ek_key == NULL || ca_cert == NULL)
		return 0;
	name = X509_get_subject_name(ca_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"swtpm-localca", -1, -1, 0);
	X509_set_issuer_name(ca_cert, name);
	X509_set_version(ca_cert, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(ca_cert), 7);
	X509_gmtime_adj(X509_getm_notBefore(ca_cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(ca_cert), 86400);
	X509_set_pubkey(ca_cert, ca_key);
	X509V3_set_ctx(&ctx, ca_cert, ca_cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
	    "hash");
	if (ext == NULL || !X509_add_ext(ca_cert, ext, -1))
		return 0;
	X509_EXTENSION_free(ext);
	if (!X509_sign(ca_cert, ca_key, EVP_sha256()))
		return 0;
	return write_key(ca_key_path, ca_key, NULL) &&
	    write_key(ca_enc_path, ca_key, "capass");
}

/* ------------------------------------------------------------ local CA */

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return 0;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

static X509 *
pem_cert(const struct xc_pem *p)
{
	BIO *b = BIO_new_mem_buf(p->p, (int)p->len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

static EVP_PKEY *
pem_key(const struct xc_pem *p, const char *pass)
{
	BIO *b = BIO_new_mem_buf(p->p, (int)p->len);
	EVP_PKEY *k;

	ERR_set_mark();
	k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)pass) : NULL;
	ERR_pop_to_mark();
	BIO_free(b);
	return k;
}

static bool
pem_begins(const struct xc_pem *p, const char *s)
{
	return p->len > strlen(s) && memcmp(p->p, s, strlen(s)) == 0;
}

/* The CN: its text and ASN.1 string type. */
static bool
cn_is(X509_NAME *n, const char *want)
{
	X509_NAME_ENTRY *e;
	ASN1_STRING *v;

	if (X509_NAME_entry_count(n) != 1)
		return false;
	e = X509_NAME_get_entry(n, 0);
	v = X509_NAME_ENTRY_get_data(e);
	return OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName &&
	    ASN1_STRING_type(v) == V_ASN1_PRINTABLESTRING &&
	    (size_t)ASN1_STRING_length(v) == strlen(want) &&
	    memcmp(ASN1_STRING_get0_data(v), want, strlen(want)) == 0;
}

/* What both CA certificates share (provisioning.md §2.3). */
static void
check_ca_cert(X509 *crt, time_t now, bool intermediate)
{
	static const int want[] = { NID_basic_constraints, NID_key_usage,
	    NID_subject_key_identifier, NID_authority_key_identifier };
	static const int wcrit[] = { 1, 1, 0, 0 };
	const ASN1_INTEGER *sn = X509_get0_serialNumber(crt);
	const ASN1_TIME *na = X509_get0_notAfter(crt);
	int nids[8], crit[8], n, i;

	T_CHECK(X509_get_version(crt) == X509_VERSION_3);
	/* a positive 20-octet serial */
	T_CHECK(ASN1_STRING_type(sn) == V_ASN1_INTEGER &&
	    ASN1_STRING_length(sn) == 20 &&
	    (ASN1_STRING_get0_data(sn)[0] & 0x80) == 0);
	T_CHECK(ASN1_TIME_cmp_time_t(X509_get0_notBefore(crt), now) == 0);
	T_CHECK(ASN1_STRING_type(na) == V_ASN1_GENERALIZEDTIME &&
	    ASN1_STRING_length(na) == 15 &&
	    memcmp(ASN1_STRING_get0_data(na), "99991231235959Z", 15) == 0);
	T_CHECK(X509_get_signature_nid(crt) == NID_sha256WithRSAEncryption);
	T_CHECK(EVP_PKEY_get_bits(X509_get0_pubkey(crt)) == 2048);
	ext_order(crt, nids, crit, &n);
	T_ASSERT(n == (intermediate ? 4 : 3));
	for (i = 0; i < n; i++) {
		T_CHECK(nids[i] == want[i]);
		T_CHECK(crit[i] == wcrit[i]);
	}
	T_CHECK(X509_check_ca(crt) >= 1);
	T_CHECK(X509_get_key_usage(crt) == KU_KEY_CERT_SIGN);
	T_CHECK(X509_get0_subject_key_id(crt) != NULL);
}

static void
test_ca(void)
{
	struct xc_ca_req r = { 2048, "swtpm-localca-rootca", "swtpm-localca",
	    "rootpw", "signpw", 1700000000, XC_DAYS_NONE };
	struct xc_ca ca;
	X509 *root = NULL, *mid = NULL, *ek = NULL;
	EVP_PKEY *rk = NULL, *mk = NULL;
	struct xc_signer *s = NULL;
	struct xc_req er = ek_req();
	uint8_t serial[] = { 0x05 };
	char msg[256], path[300];

	T_ASSERT(xc_ca_create(&r, &ca, msg, sizeof(msg)) == XC_OK);
	root = pem_cert(&ca.root_cert);
	mid = pem_cert(&ca.ca_cert);
	T_ASSERT(root != NULL && mid != NULL);
	check_ca_cert(root, r.now, false);
	check_ca_cert(mid, r.now, true);
	T_CHECK(cn_is(X509_get_subject_name(root), "swtpm-localca-rootca"));
	T_CHECK(cn_is(X509_get_issuer_name(root), "swtpm-localca-rootca"));
	T_CHECK(cn_is(X509_get_subject_name(mid), "swtpm-localca"));
	T_CHECK(X509_NAME_cmp(X509_get_issuer_name(mid),
	    X509_get_subject_name(root)) == 0);
	T_CHECK(X509_get0_authority_key_id(mid) != NULL &&
	    ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(mid),
	    X509_get0_subject_key_id(root)) == 0);
	T_CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(root),
	    X509_get0_serialNumber(mid)) != 0);
	T_CHECK(X509_verify(root, X509_get0_pubkey(root)) == 1);
	T_CHECK(X509_verify(mid, X509_get0_pubkey(root)) == 1);
	/* keys: encrypted PKCS#8 under their passwords, matching the certs */
	T_CHECK(pem_begins(&ca.root_key, "-----BEGIN ENCRYPTED PRIVATE KEY"));
	T_CHECK(pem_begins(&ca.ca_key, "-----BEGIN ENCRYPTED PRIVATE KEY"));
	T_CHECK(pem_key(&ca.ca_key, "rootpw") == NULL);
	T_CHECK(pem_key(&ca.root_key, "signpw") == NULL);
	rk = pem_key(&ca.root_key, "rootpw");
	mk = pem_key(&ca.ca_key, "signpw");
	T_CHECK(rk != NULL && X509_check_private_key(root, rk) == 1);
	T_CHECK(mk != NULL && X509_check_private_key(mid, mk) == 1);
	/* the signing CA signs an EK certificate that verifies */
	snprintf(path, sizeof(path), "%s/localca-signkey.pem", tmpdir);
	T_ASSERT(write_file(path, ca.ca_key.p, ca.ca_key.len));
	T_ASSERT(xc_signer_open(path, "signpw", NULL, &s, msg,
	    sizeof(msg)) == XC_OK);
	unlink(path);
	er.serial = serial;
	er.serial_len = sizeof(serial);
	T_CHECK(xc_cert_build(&er, ek_key, mid, s, &ek, msg, sizeof(msg)) ==
	    XC_OK);
	T_CHECK(ek != NULL && X509_verify(ek, X509_get0_pubkey(mid)) == 1);
	xc_signer_free(s);
	X509_free(ek);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(mk);
	X509_free(root);
	X509_free(mid);
	xc_ca_release(&ca);
	T_CHECK(ca.root_key.p == NULL && ca.ca_cert.p == NULL);
}

static void
test_ca_options(void)
{
	struct xc_ca_req r = { 2048, "r", "c", NULL, "", 1700000000, 30 };
	struct xc_ca ca;
	X509 *root;
	char msg[256];

	/* no (or an empty) password: plain keys; a finite validity */
	T_ASSERT(xc_ca_create(&r, &ca, msg, sizeof(msg)) == XC_OK);
	T_CHECK(pem_begins(&ca.root_key, "-----BEGIN PRIVATE KEY"));
	T_CHECK(pem_begins(&ca.ca_key, "-----BEGIN PRIVATE KEY"));
	root = pem_cert(&ca.root_cert);
	T_CHECK(root != NULL && ASN1_TIME_cmp_time_t(X509_get0_notAfter(root),
	    1700000000 + 30 * 86400) == 0);
	X509_free(root);
	xc_ca_release(&ca);
	/* refused parameters leave *out empty */
	r.bits = 1024;
	T_CHECK(xc_ca_create(&r, &ca, msg, sizeof(msg)) == XC_INVAL);
	T_CHECK(ca.root_key.p == NULL);
	r.bits = 2048;
	r.ca_cn = NULL;
	T_CHECK(xc_ca_create(&r, &ca, msg, sizeof(msg)) == XC_INVAL);
	r.ca_cn = "c";
	r.days = -2;
	T_CHECK(xc_ca_create(&r, &ca, msg, sizeof(msg)) == XC_INVAL);
	xc_ca_release(&ca);	/* harmless on an empty one */
}

int
main(void)
{
	if (!setup()) {
		fprintf(stderr, "set-up failed\n");
		return 99;
	}
	T_RUN(test_der_uint);
	T_RUN(test_der_lengths);
	T_RUN(test_hex);
	T_RUN(test_serial);
	T_RUN(test_ext_values);
	T_RUN(test_ext_ku);
	T_RUN(test_subject);
	T_RUN(test_pubkey_ec);
	T_RUN(test_pubkey_rsa);
	T_RUN(test_signer);
	T_RUN(test_cert_ek);
	T_RUN(test_cert_platform_tpm12);
	T_RUN(test_cert_times_and_errors);
	T_RUN(test_ca);
	T_RUN(test_ca_options);
	unlink(ca_key_path);
	unlink(ca_enc_path);
	rmdir(tmpdir);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ek_key);
	X509_free(ca_cert);
	T_END();
}
