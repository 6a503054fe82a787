/*
 * TPM command round trips of the client library (conn.h): a response is
 * framed by its size field (tpmwire.h), bounded by the caller's buffer.
 */
#include "config.h"

#include <errno.h>

#include "conn.h"
#include "internal.h"
#include "tpmwire.h"

static enum cl_err
tpm_recv_dl(struct cl_conn *c, uint8_t *rsp, size_t cap, size_t *rlen,
    struct cl_deadline *d)
{
	size_t have = 0, k;
	uint32_t want = 0;
	enum cl_err e;

	*rlen = 0;
	for (;;) {
		if (have == cap)
			return cl_fail(c, CL_ETOOBIG, EMSGSIZE, "response does "
			    "not fit %zu bytes", cap);
		e = cl_read_dl(c, rsp + have, cap - have, &k, d);
		if (e != CL_OK)
			return e;
		if (k == 0)
			return cl_eof(c, have);
		have += k;
		*rlen = have;
		if (want == 0 && (want = tpm_rsp_size(rsp, have)) != 0) {
			if (want < TPM_HDR_LEN)
				return cl_fail(c, CL_EPROTO, EPROTO, "response "
				    "size %u is below the %d-byte header",
				    want, TPM_HDR_LEN);
			if (want > cap)
				return cl_fail(c, CL_ETOOBIG, EMSGSIZE,
				    "response of %u bytes does not fit %zu",
				    want, cap);
		}
		if (want != 0 && have > want)
			return cl_fail(c, CL_EPROTO, EPROTO, "%zu bytes beyond "
			    "the response's size %u", have - want, want);
		if (want != 0 && have == want)
			return CL_OK;
	}
}

enum cl_err
cl_tpm_recv(struct cl_conn *c, void *rsp, size_t cap, size_t *rlen,
    int timeout_ms)
{
	struct cl_deadline d;

	cl_deadline_start(&d, timeout_ms);
	return tpm_recv_dl(c, rsp, cap, rlen, &d);
}

enum cl_err
cl_tpm(struct cl_conn *c, const void *cmd, size_t len, void *rsp, size_t cap,
    size_t *rlen, int timeout_ms)
{
	struct cl_deadline d;
	enum cl_err e;

	*rlen = 0;
	cl_deadline_start(&d, timeout_ms);
	if ((e = cl_send_dl(c, cmd, len, &d)) != CL_OK)
		return e;
	return tpm_recv_dl(c, rsp, cap, rlen, &d);
}

