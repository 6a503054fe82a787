/*
 * Data and control channel requests for the benchmark (see client.h).
 * Responses are framed by their own size fields; reads are bounded by
 * the socket receive timeout set at connect time.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "client.h"
#include "io.h"
#include "swtpm/tpm_ioctl.h"

#define BLOB_MAX	(16u << 20)

int
tpm_send(int fd, const uint8_t *cmd, size_t len)
{
	return write_full(fd, cmd, len) == (ssize_t)len ? 0 : -1;
}

ssize_t
tpm_recv(int fd, uint8_t *rsp, size_t cap)
{
	size_t	have = 0, want = 0;
	ssize_t	n;

	while (want == 0 || have < want) {
		n = read(fd, rsp + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		if (want == 0 && have >= 6) {
			want = be32_get(rsp + 2);
			if (want < 10 || want > cap)
				return -1;
		}
		if (have == cap && have < want)
			return -1;
	}
	return have == want ? (ssize_t)have : -1;
}

ssize_t
tpm_xfer(int fd, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap)
{
	if (tpm_send(fd, cmd, len) != 0)
		return -1;
	return tpm_recv(fd, rsp, cap);
}

int
ctrl_simple(int fd, uint32_t code, const uint8_t *body, size_t blen,
    uint32_t *res)
{
	uint8_t		req[64], rsp[4];
	struct wr	w;

	wr_init(&w, req, sizeof(req));
	wr_be32(&w, code);
	wr_bytes(&w, body, blen);
	if (!wr_ok(&w) || write_full(fd, req, w.len) != (ssize_t)w.len ||
	    read_full(fd, rsp, sizeof(rsp)) != (ssize_t)sizeof(rsp))
		return -1;
	*res = be32_get(rsp);
	return 0;
}

static int
blob_reserve(struct blobbuf *b, size_t n)
{
	uint8_t	*p;

	if (n <= b->cap)
		return 0;
	if ((p = realloc(b->p, n)) == NULL)
		return -1;
	b->p = p;
	b->cap = n;
	return 0;
}

int
ctrl_get_blob(int fd, uint32_t type, struct blobbuf *b, uint32_t *res)
{
	uint8_t		req[16], hdr[16];
	struct wr	w;
	struct rd	r;
	uint32_t	tot, len;

	wr_init(&w, req, sizeof(req));
	wr_be32(&w, CMD_GET_STATEBLOB);
	wr_be32(&w, PTM_STATE_FLAG_DECRYPTED);
	wr_be32(&w, type);
	wr_be32(&w, 0);
	if (write_full(fd, req, w.len) != (ssize_t)w.len)
		return -1;
	if (read_full(fd, hdr, 4) != 4)
		return -1;
	*res = be32_get(hdr);
	b->len = 0;
	/* A short failure reply is 4 bytes; a later one is 16 (spec §3). */
	if (*res != 0 && *res != PTM_RES_RETRY)
		return 0;
	if (read_full(fd, hdr + 4, 12) != 12)
		return -1;
	rd_init(&r, hdr, sizeof(hdr));
	rd_skip(&r, 8);
	tot = rd_be32(&r);
	len = rd_be32(&r);
	if (r.bad || tot != len || len > BLOB_MAX || blob_reserve(b, len))
		return -1;
	if (read_full(fd, b->p, len) != (ssize_t)len)
		return -1;
	b->len = len;
	return 0;
}

int
ctrl_set_blob(int fd, uint32_t type, const struct blobbuf *b, uint32_t *res)
{
	uint8_t		*req, rsp[4];
	struct wr	 w;
	size_t		 n = 16 + b->len;
	int		 rc = -1;

	if (b->len > BLOB_MAX || (req = malloc(n)) == NULL)
		return -1;
	wr_init(&w, req, n);
	wr_be32(&w, CMD_SET_STATEBLOB);
	wr_be32(&w, 0);
	wr_be32(&w, type);
	wr_be32(&w, (uint32_t)b->len);
	wr_bytes(&w, b->p, b->len);
	if (wr_ok(&w) && write_full(fd, req, w.len) == (ssize_t)w.len &&
	    read_full(fd, rsp, sizeof(rsp)) == (ssize_t)sizeof(rsp)) {
		*res = be32_get(rsp);
		rc = 0;
	}
	free(req);
	return rc;
}

void
blobbuf_release(struct blobbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
