/*
 * Bounded byte reader/writer. Bounds are always tested as
 * "n > len - off" so no addition can overflow.
 */
#include "config.h"

#include <string.h>

#include "bytes.h"

void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
	r->bad = false;
}

size_t
rd_left(const struct rd *r)
{
	return r->len - r->off;
}

const uint8_t *
rd_view(struct rd *r, size_t n)
{
	const uint8_t *v;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

bool
rd_skip(struct rd *r, size_t n)
{
	return rd_view(r, n) != NULL || n == 0;
}

static uint64_t
rd_be(struct rd *r, size_t n)
{
	const uint8_t *v = rd_view(r, n);
	uint64_t x = 0;
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; i < n; i++)
		x = (x << 8) | v[i];
	return x;
}

static uint64_t
rd_le(struct rd *r, size_t n)
{
	const uint8_t *v = rd_view(r, n);
	uint64_t x = 0;
	size_t i;

	if (v == NULL)
		return 0;
	for (i = n; i > 0; i--)
		x = (x << 8) | v[i - 1];
	return x;
}

uint8_t
rd_u8(struct rd *r)
{
	return (uint8_t)rd_be(r, 1);
}

uint16_t
rd_be16(struct rd *r)
{
	return (uint16_t)rd_be(r, 2);
}

uint32_t
rd_be32(struct rd *r)
{
	return (uint32_t)rd_be(r, 4);
}

uint64_t
rd_be64(struct rd *r)
{
	return rd_be(r, 8);
}

uint16_t
rd_le16(struct rd *r)
{
	return (uint16_t)rd_le(r, 2);
}

uint32_t
rd_le32(struct rd *r)
{
	return (uint32_t)rd_le(r, 4);
}

uint64_t
rd_le64(struct rd *r)
{
	return rd_le(r, 8);
}

bool
rd_done(const struct rd *r)
{
	return !r->bad && r->off == r->len;
}

void
wr_init(struct wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = p != NULL ? cap : 0;
	w->len = 0;
	w->overflow = false;
}

uint8_t *
wr_reserve(struct wr *w, size_t n)
{
	uint8_t *v;

	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	v = w->p + w->len;
	w->len += n;
	return v;
}

static void
wr_be(struct wr *w, uint64_t x, size_t n)
{
	uint8_t *v = wr_reserve(w, n);
	size_t i;

	if (v == NULL)
		return;
	for (i = n; i > 0; i--) {
		v[i - 1] = (uint8_t)x;
		x >>= 8;
	}
}

static void
wr_le(struct wr *w, uint64_t x, size_t n)
{
	uint8_t *v = wr_reserve(w, n);
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		v[i] = (uint8_t)x;
		x >>= 8;
	}
}

void
wr_u8(struct wr *w, uint8_t x)
{
	wr_be(w, x, 1);
}

void
wr_be16(struct wr *w, uint16_t x)
{
	wr_be(w, x, 2);
}

void
wr_be32(struct wr *w, uint32_t x)
{
	wr_be(w, x, 4);
}

void
wr_be64(struct wr *w, uint64_t x)
{
	wr_be(w, x, 8);
}

void
wr_le16(struct wr *w, uint16_t x)
{
	wr_le(w, x, 2);
}

void
wr_le32(struct wr *w, uint32_t x)
{
	wr_le(w, x, 4);
}

void
wr_le64(struct wr *w, uint64_t x)
{
	wr_le(w, x, 8);
}

void
wr_bytes(struct wr *w, const void *p, size_t n)
{
	uint8_t *v = wr_reserve(w, n);

	if (v != NULL && n > 0)
		memcpy(v, p, n);
}

bool
wr_ok(const struct wr *w)
{
	return !w->overflow;
}

uint16_t
be16_get(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t
be32_get(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

void
be16_put(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

void
be32_put(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}
