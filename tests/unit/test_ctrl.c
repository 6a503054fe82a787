/*
 * Unit tests for src/ctrl (server side): framing minimum, length and
 * state rules, every command's reply layout, streaming of HASH_DATA and
 * SET_STATEBLOB, fd hand-over, and every truncation of every request.
 * The emulator is a mock struct ctrl_ops that records what it was asked.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrl.h"
#include "t.h"

static struct mock {
	bool		 running;
	int		 calls;
	uint32_t	 last_flags, last_type;
	uint8_t		 loc;
	size_t		 hashed;
	uint8_t		 blob[8192];
	size_t		 bloblen;
	int		 got_fd;
	uint32_t	 lock_retries;
	uint32_t	 res;		/* result the mock returns */
	bool		 lock_fatal;	/* set_blob_lock fails fatally */
	int		 busy;		/* lock_storage: attempts that wait */
} m;

static bool
o_running(void *a)
{
	(void)a;
	return m.running;
}

static uint32_t
o_init(void *a, uint32_t f)
{
	(void)a;
	m.calls++;
	m.last_flags = f;
	m.running = m.res == 0;
	return m.res;
}

static void
o_stop(void *a)
{
	(void)a;
	m.calls++;
	m.running = false;
}

static uint32_t
o_est(void *a, uint8_t *bit)
{
	(void)a;
	*bit = 1;
	return m.res;
}

static uint32_t
o_loc(void *a, uint8_t l)
{
	(void)a;
	m.loc = l;
	return l > 4 ? PTM_RES_BAD_LOCALITY : 0;
}

static uint32_t
o_reset(void *a, uint8_t l)
{
	(void)a;
	m.loc = l;
	return m.res;
}

static uint32_t
o_simple(void *a)
{
	(void)a;
	m.calls++;
	return m.res;
}

static uint32_t
o_hash(void *a, const uint8_t *p, size_t n)
{
	(void)a;
	(void)p;
	m.hashed += n;
	return m.res;
}

static uint32_t
o_get_blob(void *a, uint32_t flags, uint32_t type, uint8_t **blob,
    size_t *len, uint32_t *st)
{
	(void)a;
	m.last_flags = flags;
	m.last_type = type;
	if (m.res != 0)
		return m.res;
	*blob = malloc(100);
	for (int i = 0; i < 100; i++)
		(*blob)[i] = (uint8_t)i;
	*len = 100;
	*st = 2;
	return 0;
}

static void
o_sent(void *a, uint32_t type)
{
	(void)a;
	m.last_type = type + 100;
}

static uint32_t
o_set_lock(void *a, bool *fatal)
{
	(void)a;
	if (m.lock_fatal) {
		*fatal = true;
		return PTM_RES_IOERROR;
	}
	return 0;
}

static uint32_t
o_set_blob(void *a, uint32_t flags, uint32_t type, const uint8_t *b,
    size_t n)
{
	(void)a;
	m.last_flags = flags;
	m.last_type = type;
	if (n <= sizeof(m.blob)) {
		if (n > 0)
			memcpy(m.blob, b, n);
		m.bloblen = n;
	}
	return m.res;
}

static uint32_t
o_config(void *a)
{
	(void)a;
	return 3;
}

static uint32_t
o_datafd(void *a, int fd)
{
	(void)a;
	m.got_fd = fd;
	if (fd >= 0)
		close(fd);
	return fd < 0 ? PTM_RES_BAD_PARAMETER : 0;
}

static uint32_t
o_bufsize(void *a, uint32_t want, uint32_t *inuse, uint32_t *min,
    uint32_t *max)
{
	(void)a;
	*inuse = want ? want : 4096;
	*min = 2808;
	*max = 4096;
	return 0;
}

static char *
o_info(void *a, uint64_t flags)
{
	(void)a;
	return flags == 1 ? strdup("{\"a\":1}") : strdup("{}");
}

