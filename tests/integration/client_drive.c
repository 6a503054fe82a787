/*
 * Test driver of the client library and the TPM wire module against a
 * real daemon (tests/integration/client.sh): starts `SWTPM socket` on
 * socketpairs with cl_spawn and runs the provisioning commands of
 * provisioning.md §1.8-§1.11 built by src/tpm, checking every response
 * with its parser. Prints one line per fact the script compares with
 * tpm2-tools; exits 1 at the first failure (with a message on stderr).
 *
 *   client_drive spawn SWTPM DIR          Startup/GetRandom/GET_INFO
 *   client_drive tpm2 SWTPM DIR BANKS     keys, NV, PCR_Allocate
 *   client_drive tpm12 SWTPM DIR          the TPM 1.2 flow
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bytes.h"
#include "client.h"
#include "conn.h"
#include "spawn.h"
#include "tpm12.h"
#include "tpm12_auth.h"
#include "tpm2.h"

#include "swtpm/tpm_ioctl.h"

#define TIMEOUT_MS	30000
#define RSP_MAX		4096
#define NV_LEN		1500

static struct cl_child child;
static uint8_t cmd[RSP_MAX], rsp[RSP_MAX];
static size_t rlen;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "client_drive: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (child.pid > 0)
		(void)cl_child_stop(&child, 500);
	exit(1);
}

static void
hex(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	printf("%s ", label);
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static void
start(const char *swtpm, const char *dir, bool tpm2)
{
	char state[512], pid[512];
	const char *argv[12];
	struct cl_spawn_opts o;
	int n = 0;

	snprintf(state, sizeof(state), "dir=%s", dir);
	snprintf(pid, sizeof(pid), "file=%s/swtpm.pid", dir);
	argv[n++] = swtpm;
	argv[n++] = "socket";
	if (tpm2)
		argv[n++] = "--tpm2";
	argv[n++] = "--flags";
	argv[n++] = "not-need-init,startup-clear";
	argv[n++] = "--tpmstate";
	argv[n++] = state;
	argv[n++] = "--pid";
	argv[n++] = pid;
	argv[n] = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.pidfile = pid + 5;
	o.quiet = true;
	if (cl_spawn(&child, &o) != CL_OK)
		die("spawn: %s", child.msg);
	unlink(o.pidfile);
}

static void
stop(void)
{
	int st = cl_child_stop(&child, 5000);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("swtpm ended with wait status 0x%x", (unsigned)st);
	printf("stopped 0\n");
}

/* Sends the command built in w; returns the response code. */
static uint32_t
run(const char *what, struct wr *w, bool ok, uint32_t (*rc)(const void *,
    size_t))
{
	enum cl_err e;
	uint32_t code;

	if (!ok || !wr_ok(w))
		die("%s: the builder failed", what);
	e = cl_tpm(&child.data, w->p, w->len, rsp, sizeof(rsp), &rlen,
	    TIMEOUT_MS);
	if (e != CL_OK)
		die("%s: %s", what, child.data.msg);
	code = rc != NULL ? rc(rsp, rlen) : tpm2_parse_rc(rsp, rlen);
	if (code == TPM_RSP_MALFORMED)
		die("%s: malformed response", what);
	return code;
}

/* Builds into cmd with expr (which uses w), then runs it. */
#define RUN2(what, expr) \
	(wr_init(&w, cmd, sizeof(cmd)), run((what), &w, (expr), NULL))
#define RUN12(what, expr) \
	(wr_init(&w, cmd, sizeof(cmd)), run((what), &w, (expr), \
	tpm12_parse_rc))

static void
must(const char *what, uint32_t code)
{
	if (code != 0)
		die("%s: response code 0x%x", what, code);
}

/* --- spawn ----------------------------------------------------------- */

