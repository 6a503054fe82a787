/*
 * Maps a big-endian control request onto the host-endian ioctl of a
 * CUSE TPM device (control-channel.md §9) and converts the answer back
 * into the socket layout, so swtpm_ioctl's commands need not care. The
 * layout of each ioctl comes from the control command table (src/ctrl).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "bytes.h"
#include "ctrl.h"
#include "swtpm/tpm_ioctl.h"
#include "transport.h"

/* Largest ioctl structure: ptm_hdata (4 + 4096). */
#define CUSE_MAX	(4 + PTM_HDATA_SIZE)

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
	const struct ctrl_cmd_info *c;
	unsigned long nr;
	struct rd r;
	struct wr w;
	uint32_t code, len = 0;
	uint64_t caps;
	size_t i, body, n;

	rd_init(&r, req, reqlen);
	code = rd_be32(&r);
	c = ctrl_cmd_info(code);
	if (r.bad || c == NULL || c->ioctl_size == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&u, 0, sizeof(u));
	body = rd_left(&r);
	if (body > c->ioctl_size) {
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
	nr = c->ioctl_ro ? _IOR('P', code - 1, uint32_t) :
	    _IOWR('P', code - 1, uint32_t);
	/* the size field is the structure's, not that of the type above */
	nr = (nr & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
	    ((unsigned long)c->ioctl_size << _IOC_SIZESHIFT);
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
		if (len > (uint32_t)(c->ioctl_size - c->rsp_fixed))
			len = c->ioctl_size - c->rsp_fixed;
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
