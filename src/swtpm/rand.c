/*
 * OpenSSL's RAND_bytes backed directly by the kernel CSPRNG. libtpms
 * seeds its own DRBG through RAND_bytes; with OpenSSL's default method
 * the first call instantiates a provider DRBG, which costs more
 * instructions than the rest of the emulator's start-up together (the
 * first algorithm fetch builds OpenSSL's name maps). getrandom(2) gives
 * the same quality of randomness without that cost.
 */
#include "config.h"

/* RAND_METHOD is deprecated in OpenSSL 3 but is the only hook for this. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <sys/random.h>

#include <openssl/rand.h>

#include "rand.h"

static int
kr_bytes(unsigned char *buf, int num)
{
	size_t done = 0, n = num > 0 ? (size_t)num : 0;
	ssize_t r;

	while (done < n) {
		r = getrandom(buf + done, n - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		done += (size_t)r;
	}
	return 1;
}

static int
kr_status(void)
{
	return 1;
}

static const RAND_METHOD kernel_rand = {
	.bytes = kr_bytes,
	.pseudorand = kr_bytes,
	.status = kr_status,
};

int
sw_rand_use_kernel(void)
{
	return RAND_set_rand_method(&kernel_rand) == 1 ? 0 : -1;
}