static int
do_spawn(const char *swtpm, const char *dir)
{
	struct ctrl_client_info info;
	const uint8_t *bytes;
	uint8_t req[32], crsp[4096];
	struct wr w;
	size_t n;

	start(swtpm, dir, true);
	/* swtpm did the Startup (startup-clear): a second is refused */
	printf("startup 0x%x\n", RUN2("Startup",
	    tpm2_build_startup(&w, TPM2_SU_CLEAR)));
	must("GetRandom", RUN2("GetRandom",
	    tpm2_build_get_random(&w, 16)));
	if (tpm2_parse_get_random(rsp, rlen, &bytes, &n) != 0)
		die("GetRandom: parser");
	printf("random %zu\n", n);
	wr_init(&w, req, sizeof(req));
	ctrl_client_enc_get_info(&w, SWTPM_INFO_TPMSPECIFICATION, 0);
	if (cl_ctrl(&child.ctrl, req, w.len, crsp, sizeof(crsp), &n,
	    TIMEOUT_MS) != CL_OK)
		die("GET_INFO: %s", child.ctrl.msg);
	if (!ctrl_client_dec_info(crsp, n, &info) || info.result != 0 ||
	    info.datalen == 0)
		die("GET_INFO: bad response");
	printf("info %.*s\n", (int)info.datalen - 1, info.data);
	stop();
	return 0;
}

/* --- TPM 2 ----------------------------------------------------------- */

static void
name_line(const char *label, const struct tpm2_object *o)
{
	hex(label, o->name, o->name_len);
}

/* CreatePrimary, check with ReadPublic, persist, flush. */
static void
make_key(const char *label, enum tpm2_key key, unsigned flags,
    bool persist)
{
	struct tpm2_object created, read;
	struct tpm2_key_slot slot;
	struct tpm2_public t;
	uint8_t name[TPM2_MAX_DIGEST + 2];
	size_t nlen;
	char l[64];
	struct wr w;

	if (!tpm2_template(key, flags, &t) || !tpm2_key_slot(key, &slot))
		die("%s: no template", label);
	must("CreatePrimary", RUN2("CreatePrimary",
	    tpm2_build_create_primary(&w, slot.hierarchy, &t)));
	if (tpm2_parse_create_primary(rsp, rlen, &created) != 0)
		die("%s: CreatePrimary parser", label);
	nlen = created.name_len;
	if (nlen > sizeof(name))
		die("%s: name of %zu bytes", label, nlen);
	memcpy(name, created.name, nlen);
	printf("%s attrs 0x%08x unique %u %u\n", label, created.pub.attrs,
	    created.pub.unique_x_len, created.pub.unique_y_len);
	must("ReadPublic", RUN2("ReadPublic",
	    tpm2_build_read_public(&w, created.handle)));
	if (tpm2_parse_read_public(rsp, rlen, &read) != 0 ||
	    read.name_len != nlen || memcmp(read.name, name, nlen) != 0)
		die("%s: ReadPublic disagrees with CreatePrimary", label);
	snprintf(l, sizeof(l), "%s name", label);
	name_line(l, &read);
	if (persist) {
		must("EvictControl", RUN2("EvictControl",
		    tpm2_build_evict_control(&w, TPM2_RH_OWNER,
		    created.handle, slot.handle)));
		printf("%s handle 0x%08x\n", label, slot.handle);
	}
	must("FlushContext", RUN2("FlushContext",
	    tpm2_build_flush_context(&w, created.handle)));
	if (persist) {
		must("ReadPublic", RUN2("ReadPublic",
		    tpm2_build_read_public(&w, slot.handle)));
		if (tpm2_parse_read_public(rsp, rlen, &read) != 0 ||
		    read.name_len != nlen || memcmp(read.name, name, nlen))
			die("%s: persistent key has another name", label);
	}
}

static void
nv_define_write(uint32_t index, const uint8_t *data, size_t n, bool lock)
{
	struct tpm2_nv_public nv = { index, TPM2_ALG_SHA256,
	    TPM2_NV_CERT_ATTRS, NULL, 0, (uint16_t)n };
	const uint8_t *name, *back;
	size_t off, k, nlen, blen;
	struct wr w;

	must("NV_DefineSpace", RUN2("NV_DefineSpace",
	    tpm2_build_nv_define_space(&w, TPM2_RH_PLATFORM, &nv)));
	for (off = 0; off < n; off += k) {
		k = n - off > TPM2_NV_WRITE_MAX ? TPM2_NV_WRITE_MAX : n - off;
		must("NV_Write", RUN2("NV_Write",
		    tpm2_build_nv_write(&w, TPM2_RH_PLATFORM, index,
		    data + off, k, (uint16_t)off)));
	}
	if (lock)
		must("NV_WriteLock", RUN2("NV_WriteLock",
		    tpm2_build_nv_write_lock(&w, TPM2_RH_PLATFORM, index)));
	must("NV_ReadPublic", RUN2("NV_ReadPublic",
	    tpm2_build_nv_read_public(&w, index)));
	if (tpm2_parse_nv_read_public(rsp, rlen, &nv, &name, &nlen) != 0 ||
	    nv.index != index)
		die("NV_ReadPublic parser");
	printf("nv 0x%08x attrs 0x%08x size %u\n", index, nv.attrs,
	    nv.data_size);
	for (off = 0; off < n; off += k) {
		k = n - off > TPM2_NV_WRITE_MAX ? TPM2_NV_WRITE_MAX : n - off;
		must("NV_Read", RUN2("NV_Read",
		    tpm2_build_nv_read(&w, TPM2_RH_PLATFORM, index,
		    (uint16_t)k, (uint16_t)off)));
		if (tpm2_parse_nv_read(rsp, rlen, &back, &blen) != 0 ||
		    blen != k || memcmp(back, data + off, k) != 0)
			die("NV_Read: the data differ at %zu", off);
	}
}

