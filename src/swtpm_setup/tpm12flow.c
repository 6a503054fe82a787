/*
 * The TPM 1.2 flow (provisioning.md §1.11): physical presence, enable,
 * activate; the EK; ownership (OIAP and TakeOwnership, whose OAEP and
 * HMAC are src/tpm's); the EK and platform certificates in NV; the
 * global NV lock. No TPM_Shutdown: swtpm saves the state at
 * CMD_SHUTDOWN. All command bytes come from src/tpm.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "flow.h"
#include "log.h"
#include "tpm12.h"
#include "tpm12_auth.h"

#define CMD_MAX		2048
/* The 7-byte header swtpm_cert puts before a TPM 1.2 certificate. */
#define NV_CERT_HDR	7

static int
bios(struct su_ctx *c)
{
	uint8_t buf[64];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	tpm12_build_physical_presence(&w, TPM_PP_CMD_ENABLE);
	if (su_sess_tpm(c->s, &w, "TSC_PhysicalPresence") < 0)
		return -1;
	wr_init(&w, buf, sizeof(buf));
	tpm12_build_physical_presence(&w, TPM_PP_PRESENT);
	if (su_sess_tpm(c->s, &w, "TSC_PhysicalPresence") < 0)
		return -1;
	wr_init(&w, buf, sizeof(buf));
	tpm12_build_physical_enable(&w);
	if (su_sess_tpm(c->s, &w, "TPM_PhysicalEnable") < 0)
		return -1;
	wr_init(&w, buf, sizeof(buf));
	tpm12_build_set_deactivated(&w, false);
	return su_sess_tpm(c->s, &w, "TSC_PhysicalSetDeactivated");
}

/* The EK's modulus (TPM12_RSA_BYTES, malloc'ed into *mod). */
static int
create_ek(struct su_ctx *c, uint8_t **mod)
{
	struct tpm12_pubkey pk;
	uint8_t buf[128];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	tpm12_build_create_ek_pair(&w);
	if (su_sess_tpm(c->s, &w, "TPM_CreateEndorsementKeyPair") < 0)
		return -1;
	if (tpm12_parse_create_ek_pair(c->s->rsp, c->s->rlen, &pk) != 0) {
		logerr("Response from TPM_CreateEndorsementKeyPair is too "
		    "short!\n");
		return -1;
	}
	if (pk.modulus_len != TPM12_RSA_BYTES) {
		logerr("Offset to EK Public key is wrong.\n");
		return -1;
	}
	if ((*mod = malloc(pk.modulus_len)) == NULL) {
		logerr("out of memory\n");
		return -1;
	}
	memcpy(*mod, pk.modulus, pk.modulus_len);
	return 0;
}

/*
 * An auth value: SHA-1 of the password, of the default, or with the
 * well-known flag of 20 zero bytes. COMPAT: the reference hashes the
 * 20 zero bytes too (it does not use them as the auth value itself).
 */
static void
auth_value(const char *pass, bool zeros, const char *def,
    uint8_t out[TPM12_NONCE_LEN])
{
	static const uint8_t zero[TPM12_NONCE_LEN];
	unsigned int n = TPM12_NONCE_LEN;

	if (pass == NULL && zeros) {
		if (EVP_Digest(zero, sizeof(zero), out, &n, EVP_sha1(),
		    NULL) != 1)
			memset(out, 0, TPM12_NONCE_LEN);
		return;
	}
	tpm12_auth_value(pass != NULL ? pass : def, out);
}

static int
take_ownership(struct su_ctx *c, const uint8_t *mod)
{
	uint8_t owner[TPM12_NONCE_LEN], srk[TPM12_NONCE_LEN];
	uint8_t nonce_even[TPM12_NONCE_LEN], buf[CMD_MAX];
	const uint8_t *ne;
	char msg[256];
	uint32_t handle;
	struct wr w;
	int ret = -1;

	auth_value(c->o->ownerpass, c->o->flags & SU_F_OWNERPASS_ZEROS,
	    SU_DEFAULT_OWNERPASS, owner);
	auth_value(c->o->srkpass, c->o->flags & SU_F_SRKPASS_ZEROS,
	    SU_DEFAULT_SRKPASS, srk);
	wr_init(&w, buf, sizeof(buf));
	tpm12_build_oiap(&w);
	if (su_sess_tpm(c->s, &w, "TPM_OIAP") < 0)
		goto out;
	if (tpm12_parse_oiap(c->s->rsp, c->s->rlen, &handle, &ne) != 0) {
		logerr("Response from TPM_OIAP is too short!\n");
		goto out;
	}
	memcpy(nonce_even, ne, sizeof(nonce_even));
	wr_init(&w, buf, sizeof(buf));
	if (!tpm12_build_take_ownership_auth(&w, mod, TPM12_RSA_BYTES, owner,
	    srk, handle, nonce_even, msg, sizeof(msg))) {
		logerr("Internal error in take_ownership: %s\n", msg);
		goto out;
	}
	ret = su_sess_tpm(c->s, &w, "TPM_TakeOwnership");
out:
	OPENSSL_cleanse(owner, sizeof(owner));
	OPENSSL_cleanse(srk, sizeof(srk));
	return ret;
}

