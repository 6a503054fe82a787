/*
 * Bounded parsers for the numbers given on a command line: hex strings
 * (moduli, curve coordinates) and decimal serial numbers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "internal.h"

int
xc_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum xc_err
xc_hex_decode(const char *hex, uint8_t **out, size_t *outlen, char *msg,
    size_t msglen)
{
	size_t n, i;
	uint8_t *b;

	*out = NULL;
	*outlen = 0;
	n = strnlen(hex, XC_HEX_MAX + 1);
	if (n == 0) {
		xc_setmsg(msg, msglen, "empty hex string");
		return XC_INVAL;
	}
	if (n > XC_HEX_MAX) {
		xc_setmsg(msg, msglen, "hex string longer than %u digits",
		    (unsigned)XC_HEX_MAX);
		return XC_INVAL;
	}
	if (n % 2 != 0) {
		xc_setmsg(msg, msglen, "odd number of hex digits (%zu)", n);
		return XC_INVAL;
	}
	b = malloc(n / 2);
	if (b == NULL)
		return XC_NOMEM;
	for (i = 0; i < n; i += 2) {
		int hi = xc_hexval(hex[i]), lo = xc_hexval(hex[i + 1]);

		if (hi < 0 || lo < 0) {
			xc_setmsg(msg, msglen, "illegal hex character '%c'",
			    hi < 0 ? hex[i] : hex[i + 1]);
			free(b);
			return XC_INVAL;
		}
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*outlen = n / 2;
	return XC_OK;
}

/* 2^159 has 48 decimal digits; one more allows leading zeros to fail late */
#define SERIAL_DIGITS_MAX	64

enum xc_err
xc_serial_parse(const char *dec, uint8_t *out, size_t *outlen, char *msg,
    size_t msglen)
{
	BIGNUM *bn = NULL;
	size_t n, i;
	int bits;
	enum xc_err rc = XC_INVAL;

	*outlen = 0;
	n = strnlen(dec, SERIAL_DIGITS_MAX + 1);
	for (i = 0; i < n; i++)
		if (dec[i] < '0' || dec[i] > '9')
			break;
	if (n == 0 || i != n || n > SERIAL_DIGITS_MAX) {
		xc_setmsg(msg, msglen, "serial number '%.*s' is not a positive "
		    "decimal number", SERIAL_DIGITS_MAX, dec);
		return XC_INVAL;
	}
	if (BN_dec2bn(&bn, dec) != (int)n) {
		rc = XC_NOMEM;
		goto out;
	}
	bits = BN_num_bits(bn);
	if (bits == 0) {
		xc_setmsg(msg, msglen, "serial number must not be 0");
		goto out;
	}
	/* positive DER INTEGER in 20 octets: at most 159 magnitude bits */
	if (bits > 8 * XC_SERIAL_MAX - 1) {
		xc_setmsg(msg, msglen, "serial number '%s' needs more than %d "
		    "octets", dec, XC_SERIAL_MAX);
		goto out;
	}
	*outlen = (size_t)BN_bn2bin(bn, out);
	rc = XC_OK;
out:
	BN_free(bn);
	return rc;
}