/* The lock is "held elsewhere" for m.busy more attempts. */
static uint32_t
o_lockst(void *a, uint32_t r, bool *again)
{
	(void)a;
	m.lock_retries = r;
	m.calls++;
	*again = m.busy > 0 && r > 0;
	if (*again)
		m.busy--;
	return m.res;
}

static uint32_t
o_lockretry(void *a, bool *again)
{
	(void)a;
	m.calls++;
	*again = m.busy > 0;
	if (*again)
		m.busy--;
	return m.res;
}

static const struct ctrl_ops ops = {
	.running = o_running, .init = o_init, .stop = o_stop,
	.get_established = o_est, .set_locality = o_loc,
	.reset_established = o_reset, .hash_start = o_simple,
	.hash_data = o_hash, .hash_end = o_simple, .cancel = o_simple,
	.store_volatile = o_simple, .get_blob = o_get_blob,
	.get_blob_sent = o_sent, .set_blob_lock = o_set_lock,
	.set_blob = o_set_blob, .get_config = o_config,
	.set_datafd = o_datafd, .set_buffersize = o_bufsize,
	.get_info = o_info, .lock_storage = o_lockst,
	.lock_storage_retry = o_lockretry,
};

static struct ctrl_ctx *ctx;
/* the reply of the last run() */
static struct ctrl_reply last;

/* Runs one request given as hex; returns the reply as hex in out. */
static enum ctrl_status
run(const char *hex, char *out, size_t outlen)
{
	unsigned char req[CTRL_RECV_BUF];
	size_t n = t_hex(hex, req, sizeof(req)), i;
	enum ctrl_status st;
	int fd = -1;

	memset(&last, 0, sizeof(last));
	st = ctrl_request(ctx, req, n, &fd);
	out[0] = '\0';
	if (st == CTRL_REPLY) {
		ctrl_response(ctx, &last);
		for (i = 0; i < last.len && 2 * i + 2 < outlen; i++)
			snprintf(out + 2 * i, 3, "%02x", last.p[i]);
		ctrl_response_done(ctx, true);
	}
	return st;
}

/* The reply of a request fed by hand (4-byte results only). */
static uint8_t
result_byte(void)
{
	struct ctrl_reply r;
	uint8_t b;

	ctrl_response(ctx, &r);
	T_EQ_U(r.len, 4);
	b = r.len == 4 ? r.p[3] : 0xff;
	ctrl_response_done(ctx, true);
	return b;
}

static void
reset(bool running)
{
	memset(&m, 0, sizeof(m));
	m.running = running;
	m.got_fd = -2;
	ctrl_ctx_free(ctx);
	ctx = ctrl_ctx_new(&ops, true);
	if (ctx == NULL)
		abort();
}

static void
test_caps(void)
{
	char o[64];

	reset(false);
	T_EQ_U(run("00000001", o, sizeof(o)), CTRL_REPLY);
	T_EQ_STR(o, "000000000001ffff");
	/* COMPAT: trailing bytes ignored */
	run("00000001 00000000", o, sizeof(o));
	T_EQ_STR(o, "000000000001ffff");
	T_EQ_U(ctrl_caps(false), 0x17fff);
}

static void
test_frame_min(void)
{
	unsigned char b[32];

	t_hex("00000002", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 4), 8);
	t_hex("000000050300", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 4), 5);
	t_hex("00000007 00000010", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 4), 8);
	T_EQ_U(ctrl_frame_min(b, 8), 8 + 16);
	t_hex("0000000c", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 4), 16);
	t_hex("0000000d 00000000 00000001 00001000", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 12), 16);
	/* capped at the receive buffer */
	T_EQ_U(ctrl_frame_min(b, 16), CTRL_RECV_BUF);
	t_hex("0000000d 00000000 00000001 ffffffff", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 16), CTRL_RECV_BUF);
	t_hex("00000014", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 4), 4);
	T_EQ_U(ctrl_frame_min(b, 2), 4);
	t_hex("00000011", b, sizeof(b));
	T_EQ_U(ctrl_frame_min(b, 4), 4);	/* decided on the first read */
}

