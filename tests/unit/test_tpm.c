/*
 * Unit tests of the TPM wire module (src/tpm): builders against the
 * bytes captured in provisioning.md §1.8/§1.11 and cli.md §10, parsers
 * on responses our daemon (libtpms 0.9) sent, on every truncation of
 * them and on random corruptions (bounded: an error, never a crash),
 * and the TakeOwnership crypto (OAEP decrypts with the private key, the
 * HMAC covers the right bytes).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/core_names.h>

#include "bytes.h"
#include "t.h"
#include "tpm12.h"
#include "tpm12_auth.h"
#include "tpm2.h"
#include "tpmwire.h"

/* Responses of our swtpm (tests/integration/client_drive). */
static const char rsp_create_primary_ecc[] =
	"8002000001ba0000000080000000000001a300aa0023000c000300f20030b26e"
	"7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419cacb47"
	"ba09699646150f9fc000f3f80e120006010000430010000400100030b59d5d69"
	"0d688a623555b70ad4162995ac2a87ac221ffa1bf06c4971dec02188fcd10506"
	"f6137cf8dfc7af0a0d3356b00030596e53def0f20dfda6cff53aa43f622ce16b"
	"189ad3b864aafa873ce4dd8adb4a09f99dc6d91d8407543e5ffc00c746370047"
	"00000000003038b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0c"
	"c7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b01001000044000000b00"
	"044000000b00000030476558f7d9cf1bfc16355c066a0f70d234e830f706ba19"
	"e44fe472ecf115956cc140c2734f1f139ca17079482f1a26c180214000000b00"
	"407113d1318de514e3015805428b3f4d8cad1798bb24c8c68b22509b5224cfb1"
	"98f0f5d953fe4a565833b8414fa3016a210d8c3d29e15e3c023e6f0f79477c81"
	"510032000cb88eec89de8eaed94af45bec7407c8575f39979570fffc639c38c4"
	"51bc6577b14c18090672aa5ebdf737cf06461a5e9d0000010000";
static const char rsp_read_public_rsa[] =
	"80010000018e00000000013a0001000b000300b20020837197674484b3f81a90"
	"cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa00060080004300100800"
	"000000000100abcf3d03fd7d78cd47672e715236496ed084f8c6bff3a2ae904f"
	"8e70882f0d17a6ca759ea56c7b33611e20ee5a86bb575f052fb0285008d464bf"
	"bfd6fb591044a41856493b562e43018fc46ed3164248cfb6ade40de6e3eefbdf"
	"5bcf25f3bd2d5c24af825b3e6ac065c08105bc702e6cc3ca3236a53d7820321b"
	"3856ba8bedd8920a4c9342a3b2300233c8aa615551a0e4dd92eea3c80549377f"
	"f1450e786ada113da2afef38a31a5b6dc9d950864fafcb41c4f177f5da4215b9"
	"a9dc08857fb8dccec380ab9bd7f1a63b0821c6aada9284def331f0bc9a9c5d83"
	"dec3c1bd39b7ced9d7cd0dccd733ca2eb0fb68386795c1dd2c83dd6779f36172"
	"3f28741115230022000b3098bbef3566f286549b0c6dfa2d5cc2922f969a87e2"
	"52528e4f633af086a7410022000bb12e0699cc7c39053812222eac905205c6db"
	"8590891342031198dfaec9b2a216";
static const char rsp_nv_read_public[] =
	"80010000003e00000000000e01c00002000b62072801000005dc0022000bdd00"
	"c98c1d1e3bbb49c6e8728392227e10443cc6ab46241b15a722afc1fc0271";
static const char rsp_cap_pcrs[] =
	"80010000002b00000000000000000500000004000403ffffff000b03ffffff00"
	"0c03ffffff000d03ffffff";
static const char rsp_pcr_allocate[] =
	"800200000020000000000000000d01000000180000030000000f600000010000";
static const char rsp_nv_read[] =
	"80020000005b000000000000004800460001000c000400f20030b26e7d28d11a"
	"50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419cacb47ba096996"
	"46150f9fc000f3f80e12001000100c000000000000000000010000";
static const char rsp12_create_ek_pair[] =
	"00c40000013a0000000000000001000300010000000c00000800000000020000"
	"000000000100a72ba3413ab40b2249354efd3b3a1627f81dca3820629d7e8504"
	"8dfdd3eeeddd941b0099cc2c7731ee48aa9b3492dfd32188958eeb68e04121d0"
	"c16ce097ef39725ed3874b1b97abec458e292c0ad62a6c17305a2d9e20421c99"
	"a07836d9269fb41d09a0c5a83230c10c2afc909a98b359b38fe8831a20b093c8"
	"075abd1f0236117cdb50fb7e7f34490a6cb70ccd5994e2074bcfefa2a92141c1"
	"940fb2697d792e3cac6e8a69475fbd1e84264442f3f8f8670424d80cd07f85f9"
	"57976433f64d9d1d8479911a4ab03e4f9abd4cf9e92920261cb3de8eff592ea0"
	"15ad3a9dc0c089c40a58f2e2451fa1723ebab7982316e29104e800882a08724a"
	"68a4ce3a750943c5e54f49ddacbb16da8a3bacc21a7020da395e";
static const char rsp12_oiap[] =
	"00c40000002200000000cced9c0ad5e393ece7658b37f223c424dc35ea8e51d3"
	"17e9";
static const char rsp12_cap_perm[] =
	"00c4000000240000000000000016001f00010000000100000101000000000001"
	"00000000";

