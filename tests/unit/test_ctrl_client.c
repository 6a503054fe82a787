/*
 * Unit tests of the client half of the control codec (src/ctrl/client.c):
 * every request encoder against the bytes of cli.md §9, every response
 * decoder on valid input and on every truncation of it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "client.h"
#include "swtpm/tpm_ioctl.h"
#include "t.h"

static uint8_t buf[8192];
static uint8_t want[8192];
static struct wr w;

static void
start(void)
{
	wr_init(&w, buf, sizeof(buf));
}

static int
same(const char *hex)
{
	size_t n = t_hex(hex, want, sizeof(want));

	return wr_ok(&w) && w.len == n && memcmp(buf, want, n) == 0;
}

static void
test_enc_fixed(void)
{
	static const uint32_t zero_body[] = {
		CMD_GET_CAPABILITY, CMD_SHUTDOWN, CMD_GET_TPMESTABLISHED,
		CMD_HASH_START, CMD_HASH_END, CMD_CANCEL_TPM_CMD,
		CMD_STORE_VOLATILE, CMD_STOP, CMD_GET_CONFIG,
	};
	static const char *hex[] = {
		"00000001", "00000003", "00000004", "00000006", "00000008",
		"00000009", "0000000a", "0000000e", "0000000f",
	};
	size_t i;

	for (i = 0; i < sizeof(zero_body) / sizeof(zero_body[0]); i++) {
		start();
		ctrl_client_enc(&w, zero_body[i]);
		T_CHECK(same(hex[i]));
	}
	start();
	ctrl_client_enc_init(&w, PTM_INIT_FLAG_DELETE_VOLATILE);
	T_CHECK(same("00000002 00000001"));
	start();
	ctrl_client_enc_loc(&w, CMD_SET_LOCALITY, 3);
	T_CHECK(same("00000005 03"));
	start();
	ctrl_client_enc_loc(&w, CMD_RESET_TPMESTABLISHED, 4);
	T_CHECK(same("0000000b 04"));
	start();
	ctrl_client_enc_set_buffersize(&w, 3000);
	T_CHECK(same("00000011 00000bb8"));
	start();
	ctrl_client_enc_lock_storage(&w, 300);
	T_CHECK(same("00000013 0000012c"));
}

static void
test_enc_blobs(void)
{
	start();
	ctrl_client_enc_get_stateblob(&w, PTM_STATE_FLAG_DECRYPTED,
	    PTM_BLOB_TYPE_VOLATILE, 0);
	T_CHECK(same("0000000c 00000001 00000002 00000000"));
	start();
	ctrl_client_enc_set_stateblob(&w, 0, PTM_BLOB_TYPE_PERMANENT, 1321);
	T_CHECK(same("0000000d 00000000 00000001 00000529"));
	start();
	ctrl_client_enc_get_info(&w, 7, 3072);
	T_CHECK(same("00000012 0000000000000007 00000c00 00000000"));
	start();
	ctrl_client_enc_get_info(&w, (uint64_t)1 << 40, 0);
	T_CHECK(same("00000012 0000010000000000 00000000 00000000"));
}

static void
test_enc_hash(void)
{
	static uint8_t data[PTM_HDATA_SIZE];

	start();
	ctrl_client_enc_hash_data(&w, "abc", 3);
	T_CHECK(same("00000007 00000003 616263"));
	start();
	ctrl_client_enc_hash_data(&w, "", 0);
	T_CHECK(same("00000007 00000000"));
	/* a full chunk is 8 + 4096 bytes, nothing more */
	memset(data, 0x5a, sizeof(data));
	start();
	ctrl_client_enc_hash_data(&w, data, sizeof(data));
	T_EQ_U(w.len, 8 + PTM_HDATA_SIZE);
	T_CHECK(wr_ok(&w));
	T_EQ_U(be32_get(buf + 4), PTM_HDATA_SIZE);
	T_EQ_U(buf[8 + PTM_HDATA_SIZE - 1], 0x5a);
}

static void
test_enc_overflow(void)
{
	uint8_t small[6];

	wr_init(&w, small, sizeof(small));
	ctrl_client_enc_init(&w, 0);
	T_CHECK(!wr_ok(&w));
	wr_init(&w, small, sizeof(small));
	ctrl_client_enc_hash_data(&w, "abcdef", 6);
	T_CHECK(!wr_ok(&w));
}

static void
test_dec_result(void)
{
	uint8_t rsp[4];
	uint32_t res = 1;
	size_t n, len = t_hex("0000003d", rsp, sizeof(rsp));

	T_CHECK(ctrl_client_dec_result(rsp, len, &res));
	T_EQ_U(res, 0x3d);
	for (n = 0; n < len; n++)
		T_CHECK(!ctrl_client_dec_result(rsp, n, &res));
	T_CHECK(!ctrl_client_dec_result(NULL, 0, &res));
}

