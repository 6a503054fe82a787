/*
 * The serial number counter; see serial.h. Big-number arithmetic on
 * OpenSSL's BIGNUM, so the counter may grow past 64 bits.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "files.h"
#include "io.h"
#include "serial.h"

/* Largest counter file we look at; anything longer is unparsable. */
#define SERIAL_FILE_MAX	4096
/* A certificate serial has at most 20 DER content octets: < 2^159. */
#define SERIAL_MAX_BITS	159

/*
 * A random start: uniform over 19-digit numbers below 2^63 - 2^32.
 * HEAD starts at a random 20-digit number, but 0.7.1's swtpm_cert
 * refuses serials from 2^64 on ("Serial number is invalid.") and
 * writes those from 2^63 on as negative INTEGERs, so a 20-digit start
 * would tie swtpm_localca to our swtpm_cert nine times in ten. This
 * start keeps HEAD's point (about 62 random bits: two CAs are unlikely
 * to hand out the same serial) and leaves 2^32 certificates before
 * 2^63.
 */
static BIGNUM *
random_start(void)
{
	BIGNUM *lo = NULL, *span = NULL, *r = NULL;
	BIGNUM *res = NULL;

	/* lo = 10^18, span = 2^63 - 2^32 - 10^18 */
	if (!BN_dec2bn(&lo, "1000000000000000000") ||
	    !BN_dec2bn(&span, "8223372032559808512") ||
	    (r = BN_new()) == NULL || !BN_rand_range(r, span) ||
	    !BN_add(r, r, lo))
		goto out;
	res = r;
	r = NULL;
out:
	BN_free(lo);
	BN_free(span);
	BN_free(r);
	return res;
}

/* digits with optional white space around; NULL-terminated copy. */
static char *
parse_digits(const char *text, size_t len)
{
	size_t a = 0, b = len, i;

	while (a < b && isspace((unsigned char)text[a]))
		a++;
	while (b > a && isspace((unsigned char)text[b - 1]))
		b--;
	if (a == b || b - a > LC_SERIAL_MAX_DIGITS)
		return NULL;
	for (i = a; i < b; i++)
		if (!isdigit((unsigned char)text[i]))
			return NULL;
	return strndup(text + a, b - a);
}

char *
lc_serial_next(const char *text, size_t len, bool have)
{
	BIGNUM *bn = NULL;
	char *digits = NULL, *dec, *out = NULL;

	if (have && (digits = parse_digits(text, len)) != NULL) {
		if (!BN_dec2bn(&bn, digits) || !BN_add_word(bn, 1))
			goto out;
		if (BN_num_bits(bn) > SERIAL_MAX_BITS) {
			/* HEAD: start again from a random value */
			BN_free(bn);
			bn = NULL;
		}
	}
	if (bn == NULL) {
		if ((bn = random_start()) == NULL)
			goto out;
		/* HEAD writes the random start, then takes the next one */
		if (!have && !BN_add_word(bn, 1))
			goto out;
	}
	if ((dec = BN_bn2dec(bn)) == NULL)
		goto out;
	out = strdup(dec);
	OPENSSL_free(dec);
out:
	free(digits);
	BN_free(bn);
	if (out == NULL)
		errno = ENOMEM;
	return out;
}

int
lc_serial_take(const char *path, char **out, char *msg, size_t msglen)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	bool have = true;
	char *next;
	int fd, e;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			snprintf(msg, msglen, "cannot open serial number "
			    "file '%s': %s", path, strerror(errno));
			return -1;
		}
		have = false;
	} else {
		if (read_all(fd, SERIAL_FILE_MAX, &buf, &len) < 0) {
			e = errno;
			if (e != EFBIG) {
				close(fd);
				snprintf(msg, msglen, "cannot read serial "
				    "number file '%s': %s", path,
				    strerror(e));
				return -1;
			}
			len = 0;	/* too long: unparsable */
		}
		close(fd);
	}
	next = lc_serial_next((const char *)buf, len, have);
	free(buf);
	if (next == NULL) {
		snprintf(msg, msglen, "cannot compute the next serial number");
		return -1;
	}
	if (lc_replace(path, next, strlen(next), 0666, msg, msglen) < 0) {
		free(next);
		return -1;
	}
	*out = next;
	return 0;
}
