/*
 * libFuzzer target for the input parsers of src/x509: the --subject
 * parser, hex strings, decimal serials, and EC points from coordinates
 * (the first byte picks the curve and where x ends). Build with
 * `make fuzz-x509` (needs clang with libFuzzer).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const curves[] = { "secp256r1", "secp384r1",
	    "secp521r1", "bogus" };
	uint8_t serial[XC_SERIAL_MAX], *bin;
	char *s, msg[256];
	X509_NAME *name;
	EVP_PKEY *pk;
	size_t len, cut;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (xc_subject_parse(s, &name, msg, sizeof(msg)) == XC_OK)
		X509_NAME_free(name);
	if (xc_hex_decode(s, &bin, &len, msg, sizeof(msg)) == XC_OK)
		free(bin);
	(void)xc_serial_parse(s, serial, &len, msg, sizeof(msg));
	free(s);
	if (size > 0) {
		cut = size > 1 ? data[0] % size : 0;
		if (xc_pubkey_ec(curves[data[0] & 3], data + 1, cut,
		    data + 1 + cut, size - 1 - cut, &pk, msg,
		    sizeof(msg)) == XC_OK)
			EVP_PKEY_free(pk);
	}
	return 0;
}
