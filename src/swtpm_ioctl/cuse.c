/*
 * Maps a big-endian control request onto the host-endian ioctl of a
 * CUSE TPM device (control-channel.md §9) and converts the answer back
 * into the socket layout, so swtpm_ioctl's commands need not care.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "bytes.h"
#include "swtpm/tpm_ioctl.h"
#include "transport.h"

/* Largest ioctl structure: ptm_hdata (4 + 4096). */
#define CUSE_MAX	(4 + PTM_HDATA_SIZE)

/*
 * One row per command: ioctl direction and structure size, how many
 * leading u32 request / response fields to byte-swap (the rest are raw
 * bytes), and whether the response carries a data length at word 3
 * (GET_STATEBLOB) or word 2 (GET_INFO).
 */
struct cuse_cmd {
	uint32_t	code;
	int		readonly;	/* _IOR, else _IOWR */
	uint16_t	size;
	uint8_t		req_words;
	uint8_t		rsp_words;
	uint8_t		len_word;	/* 0: fixed response size */
	uint16_t	rsp_fixed;
};

static const struct cuse_cmd cuse_cmds[] = {
	{ CMD_GET_CAPABILITY, 1, 8, 0, 0, 0, 8 },
	{ CMD_INIT, 0, 4, 1, 1, 0, 4 },
	{ CMD_SHUTDOWN, 1, 4, 0, 1, 0, 4 },
	{ CMD_GET_TPMESTABLISHED, 1, 8, 0, 1, 0, 8 },
	{ CMD_SET_LOCALITY, 0, 4, 0, 1, 0, 4 },
	{ CMD_HASH_START, 1, 4, 0, 1, 0, 4 },
	{ CMD_HASH_DATA, 0, 4 + PTM_HDATA_SIZE, 1, 1, 0, 4 },
	{ CMD_HASH_END, 1, 4, 0, 1, 0, 4 },
	{ CMD_CANCEL_TPM_CMD, 1, 4, 0, 1, 0, 4 },
	{ CMD_STORE_VOLATILE, 1, 4, 0, 1, 0, 4 },
	{ CMD_RESET_TPMESTABLISHED, 0, 4, 0, 1, 0, 4 },
	{ CMD_GET_STATEBLOB, 0, 16 + PTM_STATE_BLOB_SIZE, 3, 4, 4, 16 },
	{ CMD_SET_STATEBLOB, 0, 12 + PTM_STATE_BLOB_SIZE, 3, 1, 0, 4 },
	{ CMD_STOP, 1, 4, 0, 1, 0, 4 },
	{ CMD_GET_CONFIG, 1, 8, 0, 2, 0, 8 },
	{ CMD_SET_BUFFERSIZE, 0, 16, 1, 4, 0, 16 },
	{ CMD_GET_INFO, 0, 16 + PTM_GETINFO_SIZE, 0, 3, 3, 12 },
	{ CMD_LOCK_STORAGE, 0, 4, 1, 1, 0, 4 },
};

static void
put_he32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t
get_he32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

ssize_t
cuse_xfer(int fd, const void *req, size_t reqlen, void *rsp, size_t rspcap)
{
	union {
		uint64_t	align;
		uint8_t		b[CUSE_MAX];
	} u;
	const struct cuse_cmd *c = NULL;
	unsigned long nr;
	struct rd r;
	struct wr w;
	uint32_t code, len = 0;
	uint64_t caps;
	size_t i, body, n;

	rd_init(&r, req, reqlen);
	code = rd_be32(&r);
	for (i = 0; i < sizeof(cuse_cmds) / sizeof(cuse_cmds[0]); i++)
		if (cuse_cmds[i].code == code)
			c = &cuse_cmds[i];
	if (r.bad || c == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&u, 0, sizeof(u));
	body = rd_left(&r);
	if (body > c->size) {
		errno = EMSGSIZE;
		return -1;
	}
	if (code == CMD_GET_INFO) {
		uint64_t flags = rd_be64(&r);

		memcpy(u.b, &flags, sizeof(flags));
		put_he32(u.b + 8, rd_be32(&r));
		put_he32(u.b + 12, rd_be32(&r));
	} else {
		for (i = 0; i < c->req_words && rd_left(&r) >= 4; i++)
			put_he32(u.b + 4 * i, rd_be32(&r));
		n = rd_left(&r);
		if (n > 0)
			memcpy(u.b + 4 * i, rd_view(&r, n), n);
	}
	nr = c->readonly ? _IOR('P', code - 1, uint32_t) :
	    _IOWR('P', code - 1, uint32_t);
	/* the size field is the structure's, not that of the type above */
	nr = (nr & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
	    ((unsigned long)c->size << _IOC_SIZESHIFT);
	if (ioctl(fd, nr, u.b) < 0)
		return -1;
	if (rspcap == 0)
		return 0;

	wr_init(&w, rsp, rspcap);
	if (code == CMD_GET_CAPABILITY) {
		memcpy(&caps, u.b, sizeof(caps));
		wr_be64(&w, caps);
		return (ssize_t)w.len;
	}
	for (i = 0; i < c->rsp_words; i++)
		wr_be32(&w, get_he32(u.b + 4 * i));
	if (c->len_word != 0) {
		len = get_he32(u.b + 4 * (c->len_word - 1));
		if (len > (uint32_t)(c->size - c->rsp_fixed))
			len = c->size - c->rsp_fixed;
		wr_bytes(&w, u.b + c->rsp_fixed, len);
	} else if (c->rsp_fixed > 4 * c->rsp_words) {
		wr_bytes(&w, u.b + 4 * c->rsp_words,
		    c->rsp_fixed - 4 * c->rsp_words);
	}
	if (!wr_ok(&w)) {
		errno = EMSGSIZE;
		return -1;
	}
	return (ssize_t)w.len;
}