static uint8_t buf[8192], want[8192];
static struct wr w;

static void
start(void)
{
	wr_init(&w, buf, sizeof(buf));
}

/* The builder's return, the bytes built, and hex (plus zeros bytes). */
static int
same_z(bool ok, const char *hex, size_t zeros, const char *tail)
{
	size_t n = t_hex(hex, want, sizeof(want));

	memset(want + n, 0, zeros);
	n += zeros;
	n += t_hex(tail, want + n, sizeof(want) - n);
	return ok && wr_ok(&w) && w.len == n && memcmp(buf, want, n) == 0;
}

static int
same(bool ok, const char *hex)
{
	return same_z(ok, hex, 0, "");
}

/* --- header ---------------------------------------------------------- */

static void
test_header(void)
{
	struct tpm_rsp r;
	uint8_t b[16];
	size_t n;

	n = t_hex("8001 0000000a 00000101", b, sizeof(b));
	T_ASSERT(tpm_rsp_split(b, n, &r));
	T_EQ_U(r.tag, 0x8001);
	T_EQ_U(r.rc, TPM2_RC_FAILURE);
	T_EQ_U(rd_left(&r.body), 0);
	T_EQ_U(tpm_rsp_rc(b, n), 0x101);
	T_EQ_U(tpm_rsp_rc(b, n - 1), TPM_RSP_MALFORMED);
	T_EQ_U(tpm_rsp_size(b, 5), 0);
	T_EQ_U(tpm_rsp_size(b, 6), 10);
	n = t_hex("8001 0000000b 00000000 00", b, sizeof(b));
	T_EQ_U(tpm_rsp_rc(b, n - 1), TPM_RSP_MALFORMED);
	T_EQ_U(tpm_rsp_rc(b, n), 0);
	T_EQ_U(tpm_rsp_rc(NULL, 0), TPM_RSP_MALFORMED);
}

/* --- TPM 2 builders -------------------------------------------------- */

static void
test_build_simple(void)
{
	static const uint16_t sha1 = TPM2_ALG_SHA1;
	uint8_t pw[20];

	start();
	T_CHECK(same(tpm2_build_shutdown(&w, TPM2_SU_CLEAR),
	    "8001 0000000C 00000145 0000"));
	/* cli.md §10 (swtpm_bios --tpm2 -s -cs) */
	start();
	T_CHECK(same(tpm2_build_startup(&w, TPM2_SU_STATE),
	    "80010000000c000001440001"));
	start();
	T_CHECK(same(tpm2_build_self_test(&w, &sha1, 1),
	    "80010000001000000142000000010004"));
	memset(pw, 0xab, sizeof(pw));
	start();
	T_CHECK(same(tpm2_build_change_auth(&w, TPM2_RH_PLATFORM, pw,
	    sizeof(pw), 1), "8002 00000031 00000129 4000000c 00000009 "
	    "40000009 0000 01 0000 0014 abababababababababababababababab"
	    "abababab"));
	start();
	T_CHECK(same(tpm2_build_get_capability(&w, TPM2_CAP_PCRS, 0, 64),
	    "8001 00000016 0000017A 00000005 00000000 00000040"));
	start();
	T_CHECK(same(tpm2_build_evict_control(&w, TPM2_RH_OWNER,
	    0x80000000, TPM2_EK_RSA2048_HANDLE), "8002 00000023 00000120 "
	    "40000001 80000000 00000009 40000009 0000 00 0000 81010001"));
	start();
	T_CHECK(same(tpm2_build_flush_context(&w, 0x80000001),
	    "8001 0000000e 00000165 80000001"));
	start();
	T_CHECK(same(tpm2_build_read_public(&w, 0x81010001),
	    "8001 0000000e 00000173 81010001"));
	start();
	T_CHECK(same(tpm2_build_nv_read_public(&w, 0x01c00002),
	    "8001 0000000e 00000169 01c00002"));
	start();
	T_CHECK(same(tpm2_build_nv_write_lock(&w, TPM2_RH_PLATFORM,
	    0x01c00002), "8002 0000001f 00000138 4000000c 01c00002 "
	    "00000009 40000009 0000 00 0000"));
	start();
	T_CHECK(same(tpm2_build_get_random(&w, 32),
	    "8001 0000000c 0000017b 0020"));
}

static void
test_build_nv(void)
{
	struct tpm2_nv_public nv = { TPM2_NV_EK_RSA2048_CERT,
	    TPM2_ALG_SHA256, TPM2_NV_CERT_ATTRS, NULL, 0, 1016 };
	static uint8_t data[TPM2_NV_WRITE_MAX + 1];

	T_EQ_U(TPM2_NV_CERT_ATTRS, 0x42072001);
	/* provisioning.md §1.8, the 1016-byte RSA EK certificate */
	start();
	T_CHECK(same(tpm2_build_nv_define_space(&w, TPM2_RH_PLATFORM, &nv),
	    "8002 0000002D 0000012A 4000000C 00000009 40000009 0000 00 "
	    "0000 0000 000E 01C00002 000B 42072001 0000 03F8"));
	memset(data, 0x11, sizeof(data));
	start();
	T_CHECK(same(tpm2_build_nv_write(&w, TPM2_RH_PLATFORM, 0x01c00002,
	    data, 3, 1024), "8002 00000026 00000137 4000000c 01c00002 "
	    "00000009 40000009 0000 00 0000 0003 111111 0400"));
	start();
	T_CHECK(tpm2_build_nv_write(&w, TPM2_RH_PLATFORM, 1, data,
	    TPM2_NV_WRITE_MAX, 0));
	T_EQ_U(w.len, 10 + 8 + 13 + 2 + TPM2_NV_WRITE_MAX + 2);
	start();
	T_CHECK(!tpm2_build_nv_write(&w, TPM2_RH_PLATFORM, 1, data,
	    TPM2_NV_WRITE_MAX + 1, 0));
	start();
	T_CHECK(same(tpm2_build_nv_read(&w, TPM2_RH_PLATFORM, 0x01c00002,
	    0x400, 0x10), "8002 00000023 0000014e 4000000c 01c00002 "
	    "00000009 40000009 0000 00 0000 0400 0010"));
}

