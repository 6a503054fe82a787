/*
 * TPM 2 command builders and response parsers (tpm2.h). Every response
 * is walked with the bounded reader: handles, then the parameters
 * (bounded by parameterSize when the response carries sessions), then
 * session entries up to the last byte; anything left over is malformed.
 */
#include "config.h"

#include <string.h>

#include "tpm2.h"

/* TPM2B: u16 size and that many bytes. */
static void
put_2b(struct wr *w, const void *p, size_t n)
{
	if (n > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	wr_be16(w, (uint16_t)n);
	if (n > 0)
		wr_bytes(w, p, n);
}

static const uint8_t *
get_2b(struct rd *r, size_t *n)
{
	uint16_t len = rd_be16(r);
	const uint8_t *p = rd_view(r, len);

	*n = r->bad ? 0 : len;
	return p;
}

void
tpm2_put_pw_session(struct wr *w, uint8_t attrs)
{
	wr_be32(w, 9);			/* authorizationSize */
	wr_be32(w, TPM2_RS_PW);
	wr_be16(w, 0);			/* nonce */
	wr_u8(w, attrs);
	wr_be16(w, 0);			/* hmac: the empty auth value */
}

/* A command without sessions whose only parameter is a u16 or a u32. */
static bool
cmd_u16(struct wr *w, uint32_t cc, uint16_t v)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_NO_SESSIONS, cc);

	wr_be16(w, v);
	return tpm_cmd_end(w, at);
}

static bool
cmd_u32(struct wr *w, uint32_t cc, uint32_t v)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_NO_SESSIONS, cc);

	wr_be32(w, v);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_startup(struct wr *w, uint16_t su)
{
	return cmd_u16(w, TPM2_CC_STARTUP, su);
}

bool
tpm2_build_shutdown(struct wr *w, uint16_t su)
{
	return cmd_u16(w, TPM2_CC_SHUTDOWN, su);
}

bool
tpm2_build_get_random(struct wr *w, uint16_t n)
{
	return cmd_u16(w, TPM2_CC_GET_RANDOM, n);
}

bool
tpm2_build_self_test(struct wr *w, const uint16_t *algs, size_t n)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_NO_SESSIONS,
	    TPM2_CC_INCREMENTAL_SELF_TEST);
	size_t i;

	wr_be32(w, (uint32_t)n);
	for (i = 0; i < n; i++)
		wr_be16(w, algs[i]);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_change_auth(struct wr *w, uint32_t hierarchy, const void *auth,
    size_t n, uint8_t session_attrs)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS,
	    TPM2_CC_HIERARCHY_CHANGE_AUTH);

	wr_be32(w, hierarchy);
	tpm2_put_pw_session(w, session_attrs);
	put_2b(w, auth, n);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_hash(struct wr *w, const void *data, size_t n, uint16_t alg,
    uint32_t hierarchy)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_NO_SESSIONS, TPM2_CC_HASH);

	put_2b(w, data, n);
	wr_be16(w, alg);
	wr_be32(w, hierarchy);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_pcr_extend(struct wr *w, uint32_t pcr, uint16_t alg,
    const void *digest, size_t n)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);

	wr_be32(w, pcr);
	tpm2_put_pw_session(w, 0);
	wr_be32(w, 1);			/* TPML_DIGEST_VALUES count */
	wr_be16(w, alg);
	wr_bytes(w, digest, n);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_create_primary(struct wr *w, uint32_t hierarchy,
    const struct tpm2_public *t)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_CREATE_PRIMARY);

	wr_be32(w, hierarchy);
	tpm2_put_pw_session(w, 0);
	wr_be16(w, 4);			/* TPM2B_SENSITIVE_CREATE: */
	wr_be16(w, 0);			/* userAuth */
	wr_be16(w, 0);			/* data */
	tpm2_put_public2b(w, t);
	wr_be16(w, 0);			/* outsideInfo */
	wr_be32(w, 0);			/* creationPCR: no banks */
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_evict_control(struct wr *w, uint32_t auth, uint32_t object,
    uint32_t persistent)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_EVICT_CONTROL);

	wr_be32(w, auth);
	wr_be32(w, object);
	tpm2_put_pw_session(w, 0);
	wr_be32(w, persistent);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_flush_context(struct wr *w, uint32_t handle)
{
	return cmd_u32(w, TPM2_CC_FLUSH_CONTEXT, handle);
}

bool
tpm2_build_read_public(struct wr *w, uint32_t handle)
{
	return cmd_u32(w, TPM2_CC_READ_PUBLIC, handle);
}