static int
write_nv(struct su_ctx *c, uint32_t index, const uint8_t *data, size_t len)
{
	uint8_t buf[CMD_MAX + 64];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	tpm12_build_nv_define_space(&w, index, TPM_NV_PER_OWNERREAD |
	    TPM_NV_PER_OWNERWRITE, (uint32_t)len);
	if (su_sess_tpm(c->s, &w, "TPM_NV_DefineSpace") < 0)
		return -1;
	wr_init(&w, buf, sizeof(buf));
	tpm12_build_nv_write_value(&w, index, 0, data, len);
	return su_sess_tpm(c->s, &w, "TPM_NV_WriteValue");
}

static int
certs(struct su_ctx *c, const uint8_t *mod)
{
	struct su_cert_run runs[2];
	struct su_cert_run *both[2] = { &runs[0], &runs[1] };
	struct su_cert_req rq;
	struct su_tpm_info info;
	uint8_t *der = NULL;
	size_t len;
	int t, ret = -1;

	su_cert_init(&runs[0]);
	su_cert_init(&runs[1]);
	memset(&rq, 0, sizeof(rq));
	if (su_sess_get_info(c->s, &info) < 0)
		return -1;
	if (c->ct->tool == NULL) {
		logerr("No create_certs_tool is configured: cannot create "
		    "certificates.\n");
		return -1;
	}
	if ((rq.keyparams = su_hex(mod, TPM12_RSA_BYTES)) == NULL) {
		logerr("out of memory\n");
		return -1;
	}
	rq.dir = c->certsdir;
	rq.logfile = su_log_file();
	rq.vmid = c->o->vmid;
	rq.info = &info;
	for (t = 0; t < 2; t++) {
		if (!(c->o->flags & (t == 0 ? SU_F_EK_CERT :
		    SU_F_PLATFORM_CERT)))
			continue;
		rq.type = (enum su_cert_type)t;
		su_cert_start(c->ct, &rq, &runs[t]);
	}
	for (t = 0; t < 2; t++)
		if (runs[t].started && su_cert_finish(c->ct, &runs[t]) < 0)
			goto out;
	for (t = 0; t < 2; t++) {
		if (!(c->o->flags & (t == 0 ? SU_F_EK_CERT :
		    SU_F_PLATFORM_CERT)))
			continue;
		if (su_cert_read(c->certsdir, (enum su_cert_type)t, &der,
		    &len) < 0)
			goto out;
		if (write_nv(c, t == 0 ? TPM_NV_INDEX_EK_CERT :
		    TPM_NV_INDEX_PLATFORM_CERT, der, len) < 0)
			goto out;
		if (t == 0) {
			logit("Successfully created NVRAM area for EK "
			    "certificate.\n");
			/* the file has no header (provisioning.md §1.1) */
			if ((c->o->flags & SU_F_WRITE_EK_FILES) &&
			    su_write_ek_file(c, "rsa2048", der +
			    (len > NV_CERT_HDR ? NV_CERT_HDR : 0),
			    len > NV_CERT_HDR ? len - NV_CERT_HDR : len) < 0)
				goto out;
		} else {
			logit("Successfully created NVRAM area for Platform "
			    "certificate.\n");
		}
		free(der);
		der = NULL;
	}
	ret = 0;
out:
	free(der);
	free((char *)(uintptr_t)rq.keyparams);
	/* not killed: see tpm2flow.c's release_jobs */
	su_cert_wait(both, 2);
	su_cert_release(&runs[0]);
	su_cert_release(&runs[1]);
	return ret;
}

int
su_tpm12_flow(struct su_ctx *c)
{
	uint8_t *mod = NULL, buf[128];
	struct wr w;
	int ret = -1;

	if (bios(c) < 0)
		return -1;
	if (c->o->flags & SU_F_CREATE_EK) {
		if (create_ek(c, &mod) < 0)
			goto out;
		logit("Successfully created EK.\n");
		if (c->o->flags & SU_F_TAKE_OWN) {
			if (take_ownership(c, mod) < 0)
				goto out;
			logit("Successfully took ownership of the TPM.\n");
		}
		/* 0.7.1: a platform certificate only with an EK certificate */
		if ((c->o->flags & SU_F_EK_CERT) && certs(c, mod) < 0)
			goto out;
	}
	if (c->o->flags & SU_F_LOCK_NVRAM) {
		wr_init(&w, buf, sizeof(buf));
		tpm12_build_nv_define_space(&w, TPM_NV_INDEX_LOCK, 0, 0);
		if (su_sess_tpm(c->s, &w, "TPM_NV_DefineSpace") < 0)
			goto out;
		logit("Successfully locked NVRAM access.\n");
	}
	ret = 0;
out:
	free(mod);
	return ret;
}