static void
test_build_overflow(void)
{
	struct tpm2_public t;
	uint8_t small[12];
	size_t cap;

	T_ASSERT(tpm2_template(TPM2_KEY_EK_RSA2048, 0, &t));
	/* every capacity below the command's size fails cleanly */
	for (cap = 0; cap < 355; cap++) {
		wr_init(&w, buf, cap);
		T_CHECK(!tpm2_build_create_primary(&w, TPM2_RH_ENDORSEMENT,
		    &t));
	}
	wr_init(&w, buf, 355);
	T_CHECK(tpm2_build_create_primary(&w, TPM2_RH_ENDORSEMENT, &t));
	wr_init(&w, small, sizeof(small));
	T_CHECK(!tpm2_build_flush_context(&w, 1));
	wr_init(&w, small, sizeof(small));
	T_CHECK(tpm2_build_startup(&w, 0));
	/* a type that is neither RSA nor ECC */
	t.type = TPM2_ALG_KEYEDHASH;
	start();
	T_CHECK(!tpm2_build_create_primary(&w, TPM2_RH_OWNER, &t));
}

/* --- templates ------------------------------------------------------- */

#define POLICY_A "837197674484b3f81a90cc8d46a5d724" \
	"fd52d76e06520b64f2a1da1b331469aa"
#define POLICY_B "b26e7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9" \
	"bde419cacb47ba09699646150f9fc000f3f80e12"

#define Z32 "0000000000000000000000000000000000000000000000000000000000000000"

static bool
put_tmpl(enum tpm2_key k, unsigned flags)
{
	struct tpm2_public t;

	start();
	if (!tpm2_template(k, flags, &t))
		return false;
	tpm2_put_public(&w, &t);
	return wr_ok(&w);
}

static void
test_templates(void)
{
	struct tpm2_key_slot slot;
	struct tpm2_public t;

	/* the command tpm2_createek -G rsa agrees with (client.sh) */
	T_ASSERT(tpm2_template(TPM2_KEY_EK_RSA2048, 0, &t));
	start();
	T_CHECK(same_z(tpm2_build_create_primary(&w, TPM2_RH_ENDORSEMENT,
	    &t), "8002 00000163 00000131 4000000b 00000009 40000009 0000 00 "
	    "0000 0004 0000 0000 013a 0001 000b 000300b2 0020" POLICY_A
	    "0006 0080 0043 0010 0800 00000000 0100", 256, "0000 00000000"));
	T_CHECK(same(put_tmpl(TPM2_KEY_EK_RSA3072, 0), "0001 000c 000300f2 "
	    "0030" POLICY_B "0006 0100 0043 0010 0c00 00000000 0000"));
	/* signing: 70 bytes, the size of its template index (§1.8) */
	T_CHECK(put_tmpl(TPM2_KEY_EK_RSA3072, TPM2_TMPL_SIGN));
	T_EQ_U(w.len, 70);
	T_CHECK(same(put_tmpl(TPM2_KEY_EK_ECC384, 0), "0023 000c 000300f2 "
	    "0030" POLICY_B "0006 0100 0043 0010 0004 0010 0000 0000"));
	T_CHECK(same(put_tmpl(TPM2_KEY_EK_RSA4096, 0), "0001 000c 000300f2 "
	    "0030" POLICY_B "0006 0100 0043 0010 1000 00000000 0000"));
	T_CHECK(same_z(put_tmpl(TPM2_KEY_EK_ECC256, 0), "0023 000b 000300b2 "
	    "0020" POLICY_A "0006 0080 0043 0010 0003 0010 0020", 32,
	    "0020" Z32));
	T_CHECK(same(put_tmpl(TPM2_KEY_EK_ECC521, 0), "0023 000d 000300f2 "
	    "0040 b8221ca69e8550a4914de3faa6a18c072cc01208073a928d5d66d59ef79e"
	    "49a429c41a6b269571d57edb25fbdb1838425608b413cd616a5f6db5b6071af9"
	    "9bea 0006 0100 0043 0010 0005 0010 0000 0000"));
	T_CHECK(same_z(put_tmpl(TPM2_KEY_SRK_RSA2048, 0), "0001 000b 00030472 "
	    "0000 0006 0080 0043 0010 0800 00000000 0100", 256, ""));
	T_CHECK(same_z(put_tmpl(TPM2_KEY_SRK_RSA3072, 0), "0001 000c 00030472 "
	    "0000 0006 0100 0043 0010 0c00 00000000 0180", 384, ""));
	T_CHECK(put_tmpl(TPM2_KEY_SRK_ECC384, 0));
	T_EQ_U(w.len, 2 + 2 + 4 + 2 + 6 + 2 + 2 + 2 + 2 + 48 + 2 + 48);
	/* signing EKs: no restricted, sign, symmetric NULL */
	T_CHECK(same_z(put_tmpl(TPM2_KEY_EK_RSA2048, TPM2_TMPL_SIGN),
	    "0001 000b 000400b2 0020" POLICY_A "0010 0010 0800 00000000 0100",
	    256, ""));
	T_CHECK(same(put_tmpl(TPM2_KEY_EK_RSA3072, TPM2_TMPL_SIGN |
	    TPM2_TMPL_DECRYPT), "0001 000c 000600f2 0030" POLICY_B
	    "0010 0010 0c00 00000000 0000"));
	T_CHECK(!put_tmpl(TPM2_KEY_SRK_RSA2048, TPM2_TMPL_SIGN));
	T_CHECK(!put_tmpl(TPM2_KEY_EK_RSA2048, 0x80));
	T_CHECK(!tpm2_template((enum tpm2_key)99, 0, &t));
	T_ASSERT(tpm2_key_slot(TPM2_KEY_EK_RSA3072, &slot));
	T_EQ_U(slot.handle, 0x8101001c);
	T_EQ_U(slot.cert_index, 0x01c0001c);
	T_EQ_U(slot.template_index, 0x01c0001d);
	T_EQ_U(slot.hierarchy, TPM2_RH_ENDORSEMENT);
	T_ASSERT(tpm2_key_slot(TPM2_KEY_EK_ECC384, &slot));
	T_EQ_U(slot.handle, 0x81010016);
	T_EQ_U(slot.cert_index, 0x01c00016);
	T_ASSERT(tpm2_key_slot(TPM2_KEY_SRK_ECC384, &slot));
	T_EQ_U(slot.handle, 0x81000001);
	T_EQ_U(slot.hierarchy, TPM2_RH_OWNER);
}