/* The bank list "a,b,c": algorithms, or 0 for unknown names. */
static size_t
parse_banks(char *s, uint16_t *algs, size_t cap)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok != NULL && n < cap;
	    tok = strtok_r(NULL, ",", &save))
		if (!tpm2_alg_by_name(tok, &algs[n++]))
			algs[n - 1] = 0;
	return n;
}

static void
print_banks(const char *label, const struct tpm2_pcr_sel *s, bool on_only)
{
	const char *name;
	unsigned i;

	printf("%s", label);
	for (i = 0; i < s->n; i++) {
		if (on_only && s->bank[i].select[0] == 0)
			continue;
		name = tpm2_alg_name(s->bank[i].alg);
		if (name != NULL)
			printf(" %s", name);
		else
			printf(" 0x%04x", s->bank[i].alg);
	}
	printf("\n");
}

static void
allocate(char *banks)
{
	struct tpm2_pcr_sel have, sel;
	uint16_t want[16];
	size_t nwant;
	bool more, ok;
	struct wr w;

	must("GetCapability", RUN2("GetCapability",
	    tpm2_build_get_capability(&w, TPM2_CAP_PCRS, 0, 64)));
	if (tpm2_parse_cap_pcrs(rsp, rlen, &have, &more) != 0 || more)
		die("GetCapability(PCRS) parser");
	print_banks("banks", &have, false);
	nwant = parse_banks(banks, want, 16);
	if (tpm2_pcr_allocation(&have, want, nwant, &sel) == 0)
		die("no PCR bank to allocate");
	print_banks("allocate", &sel, true);
	must("PCR_Allocate", RUN2("PCR_Allocate",
	    tpm2_build_pcr_allocate(&w, TPM2_RH_PLATFORM, &sel)));
	hex("allocate-cmd", cmd, w.len);
	if (tpm2_parse_pcr_allocate(rsp, rlen, &ok) != 0 || !ok)
		die("PCR_Allocate did not succeed");
}

static int
do_tpm2(const char *swtpm, const char *dir, char *banks)
{
	uint8_t data[NV_LEN], tmpl[512];
	struct tpm2_public t;
	struct wr w;
	size_t i;

	start(swtpm, dir, true);
	make_key("ek-rsa2048", TPM2_KEY_EK_RSA2048, 0, true);
	make_key("ek-ecc384", TPM2_KEY_EK_ECC384, 0, true);
	make_key("srk", TPM2_KEY_SRK_RSA2048, 0, true);
	make_key("ek-rsa3072-sign", TPM2_KEY_EK_RSA3072,
	    TPM2_TMPL_SIGN | TPM2_TMPL_DECRYPT, false);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	nv_define_write(TPM2_NV_EK_RSA2048_CERT, data, sizeof(data), true);
	/* a signing EK's template: the bare TPMT_PUBLIC */
	if (!tpm2_template(TPM2_KEY_EK_RSA3072, TPM2_TMPL_SIGN, &t))
		die("template");
	wr_init(&w, tmpl, sizeof(tmpl));
	tpm2_put_public(&w, &t);
	if (!wr_ok(&w))
		die("template does not fit");
	nv_define_write(TPM2_NV_EK_RSA3072_TEMPLATE, tmpl, w.len, false);
	allocate(banks);
	must("Shutdown", RUN2("Shutdown",
	    tpm2_build_shutdown(&w, TPM2_SU_CLEAR)));
	stop();
	return 0;
}

