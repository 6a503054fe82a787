/*
 * libFuzzer target for the control channel's server side: framing
 * minimum, dispatch with its length and state rules, and streaming of
 * HASH_DATA / SET_STATEBLOB payloads, against a mock emulator. Build
 * with `make fuzz-ctrl` (needs clang with libFuzzer).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctrl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool running;

static bool
f_running(void *a)
{
	(void)a;
	return running;
}

static uint32_t
f_u32(void *a, uint32_t x)
{
	(void)a;
	(void)x;
	running = true;
	return 0;
}

static void
f_stop(void *a)
{
	(void)a;
	running = false;
}

static uint32_t
f_bit(void *a, uint8_t *b)
{
	(void)a;
	*b = 0;
	return 0;
}

static uint32_t
f_u8(void *a, uint8_t x)
{
	(void)a;
	return x > 4 ? PTM_RES_BAD_LOCALITY : 0;
}

static uint32_t
f_void(void *a)
{
	(void)a;
	return 0;
}

static uint32_t
f_data(void *a, const uint8_t *p, size_t n)
{
	(void)a;
	return n > 0 && p[0] == 0xff ? 0x9 : 0;
}

static uint32_t
f_get(void *a, uint32_t f, uint32_t t, uint8_t **b, size_t *n, uint32_t *s)
{
	(void)a;
	(void)f;
	if (t < 1 || t > 3)
		return PTM_RES_FAIL;
	if (t == 3)
		return PTM_RES_RETRY;
	*n = 64 * t;
	*b = calloc(1, *n + 1);
	*s = 0;
	return *b != NULL ? 0 : PTM_RES_FAIL;
}

static void
f_sent(void *a, uint32_t t)
{
	(void)a;
	(void)t;
}

static uint32_t
f_set(void *a, uint32_t f, uint32_t t, const uint8_t *b, size_t n)
{
	(void)a;
	(void)f;
	(void)t;
	return n > 0 && b[n - 1] == 0 ? 0x3 : 0;
}

static uint32_t
f_fd(void *a, int fd)
{
	(void)a;
	return fd < 0 ? PTM_RES_BAD_PARAMETER : 0;
}

static uint32_t
f_buf(void *a, uint32_t w, uint32_t *i, uint32_t *mn, uint32_t *mx)
{
	(void)a;
	*i = w;
	*mn = 1;
	*mx = 2;
	return 0;
}

static char *
f_info(void *a, uint64_t f)
{
	(void)a;
	return f & 1 ? strdup("{\"TPMSpecification\":{}}") : strdup("{}");
}

static uint32_t
f_lock(void *a, bool *fatal)
{
	(void)a;
	*fatal = running;
	return running ? PTM_RES_IOERROR : 0;
}

/* The lock is busy for a few attempts when the input says so. */
static int busy;

static uint32_t
f_lockst(void *a, uint32_t r, bool *again)
{
	(void)a;
	busy = (int)(r & 3);
	*again = busy > 0;
	return 0;
}

static uint32_t
f_lockretry(void *a, bool *again)
{
	(void)a;
	*again = --busy > 0;
	return busy > 0 ? 0 : 9;
}

static const struct ctrl_ops fops = {
	.running = f_running, .init = f_u32, .stop = f_stop,
	.get_established = f_bit, .set_locality = f_u8,
	.reset_established = f_u8, .hash_start = f_void, .hash_data = f_data,
	.hash_end = f_void, .cancel = f_void, .store_volatile = f_void,
	.get_blob = f_get, .get_blob_sent = f_sent, .set_blob_lock = f_lock,
	.set_blob = f_set, .get_config = f_void, .set_datafd = f_fd,
	.set_buffersize = f_buf, .get_info = f_info,
	.lock_storage = f_lockst, .lock_storage_retry = f_lockretry,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrl_ctx *ctx;
	struct ctrl_reply r;
	struct ctrl_want w;
	enum ctrl_status st;
	size_t n, len;
	int fd = -1;

	if (size < 1)
		return 0;
	running = data[0] & 1;
	if ((ctx = ctrl_ctx_new(&fops, data[0] & 2)) == NULL)
		return 0;
	data++;
	size--;
	while (size >= 4) {
		n = ctrl_frame_min(data, size);
		if (n > size)
			n = size;
		st = ctrl_request(ctx, data, n, &fd);
		data += n;
		size -= n;
		while (st == CTRL_WAIT)
			st = ctrl_resume(ctx);
		while (st == CTRL_MORE) {
			if (!ctrl_stream_want(ctx, &w))
				abort();
			len = w.max < size ? w.max : size;
			if (w.buf != NULL) {
				memcpy(w.buf, data, len);
				st = ctrl_stream(ctx, w.buf, len);
			} else {
				st = ctrl_stream(ctx, data, len);
			}
			data += len;
			size -= len;
		}
		if (st == CTRL_REPLY) {
			ctrl_response(ctx, &r);
			if (r.len < 4 || r.p == NULL || r.log_head > r.len)
				abort();
			ctrl_response_done(ctx, true);
		}
	}
	ctrl_ctx_free(ctx);
	return 0;
}