/* --- PCR banks ------------------------------------------------------- */

static void
bank(struct tpm2_pcr_sel *s, uint16_t alg)
{
	s->bank[s->n].alg = alg;
	s->bank[s->n].size = 3;
	memset(s->bank[s->n].select, 0xff, 3);
	s->n++;
}

static void
test_pcr_allocate(void)
{
	struct tpm2_pcr_sel have, sel;
	uint16_t algs[4];

	memset(&have, 0, sizeof(have));
	bank(&have, TPM2_ALG_SHA1);
	bank(&have, TPM2_ALG_SHA256);
	bank(&have, TPM2_ALG_SHA384);
	bank(&have, TPM2_ALG_SHA512);
	algs[0] = TPM2_ALG_SHA256;
	T_EQ_U(tpm2_pcr_allocation(&have, algs, 1, &sel), 1);
	/* provisioning.md §1.8, captured for sha256 */
	start();
	T_CHECK(same(tpm2_build_pcr_allocate(&w, TPM2_RH_PLATFORM, &sel),
	    "8002 00000037 0000012B 4000000C 00000009 40000009 0000 00 0000 "
	    "00000004 000B 03 FFFFFF 0004 03 000000 000C 03 000000 "
	    "000D 03 000000"));
	/* user order, duplicates and unknown banks dropped */
	algs[0] = TPM2_ALG_SHA512;
	algs[1] = TPM2_ALG_SM3_256;
	algs[2] = TPM2_ALG_SHA1;
	algs[3] = TPM2_ALG_SHA512;
	T_EQ_U(tpm2_pcr_allocation(&have, algs, 4, &sel), 2);
	start();
	tpm2_put_pcr_sel(&w, &sel);
	T_CHECK(same(true, "00000004 000d 03 ffffff 0004 03 ffffff "
	    "000b 03 000000 000c 03 000000"));
	algs[0] = TPM2_ALG_SM3_256;
	T_EQ_U(tpm2_pcr_allocation(&have, algs, 1, &sel), 0);
	T_EQ_U(tpm2_pcr_allocation(&have, algs, 0, &sel), 0);
	have.n = TPM2_MAX_BANKS + 1;
	T_EQ_U(tpm2_pcr_allocation(&have, algs, 1, &sel), 0);
}

static void
test_alg_names(void)
{
	uint16_t alg = 0;

	T_EQ_STR(tpm2_alg_name(TPM2_ALG_SHA256), "sha256");
	T_EQ_STR(tpm2_alg_name(TPM2_ALG_SM3_256), "sm3-256");
	T_EQ_STR(tpm2_alg_name(TPM2_ALG_SHA3_512), "sha3-512");
	T_CHECK(tpm2_alg_name(TPM2_ALG_RSA) == NULL);
	T_CHECK(tpm2_alg_by_name("sha384", &alg));
	T_EQ_U(alg, TPM2_ALG_SHA384);
	T_CHECK(!tpm2_alg_by_name("SHA384", &alg));
	T_CHECK(!tpm2_alg_by_name("", &alg));
}

/* --- parsers: adapters, truncation and corruption -------------------- */

typedef uint32_t (*parse_fn)(const uint8_t *, size_t);

static struct tpm2_object obj;
static struct tpm2_nv_public nvpub;
static struct tpm2_pcr_sel pcrs;
static const uint8_t *view;
static size_t viewlen;

static uint32_t
p_create_primary(const uint8_t *p, size_t n)
{
	return tpm2_parse_create_primary(p, n, &obj);
}

static uint32_t
p_read_public(const uint8_t *p, size_t n)
{
	return tpm2_parse_read_public(p, n, &obj);
}