bool
tpm2_build_nv_define_space(struct wr *w, uint32_t auth,
    const struct tpm2_nv_public *nv)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_NV_DEFINE_SPACE);
	size_t sz;

	wr_be32(w, auth);
	tpm2_put_pw_session(w, 0);
	wr_be16(w, 0);			/* auth value */
	sz = w->len;
	wr_be16(w, 0);			/* TPM2B_NV_PUBLIC size, below */
	wr_be32(w, nv->index);
	wr_be16(w, nv->name_alg);
	wr_be32(w, nv->attrs);
	put_2b(w, nv->policy, nv->policy_len);
	wr_be16(w, nv->data_size);
	if (wr_ok(w))
		be16_put(w->p + sz, (uint16_t)(w->len - sz - 2));
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_nv_write(struct wr *w, uint32_t auth, uint32_t index,
    const void *data, size_t n, uint16_t offset)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_NV_WRITE);

	if (n > TPM2_NV_WRITE_MAX)
		w->overflow = true;
	wr_be32(w, auth);
	wr_be32(w, index);
	tpm2_put_pw_session(w, 0);
	put_2b(w, data, n);
	wr_be16(w, offset);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_nv_read(struct wr *w, uint32_t auth, uint32_t index, uint16_t n,
    uint16_t offset)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_NV_READ);

	wr_be32(w, auth);
	wr_be32(w, index);
	tpm2_put_pw_session(w, 0);
	wr_be16(w, n);
	wr_be16(w, offset);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_nv_write_lock(struct wr *w, uint32_t auth, uint32_t index)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_NV_WRITE_LOCK);

	wr_be32(w, auth);
	wr_be32(w, index);
	tpm2_put_pw_session(w, 0);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_nv_read_public(struct wr *w, uint32_t index)
{
	return cmd_u32(w, TPM2_CC_NV_READ_PUBLIC, index);
}

bool
tpm2_build_get_capability(struct wr *w, uint32_t cap, uint32_t property,
    uint32_t count)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_NO_SESSIONS,
	    TPM2_CC_GET_CAPABILITY);

	wr_be32(w, cap);
	wr_be32(w, property);
	wr_be32(w, count);
	return tpm_cmd_end(w, at);
}

bool
tpm2_build_pcr_allocate(struct wr *w, uint32_t auth,
    const struct tpm2_pcr_sel *s)
{
	size_t at = tpm_cmd_begin(w, TPM2_ST_SESSIONS, TPM2_CC_PCR_ALLOCATE);

	wr_be32(w, auth);
	tpm2_put_pw_session(w, 0);
	tpm2_put_pcr_sel(w, s);
	return tpm_cmd_end(w, at);
}

/* --- responses ------------------------------------------------------ */

/*
 * The parameters of a successful response with nhandles handles (stored
 * in handles[]): with sessions, parameterSize bounds them and the rest
 * must be whole session entries (nonce, attributes, hmac).
 */
static bool
rsp_params(struct tpm_rsp *rsp, unsigned nhandles, uint32_t *handles,
    struct rd *params)
{
	struct rd *r = &rsp->body, s;
	const uint8_t *p;
	uint32_t psize;
	unsigned i;
	size_t n;

	for (i = 0; i < nhandles; i++)
		handles[i] = rd_be32(r);
	if (rsp->tag == TPM2_ST_NO_SESSIONS) {
		n = rd_left(r);
		p = rd_view(r, n);
		rd_init(params, p, n);
		return !r->bad;
	}
	if (rsp->tag != TPM2_ST_SESSIONS)
		return false;
	psize = rd_be32(r);
	p = rd_view(r, psize);
	if (r->bad)
		return false;
	rd_init(params, p, psize);
	n = rd_left(r);
	rd_init(&s, rd_view(r, n), n);
	/* a command with sessions has one at least, so its response too */
	if (n == 0)
		return false;
	while (!s.bad && rd_left(&s) > 0) {
		(void)get_2b(&s, &n);		/* nonce */
		(void)rd_u8(&s);		/* attributes */
		(void)get_2b(&s, &n);		/* hmac */
	}
	return !s.bad;
}

/* Split a response; TPM_RSP_MALFORMED, its code, or 0 with params. */
static uint32_t
rsp_begin(const void *p, size_t len, unsigned nhandles, uint32_t *handles,
    struct rd *params)
{
	struct tpm_rsp rsp;

	if (!tpm_rsp_split(p, len, &rsp))
		return TPM_RSP_MALFORMED;
	if (rsp.rc != TPM2_RC_SUCCESS)
		return rsp.rc;
	if (!rsp_params(&rsp, nhandles, handles, params))
		return TPM_RSP_MALFORMED;
	return TPM2_RC_SUCCESS;
}

uint32_t
tpm2_parse_rc(const void *rsp, size_t len)
{
	return tpm_rsp_rc(rsp, len);
}

uint32_t
tpm2_parse_get_random(const void *rsp, size_t len, const uint8_t **bytes,
    size_t *n)
{
	struct rd r;
	uint32_t rc;

	if ((rc = rsp_begin(rsp, len, 0, NULL, &r)) != 0)
		return rc;
	*bytes = get_2b(&r, n);
	return rd_done(&r) ? 0 : TPM_RSP_MALFORMED;
}

