/*
 * Control-channel exchanges of the client library (conn.h): responses
 * framed by the src/ctrl codec, state blobs straight into the caller's
 * buffer, SET_STATEBLOB's header and blob in one write.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "bytes.h"
#include "client.h"
#include "conn.h"
#include "internal.h"

#include "swtpm/tpm_ioctl.h"

/*
 * Reads a control response to code until ctrl_client_rsp_len is
 * satisfied. Reads take what is there (up to cap): bytes that came with
 * a short error result decide its layout, see the codec.
 */
static enum cl_err
ctrl_recv_dl(struct cl_conn *c, uint32_t code, uint8_t *rsp, size_t cap,
    size_t *rlen, struct cl_deadline *d)
{
	size_t have = 0, k;
	uint64_t need;
	enum cl_err e;

	*rlen = 0;
	for (;;) {
		need = ctrl_client_rsp_len(code, rsp, have);
		if (have >= need)
			break;
		if (need > cap)
			return cl_fail(c, CL_ETOOBIG, EMSGSIZE, "response of "
			    "%llu bytes does not fit %zu",
			    (unsigned long long)need, cap);
		if ((e = cl_read_dl(c, rsp + have, cap - have, &k, d)) != CL_OK)
			return e;
		if (k == 0)
			return cl_eof(c, have);
		have += k;
		*rlen = have;
	}
	if (have > need)
		return cl_fail(c, CL_EPROTO, EPROTO, "%zu bytes beyond the "
		    "%llu-byte response", have - (size_t)need,
		    (unsigned long long)need);
	return CL_OK;
}

static enum cl_err
req_code(struct cl_conn *c, const void *req, size_t reqlen, uint32_t *code)
{
	if (reqlen < 4)
		return cl_fail(c, CL_EARG, EINVAL, "control request of %zu "
		    "bytes has no command code", reqlen);
	*code = be32_get(req);
	return CL_OK;
}

enum cl_err
cl_ctrl(struct cl_conn *c, const void *req, size_t reqlen, void *rsp,
    size_t cap, size_t *rlen, int timeout_ms)
{
	struct cl_deadline d;
	uint32_t code = 0;
	enum cl_err e;

	*rlen = 0;
	if ((e = req_code(c, req, reqlen, &code)) != CL_OK)
		return e;
	cl_deadline_start(&d, timeout_ms);
	if ((e = cl_send_dl(c, req, reqlen, &d)) != CL_OK)
		return e;
	return ctrl_recv_dl(c, code, rsp, cap, rlen, &d);
}

enum cl_err
cl_ctrl_simple(struct cl_conn *c, const void *req, size_t reqlen,
    uint32_t *res, int timeout_ms)
{
	uint8_t rsp[16];
	size_t n;
	enum cl_err e;

	e = cl_ctrl(c, req, reqlen, rsp, sizeof(rsp), &n, timeout_ms);
	if (e != CL_OK)
		return e;
	*res = be32_get(rsp);
	return CL_OK;
}

enum cl_err
cl_get_stateblob(struct cl_conn *c, uint32_t flags, uint32_t type,
    uint8_t **blob, size_t *blobcap, size_t *len, size_t max, uint32_t *res,
    uint32_t *st_flags, int timeout_ms)
{
	struct ctrl_client_stateblob sb;
	struct cl_deadline d;
	uint8_t req[16], hdr[16], *p;
	size_t have = 0, k;
	enum cl_err e;
	struct wr w;

	*len = 0;
	wr_init(&w, req, sizeof(req));
	ctrl_client_enc_get_stateblob(&w, flags, type, 0);
	cl_deadline_start(&d, timeout_ms);
	if ((e = cl_send_dl(c, req, w.len, &d)) != CL_OK)
		return e;
	/* the header (or a 4-byte error); the blob goes to *blob */
	while (have < ctrl_client_rsp_len(CMD_GET_STATEBLOB, hdr, have) &&
	    have < sizeof(hdr)) {
		e = cl_read_dl(c, hdr + have, sizeof(hdr) - have, &k, &d);
		if (e != CL_OK)
			return e;
		if (k == 0)
			return cl_eof(c, have);
		have += k;
	}
	*res = be32_get(hdr);
	*st_flags = 0;
	if (have < sizeof(hdr))
		return CL_OK;
	if (!ctrl_client_dec_stateblob(hdr, have, &sb) ||
	    sb.totlength != sb.length)
		return cl_fail(c, CL_EPROTO, EPROTO, "state blob header "
		    "with totlength %u and length %u", sb.totlength,
		    sb.length);
	if (sb.length > max)
		return cl_fail(c, CL_ETOOBIG, EMSGSIZE, "state blob of %u "
		    "bytes exceeds %zu", sb.length, max);
	if (sb.length > *blobcap) {
		if ((p = realloc(*blob, sb.length)) == NULL)
			return cl_fail(c, CL_ENOMEM, ENOMEM, "cannot allocate "
			    "%u bytes for a state blob", sb.length);
		*blob = p;
		*blobcap = sb.length;
	}
	have = 0;
	while (have < sb.length) {
		e = cl_read_dl(c, *blob + have, sb.length - have, &k, &d);
		if (e != CL_OK)
			return e;
		if (k == 0)
			return cl_eof(c, 16 + have);
		have += k;
	}
	*st_flags = sb.state_flags;
	*len = sb.length;
	return CL_OK;
}

/*
 * Two buffers in one write where the socket takes them at once (without
 * blocking when a deadline is set); the rest goes the plain way.
 */
static enum cl_err
send_two(struct cl_conn *c, const uint8_t *a, size_t an, const uint8_t *b,
    size_t bn, struct cl_deadline *d)
{
	struct iovec iov[2];
	struct msghdr mh;
	enum cl_err e;
	ssize_t n = 0;
	size_t done;

	if (c->sock) {
		iov[0].iov_base = (void *)(uintptr_t)a;
		iov[0].iov_len = an;
		iov[1].iov_base = (void *)(uintptr_t)b;
		iov[1].iov_len = bn;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		do {
			n = sendmsg(c->fd, &mh, MSG_NOSIGNAL |
			    (d->on ? MSG_DONTWAIT : 0));
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			n = 0;	/* the plain path waits or reports */
	}
	done = (size_t)n;
	if (done < an) {
		if ((e = cl_send_dl(c, a + done, an - done, d)) != CL_OK)
			return e;
		done = an;
	}
	return cl_send_dl(c, b + (done - an), bn - (done - an), d);
}

enum cl_err
cl_set_stateblob(struct cl_conn *c, uint32_t flags, uint32_t type,
    const void *blob, size_t len, uint32_t *res, int timeout_ms)
{
	struct cl_deadline d;
	uint8_t hdr[16], rsp[4];
	size_t n;
	enum cl_err e;
	struct wr w;

	if (len > UINT32_MAX)
		return cl_fail(c, CL_EARG, EFBIG, "state blob of %zu bytes is "
		    "too large", len);
	wr_init(&w, hdr, sizeof(hdr));
	ctrl_client_enc_set_stateblob(&w, flags, type, (uint32_t)len);
	cl_deadline_start(&d, timeout_ms);
	if ((e = send_two(c, hdr, w.len, blob, len, &d)) != CL_OK)
		return e;
	e = ctrl_recv_dl(c, CMD_SET_STATEBLOB, rsp, sizeof(rsp), &n, &d);
	if (e == CL_OK)
		*res = be32_get(rsp);
	return e;
}