static void
test_rules(void)
{
	char o[64];

	reset(false);
	/* state first, then length (control-channel.md §3) */
	run("00000004 00000000", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	reset(true);
	run("00000004 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000003");
	run("00000004", o, sizeof(o));
	T_EQ_STR(o, "0000000001000000");
	/* INIT body exactly 4 */
	run("00000002 00000000 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000003");
	/* SHUTDOWN with a body is not executed */
	run("00000003 00", o, sizeof(o));
	T_EQ_STR(o, "00000003");
	T_CHECK(last.after == CTRL_AFTER_NONE && m.running);
	run("00000003", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	T_CHECK(last.after == CTRL_AFTER_EXIT && !m.running);
	/* STOP does not end the process */
	reset(true);
	run("0000000e", o, sizeof(o));
	T_CHECK(last.after == CTRL_AFTER_NONE && !m.running);
	/* unknown codes */
	reset(false);
	run("00000014", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	run("00000000", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	run("ffffffff 00", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	/* running-only and stopped-only commands */
	run("0000000c 00000000 00000001 00000000", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	reset(true);
	run("0000000d 00000000 00000001 00000000", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	run("00000011 00001000", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	run("00000011 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000000" "00001000" "00000af8" "00001000");
	run("00000011 0000", o, sizeof(o));
	T_EQ_STR(o, "00000003");
}

static void
test_locality_and_misc(void)
{
	char o[64];

	reset(false);
	run("00000005 03000000", o, sizeof(o));	/* QEMU pads to 4 */
	T_EQ_STR(o, "00000000");
	T_EQ_U(m.loc, 3);
	run("00000005 05", o, sizeof(o));
	T_EQ_STR(o, "0000003d");
	run("0000000f", o, sizeof(o));
	T_EQ_STR(o, "0000000000000003");
	run("0000000e", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	run("00000013 0000012c", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	T_EQ_U(m.lock_retries, 300);
	reset(true);
	run("0000000b 03000000", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	T_EQ_U(m.loc, 3);
	m.res = 9;
	run("00000009", o, sizeof(o));
	T_EQ_STR(o, "00000009");
}

static void
test_get_info(void)
{
	char o[128];

	reset(false);
	run("00000012 0000000000000001 00000000 00000000", o, sizeof(o));
	/* {"a":1} + NUL: totlength 8 */
	T_EQ_STR(o, "00000000000000080000000" "87b2261223a317d00");
	run("00000012 0000000000000001 00000006 00000000", o, sizeof(o));
	T_EQ_STR(o, "0000000000000008000000027d00");
	/* offset == strlen is refused */
	run("00000012 0000000000000001 00000007 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000003");
	run("00000012 0000000000000000 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000003");
}

static void
test_get_blob(void)
{
	char o[512];

	reset(true);
	run("0000000c 00000001 00000002 00000000", o, sizeof(o));
	T_EQ_U(strlen(o), 2 * (16 + 100));
	T_CHECK(strncmp(o, "00000000000000020000006400000064", 32) == 0);
	T_EQ_U(m.last_flags, 1);
	T_EQ_U(m.last_type, 102);	/* get_blob_sent was called */
	T_EQ_U(last.log_head, 16);	/* COMPAT: logged as header + blob */
	/* a refused request never reaches get_blob or get_blob_sent */
	reset(false);
	m.last_type = 7;
	run("0000000c 00000001 00000003 00000000", o, sizeof(o));
	T_EQ_STR(o, "0000000a");
	T_EQ_U(m.last_type, 7);
	T_EQ_U(last.log_head, 0);
	reset(true);
	run("0000000c 00000000 00000001 00000060 ffff", o, sizeof(o));
	T_EQ_STR(o, "000000000000000200000004000000046061626" "3");
	run("0000000c 00000000 00000001 00000064", o, sizeof(o));
	T_EQ_STR(o, "00000000000000020000000000000000");
	m.res = 0x800;
	run("0000000c 00000000 00000003 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000800000000000000000000000000");
}

static void
test_set_blob_stream(void)
{
	unsigned char req[CTRL_RECV_BUF], chunk[5000];
	char o[64];
	struct ctrl_want w;
	int fd = -1;

	/* whole blob in the request */
	reset(false);
	run("0000000d 00000002 00000002 00000003 aabbcc", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	T_EQ_U(m.bloblen, 3);
	T_EQ_U(m.last_flags, 2);
	/* more bytes than the length */
	run("0000000d 00000000 00000001 00000002 aabbcc", o, sizeof(o));
	T_EQ_STR(o, "00000003");
	/* length 0 clears */
	run("0000000d 00000000 00000001 00000000", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	T_EQ_U(m.bloblen, 0);
	/* over the limit */
	run("0000000d 00000000 00000001 00080001", o, sizeof(o));
	T_EQ_STR(o, "00000009");
	T_CHECK(last.after == CTRL_AFTER_NONE);
	/* the storage lock is held elsewhere: IOERROR, then the exit */
	m.lock_fatal = true;
	run("0000000d 00000000 00000001 00000003 aabbcc", o, sizeof(o));
	T_EQ_STR(o, "0000001f");
	T_CHECK(last.after == CTRL_AFTER_EXIT);
	m.lock_fatal = false;

	/* 6000-byte blob: first buffer, then a chunk, then in place */
	reset(false);
	memset(req, 0x11, sizeof(req));
	t_hex("0000000d 00000000 00000001 00001770", req, 16);
	T_EQ_U(ctrl_request(ctx, req, sizeof(req), &fd), CTRL_MORE);
	T_ASSERT(ctrl_stream_want(ctx, &w));
	T_EQ_U(w.max, 6000 - 4088);
	T_CHECK(w.buf != NULL && w.strict_end);
	memset(chunk, 0x22, 1000);
	T_EQ_U(ctrl_stream(ctx, chunk, 1000), CTRL_MORE);
	T_ASSERT(ctrl_stream_want(ctx, &w));
	T_ASSERT(w.buf != NULL);
	T_EQ_U(w.max, 912);
	memset(w.buf, 0x33, w.max);
	T_EQ_U(ctrl_stream(ctx, w.buf, w.max), CTRL_REPLY);
	T_EQ_U(result_byte(), 0);
	T_CHECK(!ctrl_stream_want(ctx, &w));
	T_EQ_U(m.bloblen, 6000);
	T_EQ_U(m.blob[4087], 0x11);
	T_EQ_U(m.blob[4088], 0x22);
	T_EQ_U(m.blob[5999], 0x33);

	/* EOF and excess while streaming */
	T_EQ_U(ctrl_request(ctx, req, sizeof(req), &fd), CTRL_MORE);
	T_EQ_U(ctrl_stream(ctx, chunk, 0), CTRL_REPLY);
	T_EQ_U(result_byte(), 3);
	T_EQ_U(ctrl_request(ctx, req, sizeof(req), &fd), CTRL_MORE);
	T_EQ_U(ctrl_stream(ctx, chunk, 5000), CTRL_REPLY);
	T_EQ_U(result_byte(), 3);
	T_EQ_U(ctrl_request(ctx, req, sizeof(req), &fd), CTRL_MORE);
	T_EQ_U(ctrl_stream_excess(ctx), CTRL_REPLY);
	T_EQ_U(result_byte(), 3);
	/* a stream that is not pending takes nothing */
	T_EQ_U(ctrl_stream(ctx, chunk, 10), CTRL_CLOSE);
}

static void
test_hash_stream(void)
{
	unsigned char req[CTRL_RECV_BUF], chunk[4096];
	struct ctrl_want w;
	char o[64];
	int fd = -1;

	reset(true);
	run("00000007 00000003 616263", o, sizeof(o));
	T_EQ_STR(o, "00000000");
	T_EQ_U(m.hashed, 3);
	run("00000007 00000002 616263", o, sizeof(o));
	T_EQ_STR(o, "00000003");
	/* 10000 bytes: 4096 in the request, then chunks */
	reset(true);
	t_hex("00000007 00002710", req, 8);
	T_EQ_U(ctrl_request(ctx, req, sizeof(req), &fd), CTRL_MORE);
	T_EQ_U(m.hashed, 4096);
	/* read into any buffer, at most a chunk, never past the data */
	T_ASSERT(ctrl_stream_want(ctx, &w));
	T_CHECK(w.buf == NULL && !w.strict_end);
	T_EQ_U(w.max, 4096);
	T_EQ_U(ctrl_stream(ctx, chunk, 4096), CTRL_MORE);
	T_ASSERT(ctrl_stream_want(ctx, &w));
	T_EQ_U(w.max, 1808);
	T_EQ_U(ctrl_stream(ctx, chunk, 1808), CTRL_REPLY);
	T_EQ_U(result_byte(), 0);
	T_EQ_U(m.hashed, 10000);
	/* EOF mid-stream: TPM_IOERROR */
	T_EQ_U(ctrl_request(ctx, req, sizeof(req), &fd), CTRL_MORE);
	T_EQ_U(ctrl_stream(ctx, chunk, 0), CTRL_REPLY);
	T_EQ_U(result_byte(), 0x1f);
}

static void
test_datafd(void)
{
	unsigned char req[8];
	int fds[2], fd;

	reset(false);
	T_ASSERT(pipe(fds) == 0);
	close(fds[1]);
	/* another command with an fd: not taken */
	fd = fds[0];
	t_hex("00000001", req, sizeof(req));
	T_EQ_U(ctrl_request(ctx, req, 4, &fd), CTRL_REPLY);
	T_EQ_U(fd, fds[0]);
	T_EQ_U(m.got_fd, (uint64_t)-2);
	ctrl_response_done(ctx, true);
	/* SET_DATAFD takes it, through its table row */
	t_hex("00000010", req, sizeof(req));
	T_EQ_U(ctrl_request(ctx, req, 4, &fd), CTRL_REPLY);
	T_EQ_U(fd, (uint64_t)-1);
	T_EQ_U(m.got_fd, fds[0]);
	T_EQ_U(result_byte(), 0);
	/* without one */
	fd = -1;
	T_EQ_U(ctrl_request(ctx, req, 4, &fd), CTRL_REPLY);
	T_EQ_U(result_byte(), 3);
}

/* Every prefix of every valid request: no crash, a reply or more data. */
static void
test_truncations(void)
{
	static const char *reqs[] = {
		"00000001", "00000002 00000001", "00000003", "00000004",
		"00000005 03", "00000006", "00000007 00000003 616263",
		"00000008", "00000009", "0000000a", "0000000b 03",
		"0000000c 00000001 00000001 00000000",
		"0000000d 00000000 00000001 00000002 aabb", "0000000e",
		"0000000f", "00000010", "00000011 00000000",
		"00000012 0000000000000001 00000000 00000000",
		"00000013 00000000",
	};
	unsigned char req[64];
	size_t i, n, k;
	int fd;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		for (int r = 0; r < 2; r++) {
			n = t_hex(reqs[i], req, sizeof(req));
			for (k = 4; k <= n; k++) {
				enum ctrl_status st;

				reset(r == 1);
				fd = -1;
				st = ctrl_request(ctx, req, k, &fd);
				T_CHECK(st == CTRL_REPLY || st == CTRL_MORE);
				if (st == CTRL_MORE)
					(void)ctrl_stream(ctx, req, 0);
				ctrl_response_done(ctx, false);
			}
		}
	}
	/* fewer than 4 bytes never dispatch */
	reset(false);
	fd = -1;
	T_EQ_U(ctrl_request(ctx, req, 3, &fd), CTRL_CLOSE);
	ctrl_ctx_reset(ctx);
}

/* LOCK_STORAGE's retries: CTRL_WAIT, then ctrl_resume until an answer. */
static void
test_lock_wait(void)
{
	unsigned char req[8];
	int fd = -1;

	reset(false);
	m.busy = 3;
	t_hex("00000013 0000012c", req, sizeof(req));
	T_EQ_U(ctrl_request(ctx, req, 8, &fd), CTRL_WAIT);
	T_EQ_U(m.lock_retries, 300);
	T_EQ_U(ctrl_resume(ctx), CTRL_WAIT);
	T_EQ_U(ctrl_resume(ctx), CTRL_WAIT);
	T_EQ_U(ctrl_resume(ctx), CTRL_REPLY);
	T_EQ_U(m.calls, 4);
	T_EQ_U(result_byte(), 0);
	/* the final answer is the op's */
	m.busy = 1;
	m.res = 9;
	T_EQ_U(ctrl_request(ctx, req, 8, &fd), CTRL_WAIT);
	T_EQ_U(ctrl_resume(ctx), CTRL_REPLY);
	T_EQ_U(result_byte(), 9);
	/* nothing to resume once answered, or after a reset */
	T_EQ_U(ctrl_resume(ctx), CTRL_CLOSE);
	m.busy = 5;
	T_EQ_U(ctrl_request(ctx, req, 8, &fd), CTRL_WAIT);
	ctrl_ctx_reset(ctx);
	T_EQ_U(ctrl_resume(ctx), CTRL_CLOSE);
}

/* The clients' view of the same table: names and CUSE layouts. */
static void
test_cmd_info(void)
{
	const struct ctrl_cmd_info *c;
	uint32_t code;

	for (code = 1; code <= CMD_LOCK_STORAGE; code++) {
		c = ctrl_cmd_info(code);
		T_ASSERT(c != NULL);
		T_EQ_U(c->code, code);
		T_CHECK(strncmp(c->ioctl, "PTM_", 4) == 0 &&
		    strcmp(c->ioctl + 4, c->name) == 0);
		T_EQ_STR(ctrl_cmd_name(code), c->name);
		/* every ioctl structure holds its response's fixed part */
		T_CHECK(c->ioctl_size == 0 || c->rsp_fixed <= c->ioctl_size);
	}
	T_CHECK(ctrl_cmd_info(0) == NULL);
	T_CHECK(ctrl_cmd_info(CMD_LOCK_STORAGE + 1) == NULL);
	T_CHECK(ctrl_cmd_name(0x20) == NULL);
	c = ctrl_cmd_info(CMD_GET_STATEBLOB);
	T_EQ_U(c->ioctl_size, 16 + PTM_STATE_BLOB_SIZE);
	T_EQ_U(c->len_word, 4);
	T_EQ_U(ctrl_cmd_info(CMD_SET_DATAFD)->ioctl_size, 0);
	T_EQ_STR(ctrl_cmd_info(CMD_GET_TPMESTABLISHED)->ioctl,
	    "PTM_GET_TPMESTABLISHED");
}

int
main(void)
{
	reset(false);
	T_RUN(test_caps);
	T_RUN(test_frame_min);
	T_RUN(test_rules);
	T_RUN(test_locality_and_misc);
	T_RUN(test_get_info);
	T_RUN(test_get_blob);
	T_RUN(test_set_blob_stream);
	T_RUN(test_hash_stream);
	T_RUN(test_datafd);
	T_RUN(test_truncations);
	T_RUN(test_lock_wait);
	T_RUN(test_cmd_info);
	ctrl_ctx_free(ctx);
	T_END();
}