/* TPM2B_PUBLIC: the size must cover exactly one TPMT_PUBLIC. */
static bool
get_public2b(struct rd *r, struct tpm2_object *o)
{
	struct rd in;
	size_t n;

	o->public_area = get_2b(r, &n);
	o->public_len = n;
	rd_init(&in, o->public_area, n);
	return !r->bad && tpm2_get_public(&in, &o->pub) && rd_done(&in);
}

uint32_t
tpm2_parse_create_primary(const void *rsp, size_t len,
    struct tpm2_object *out)
{
	struct tpm2_object o;
	struct rd r;
	uint32_t rc;
	size_t n;

	memset(&o, 0, sizeof(o));
	if ((rc = rsp_begin(rsp, len, 1, &o.handle, &r)) != 0)
		return rc;
	if (!get_public2b(&r, &o))
		return TPM_RSP_MALFORMED;
	(void)get_2b(&r, &n);		/* creationData */
	(void)get_2b(&r, &n);		/* creationHash */
	(void)rd_be16(&r);		/* creationTicket: tag, */
	(void)rd_be32(&r);		/* hierarchy, */
	(void)get_2b(&r, &n);		/* digest */
	o.name = get_2b(&r, &o.name_len);
	if (!rd_done(&r) || o.name_len < 2)
		return TPM_RSP_MALFORMED;
	*out = o;
	return 0;
}

uint32_t
tpm2_parse_read_public(const void *rsp, size_t len, struct tpm2_object *out)
{
	struct tpm2_object o;
	struct rd r;
	uint32_t rc;
	size_t n;

	memset(&o, 0, sizeof(o));
	if ((rc = rsp_begin(rsp, len, 0, NULL, &r)) != 0)
		return rc;
	if (!get_public2b(&r, &o))
		return TPM_RSP_MALFORMED;
	o.name = get_2b(&r, &o.name_len);
	(void)get_2b(&r, &n);		/* qualifiedName */
	if (!rd_done(&r) || o.name_len < 2)
		return TPM_RSP_MALFORMED;
	*out = o;
	return 0;
}

uint32_t
tpm2_parse_nv_read_public(const void *rsp, size_t len,
    struct tpm2_nv_public *out, const uint8_t **name, size_t *nlen)
{
	struct tpm2_nv_public nv;
	struct rd r, in;
	const uint8_t *p;
	uint32_t rc;
	size_t n;

	if ((rc = rsp_begin(rsp, len, 0, NULL, &r)) != 0)
		return rc;
	p = get_2b(&r, &n);
	rd_init(&in, p, n);
	nv.index = rd_be32(&in);
	nv.name_alg = rd_be16(&in);
	nv.attrs = rd_be32(&in);
	nv.policy = get_2b(&in, &n);
	nv.policy_len = (uint16_t)n;
	nv.data_size = rd_be16(&in);
	*name = get_2b(&r, nlen);
	if (r.bad || !rd_done(&in) || !rd_done(&r))
		return TPM_RSP_MALFORMED;
	*out = nv;
	return 0;
}

uint32_t
tpm2_parse_nv_read(const void *rsp, size_t len, const uint8_t **data,
    size_t *n)
{
	struct rd r;
	uint32_t rc;

	if ((rc = rsp_begin(rsp, len, 0, NULL, &r)) != 0)
		return rc;
	*data = get_2b(&r, n);
	return rd_done(&r) ? 0 : TPM_RSP_MALFORMED;
}

uint32_t
tpm2_parse_cap_pcrs(const void *rsp, size_t len, struct tpm2_pcr_sel *out,
    bool *more)
{
	struct rd r;
	uint32_t rc;
	uint8_t m;

	if ((rc = rsp_begin(rsp, len, 0, NULL, &r)) != 0)
		return rc;
	m = rd_u8(&r);
	if (rd_be32(&r) != TPM2_CAP_PCRS || m > 1 ||
	    !tpm2_get_pcr_sel(&r, out) || !rd_done(&r))
		return TPM_RSP_MALFORMED;
	*more = m != 0;
	return 0;
}

uint32_t
tpm2_parse_pcr_allocate(const void *rsp, size_t len, bool *success)
{
	struct rd r;
	uint32_t rc;
	uint8_t ok;

	if ((rc = rsp_begin(rsp, len, 0, NULL, &r)) != 0)
		return rc;
	ok = rd_u8(&r);
	(void)rd_be32(&r);		/* maxPCR */
	(void)rd_be32(&r);		/* sizeNeeded */
	(void)rd_be32(&r);		/* sizeAvailable */
	if (!rd_done(&r) || ok > 1)
		return TPM_RSP_MALFORMED;
	*success = ok != 0;
	return 0;
}