/* --- TPM 1.2 --------------------------------------------------------- */

static int
do_tpm12(const char *swtpm, const char *dir)
{
	uint8_t owner[TPM12_NONCE_LEN], srk[TPM12_NONCE_LEN];
	uint8_t mod[TPM12_RSA_BYTES], nonce[TPM12_NONCE_LEN], cert[600];
	struct tpm12_perm_flags pf;
	struct tpm12_pubkey ek;
	const uint8_t *p;
	char msg[256];
	uint32_t handle, code;
	struct wr w;
	size_t n;

	start(swtpm, dir, false);
	must("PhysicalPresence", RUN12("PP",
	    tpm12_build_physical_presence(&w, TPM_PP_CMD_ENABLE)));
	must("PhysicalPresence", RUN12("PP",
	    tpm12_build_physical_presence(&w, TPM_PP_PRESENT)));
	must("PhysicalEnable", RUN12("PhysicalEnable",
	    tpm12_build_physical_enable(&w)));
	must("PhysicalSetDeactivated", RUN12("SetDeactivated",
	    tpm12_build_set_deactivated(&w, false)));
	must("CreateEndorsementKeyPair", RUN12("CreateEKPair",
	    tpm12_build_create_ek_pair(&w)));
	if (tpm12_parse_create_ek_pair(rsp, rlen, &ek) != 0 ||
	    ek.modulus_len != TPM12_RSA_BYTES)
		die("CreateEndorsementKeyPair parser");
	/* COMPAT: provisioning.md §1.11: the modulus is at offset 38 */
	printf("ek modulus %zu at %zu\n", ek.modulus_len,
	    (size_t)(ek.modulus - rsp));
	memcpy(mod, ek.modulus, sizeof(mod));
	must("OIAP", RUN12("OIAP", tpm12_build_oiap(&w)));
	if (tpm12_parse_oiap(rsp, rlen, &handle, &p) != 0)
		die("OIAP parser");
	memcpy(nonce, p, sizeof(nonce));
	tpm12_auth_value(NULL, owner);
	tpm12_auth_value(NULL, srk);
	wr_init(&w, cmd, sizeof(cmd));
	if (!tpm12_build_take_ownership_auth(&w, mod, sizeof(mod), owner, srk,
	    handle, nonce, msg, sizeof(msg)))
		die("TakeOwnership: %s", msg);
	must("TakeOwnership", run("TakeOwnership", &w, true,
	    tpm12_parse_rc));
	printf("owned\n");
	memset(cert, 0x5c, sizeof(cert));
	must("NV_DefineSpace", RUN12("NV_DefineSpace",
	    tpm12_build_nv_define_space(&w, TPM_NV_INDEX_EK_CERT,
	    TPM_NV_PER_OWNERREAD | TPM_NV_PER_OWNERWRITE, sizeof(cert))));
	must("NV_WriteValue", RUN12("NV_WriteValue",
	    tpm12_build_nv_write_value(&w, TPM_NV_INDEX_EK_CERT, 0, cert,
	    sizeof(cert))));
	must("NV lock", RUN12("NV_DefineSpace(lock)",
	    tpm12_build_nv_define_space(&w, TPM_NV_INDEX_LOCK, 0, 0)));
	/* locked: writing without owner auth is refused now */
	code = RUN12("NV_WriteValue",
	    tpm12_build_nv_write_value(&w, TPM_NV_INDEX_EK_CERT, 0, cert, 1));
	printf("write after lock 0x%x\n", code);
	must("GetCapability", RUN12("GetCapability",
	    tpm12_build_get_capability(&w, TPM_CAP_FLAG,
	    TPM_CAP_FLAG_PERMANENT)));
	if (tpm12_parse_get_capability(rsp, rlen, &p, &n) != 0 ||
	    !tpm12_get_perm_flags(p, n, &pf))
		die("GetCapability parser");
	printf("flags disable %d ownership %d deactivated %d\n", pf.disable,
	    pf.ownership, pf.deactivated);
	stop();
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "spawn") == 0)
		return do_spawn(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "tpm2") == 0)
		return do_tpm2(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "tpm12") == 0)
		return do_tpm12(argv[2], argv[3]);
	fprintf(stderr, "usage: client_drive spawn|tpm2|tpm12 SWTPM DIR "
	    "[BANKS]\n");
	return 2;
}
