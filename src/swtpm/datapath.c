/*
 * The data channel's side of the TPM (data-channel.md §2-§4): one
 * message in, one response out. Detects the TPM 2 send-command prefix,
 * answers while the TPM is not running, filters the in-band
 * SetLocality, and hands everything else to libtpms. The responses the
 * glue builds itself come from one function, short_resp().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>

#include "bytes.h"
#include "glue.h"
#include "swtpm/tpm_ioctl.h"
#include "tpm12.h"
#include "tpm2.h"

static struct {
	/* response with the send-command prefix and trailer */
	uint8_t		*obuf;
	size_t		 obuf_size;
	/* short responses built here (not running, pre-filter) */
	uint8_t		 small[TPM_HDR_LEN];
} dp;

bool
sw_tpm_data_complete(size_t n)
{
	/* COMPAT: data-channel.md §2: what arrived (>= 10 bytes) is one. */
	return n >= TPM_HDR_LEN;
}

size_t
sw_tpm_data_bufsize(void)
{
	int max = 4096;

	if (TPMLIB_GetTPMProperty(TPMPROP_TPM_BUFFER_MAX, &max) != 0 ||
	    max <= 0)
		max = 4096;
	return (size_t)max + 9;
}

static bool
obuf_reserve(size_t n)
{
	uint8_t *p;

	if (n <= dp.obuf_size)
		return true;
	p = realloc(dp.obuf, n);
	if (p == NULL)
		return false;
	dp.obuf = p;
	dp.obuf_size = n;
	return true;
}

/* A 10-byte response header with the version's tag: the one place. */
static void
short_resp(uint8_t *out, uint32_t code)
{
	be16_put(out, sw_core.cfg.tpm2 ? TPM2_ST_NO_SESSIONS :
	    TPM_TAG_RSP_COMMAND);
	be32_put(out + TPM_HDR_SIZE_OFF, TPM_HDR_LEN);
	be32_put(out + TPM_HDR_CODE_OFF, code);
}

static uint32_t
fatal_code(void)
{
	return sw_core.cfg.tpm2 ? TPM2_RC_FAILURE : TPM_FAIL;
}

/* COMPAT: data-channel.md §4 step 3: in-band SetLocality. */
static bool
prefilter(const uint8_t *cmd, size_t len, uint8_t *out)
{
	uint32_t insufficient = sw_core.cfg.tpm2 ? TPM2_RC_INSUFFICIENT :
	    TPM_BAD_PARAM_SIZE;
	uint8_t loc;

	if (len < TPM_HDR_LEN) {
		short_resp(out, insufficient);
		return true;
	}
	if (be32_get(cmd + TPM_HDR_CODE_OFF) != SWTPM_ORD_SET_LOCALITY)
		return false;
	if (len < TPM_HDR_LEN + 1) {
		short_resp(out, insufficient);
		return true;
	}
	if (!sw_core.cfg.loc_allow_set) {
		short_resp(out, fatal_code());
		return true;
	}
	loc = cmd[TPM_HDR_LEN];
	if (loc >= 5 || (loc == 4 && sw_core.cfg.loc_reject4)) {
		short_resp(out, sw_core.cfg.tpm2 ? TPM2_RC_LOCALITY :
		    TPM_BAD_LOCALITY);
		return true;
	}
	sw_core.locality = loc;
	short_resp(out, 0);
	return true;
}

uint32_t
sw_tpm_data(const uint8_t *in, size_t n, const uint8_t **resp, size_t *rlen)
{
	const uint8_t *cmd = in, *body;
	size_t clen = n, hdr = 0;
	uint32_t blen = 0, rc;

	/* COMPAT: data-channel.md §3: TPM 2 send-command prefix. */
	if (sw_core.cfg.tpm2 && n >= TPM_HDR_LEN &&
	    be16_get(in) != TPM2_ST_NO_SESSIONS &&
	    be16_get(in) != TPM2_ST_SESSIONS &&
	    be32_get(in) == TPM_SEND_COMMAND) {
		sw_core.locality = in[4];
		cmd = in + 9;
		clen = n - 9;
		hdr = 4;
	}
	if (!sw_core.running) {
		short_resp(dp.small, fatal_code());
		body = dp.small;
		blen = TPM_HDR_LEN;
	} else {
		if (clen >= TPM_HDR_LEN)
			sw_core.last_ordinal = be32_get(cmd + TPM_HDR_CODE_OFF);
		if (prefilter(cmd, clen, dp.small)) {
			body = dp.small;
			blen = TPM_HDR_LEN;
		} else {
			/* libtpms takes a non-const command buffer. */
			rc = TPMLIB_Process(&sw_core.rbuf, &blen,
			    &sw_core.rbuf_size, (unsigned char *)(uintptr_t)cmd,
			    (uint32_t)clen);
			if (rc != TPM_SUCCESS)
				return rc;
			body = sw_core.rbuf;
		}
	}
	if (hdr == 0) {
		*resp = body;
		*rlen = blen;
		return TPM_SUCCESS;
	}
	if (!obuf_reserve((size_t)blen + 8))
		return TPM_FAIL;
	be32_put(dp.obuf, blen);
	memcpy(dp.obuf + 4, body, blen);
	be32_put(dp.obuf + 4 + blen, 0);
	*resp = dp.obuf;
	*rlen = (size_t)blen + 8;
	return TPM_SUCCESS;
}

void
sw_datapath_exit(void)
{
	free(dp.obuf);
	dp.obuf = NULL;
	dp.obuf_size = 0;
}