static uint32_t
p_nv_read_public(const uint8_t *p, size_t n)
{
	return tpm2_parse_nv_read_public(p, n, &nvpub, &view, &viewlen);
}

static uint32_t
p_nv_read(const uint8_t *p, size_t n)
{
	return tpm2_parse_nv_read(p, n, &view, &viewlen);
}

static uint32_t
p_cap_pcrs(const uint8_t *p, size_t n)
{
	bool more;

	return tpm2_parse_cap_pcrs(p, n, &pcrs, &more);
}

static uint32_t
p_pcr_allocate(const uint8_t *p, size_t n)
{
	bool ok;

	return tpm2_parse_pcr_allocate(p, n, &ok);
}

static struct tpm12_pubkey ek12;

static uint32_t
p12_create_ek_pair(const uint8_t *p, size_t n)
{
	return tpm12_parse_create_ek_pair(p, n, &ek12);
}

static uint32_t
p12_oiap(const uint8_t *p, size_t n)
{
	uint32_t h;

	return tpm12_parse_oiap(p, n, &h, &view);
}

static uint32_t
p12_get_capability(const uint8_t *p, size_t n)
{
	return tpm12_parse_get_capability(p, n, &view, &viewlen);
}

/* A pointer the parser returned lies inside [p, p + n). */
static int
inside(const uint8_t *x, size_t xn, const uint8_t *p, size_t n)
{
	return xn == 0 || (x >= p && x + xn <= p + n);
}

/*
 * Every truncation of the response, with the size field as it was and
 * patched to the new length, is malformed; so are lengths with trailing
 * bytes; random corruption never crashes and what a parser accepts lies
 * inside the buffer. Returns the decoded length of hex.
 */
static size_t
check_bounded(const char *hex, parse_fn fn)
{
	static uint8_t orig[4096], b[4096 + 8];
	uint32_t seed = 12345;
	size_t n, k, i, j;

	n = t_hex(hex, orig, sizeof(orig));
	memcpy(b, orig, n);
	T_EQ_U(fn(b, n), 0);
	for (k = 0; k < n; k++) {
		T_EQ_U(fn(b, k), TPM_RSP_MALFORMED);
		if (k >= 6) {
			be32_put(b + 2, (uint32_t)k);
			T_EQ_U(fn(b, k), TPM_RSP_MALFORMED);
			be32_put(b + 2, (uint32_t)n);
		}
	}
	b[n] = 0;
	be32_put(b + 2, (uint32_t)n + 1);
	T_EQ_U(fn(b, n + 1), TPM_RSP_MALFORMED);
	/* every 16- and 32-bit length field made huge, one at a time */
	for (i = 10; i + 2 <= n; i++) {
		memcpy(b, orig, n);
		b[i] = b[i + 1] = 0xff;
		view = NULL;
		viewlen = 0;
		memset(&obj, 0, sizeof(obj));
		if (fn(b, n) == 0) {
			T_CHECK(inside(view, viewlen, b, n));
			T_CHECK(inside(obj.name, obj.name_len, b, n));
		}
	}
	for (i = 0; i < 20000; i++) {
		memcpy(b, orig, n);
		for (j = 0; j < 1 + i % 3; j++) {
			seed = seed * 1103515245 + 12345;
			b[10 + (seed >> 8) % (n - 10)] ^=
			    (uint8_t)(seed >> 20 | 1);
		}
		view = NULL;
		viewlen = 0;
		memset(&obj, 0, sizeof(obj));
		if (fn(b, n) == 0) {
			T_CHECK(inside(view, viewlen, b, n));
			T_CHECK(inside(obj.name, obj.name_len, b, n));
			T_CHECK(inside(obj.public_area, obj.public_len, b, n));
		}
	}
	memcpy(b, orig, n);
	return n;
}

static void
test_parse_create_primary(void)
{
	size_t n = check_bounded(rsp_create_primary_ecc, p_create_primary);

	T_ASSERT(p_create_primary(buf, t_hex(rsp_create_primary_ecc, buf,
	    sizeof(buf))) == 0);
	T_EQ_U(n, 442);
	T_EQ_U(obj.handle, 0x80000000);
	T_EQ_U(obj.pub.type, TPM2_ALG_ECC);
	T_EQ_U(obj.pub.name_alg, TPM2_ALG_SHA384);
	T_EQ_U(obj.pub.attrs, 0x000300f2);
	T_EQ_U(obj.pub.policy_len, 48);
	T_EQ_U(obj.pub.sym_bits, 256);
	T_EQ_U(obj.pub.curve, TPM2_ECC_NIST_P384);
	T_EQ_U(obj.pub.unique_x_len, 48);
	T_EQ_U(obj.pub.unique_y_len, 48);
	T_EQ_U(obj.public_len, 0xaa);
	T_EQ_U(obj.name_len, 50);
	T_EQ_U(obj.name[0] << 8 | obj.name[1], TPM2_ALG_SHA384);
	/* header, handle, parameterSize, size; 70 bytes to unique.x */
	T_CHECK(obj.pub.unique_x == buf + 10 + 4 + 4 + 2 + 70 + 2);
	T_CHECK(obj.pub.unique_y == obj.pub.unique_x + 48 + 2);
	/* an error response: its code, nothing parsed */
	n = t_hex("8001 0000000a 000002c4", buf, sizeof(buf));
	T_EQ_U(p_create_primary(buf, n), 0x2c4);
	/* sessions tag but no session area */
	n = t_hex(rsp_create_primary_ecc, buf, sizeof(buf));
	be32_put(buf + 2, (uint32_t)n - 5);
	T_EQ_U(p_create_primary(buf, n - 5), TPM_RSP_MALFORMED);
}