static void
test_dec_cap(void)
{
	struct ctrl_client_cap cap;
	uint8_t rsp[8];
	size_t n, len = t_hex("00000000 0001ffff", rsp, sizeof(rsp));

	T_CHECK(ctrl_client_dec_cap(rsp, len, &cap));
	T_EQ_U(cap.result, 0);
	T_EQ_U(cap.caps, 0x1ffff);
	T_EQ_U(cap.raw, 0x1ffff);
	for (n = 0; n < len; n++)
		T_CHECK(!ctrl_client_dec_cap(rsp, n, &cap));
	/* 0.7.1 prints a non-zero result as the high half of one BE64 */
	t_hex("0000000a 0000ffff", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_cap(rsp, 8, &cap));
	T_EQ_U(cap.raw, 0xa0000ffffULL);
}

static void
test_dec_est(void)
{
	uint8_t rsp[8], bit = 9;
	uint32_t res;
	size_t n, len = t_hex("00000000 01000000", rsp, sizeof(rsp));

	T_CHECK(ctrl_client_dec_est(rsp, len, &res, &bit));
	T_EQ_U(res, 0);
	T_EQ_U(bit, 1);
	for (n = 0; n < len; n++)
		T_CHECK(!ctrl_client_dec_est(rsp, n, &res, &bit));
	/* error answers are 4 bytes only */
	t_hex("0000000a", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_est(rsp, 4, &res, &bit));
	T_EQ_U(res, 0xa);
	T_EQ_U(bit, 0);
}

static void
test_dec_config(void)
{
	uint8_t rsp[8];
	uint32_t res, flags;
	size_t n, len = t_hex("00000000 00000003", rsp, sizeof(rsp));

	T_CHECK(ctrl_client_dec_config(rsp, len, &res, &flags));
	T_EQ_U(flags, 3);
	for (n = 0; n < len; n++)
		T_CHECK(!ctrl_client_dec_config(rsp, n, &res, &flags));
	t_hex("00000009", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_config(rsp, 4, &res, &flags));
	T_EQ_U(res, 9);
}

static void
test_dec_bufsize(void)
{
	struct ctrl_client_bufsize bs;
	uint8_t rsp[16];
	size_t n, len = t_hex("00000000 00001000 00000af8 00001000", rsp,
	    sizeof(rsp));

	T_CHECK(ctrl_client_dec_bufsize(rsp, len, &bs));
	T_EQ_U(bs.buffersize, 4096);
	T_EQ_U(bs.minsize, 2808);
	T_EQ_U(bs.maxsize, 4096);
	for (n = 0; n < len; n++)
		T_CHECK(!ctrl_client_dec_bufsize(rsp, n, &bs));
	t_hex("0000000a", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_bufsize(rsp, 4, &bs));
	T_EQ_U(bs.result, 0xa);
}

static void
test_dec_stateblob(void)
{
	struct ctrl_client_stateblob sb;
	uint8_t rsp[32];
	size_t n, len;

	len = t_hex("00000000 00000000 00000005 00000005 0102030405", rsp,
	    sizeof(rsp));
	T_CHECK(ctrl_client_dec_stateblob(rsp, len, &sb));
	T_EQ_U(sb.result, 0);
	T_EQ_U(sb.totlength, 5);
	T_EQ_U(sb.length, 5);
	T_EQ_U(sb.datalen, 5);
	T_CHECK(sb.data == rsp + 16);
	/* the header is required; the data may still be in transit */
	for (n = 0; n < 16; n++)
		T_CHECK(!ctrl_client_dec_stateblob(rsp, n, &sb));
	for (n = 16; n < len; n++) {
		T_CHECK(ctrl_client_dec_stateblob(rsp, n, &sb));
		T_EQ_U(sb.datalen, n - 16);
	}
	/* non-fatal missing blob: 16 bytes, no data */
	len = t_hex("00000800 00000000 00000000 00000000", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_stateblob(rsp, len, &sb));
	T_EQ_U(sb.result, PTM_RES_RETRY);
	T_EQ_U(sb.datalen, 0);
	T_CHECK(sb.data == NULL);
}

