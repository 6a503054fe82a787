/*
 * The control command table and its dispatcher. One row per command
 * gives the framing minimum, the length rule, the TPM state it needs and
 * its capability bit; nothing else switches on a command code. Handlers
 * decode their body with struct rd and act through struct ctrl_ops.
 * Buffers that may hold decrypted state are wiped before they are freed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "io.h"
#include "ctrl.h"

/* Length rules on n = body bytes received. */
enum len_rule { LEN_ANY, LEN_EXACT, LEN_MIN };

/* Flags of a row. */
#define F_RUNNING	0x1	/* TPM must be running */
#define F_STOPPED	0x2	/* TPM must be stopped */
#define F_VARLEN	0x4	/* framing adds the BE32 length at len_off */
#define F_TPM2CAP	0x8	/* capability only reported for TPM 2 */

struct ctrl_cmd {
	uint32_t	 code;
	const char	*name;
	size_t		 frame_min;	/* body bytes the framer waits for */
	enum len_rule	 rule;
	size_t		 body;		/* bytes for the length rule */
	unsigned	 flags;
	size_t		 len_off;	/* F_VARLEN: offset of the length */
	uint32_t	 cap;
	enum ctrl_status (*run)(struct ctrl_ctx *, struct rd *, struct wr *);
};

static enum ctrl_status h_get_capability(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_init(struct ctrl_ctx *, struct rd *, struct wr *);
static enum ctrl_status h_shutdown(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_get_est(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_set_locality(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_hash_start(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_hash_data(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_hash_end(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_cancel(struct ctrl_ctx *, struct rd *, struct wr *);
static enum ctrl_status h_store_volatile(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_reset_est(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_get_blob(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_set_blob(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_stop(struct ctrl_ctx *, struct rd *, struct wr *);
static enum ctrl_status h_get_config(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_set_datafd(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_set_buffersize(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_get_info(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_lock_storage(struct ctrl_ctx *, struct rd *,
    struct wr *);

/* COMPAT: control-channel.md §1.1 and §3 (framing minimum, length rule). */
static const struct ctrl_cmd ctrl_cmds[] = {
	{ CMD_GET_CAPABILITY, "GET_CAPABILITY", 0, LEN_ANY, 0, 0, 0,
	    0, h_get_capability },
	{ CMD_INIT, "INIT", 4, LEN_EXACT, 4, 0, 0, PTM_CAP_INIT, h_init },
	{ CMD_SHUTDOWN, "SHUTDOWN", 0, LEN_EXACT, 0, 0, 0, PTM_CAP_SHUTDOWN,
	    h_shutdown },
	{ CMD_GET_TPMESTABLISHED, "GET_TPMESTABLISHED", 0, LEN_EXACT, 0,
	    F_RUNNING, 0, PTM_CAP_GET_TPMESTABLISHED, h_get_est },
	{ CMD_SET_LOCALITY, "SET_LOCALITY", 1, LEN_MIN, 1, 0, 0,
	    PTM_CAP_SET_LOCALITY, h_set_locality },
	{ CMD_HASH_START, "HASH_START", 0, LEN_EXACT, 0, F_RUNNING, 0,
	    PTM_CAP_HASHING, h_hash_start },
	{ CMD_HASH_DATA, "HASH_DATA", 4, LEN_MIN, 4, F_RUNNING | F_VARLEN, 0,
	    PTM_CAP_HASHING, h_hash_data },
	{ CMD_HASH_END, "HASH_END", 0, LEN_EXACT, 0, F_RUNNING, 0,
	    PTM_CAP_HASHING, h_hash_end },
	{ CMD_CANCEL_TPM_CMD, "CANCEL_TPM_CMD", 0, LEN_EXACT, 0, F_RUNNING, 0,
	    PTM_CAP_CANCEL_TPM_CMD, h_cancel },
	{ CMD_STORE_VOLATILE, "STORE_VOLATILE", 0, LEN_EXACT, 0, F_RUNNING, 0,
	    PTM_CAP_STORE_VOLATILE, h_store_volatile },
	{ CMD_RESET_TPMESTABLISHED, "RESET_TPMESTABLISHED", 1, LEN_MIN, 1,
	    F_RUNNING, 0, PTM_CAP_RESET_TPMESTABLISHED, h_reset_est },
	{ CMD_GET_STATEBLOB, "GET_STATEBLOB", 12, LEN_MIN, 12, F_RUNNING, 0,
	    PTM_CAP_GET_STATEBLOB, h_get_blob },
	{ CMD_SET_STATEBLOB, "SET_STATEBLOB", 12, LEN_MIN, 12,
	    F_STOPPED | F_VARLEN, 8, PTM_CAP_SET_STATEBLOB, h_set_blob },
	{ CMD_STOP, "STOP", 0, LEN_EXACT, 0, 0, 0, PTM_CAP_STOP, h_stop },
	{ CMD_GET_CONFIG, "GET_CONFIG", 0, LEN_EXACT, 0, 0, 0,
	    PTM_CAP_GET_CONFIG, h_get_config },
	{ CMD_SET_DATAFD, "SET_DATAFD", 0, LEN_ANY, 0, 0, 0,
	    PTM_CAP_SET_DATAFD, h_set_datafd },
	{ CMD_SET_BUFFERSIZE, "SET_BUFFERSIZE", 0, LEN_MIN, 4, 0, 0,
	    PTM_CAP_SET_BUFFERSIZE, h_set_buffersize },
	{ CMD_GET_INFO, "GET_INFO", 0, LEN_MIN, 16, 0, 0, PTM_CAP_GET_INFO,
	    h_get_info },
	{ CMD_LOCK_STORAGE, "LOCK_STORAGE", 0, LEN_MIN, 4, 0, 0,
	    PTM_CAP_LOCK_STORAGE, h_lock_storage },
};

#define NCMDS	(sizeof(ctrl_cmds) / sizeof(ctrl_cmds[0]))

static const struct ctrl_cmd *
lookup(uint32_t code)
{
	/* Codes are consecutive from 1 (control-channel.md §3). */
	if (code >= 1 && code <= NCMDS && ctrl_cmds[code - 1].code == code)
		return &ctrl_cmds[code - 1];
	return NULL;
}

const char *
ctrl_cmd_name(uint32_t code)
{
	const struct ctrl_cmd *c = lookup(code);

	return c != NULL ? c->name : NULL;
}

uint32_t
ctrl_caps(bool tpm2)
{
	uint32_t caps = 0;
	size_t i;

	for (i = 0; i < NCMDS; i++)
		caps |= ctrl_cmds[i].cap;
	if (tpm2)
		caps |= PTM_CAP_SEND_COMMAND_HEADER;
	return caps;
}

size_t
ctrl_frame_min(const uint8_t *buf, size_t n)
{
	const struct ctrl_cmd *c;
	uint64_t need;

	if (n < 4)
		return 4;
	c = lookup(be32_get(buf));
	if (c == NULL)
		return 4;
	need = 4 + c->frame_min;
	if ((c->flags & F_VARLEN) && n >= 4 + c->len_off + 4)
		need += be32_get(buf + 4 + c->len_off);
	return need > CTRL_RECV_BUF ? CTRL_RECV_BUF : (size_t)need;
}

void
ctrl_ctx_init(struct ctrl_ctx *ctx, const struct ctrl_ops *ops, bool tpm2)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = ops;
	ctx->tpm2 = tpm2;
}

void
ctrl_ctx_reset(struct ctrl_ctx *ctx)
{
	secure_free(ctx->heap, ctx->resp_len);
	ctx->heap = NULL;
	ctx->resp_len = 0;
	secure_free(ctx->s_acc, ctx->s_len + ctx->s_left);
	ctx->s_acc = NULL;
	ctx->s_left = 0;
	ctx->s_len = 0;
	ctx->s_code = 0;
}

static enum ctrl_status
reply_res(struct wr *out, uint32_t res)
{
	out->len = 0;
	out->overflow = false;
	wr_be32(out, res);
	return CTRL_REPLY;
}

enum ctrl_status
ctrl_request(struct ctrl_ctx *ctx, const uint8_t *req, size_t n, int *fd)
{
	const struct ctrl_cmd *c;
	enum ctrl_status st;
	struct wr out;
	struct rd body;
	size_t blen;
	bool running;

	ctrl_ctx_reset(ctx);
	wr_init(&out, ctx->small, sizeof(ctx->small));
	if (n < 4)
		return CTRL_CLOSE;
	ctx->sent_code = be32_get(req);
	c = lookup(ctx->sent_code);
	if (c == NULL) {
		st = reply_res(&out, PTM_RES_BAD_ORDINAL);
		goto done;
	}
	blen = n - 4;
	rd_init(&body, req + 4, blen);

	/* State first, then length (control-channel.md §3, check order). */
	running = ctx->ops->running(ctx->ops->arg);
	if (((c->flags & F_RUNNING) && !running) ||
	    ((c->flags & F_STOPPED) && running)) {
		st = reply_res(&out, PTM_RES_BAD_ORDINAL);
		goto done;
	}
	if ((c->rule == LEN_EXACT && blen != c->body) ||
	    (c->rule == LEN_MIN && blen < c->body)) {
		st = reply_res(&out, PTM_RES_BAD_PARAMETER);
		goto done;
	}
	if (c->code == CMD_SET_DATAFD) {
		int f = *fd;

		*fd = -1;
		st = reply_res(&out, ctx->ops->set_datafd(ctx->ops->arg, f));
		goto done;
	}
	st = c->run(ctx, &body, &out);
done:
	if (st == CTRL_REPLY && ctx->heap == NULL) {
		if (!wr_ok(&out))
			(void)reply_res(&out, PTM_RES_FAIL);
		ctx->resp_len = out.len;
	}
	return st;
}

const uint8_t *
ctrl_response(const struct ctrl_ctx *ctx, size_t *len)
{
	*len = ctx->resp_len;
	return ctx->heap != NULL ? ctx->heap : ctx->small;
}

void
ctrl_response_done(struct ctrl_ctx *ctx, bool ok)
{
	if (ok && ctx->sent_code == CMD_GET_STATEBLOB &&
	    ctx->ops->get_blob_sent != NULL)
		ctx->ops->get_blob_sent(ctx->ops->arg, ctx->sent_type);
	ctrl_ctx_reset(ctx);
	ctx->sent_code = 0;
}

size_t
ctrl_stream_left(const struct ctrl_ctx *ctx)
{
	return ctx->s_left;
}

/* ------------------------------------------------------------ handlers */

static enum ctrl_status
h_get_capability(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	wr_be32(out, PTM_RES_SUCCESS);
	wr_be32(out, ctrl_caps(ctx->tpm2));
	return CTRL_REPLY;
}

static enum ctrl_status
h_init(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint32_t flags = rd_be32(in);

	return reply_res(out, ctx->ops->init(ctx->ops->arg, flags));
}

static enum ctrl_status
h_shutdown(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	ctx->ops->stop(ctx->ops->arg);
	ctx->shutdown = true;
	return reply_res(out, PTM_RES_SUCCESS);
}

static enum ctrl_status
h_stop(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	ctx->ops->stop(ctx->ops->arg);
	return reply_res(out, PTM_RES_SUCCESS);
}

static enum ctrl_status
h_get_est(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint8_t bit = 0;
	uint32_t res;

	(void)in;
	res = ctx->ops->get_established(ctx->ops->arg, &bit);
	wr_be32(out, res);
	wr_u8(out, bit);
	wr_u8(out, 0);
	wr_be16(out, 0);
	return CTRL_REPLY;
}

static enum ctrl_status
h_set_locality(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	/* COMPAT: trailing bytes (QEMU pads to 4) are ignored. */
	return reply_res(out, ctx->ops->set_locality(ctx->ops->arg,
	    rd_u8(in)));
}

static enum ctrl_status
h_reset_est(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	return reply_res(out, ctx->ops->reset_established(ctx->ops->arg,
	    rd_u8(in)));
}

static enum ctrl_status
h_hash_start(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	return reply_res(out, ctx->ops->hash_start(ctx->ops->arg));
}

static enum ctrl_status
h_hash_end(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	return reply_res(out, ctx->ops->hash_end(ctx->ops->arg));
}

static enum ctrl_status
h_hash_data(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint32_t length = rd_be32(in);
	size_t have = rd_left(in);
	uint32_t res = PTM_RES_SUCCESS;

	/* COMPAT: upstream after 0.7.1: excess data is a bad parameter. */
	if (have > length)
		return reply_res(out, PTM_RES_BAD_PARAMETER);
	if (have > 0)
		res = ctx->ops->hash_data(ctx->ops->arg, rd_view(in, have),
		    have);
	if (res != PTM_RES_SUCCESS || have == length)
		return reply_res(out, res);
	ctx->s_code = CMD_HASH_DATA;
	ctx->s_left = length - have;
	ctx->s_res = PTM_RES_SUCCESS;
	return CTRL_MORE;
}

static enum ctrl_status
h_cancel(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	return reply_res(out, ctx->ops->cancel(ctx->ops->arg));
}

static enum ctrl_status
h_store_volatile(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	return reply_res(out, ctx->ops->store_volatile(ctx->ops->arg));
}

static void
blob_hdr(struct wr *w, uint32_t res, uint32_t flags, uint32_t len)
{
	wr_be32(w, res);
	wr_be32(w, flags);
	wr_be32(w, len);	/* totlength: remaining from offset */
	wr_be32(w, len);	/* length */
}

static enum ctrl_status
h_get_blob(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint32_t flags = rd_be32(in), type = rd_be32(in), off = rd_be32(in);
	uint32_t st_flags = 0, res, rem;
	uint8_t *blob = NULL;
	size_t len = 0;
	struct wr w;

	ctx->sent_type = type;
	res = ctx->ops->get_blob(ctx->ops->arg, flags, type, &blob, &len,
	    &st_flags);
	if (res != PTM_RES_SUCCESS || len > UINT32_MAX - 16) {
		secure_free(blob, len);
		blob_hdr(out, res != PTM_RES_SUCCESS ? res : PTM_RES_FAIL,
		    0, 0);
		return CTRL_REPLY;
	}
	rem = off < len ? (uint32_t)(len - off) : 0;
	ctx->heap = malloc(16 + (size_t)rem);
	if (ctx->heap == NULL) {
		secure_free(blob, len);
		blob_hdr(out, PTM_RES_FAIL, 0, 0);
		return CTRL_REPLY;
	}
	wr_init(&w, ctx->heap, 16 + (size_t)rem);
	blob_hdr(&w, PTM_RES_SUCCESS, st_flags, rem);
	if (rem > 0)
		wr_bytes(&w, blob + off, rem);
	ctx->resp_len = w.len;
	secure_free(blob, len);
	return CTRL_REPLY;
}

static enum ctrl_status
set_blob_finish(struct ctrl_ctx *ctx, struct wr *out)
{
	uint32_t res;

	res = ctx->ops->set_blob(ctx->ops->arg, ctx->s_flags, ctx->s_type,
	    ctx->s_acc, ctx->s_len);
	secure_free(ctx->s_acc, ctx->s_len + ctx->s_left);
	ctx->s_acc = NULL;
	ctx->s_len = 0;
	ctx->s_code = 0;
	return reply_res(out, res);
}

static enum ctrl_status
h_set_blob(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint32_t flags = rd_be32(in), type = rd_be32(in), length;
	uint32_t res;
	size_t have;

	length = rd_be32(in);
	res = ctx->ops->set_blob_lock(ctx->ops->arg);
	if (res != PTM_RES_SUCCESS) {
		if (res == PTM_RES_IOERROR)
			ctx->shutdown = true;
		return reply_res(out, res);
	}
	if (length > CTRL_MAX_STATEBLOB)
		return reply_res(out, PTM_RES_FAIL);
	have = rd_left(in);
	if (have > length)
		return reply_res(out, PTM_RES_BAD_PARAMETER);
	ctx->s_flags = flags;
	ctx->s_type = type;
	ctx->s_len = 0;
	if (length > 0) {
		ctx->s_acc = malloc(length);
		if (ctx->s_acc == NULL)
			return reply_res(out, PTM_RES_FAIL);
		memcpy(ctx->s_acc, rd_view(in, have), have);
		ctx->s_len = have;
	}
	if (have == length)
		return set_blob_finish(ctx, out);
	ctx->s_code = CMD_SET_STATEBLOB;
	ctx->s_left = length - have;
	return CTRL_MORE;
}

enum ctrl_status
ctrl_stream(struct ctrl_ctx *ctx, const uint8_t *p, size_t n)
{
	struct wr out;
	uint32_t res;

	wr_init(&out, ctx->small, sizeof(ctx->small));
	if (ctx->s_code == CMD_HASH_DATA) {
		if (n == 0) {
			ctx->s_left = 0;
			res = PTM_RES_IOERROR;
			goto reply;
		}
		if (n > ctx->s_left) {
			res = PTM_RES_BAD_PARAMETER;
			goto reply;
		}
		res = ctx->ops->hash_data(ctx->ops->arg, p, n);
		ctx->s_left -= n;
		if (res != PTM_RES_SUCCESS || ctx->s_left == 0)
			goto reply;
		return CTRL_MORE;
	}
	if (ctx->s_code == CMD_SET_STATEBLOB) {
		/* COMPAT: §3.12 step 6: EOF or excess bytes are bad params. */
		if (n == 0 || n > ctx->s_left) {
			res = PTM_RES_BAD_PARAMETER;
			goto reply;
		}
		if (p != ctx->s_acc + ctx->s_len)
			memcpy(ctx->s_acc + ctx->s_len, p, n);
		ctx->s_len += n;
		ctx->s_left -= n;
		if (ctx->s_left > 0)
			return CTRL_MORE;
		(void)set_blob_finish(ctx, &out);
		ctx->resp_len = out.len;
		return CTRL_REPLY;
	}
	return CTRL_CLOSE;
reply:
	secure_free(ctx->s_acc, ctx->s_len + ctx->s_left);
	ctx->s_acc = NULL;
	ctx->s_left = 0;
	ctx->s_code = 0;
	(void)reply_res(&out, res);
	ctx->resp_len = out.len;
	return CTRL_REPLY;
}

uint8_t *
ctrl_stream_buf(struct ctrl_ctx *ctx, size_t *room)
{
	if (ctx->s_code != CMD_SET_STATEBLOB || ctx->s_acc == NULL) {
		*room = 0;
		return NULL;
	}
	*room = ctx->s_left;
	return ctx->s_acc + ctx->s_len;
}

enum ctrl_status
ctrl_stream_excess(struct ctrl_ctx *ctx)
{
	struct wr out;

	/* COMPAT: §3.12 step 6: more bytes than the blob's length. */
	wr_init(&out, ctx->small, sizeof(ctx->small));
	secure_free(ctx->s_acc, ctx->s_len + ctx->s_left);
	ctx->s_acc = NULL;
	ctx->s_left = 0;
	ctx->s_code = 0;
	(void)reply_res(&out, PTM_RES_BAD_PARAMETER);
	ctx->resp_len = out.len;
	return CTRL_REPLY;
}

static enum ctrl_status
h_get_config(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	wr_be32(out, PTM_RES_SUCCESS);
	wr_be32(out, ctx->ops->get_config(ctx->ops->arg));
	return CTRL_REPLY;
}

static enum ctrl_status
h_set_datafd(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	/* Dispatched in ctrl_request, which owns the fd hand-over. */
	(void)ctx;
	(void)in;
	return reply_res(out, PTM_RES_FAIL);
}

static enum ctrl_status
h_set_buffersize(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint32_t want = rd_be32(in), inuse = 0, min = 0, max = 0, res;

	if (want != 0 && ctx->ops->running(ctx->ops->arg))
		return reply_res(out, PTM_RES_BAD_ORDINAL);
	res = ctx->ops->set_buffersize(ctx->ops->arg, want, &inuse, &min,
	    &max);
	if (res != PTM_RES_SUCCESS)
		return reply_res(out, res);
	wr_be32(out, PTM_RES_SUCCESS);
	wr_be32(out, inuse);
	wr_be32(out, min);
	wr_be32(out, max);
	return CTRL_REPLY;
}

static enum ctrl_status
h_get_info(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint64_t flags = rd_be64(in);
	uint32_t off = rd_be32(in), length;
	size_t slen;
	char *s;
	struct wr w;

	s = ctx->ops->get_info(ctx->ops->arg, flags);
	if (s == NULL)
		return reply_res(out, PTM_RES_SIZE);
	slen = strlen(s);
	/* COMPAT: §3.16: offset == strlen (the NUL) is refused too. */
	if (off >= slen) {
		free(s);
		return reply_res(out, PTM_RES_BAD_PARAMETER);
	}
	length = (uint32_t)(slen + 1 - off);
	if (length > PTM_GETINFO_SIZE)
		length = PTM_GETINFO_SIZE;
	ctx->heap = malloc(12 + (size_t)length);
	if (ctx->heap == NULL) {
		free(s);
		return reply_res(out, PTM_RES_FAIL);
	}
	wr_init(&w, ctx->heap, 12 + (size_t)length);
	wr_be32(&w, PTM_RES_SUCCESS);
	wr_be32(&w, (uint32_t)(slen + 1));
	wr_be32(&w, length);
	wr_bytes(&w, s + off, length);
	ctx->resp_len = w.len;
	free(s);
	return CTRL_REPLY;
}

static enum ctrl_status
h_lock_storage(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	return reply_res(out, ctx->ops->lock_storage(ctx->ops->arg,
	    rd_be32(in)));
}