static void
test_parse_read_public(void)
{
	size_t n = check_bounded(rsp_read_public_rsa, p_read_public);

	T_ASSERT(p_read_public(buf, t_hex(rsp_read_public_rsa, buf,
	    sizeof(buf))) == 0);
	T_EQ_U(n, 398);
	T_EQ_U(obj.handle, 0);
	T_EQ_U(obj.pub.type, TPM2_ALG_RSA);
	T_EQ_U(obj.pub.attrs, 0x000300b2);
	T_EQ_U(obj.pub.rsa_bits, 2048);
	T_EQ_U(obj.pub.rsa_exponent, 0);
	T_EQ_U(obj.pub.unique_x_len, 256);
	T_EQ_U(obj.public_len, 0x13a);
	T_EQ_U(obj.name_len, 34);
	/* header, size, type .. exponent (56 bytes), unique's size */
	T_CHECK(obj.pub.unique_x == buf + 10 + 2 + 56 + 2);
}

static void
test_parse_nv(void)
{
	size_t n;

	n = check_bounded(rsp_nv_read_public, p_nv_read_public);
	T_ASSERT(p_nv_read_public(buf, t_hex(rsp_nv_read_public, buf,
	    sizeof(buf))) == 0);
	T_EQ_U(n, 62);
	T_EQ_U(nvpub.index, 0x01c00002);
	T_EQ_U(nvpub.name_alg, TPM2_ALG_SHA256);
	T_EQ_U(nvpub.attrs, TPM2_NV_CERT_ATTRS | TPMA_NV_WRITTEN |
	    TPMA_NV_WRITELOCKED);
	T_EQ_U(nvpub.attrs, 0x62072801);
	T_EQ_U(nvpub.policy_len, 0);
	T_EQ_U(nvpub.data_size, 1500);
	T_EQ_U(viewlen, 34);
	n = check_bounded(rsp_nv_read, p_nv_read);
	T_ASSERT(p_nv_read(buf, t_hex(rsp_nv_read, buf, sizeof(buf))) == 0);
	T_EQ_U(viewlen, 70);
	T_EQ_U(view[0] << 8 | view[1], TPM2_ALG_RSA);
}

static void
test_parse_pcrs(void)
{
	size_t n;
	bool ok = false, more = true;

	check_bounded(rsp_cap_pcrs, p_cap_pcrs);
	n = t_hex(rsp_cap_pcrs, buf, sizeof(buf));
	T_ASSERT(tpm2_parse_cap_pcrs(buf, n, &pcrs, &more) == 0);
	T_CHECK(!more);
	T_EQ_U(pcrs.n, 4);
	T_EQ_U(pcrs.bank[0].alg, TPM2_ALG_SHA1);
	T_EQ_U(pcrs.bank[3].alg, TPM2_ALG_SHA512);
	T_EQ_U(pcrs.bank[3].size, 3);
	T_EQ_U(pcrs.bank[3].select[2], 0xff);
	/* count and sizeofSelect beyond the bounds */
	n = t_hex("8001 00000011 00000000 00 00000005 00000011", buf,
	    sizeof(buf));
	T_EQ_U(p_cap_pcrs(buf, n), TPM_RSP_MALFORMED);
	n = t_hex("8001 00000016 00000000 00 00000005 00000001 000b 09 "
	    "ff", buf, sizeof(buf));
	T_EQ_U(p_cap_pcrs(buf, n), TPM_RSP_MALFORMED);
	/* another capability, moreData not a bool */
	n = t_hex("8001 00000013 00000000 00 00000006 00000000", buf,
	    sizeof(buf));
	T_EQ_U(p_cap_pcrs(buf, n), TPM_RSP_MALFORMED);
	n = t_hex("8001 00000013 00000000 02 00000005 00000000", buf,
	    sizeof(buf));
	T_EQ_U(p_cap_pcrs(buf, n), TPM_RSP_MALFORMED);
	n = t_hex("8001 00000013 00000000 01 00000005 00000000", buf,
	    sizeof(buf));
	T_EQ_U(tpm2_parse_cap_pcrs(buf, n, &pcrs, &more), 0);
	T_CHECK(more);
	T_EQ_U(pcrs.n, 0);
	check_bounded(rsp_pcr_allocate, p_pcr_allocate);
	n = t_hex(rsp_pcr_allocate, buf, sizeof(buf));
	T_EQ_U(tpm2_parse_pcr_allocate(buf, n, &ok), 0);
	T_CHECK(ok);
}

