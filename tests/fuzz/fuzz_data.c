/*
 * libFuzzer target for the data channel: the framing rule, the TPM 2
 * send-command prefix, the not-running answer and the SetLocality
 * filter (src/swtpm/datapath.c), with a real libtpms TPM 2 behind them
 * whose state lives in a temporary directory. The input is a flags byte
 * (bit 0: answer as a stopped TPM) and then reads as the server would
 * see them: a length byte and that many bytes each; gathered reads form
 * a message once sw_tpm_data_complete() says so. Every response must be
 * a well-formed TPM response (or the prefixed form of one).
 * Build with `make fuzz-data` (needs clang with libFuzzer).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "glue.h"
#include "log.h"
#include "swtpm/tpm_ioctl.h"
#include "tpm2.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	dir[512];
static char	uri[600];
static uint8_t	msg[8192];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sw_tpm_cfg cfg;
	uint32_t code;

	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");

	log_setup(-1, 0, NULL);
	snprintf(dir, sizeof(dir), "%s/fuzz_dataXXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(uri, sizeof(uri), "dir://%s", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.tpm2 = true;
	cfg.state_uri = uri;
	cfg.store_cfg.tpm2 = true;
	cfg.store_cfg.mode = 0600;
	cfg.loc_allow_set = true;
	if (sw_tpm_setup(&cfg) != 0 || sw_tpm_init(NULL, 0) != 0 ||
	    sw_tpm_startup(SW_SU_CLEAR, &code) != 0)
		abort();
	return 0;
}

/* A response of n bytes must be a TPM response or its prefixed form. */
static void
check(const uint8_t *in, size_t inlen, const uint8_t *r, size_t n)
{
	bool prefixed = inlen >= TPM_HDR_LEN &&
	    be16_get(in) != TPM2_ST_NO_SESSIONS &&
	    be16_get(in) != TPM2_ST_SESSIONS &&
	    be32_get(in) == TPM_SEND_COMMAND;

	if (prefixed) {
		/* length, the response, a 4-byte zero trailer */
		if (n < 8 + TPM_HDR_LEN || be32_get(r) != n - 8 ||
		    be32_get(r + n - 4) != 0)
			abort();
		r += 4;
		n -= 8;
	}
	if (n < TPM_HDR_LEN || be32_get(r + TPM_HDR_SIZE_OFF) != n)
		abort();
	if (!sw_core.running && (n != TPM_HDR_LEN ||
	    be32_get(r + TPM_HDR_CODE_OFF) != TPM2_RC_FAILURE))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *resp;
	size_t have = 0, n, rlen;
	bool stopped;

	if (size < 1)
		return 0;
	stopped = data[0] & 1;
	data++;
	size--;
	sw_core.running = !stopped;
	while (size > 0) {
		n = data[0];
		data++;
		size--;
		if (n > size)
			n = size;
		if (have + n > sizeof(msg))
			break;
		memcpy(msg + have, data, n);
		have += n;
		data += n;
		size -= n;
		if (!sw_tpm_data_complete(have))
			continue;
		if (sw_tpm_data(msg, have, &resp, &rlen) == 0)
			check(msg, have, resp, rlen);
		have = 0;
	}
	sw_core.running = true;
	return 0;
}
