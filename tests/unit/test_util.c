/* Unit tests for src/util: bounded reader/writer. */
#include "config.h"

#include <stdint.h>

#include "bytes.h"
#include "t.h"

static void
test_rd_basic(void)
{
	const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct rd r;

	rd_init(&r, b, sizeof(b));
	T_EQ_U(rd_u8(&r), 1);
	T_EQ_U(rd_be16(&r), 0x0203);
	T_EQ_U(rd_be32(&r), 0x04050607);
	T_CHECK(!rd_done(&r));
	T_EQ_U(rd_left(&r), 2);
	T_EQ_U(rd_be32(&r), 0);
	T_CHECK(r.bad);
	T_CHECK(!rd_done(&r));
}

static void
test_rd_truncations(void)
{
	const uint8_t b[8] = { 0, 0, 0, 1, 0, 0, 0, 2 };
	size_t n;

	for (n = 0; n < sizeof(b); n++) {
		struct rd r;

		rd_init(&r, b, n);
		(void)rd_be32(&r);
		(void)rd_be32(&r);
		T_CHECK(r.bad);
	}
}

static void
test_rd_le_view(void)
{
	const uint8_t b[] = { 0x6e, 0x69, 0x6c, 0x6d, 0x70, 0x74, 0x77, 0x73,
	    0xc0, 0x00 };
	struct rd r;

	rd_init(&r, b, sizeof(b));
	T_EQ_U(rd_le64(&r), 0x737774706d6c696eULL);
	T_EQ_U(rd_le16(&r), 192);
	T_CHECK(rd_done(&r));
	rd_init(&r, b, sizeof(b));
	T_CHECK(rd_view(&r, SIZE_MAX) == NULL);
	T_CHECK(r.bad);
}

static void
test_wr(void)
{
	uint8_t b[6];
	struct wr w;

	wr_init(&w, b, sizeof(b));
	wr_be32(&w, 0x01020304);
	wr_be16(&w, 0x0506);
	T_CHECK(wr_ok(&w));
	T_EQ_U(w.len, 6);
	T_EQ_U(b[5], 6);
	wr_u8(&w, 7);
	T_CHECK(!wr_ok(&w));
	T_EQ_U(w.len, 6);
}

int
main(void)
{
	T_RUN(test_rd_basic);
	T_RUN(test_rd_truncations);
	T_RUN(test_rd_le_view);
	T_RUN(test_wr);
	T_END();
}