static void
test_parse_public(void)
{
	struct tpm2_public t;
	struct rd r;
	size_t n;

	/* a keyedhash object, then an unknown scheme */
	n = t_hex("0008 000b 00000000 0000 0010 0000", buf, sizeof(buf));
	rd_init(&r, buf, n);
	T_CHECK(!tpm2_get_public(&r, &t));
	T_CHECK(r.bad);
	n = t_hex("0001 000b 00000000 0000 0010 0099 0800 00000000 0000",
	    buf, sizeof(buf));
	rd_init(&r, buf, n);
	T_CHECK(!tpm2_get_public(&r, &t));
	/* schemes with details: RSASSA (hash), ECDAA (hash, count) */
	n = t_hex("0001 000b 00000000 0000 0010 0014 000b 0800 00010001 "
	    "0002 abcd", buf, sizeof(buf));
	rd_init(&r, buf, n);
	T_ASSERT(tpm2_get_public(&r, &t));
	T_CHECK(rd_done(&r));
	T_EQ_U(t.scheme_hash, TPM2_ALG_SHA256);
	T_EQ_U(t.rsa_exponent, 65537);
	start();
	tpm2_put_public(&w, &t);
	T_CHECK(same(true, "0001 000b 00000000 0000 0010 0014 000b 0800 "
	    "00010001 0002 abcd"));
	n = t_hex("0023 000b 00000000 0000 0010 001a 000b 0001 0003 0020 "
	    "000b 0001 01 0001 02", buf, sizeof(buf));
	rd_init(&r, buf, n);
	T_ASSERT(tpm2_get_public(&r, &t));
	T_CHECK(rd_done(&r));
	T_EQ_U(t.scheme_count, 1);
	T_EQ_U(t.kdf_hash, TPM2_ALG_SHA256);
	start();
	tpm2_put_public(&w, &t);
	T_CHECK(same(true, "0023 000b 00000000 0000 0010 001a 000b 0001 "
	    "0003 0020 000b 0001 01 0001 02"));
}

/* --- TPM 1.2 --------------------------------------------------------- */

static void
test_build12(void)
{
	uint8_t data[3] = { 1, 2, 3 };

	/* cli.md §10: swtpm_bios' requests */
	start();
	T_CHECK(same(tpm12_build_startup(&w, TPM_ST_CLEAR),
	    "00c10000000c000000990001"));
	start();
	T_CHECK(same(tpm12_build_physical_presence(&w, TPM_PP_CMD_ENABLE),
	    "00c10000000c4000000a0020"));
	start();
	T_CHECK(same(tpm12_build_physical_presence(&w, TPM_PP_PRESENT),
	    "00c10000000c4000000a0008"));
	start();
	T_CHECK(same(tpm12_build_physical_presence(&w, TPM_PP_NOTPRESENT |
	    TPM_PP_LOCK), "00c10000000c4000000a0014"));
	start();
	T_CHECK(same(tpm12_build_physical_enable(&w), "00c10000000a0000006f"));
	start();
	T_CHECK(same(tpm12_build_set_deactivated(&w, false),
	    "00c10000000b0000007200"));
	start();
	T_CHECK(same(tpm12_build_continue_self_test(&w),
	    "00c10000000a00000053"));
	start();
	T_CHECK(same(tpm12_build_get_capability(&w, TPM_CAP_FLAG,
	    TPM_CAP_FLAG_PERMANENT), "00c100000016000000650000000400000004"
	    "00000108"));
	/* provisioning.md §1.11 */
	start();
	T_CHECK(same(tpm12_build_create_ek_pair(&w), "00C1 00000036 00000078 "
	    "38F03081072B0CA9109808C04B0511C9502352C4 00000001 0003 0002 "
	    "0000000C 00000800 00000002 00000000"));
	start();
	T_CHECK(same(tpm12_build_oiap(&w), "00c1 0000000a 0000000a"));
	start();
	T_CHECK(same(tpm12_build_nv_define_space(&w, TPM_NV_INDEX_EK_CERT,
	    TPM_NV_PER_OWNERREAD | TPM_NV_PER_OWNERWRITE, 0x258),
	    "00c1 00000065 000000cc 0018 1000f000 "
	    "0003 000000 1f 0000000000000000000000000000000000000000 "
	    "0003 000000 1f 0000000000000000000000000000000000000000 "
	    "0017 00020002 00 00 00 00000258 "
	    "0000000000000000000000000000000000000000"));
	start();
	T_CHECK(same(tpm12_build_nv_write_value(&w, TPM_NV_INDEX_PLATFORM_CERT,
	    0, data, sizeof(data)), "00c1 00000019 000000cd 1000f002 "
	    "00000000 00000003 010203"));
}

static void
test_take_ownership(void)
{
	uint8_t a[256], b[256], nonce[20];
	size_t end, n;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	memset(nonce, 0x0e, sizeof(nonce));
	start();
	T_ASSERT(tpm12_build_take_ownership(&w, a, b, sizeof(a), 0x12345678,
	    nonce, &end));
	T_EQ_U(w.len, 624);
	T_EQ_U(end, 579);
	n = t_hex("00c2 00000270 0000000d 0005 00000100", want, sizeof(want));
	T_CHECK(memcmp(buf, want, n) == 0);
	T_CHECK(buf[n] == 0xaa && buf[n + 255] == 0xaa);
	T_EQ_U(be32_get(buf + n + 256), 256);
	T_CHECK(buf[n + 260] == 0xbb && buf[n + 515] == 0xbb);
	n = t_hex("0028 0000 0011 00000000 01 00000001 0003 0001 0000000C "
	    "00000800 00000002 00000000 00000000 00000000 00000000 "
	    "12345678 0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e 00", want,
	    sizeof(want));
	T_CHECK(memcmp(buf + 532, want, n) == 0);
	T_EQ_U(532 + n + 20, 624);
}