static void
test_dec_info(void)
{
	struct ctrl_client_info info;
	uint8_t rsp[64];
	size_t n, len;

	len = t_hex("00000000 00000003 00000003 7b7d00", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_info(rsp, len, &info));
	T_EQ_U(info.totlength, 3);
	T_EQ_U(info.length, 3);
	T_EQ_U(info.datalen, 3);
	T_CHECK(memcmp(info.data, "{}", 3) == 0);
	for (n = 0; n < 12; n++)
		T_CHECK(!ctrl_client_dec_info(rsp, n, &info));
	for (n = 12; n < len; n++) {
		T_CHECK(ctrl_client_dec_info(rsp, n, &info));
		T_EQ_U(info.datalen, n - 12);
	}
	/* a length beyond what arrived is clamped, never over-read */
	len = t_hex("00000000 ffffffff ffffffff 41", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_info(rsp, len, &info));
	T_EQ_U(info.datalen, 1);
	/* trailing bytes beyond length are not data */
	len = t_hex("00000000 00000009 00000001 41424344", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_info(rsp, len, &info));
	T_EQ_U(info.datalen, 1);
	t_hex("00000003", rsp, sizeof(rsp));
	T_CHECK(ctrl_client_dec_info(rsp, 4, &info));
	T_EQ_U(info.result, 3);
	T_EQ_U(info.datalen, 0);
}

/* Response framing (control-channel.md §3): total size from a prefix. */
static size_t
rsp_len(uint32_t code, const char *hex)
{
	uint8_t b[64];
	size_t n = t_hex(hex, b, sizeof(b));

	return (size_t)ctrl_client_rsp_len(code, b, n);
}

static void
test_rsp_len(void)
{
	T_EQ_U(rsp_len(CMD_INIT, ""), 4);
	T_EQ_U(rsp_len(CMD_INIT, "000000"), 4);
	T_EQ_U(rsp_len(CMD_INIT, "00000000"), 4);
	T_EQ_U(rsp_len(CMD_GET_CAPABILITY, "00000000"), 8);
	T_EQ_U(rsp_len(CMD_GET_CONFIG, "00000000"), 8);
	T_EQ_U(rsp_len(CMD_GET_CONFIG, "0000000a"), 4);
	T_EQ_U(rsp_len(CMD_SET_BUFFERSIZE, "00000000"), 16);
	T_EQ_U(rsp_len(CMD_SET_BUFFERSIZE, "0000000a"), 4);
	T_EQ_U(rsp_len(CMD_SET_DATAFD, "00000000"), 4);
	T_EQ_U(rsp_len(0x99, "0000000a"), 4);
	/* errors after the checks keep the layout */
	T_EQ_U(rsp_len(CMD_GET_TPMESTABLISHED, "00000000"), 8);
	T_EQ_U(rsp_len(CMD_GET_TPMESTABLISHED, "0000000a"), 4);
	T_EQ_U(rsp_len(CMD_GET_TPMESTABLISHED, "00000003"), 4);
	T_EQ_U(rsp_len(CMD_GET_TPMESTABLISHED, "00000009"), 8);
	T_EQ_U(rsp_len(CMD_GET_TPMESTABLISHED, "0000000a 01"), 8);
	T_EQ_U(rsp_len(CMD_GET_STATEBLOB, "0000000a"), 4);
	T_EQ_U(rsp_len(CMD_GET_STATEBLOB, "0000000a 00"), 16);
	T_EQ_U(rsp_len(CMD_GET_STATEBLOB, "00000800"), 16);
	T_EQ_U(rsp_len(CMD_GET_STATEBLOB, "00000800 00000000 00000000 "
	    "00000000"), 16);
	T_EQ_U(rsp_len(CMD_GET_STATEBLOB, "00000000 00000000 00000100"), 16);
	T_EQ_U(rsp_len(CMD_GET_STATEBLOB, "00000000 00000000 00000100 "
	    "00000100"), 16 + 256);
	T_EQ_U(ctrl_client_rsp_len(CMD_GET_STATEBLOB, (const uint8_t *)
	    "\0\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff", 16),
	    16 + 0xffffffffull);
	T_EQ_U(rsp_len(CMD_GET_INFO, "00000000 0000003f"), 12);
	T_EQ_U(rsp_len(CMD_GET_INFO, "00000000 0000003f 0000003f"), 12 + 63);
	T_EQ_U(rsp_len(CMD_GET_INFO, "00000003"), 4);
}

int
main(void)
{
	T_RUN(test_enc_fixed);
	T_RUN(test_enc_blobs);
	T_RUN(test_enc_hash);
	T_RUN(test_enc_overflow);
	T_RUN(test_dec_result);
	T_RUN(test_dec_cap);
	T_RUN(test_dec_est);
	T_RUN(test_dec_config);
	T_RUN(test_dec_bufsize);
	T_RUN(test_dec_stateblob);
	T_RUN(test_dec_info);
	T_RUN(test_rsp_len);
	T_END();
}
