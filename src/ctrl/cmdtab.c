/*
 * The control command table and its dispatcher. One row per command
 * gives everything known about it: framing minimum, length rule, the TPM
 * state it needs, capability bit, handler, how its payload streams, what
 * happens after its response, and the names and CUSE ioctl layout that
 * clients use. Nothing else switches on a command code. Handlers decode
 * their body with struct rd and act through struct ctrl_ops. Buffers
 * that may hold decrypted state are wiped before they are freed.
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
#define F_STRICT_END	0x8	/* streamed payload: excess is an error */

struct ctrl_cmd {
	struct ctrl_cmd_info info;
	size_t		 frame_min;	/* body bytes the framer waits for */
	enum len_rule	 rule;
	size_t		 body;		/* bytes for the length rule */
	unsigned	 flags;
	size_t		 len_off;	/* F_VARLEN: offset of the length */
	uint32_t	 cap;
	size_t		 log_head;	/* see struct ctrl_reply */
	enum ctrl_status (*run)(struct ctrl_ctx *, struct rd *, struct wr *);
	/* payload bytes after CTRL_MORE (n == 0: the peer closed) */
	enum ctrl_status (*stream)(struct ctrl_ctx *, const uint8_t *,
			    size_t, struct wr *);
	/* after CTRL_WAIT: the next attempt */
	enum ctrl_status (*resume)(struct ctrl_ctx *, struct wr *);
	/* after the response was written completely */
	void		 (*sent)(struct ctrl_ctx *);
};