static void
test_parse12(void)
{
	struct tpm12_perm_flags pf;
	uint32_t h = 0;
	size_t n;

	n = check_bounded(rsp12_create_ek_pair, p12_create_ek_pair);
	T_ASSERT(p12_create_ek_pair(buf, t_hex(rsp12_create_ek_pair, buf,
	    sizeof(buf))) == 0);
	T_EQ_U(n, 314);
	T_EQ_U(ek12.modulus_len, 256);
	T_CHECK(ek12.modulus == buf + 38);
	T_EQ_U(ek12.exponent_len, 0);
	check_bounded(rsp12_oiap, p12_oiap);
	n = t_hex(rsp12_oiap, buf, sizeof(buf));
	T_ASSERT(tpm12_parse_oiap(buf, n, &h, &view) == 0);
	T_EQ_U(h, 0xcced9c0a);
	T_CHECK(view == buf + 14);
	check_bounded(rsp12_cap_perm, p12_get_capability);
	n = t_hex(rsp12_cap_perm, buf, sizeof(buf));
	T_ASSERT(p12_get_capability(buf, n) == 0);
	T_EQ_U(viewlen, 22);
	T_ASSERT(tpm12_get_perm_flags(view, viewlen, &pf));
	T_CHECK(!pf.disable && pf.ownership && !pf.deactivated);
	T_CHECK(!tpm12_get_perm_flags(view, 4, &pf));
	/* TPM 2 tags are not TPM 1.2 responses */
	n = t_hex("8001 0000000a 00000000", buf, sizeof(buf));
	T_EQ_U(tpm12_parse_rc(buf, n), TPM_RSP_MALFORMED);
	n = t_hex("00c4 0000000a 00000026", buf, sizeof(buf));
	T_EQ_U(tpm12_parse_rc(buf, n), 0x26);
	T_EQ_U(p12_oiap(buf, n), 0x26);
}

/* --- TakeOwnership crypto -------------------------------------------- */

static EVP_PKEY *
test_rsa_key(uint8_t mod[256])
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	BIGNUM *n = NULL;

	if (k == NULL ||
	    !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    BN_bn2binpad(n, mod, 256) != 256) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	BN_free(n);
	return k;
}

static void
test_auth(void)
{
	uint8_t mod[256], owner[20], srk[20], even[20], out[256], dec[256];
	uint8_t digest[20], in[61], mac[20];
	unsigned char *label = NULL;
	unsigned int dn = 20, mn = 20;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key;
	size_t dlen = sizeof(dec);
	char msg[256];

	tpm12_auth_value(NULL, owner);
	memset(digest, 0, sizeof(digest));
	T_CHECK(memcmp(owner, digest, 20) == 0);
	tpm12_auth_value("abc", owner);
	T_CHECK(owner[0] == 0xa9 && owner[19] == 0x9d);	/* SHA-1("abc") */
	key = test_rsa_key(mod);
	T_ASSERT(key != NULL);
	memset(srk, 0x42, sizeof(srk));
	T_ASSERT(tpm12_oaep_tcpa(mod, sizeof(mod), srk, sizeof(srk), out, msg,
	    sizeof(msg)));
	label = OPENSSL_malloc(4);
	T_ASSERT(label != NULL);
	memcpy(label, "TCPA", 4);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	T_ASSERT(ctx != NULL);
	T_CHECK(EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) == 1 &&
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 4) == 1 &&
	    EVP_PKEY_decrypt(ctx, dec, &dlen, out, sizeof(out)) == 1);
	T_EQ_U(dlen, 20);
	T_CHECK(memcmp(dec, srk, 20) == 0);
	EVP_PKEY_CTX_free(ctx);
	T_CHECK(!tpm12_oaep_tcpa(mod, 0, srk, 20, out, msg, sizeof(msg)));

	/* the whole command: HMAC over SHA-1(ordinal || params) etc. */
	memset(even, 0x77, sizeof(even));
	start();
	T_ASSERT(tpm12_build_take_ownership_auth(&w, mod, sizeof(mod), owner,
	    srk, 0x01020304, even, msg, sizeof(msg)));
	T_EQ_U(w.len, 624);
	T_EQ_U(be32_get(buf + 579), 0x01020304);
	T_CHECK(buf[583] == 1 && buf[588] == 6 && buf[589] == 0);
	T_ASSERT(EVP_Digest(buf + 6, 579 - 6, digest, &dn, EVP_sha1(), NULL));
	memcpy(in, digest, 20);
	memcpy(in + 20, even, 20);
	memcpy(in + 40, buf + 583, 21);
	T_ASSERT(HMAC(EVP_sha1(), owner, 20, in, sizeof(in), mac, &mn));
	T_CHECK(memcmp(buf + 604, mac, 20) == 0);
	T_CHECK(!tpm12_build_take_ownership_auth(&w, mod, 255, owner, srk, 1,
	    even, msg, sizeof(msg)));
	T_CHECK(!tpm12_owner_hmac(buf, 623, 579, owner, even, msg,
	    sizeof(msg)));
	EVP_PKEY_free(key);
}

int
main(void)
{
	T_RUN(test_header);
	T_RUN(test_build_simple);
	T_RUN(test_build_nv);
	T_RUN(test_build_overflow);
	T_RUN(test_templates);
	T_RUN(test_pcr_allocate);
	T_RUN(test_alg_names);
	T_RUN(test_parse_create_primary);
	T_RUN(test_parse_read_public);
	T_RUN(test_parse_nv);
	T_RUN(test_parse_pcrs);
	T_RUN(test_parse_public);
	T_RUN(test_build12);
	T_RUN(test_take_ownership);
	T_RUN(test_parse12);
	T_RUN(test_auth);
	T_END();
}
