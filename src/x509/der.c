/*
 * A small DER writer: tag-length-value into a growable buffer, nesting
 * by wrapping what was written since an offset. Knows no ASN.1 types
 * beyond the few primitive encodings it offers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

void
der_init(struct der *d)
{
	d->p = NULL;
	d->len = d->cap = 0;
	d->bad = false;
}

void
der_release(struct der *d)
{
	free(d->p);
	der_init(d);
}

static bool
reserve(struct der *d, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (d->bad)
		return false;
	if (n > XC_DER_MAX - d->len) {
		d->bad = true;
		return false;
	}
	if (d->len + n <= d->cap)
		return true;
	cap = d->cap ? d->cap : 256;
	while (cap < d->len + n)
		cap *= 2;
	p = realloc(d->p, cap);
	if (p == NULL) {
		d->bad = true;
		return false;
	}
	d->p = p;
	d->cap = cap;
	return true;
}

void
der_raw(struct der *d, const void *v, size_t n)
{
	if (!reserve(d, n))
		return;
	if (n > 0)
		memcpy(d->p + d->len, v, n);
	d->len += n;
}

/* Header of a TLV with value length n into h; returns its size. */
static size_t
header(uint8_t *h, uint8_t tag, size_t n)
{
	size_t i, k = 0;

	h[0] = tag;
	if (n < 0x80) {
		h[1] = (uint8_t)n;
		return 2;
	}
	for (i = n; i > 0; i >>= 8)
		k++;
	h[1] = (uint8_t)(0x80 | k);
	for (i = 0; i < k; i++)
		h[2 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 2 + k;
}

void
der_tlv(struct der *d, uint8_t tag, const void *v, size_t n)
{
	uint8_t h[2 + sizeof(size_t)];

	if (n > XC_DER_MAX) {
		d->bad = true;
		return;
	}
	der_raw(d, h, header(h, tag, n));
	der_raw(d, v, n);
}

void
der_wrap(struct der *d, uint8_t tag, size_t from)
{
	uint8_t h[2 + sizeof(size_t)];
	size_t hl, n;

	if (d->bad || from > d->len) {
		d->bad = true;
		return;
	}
	n = d->len - from;
	hl = header(h, tag, n);
	if (!reserve(d, hl))
		return;
	memmove(d->p + from + hl, d->p + from, n);
	memcpy(d->p + from, h, hl);
	d->len += hl;
}

void
der_uint(struct der *d, uint32_t v)
{
	uint8_t b[5];
	size_t i = 0, k;

	b[i++] = 0;
	for (k = 4; k > 0; k--)
		b[i++] = (uint8_t)(v >> (8 * (k - 1)));
	/* drop leading zero bytes while the next keeps the sign positive */
	for (k = 0; k < 4 && b[k] == 0 && (b[k + 1] & 0x80) == 0; k++)
		;
	der_tlv(d, DER_INTEGER, b + k, sizeof(b) - k);
}

enum xc_err
der_take(struct der *d, uint8_t **out, size_t *outlen)
{
	if (d->bad || d->len == 0) {
		der_release(d);
		return XC_NOMEM;
	}
	*out = d->p;
	*outlen = d->len;
	der_init(d);
	return XC_OK;
}
