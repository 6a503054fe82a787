/*
 * libFuzzer target for the blob parsers of src/state: header, TLV scan,
 * stored-file and state-blob unwrapping with and without keys. Build
 * with `make fuzz-state` (needs clang with libFuzzer).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "io.h"
#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct st_key k16 = { { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	    10, 11, 12, 13, 14, 15 }, 16 };
	static const struct st_key k32 = { { 0 }, 32 };
	const struct st_key *keys[] = { NULL, &k16, &k32 };
	uint8_t *plain;
	size_t plen, i, j;
	char msg[256];

	for (i = 0; i < 3; i++) {
		plain = NULL;
		plen = 0;
		if (st_file_unwrap(data, size, keys[i], &plain, &plen, msg,
		    sizeof(msg)) == ST_OK)
			secure_free(plain, plen);
		for (j = 0; j < 3; j++) {
			plain = NULL;
			plen = 0;
			if (st_sblob_unwrap(data, size, i == 2, keys[i],
			    keys[j], "permall", &plain, &plen, msg,
			    sizeof(msg)) == ST_OK)
				secure_free(plain, plen);
		}
	}
	return 0;
}