struct ctrl_ctx {
	const struct ctrl_ops *ops;
	bool		 tpm2;
	const struct ctrl_cmd *cmd;	/* of the response or the stream */
	int		*fd;		/* fd passed with the request */
	enum ctrl_after	 after;
	/* response */
	uint8_t		 small[32];
	uint8_t		*heap;
	size_t		 resp_len;
	uint32_t	 blob_type;	/* GET_STATEBLOB, for 'sent' */
	/* streamed payload of HASH_DATA / SET_STATEBLOB */
	size_t		 s_left;
	uint32_t	 s_flags, s_type;
	uint8_t		*s_acc;		/* SET_STATEBLOB: the blob so far */
	size_t		 s_len;
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
static enum ctrl_status s_hash_data(struct ctrl_ctx *, const uint8_t *,
    size_t, struct wr *);
static enum ctrl_status h_hash_end(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_cancel(struct ctrl_ctx *, struct rd *, struct wr *);
static enum ctrl_status h_store_volatile(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_reset_est(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status h_get_blob(struct ctrl_ctx *, struct rd *,
    struct wr *);
static void	sent_get_blob(struct ctrl_ctx *);
static enum ctrl_status h_set_blob(struct ctrl_ctx *, struct rd *,
    struct wr *);
static enum ctrl_status s_set_blob(struct ctrl_ctx *, const uint8_t *,
    size_t, struct wr *);
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
static enum ctrl_status r_lock_storage(struct ctrl_ctx *, struct wr *);

/* CUSE ioctl layout: read-only?, size, request/response u32s, length. */
#define IO(ro, size, req, rsp, lenw, fixed) \
	.ioctl_ro = (ro), .ioctl_size = (size), .req_words = (req), \
	.rsp_words = (rsp), .len_word = (lenw), .rsp_fixed = (fixed)
#define INFO(code, name, ...) \
	.info = { (code), name, "PTM_" name, __VA_ARGS__ }

/*
 * COMPAT: control-channel.md §1.1 and §3 (framing minimum, length rule,
 * state), §4 (capabilities), §9 (CUSE layouts). Rows are in code order.
 */
static const struct ctrl_cmd ctrl_cmds[] = {
	{ INFO(CMD_GET_CAPABILITY, "GET_CAPABILITY", IO(1, 8, 0, 0, 0, 8)),
	    .rule = LEN_ANY, .run = h_get_capability },
	{ INFO(CMD_INIT, "INIT", IO(0, 4, 1, 1, 0, 4)),
	    .frame_min = 4, .rule = LEN_EXACT, .body = 4,
	    .cap = PTM_CAP_INIT, .run = h_init },
	{ INFO(CMD_SHUTDOWN, "SHUTDOWN", IO(1, 4, 0, 1, 0, 4)),
	    .rule = LEN_EXACT, .cap = PTM_CAP_SHUTDOWN, .run = h_shutdown },
	{ INFO(CMD_GET_TPMESTABLISHED, "GET_TPMESTABLISHED",
	    IO(1, 8, 0, 1, 0, 8)),
	    .rule = LEN_EXACT, .flags = F_RUNNING,
	    .cap = PTM_CAP_GET_TPMESTABLISHED, .run = h_get_est },
	{ INFO(CMD_SET_LOCALITY, "SET_LOCALITY", IO(0, 4, 0, 1, 0, 4)),
	    .frame_min = 1, .rule = LEN_MIN, .body = 1,
	    .cap = PTM_CAP_SET_LOCALITY, .run = h_set_locality },
	{ INFO(CMD_HASH_START, "HASH_START", IO(1, 4, 0, 1, 0, 4)),
	    .rule = LEN_EXACT, .flags = F_RUNNING, .cap = PTM_CAP_HASHING,
	    .run = h_hash_start },
	{ INFO(CMD_HASH_DATA, "HASH_DATA",
	    IO(0, 4 + PTM_HDATA_SIZE, 1, 1, 0, 4)),
	    .frame_min = 4, .rule = LEN_MIN, .body = 4,
	    .flags = F_RUNNING | F_VARLEN, .cap = PTM_CAP_HASHING,
	    .run = h_hash_data, .stream = s_hash_data },
	{ INFO(CMD_HASH_END, "HASH_END", IO(1, 4, 0, 1, 0, 4)),
	    .rule = LEN_EXACT, .flags = F_RUNNING, .cap = PTM_CAP_HASHING,
	    .run = h_hash_end },
	{ INFO(CMD_CANCEL_TPM_CMD, "CANCEL_TPM_CMD", IO(1, 4, 0, 1, 0, 4)),
	    .rule = LEN_EXACT, .flags = F_RUNNING,
	    .cap = PTM_CAP_CANCEL_TPM_CMD, .run = h_cancel },
	{ INFO(CMD_STORE_VOLATILE, "STORE_VOLATILE", IO(1, 4, 0, 1, 0, 4)),
	    .rule = LEN_EXACT, .flags = F_RUNNING,
	    .cap = PTM_CAP_STORE_VOLATILE, .run = h_store_volatile },
	{ INFO(CMD_RESET_TPMESTABLISHED, "RESET_TPMESTABLISHED",
	    IO(0, 4, 0, 1, 0, 4)),
	    .frame_min = 1, .rule = LEN_MIN, .body = 1, .flags = F_RUNNING,
	    .cap = PTM_CAP_RESET_TPMESTABLISHED, .run = h_reset_est },
	{ INFO(CMD_GET_STATEBLOB, "GET_STATEBLOB",
	    IO(0, 16 + PTM_STATE_BLOB_SIZE, 3, 4, 4, 16)),
	    .frame_min = 12, .rule = LEN_MIN, .body = 12, .flags = F_RUNNING,
	    .cap = PTM_CAP_GET_STATEBLOB, .log_head = 16, .run = h_get_blob,
	    .sent = sent_get_blob },
	{ INFO(CMD_SET_STATEBLOB, "SET_STATEBLOB",
	    IO(0, 12 + PTM_STATE_BLOB_SIZE, 3, 1, 0, 4)),
	    .frame_min = 12, .rule = LEN_MIN, .body = 12,
	    .flags = F_STOPPED | F_VARLEN | F_STRICT_END, .len_off = 8,
	    .cap = PTM_CAP_SET_STATEBLOB, .run = h_set_blob,
	    .stream = s_set_blob },
	{ INFO(CMD_STOP, "STOP", IO(1, 4, 0, 1, 0, 4)),
	    .rule = LEN_EXACT, .cap = PTM_CAP_STOP, .run = h_stop },
	{ INFO(CMD_GET_CONFIG, "GET_CONFIG", IO(1, 8, 0, 2, 0, 8)),
	    .rule = LEN_EXACT, .cap = PTM_CAP_GET_CONFIG, .run = h_get_config },
	/* no CUSE ioctl: the fd travels over a unix socket */
	{ INFO(CMD_SET_DATAFD, "SET_DATAFD", IO(0, 0, 0, 0, 0, 0)),
	    .rule = LEN_ANY, .cap = PTM_CAP_SET_DATAFD, .run = h_set_datafd },
	{ INFO(CMD_SET_BUFFERSIZE, "SET_BUFFERSIZE", IO(0, 16, 1, 4, 0, 16)),
	    .rule = LEN_MIN, .body = 4, .cap = PTM_CAP_SET_BUFFERSIZE,
	    .run = h_set_buffersize },
	{ INFO(CMD_GET_INFO, "GET_INFO",
	    IO(0, 16 + PTM_GETINFO_SIZE, 0, 3, 3, 12)),
	    .rule = LEN_MIN, .body = 16, .cap = PTM_CAP_GET_INFO,
	    .run = h_get_info },
	{ INFO(CMD_LOCK_STORAGE, "LOCK_STORAGE", IO(0, 4, 1, 1, 0, 4)),
	    .rule = LEN_MIN, .body = 4, .cap = PTM_CAP_LOCK_STORAGE,
	    .run = h_lock_storage, .resume = r_lock_storage },
};

#define NCMDS	(sizeof(ctrl_cmds) / sizeof(ctrl_cmds[0]))

static const struct ctrl_cmd *
lookup(uint32_t code)
{
	/* Codes are consecutive from 1 (control-channel.md §3). */
	if (code >= 1 && code <= NCMDS && ctrl_cmds[code - 1].info.code == code)
		return &ctrl_cmds[code - 1];
	return NULL;
}

const struct ctrl_cmd_info *
ctrl_cmd_info(uint32_t code)
{
	const struct ctrl_cmd *c = lookup(code);

	return c != NULL ? &c->info : NULL;
}

const char *
ctrl_cmd_name(uint32_t code)
{
	const struct ctrl_cmd *c = lookup(code);

	return c != NULL ? c->info.name : NULL;
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

struct ctrl_ctx *
ctrl_ctx_new(const struct ctrl_ops *ops, bool tpm2)
{
	struct ctrl_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	ctx->ops = ops;
	ctx->tpm2 = tpm2;
	return ctx;
}

void
ctrl_ctx_free(struct ctrl_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ctrl_ctx_reset(ctx);
	free(ctx);
}

static void
stream_end(struct ctrl_ctx *ctx)
{
	secure_free(ctx->s_acc, ctx->s_len + ctx->s_left);
	ctx->s_acc = NULL;
	ctx->s_left = 0;
	ctx->s_len = 0;
}

void
ctrl_ctx_reset(struct ctrl_ctx *ctx)
{
	secure_free(ctx->heap, ctx->resp_len);
	ctx->heap = NULL;
	ctx->resp_len = 0;
	stream_end(ctx);
	ctx->cmd = NULL;
	ctx->after = CTRL_AFTER_NONE;
	ctx->blob_type = 0;
}

static enum ctrl_status
reply_res(struct wr *out, uint32_t res)
{
	out->len = 0;
	out->overflow = false;
	wr_be32(out, res);
	return CTRL_REPLY;
}

/* Makes what a handler wrote into 'out' (unless it used heap) the reply. */
static enum ctrl_status
finish(struct ctrl_ctx *ctx, enum ctrl_status st, struct wr *out)
{
	if (st == CTRL_REPLY && ctx->heap == NULL) {
		if (!wr_ok(out))
			(void)reply_res(out, PTM_RES_FAIL);
		ctx->resp_len = out->len;
	}
	if (st == CTRL_CLOSE)
		ctx->cmd = NULL;
	return st;
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
	c = lookup(be32_get(req));
	if (c == NULL)
		return finish(ctx, reply_res(&out, PTM_RES_BAD_ORDINAL), &out);
	blen = n - 4;
	rd_init(&body, req + 4, blen);

	/* State first, then length (control-channel.md §3, check order). */
	running = ctx->ops->running(ctx->ops->arg);
	if (((c->flags & F_RUNNING) && !running) ||
	    ((c->flags & F_STOPPED) && running))
		return finish(ctx, reply_res(&out, PTM_RES_BAD_ORDINAL), &out);
	if ((c->rule == LEN_EXACT && blen != c->body) ||
	    (c->rule == LEN_MIN && blen < c->body))
		return finish(ctx, reply_res(&out, PTM_RES_BAD_PARAMETER),
		    &out);
	ctx->cmd = c;
	ctx->fd = fd;
	st = c->run(ctx, &body, &out);
	ctx->fd = NULL;
	return finish(ctx, st, &out);
}

void
ctrl_response(const struct ctrl_ctx *ctx, struct ctrl_reply *r)
{
	r->p = ctx->heap != NULL ? ctx->heap : ctx->small;
	r->len = ctx->resp_len;
	r->log_head = ctx->cmd != NULL && ctx->cmd->log_head < r->len ?
	    ctx->cmd->log_head : 0;
	r->after = ctx->after;
}

void
ctrl_response_done(struct ctrl_ctx *ctx, bool ok)
{
	if (ok && ctx->cmd != NULL && ctx->cmd->sent != NULL)
		ctx->cmd->sent(ctx);
	ctrl_ctx_reset(ctx);
}

bool
ctrl_stream_want(const struct ctrl_ctx *ctx, struct ctrl_want *w)
{
	memset(w, 0, sizeof(*w));
	if (ctx->cmd == NULL || ctx->cmd->stream == NULL || ctx->s_left == 0)
		return false;
	w->max = ctx->s_left;
	if (ctx->s_acc != NULL)
		w->buf = ctx->s_acc + ctx->s_len;
	else if (w->max > CTRL_HASH_CHUNK)
		w->max = CTRL_HASH_CHUNK;
	w->strict_end = (ctx->cmd->flags & F_STRICT_END) != 0;
	return true;
}

enum ctrl_status
ctrl_stream(struct ctrl_ctx *ctx, const uint8_t *p, size_t n)
{
	struct wr out;

	if (ctx->cmd == NULL || ctx->cmd->stream == NULL || ctx->s_left == 0)
		return CTRL_CLOSE;
	wr_init(&out, ctx->small, sizeof(ctx->small));
	return finish(ctx, ctx->cmd->stream(ctx, p, n, &out), &out);
}

enum ctrl_status
ctrl_resume(struct ctrl_ctx *ctx)
{
	struct wr out;

	if (ctx->cmd == NULL || ctx->cmd->resume == NULL)
		return CTRL_CLOSE;
	wr_init(&out, ctx->small, sizeof(ctx->small));
	return finish(ctx, ctx->cmd->resume(ctx, &out), &out);
}

enum ctrl_status
ctrl_stream_excess(struct ctrl_ctx *ctx)
{
	struct wr out;

	/* COMPAT: §3.12 step 6: more bytes than the blob's length. */
	wr_init(&out, ctx->small, sizeof(ctx->small));
	stream_end(ctx);
	return finish(ctx, reply_res(&out, PTM_RES_BAD_PARAMETER), &out);
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
	ctx->after = CTRL_AFTER_EXIT;
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
	ctx->s_left = length - have;
	return CTRL_MORE;
}

static enum ctrl_status
s_hash_data(struct ctrl_ctx *ctx, const uint8_t *p, size_t n,
    struct wr *out)
{
	uint32_t res;

	if (n == 0 || n > ctx->s_left) {
		stream_end(ctx);
		return reply_res(out, n == 0 ? PTM_RES_IOERROR :
		    PTM_RES_BAD_PARAMETER);
	}
	res = ctx->ops->hash_data(ctx->ops->arg, p, n);
	ctx->s_left -= n;
	if (res != PTM_RES_SUCCESS || ctx->s_left == 0) {
		stream_end(ctx);
		return reply_res(out, res);
	}
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

	ctx->blob_type = type;
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

/* control-channel.md §3.11 step 6: outgoing migration unlocks. */
static void
sent_get_blob(struct ctrl_ctx *ctx)
{
	if (ctx->ops->get_blob_sent != NULL)
		ctx->ops->get_blob_sent(ctx->ops->arg, ctx->blob_type);
}

static enum ctrl_status
set_blob_finish(struct ctrl_ctx *ctx, struct wr *out)
{
	uint32_t res;

	res = ctx->ops->set_blob(ctx->ops->arg, ctx->s_flags, ctx->s_type,
	    ctx->s_acc, ctx->s_len);
	stream_end(ctx);
	return reply_res(out, res);
}

static enum ctrl_status
h_set_blob(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	uint32_t flags = rd_be32(in), type = rd_be32(in), length;
	uint32_t res;
	bool fatal = false;
	size_t have;

	length = rd_be32(in);
	res = ctx->ops->set_blob_lock(ctx->ops->arg, &fatal);
	if (res != PTM_RES_SUCCESS) {
		if (fatal)
			ctx->after = CTRL_AFTER_EXIT;
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
	ctx->s_left = length - have;
	if (ctx->s_left == 0)
		return set_blob_finish(ctx, out);
	return CTRL_MORE;
}

/* p may be the in-place buffer of ctrl_stream_want. */
static enum ctrl_status
s_set_blob(struct ctrl_ctx *ctx, const uint8_t *p, size_t n, struct wr *out)
{
	/* COMPAT: §3.12 step 6: EOF or excess bytes are bad params. */
	if (n == 0 || n > ctx->s_left) {
		stream_end(ctx);
		return reply_res(out, PTM_RES_BAD_PARAMETER);
	}
	if (p != ctx->s_acc + ctx->s_len)
		memcpy(ctx->s_acc + ctx->s_len, p, n);
	ctx->s_len += n;
	ctx->s_left -= n;
	if (ctx->s_left > 0)
		return CTRL_MORE;
	return set_blob_finish(ctx, out);
}

static enum ctrl_status
h_get_config(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	(void)in;
	wr_be32(out, PTM_RES_SUCCESS);
	wr_be32(out, ctx->ops->get_config(ctx->ops->arg));
	return CTRL_REPLY;
}

/* Takes the fd that came with the request (-1 if none). */
static enum ctrl_status
h_set_datafd(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	int fd = -1;

	(void)in;
	if (ctx->fd != NULL) {
		fd = *ctx->fd;
		*ctx->fd = -1;
	}
	return reply_res(out, ctx->ops->set_datafd(ctx->ops->arg, fd));
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

/* Retries come from the transport's loop, which serves others meanwhile. */
static enum ctrl_status
h_lock_storage(struct ctrl_ctx *ctx, struct rd *in, struct wr *out)
{
	bool again = false;
	uint32_t res;

	res = ctx->ops->lock_storage(ctx->ops->arg, rd_be32(in), &again);
	return again ? CTRL_WAIT : reply_res(out, res);
}

static enum ctrl_status
r_lock_storage(struct ctrl_ctx *ctx, struct wr *out)
{
	bool again = false;
	uint32_t res;

	res = ctx->ops->lock_storage_retry(ctx->ops->arg, &again);
	return again ? CTRL_WAIT : reply_res(out, res);
}
