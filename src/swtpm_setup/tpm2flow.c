/*
 * The TPM 2 flow (provisioning.md §1.8-§1.9): SRK, the RSA and the
 * ECC P-384 EK (each flushed once persisted), their certificates and
 * the platform certificate in NV, the PCR banks, TPM2_Shutdown. All
 * command bytes come from src/tpm.
 *
 * Not the reference's schedule: the ECC EK is created first and its
 * certificate made while the TPM computes the RSA EK, whose two
 * certificates are then made at once; the log keeps the reference's
 * order of lines (held back in a buffer per EK). The tool calls are
 * independent processes; this removes most of the waiting of a run
 * with certificates.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flow.h"
#include "log.h"
#include "tpm2.h"

#define CMD_MAX		2048

/* One EK and what belongs to it. */
struct ek_job {
	enum tpm2_key		 key;
	const char		*logname;	/* "RSA 2048", "ECC" */
	const char		*desc;		/* ek-<desc>.crt */
	bool			 platform;	/* its key also certifies */
	char			*keyparams;	/* for the cert tool */
	char			*dir;		/* the tool's --dir */
	struct su_logbuf	 log;		/* its lines, held back */
	struct su_cert_run	 run[2];	/* ek, platform */
	bool			 want[2];
};

/* Creates a primary key from template t in hierarchy h; obj parsed. */
static int
create_primary(struct su_ctx *c, uint32_t h, const struct tpm2_public *t,
    const char *name, struct tpm2_object *obj)
{
	uint8_t buf[CMD_MAX];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	tpm2_build_create_primary(&w, h, t);
	if (su_sess_tpm(c->s, &w, name) < 0)
		return -1;
	if (tpm2_parse_create_primary(c->s->rsp, c->s->rlen, obj) != 0) {
		logerr("Response from %s is too short!\n", name);
		return -1;
	}
	return 0;
}

/* EvictControl to persistent, then FlushContext of the transient. */
static int
persist(struct su_ctx *c, uint32_t handle, uint32_t persistent)
{
	uint8_t buf[64];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	tpm2_build_evict_control(&w, TPM2_RH_OWNER, handle, persistent);
	if (su_sess_tpm(c->s, &w, "TPM2_EvictControl") < 0)
		return -1;
	/* HEAD (adopted): the transient no longer takes a slot */
	wr_init(&w, buf, sizeof(buf));
	tpm2_build_flush_context(&w, handle);
	return su_sess_tpm(c->s, &w, "TPM2_FlushContext");
}

/*
 * Defines index (size len), writes data in chunks of at most
 * TPM2_NV_WRITE_MAX, and write-locks it with --lock-nvram. purpose
 * names it in the reference's messages.
 */
static int
write_nv(struct su_ctx *c, uint32_t index, const uint8_t *data, size_t len,
    const char *purpose)
{
	struct tpm2_nv_public nv;
	uint8_t buf[CMD_MAX];
	size_t off, n;
	struct wr w;

	if (len == 0 || len > UINT16_MAX) {
		logerr("Could not create NVRAM area 0x%x for %s.\n", index,
		    purpose);
		return -1;
	}
	memset(&nv, 0, sizeof(nv));
	nv.index = index;
	nv.name_alg = TPM2_ALG_SHA256;
	nv.attrs = TPM2_NV_CERT_ATTRS;
	nv.data_size = (uint16_t)len;
	wr_init(&w, buf, sizeof(buf));
	tpm2_build_nv_define_space(&w, TPM2_RH_PLATFORM, &nv);
	if (su_sess_tpm(c->s, &w, "TPM2_NV_DefineSpace") < 0) {
		logerr("Could not create NVRAM area 0x%x for %s.\n", index,
		    purpose);
		return -1;
	}
	for (off = 0; off < len; off += n) {
		n = len - off;
		if (n > TPM2_NV_WRITE_MAX)
			n = TPM2_NV_WRITE_MAX;
		wr_init(&w, buf, sizeof(buf));
		tpm2_build_nv_write(&w, TPM2_RH_PLATFORM, index, data + off, n,
		    (uint16_t)off);
		if (su_sess_tpm(c->s, &w, "TPM2_NV_Write") < 0) {
			logerr("Could not write %s into NVRAM area 0x%x.\n",
			    purpose, index);
			return -1;
		}
	}
	if (!(c->o->flags & SU_F_LOCK_NVRAM))
		return 0;
	wr_init(&w, buf, sizeof(buf));
	tpm2_build_nv_write_lock(&w, TPM2_RH_PLATFORM, index);
	if (su_sess_tpm(c->s, &w, "TPM2_NV_WriteLock") < 0) {
		/* the reference says "EK template" for every index */
		logerr("Could not lock %s NVRAM area 0x%x.\n", purpose, index);
		return -1;
	}
	return 0;
}

static int
create_spk(struct su_ctx *c)
{
	enum tpm2_key key = TPM2_KEY_SRK_RSA2048;
	struct tpm2_key_slot slot;
	struct tpm2_object obj;
	struct tpm2_public t;

	/* 0.7.1: the RSA SRK has the EK's size; --ecc makes it P-384 */
	if (c->o->flags & SU_F_ECC)
		key = TPM2_KEY_SRK_ECC384;
	else if (c->rsa_bits == 3072)
		key = TPM2_KEY_SRK_RSA3072;
	if (!tpm2_template(key, 0, &t) || !tpm2_key_slot(key, &slot))
		return -1;
	if (create_primary(c, slot.hierarchy, &t, key == TPM2_KEY_SRK_ECC384 ?
	    "TPM2_CreatePrimary(ECC)" : "TPM2_CreatePrimary(RSA)", &obj) < 0 ||
	    persist(c, obj.handle, slot.handle) < 0)
		return -1;
	logit("Successfully created storage primary key with handle "
	    "0x%x.\n", slot.handle);
	return 0;
}

/* The key parameters for the cert tool, checked against the template. */
static char *
key_params(const struct tpm2_public *t, const struct tpm2_public *p)
{
	char *x = NULL, *y = NULL, *s = NULL;
	size_t want;

	if (t->type == TPM2_ALG_RSA) {
		if (p->type != TPM2_ALG_RSA ||
		    p->unique_x_len != t->rsa_bits / 8)
			return NULL;
		return su_hex(p->unique_x, p->unique_x_len);
	}
	/* only P-384 here (provisioning.md §1.8) */
	want = 48;
	if (p->type != TPM2_ALG_ECC || p->curve != TPM2_ECC_NIST_P384 ||
	    p->unique_x_len != want || p->unique_y_len != want)
		return NULL;
	x = su_hex(p->unique_x, p->unique_x_len);
	y = su_hex(p->unique_y, p->unique_y_len);
	if (x != NULL && y != NULL &&
	    asprintf(&s, "x=%s,y=%s,id=secp384r1", x, y) < 0)
		s = NULL;
	free(x);
	free(y);
	return s;
}

/* CreatePrimary, persist, flush; the template in NV for a signing EK. */
static int
create_ek(struct su_ctx *c, struct ek_job *j)
{
	unsigned flags = 0;
	struct tpm2_key_slot slot;
	struct tpm2_object obj;
	struct tpm2_public t;
	uint8_t tmpl[512];
	const char *name;
	char purpose[32];
	struct wr w;

	if (c->o->flags & SU_F_ALLOW_SIGNING)
		flags = TPM2_TMPL_SIGN |
		    (c->o->flags & SU_F_DECRYPTION ? TPM2_TMPL_DECRYPT : 0);
	if (!tpm2_template(j->key, flags, &t) || !tpm2_key_slot(j->key, &slot))
		return -1;
	name = t.type == TPM2_ALG_RSA ? "TPM2_CreatePrimary(RSA)" :
	    "TPM2_CreatePrimary(ECC)";
	if (create_primary(c, slot.hierarchy, &t, name, &obj) < 0)
		goto fail;
	if ((j->keyparams = key_params(&t, &obj.pub)) == NULL) {
		logerr("unexpected key in the response to "
		    "%s\n", name);
		goto fail;
	}
	if (persist(c, obj.handle, slot.handle) < 0)
		goto fail;
	logit("Successfully created %s EK with handle 0x%x.\n", j->logname,
	    slot.handle);
	if (!(c->o->flags & SU_F_ALLOW_SIGNING))
		return 0;
	/* the bare TPMT_PUBLIC (provisioning.md §1.8) */
	wr_init(&w, tmpl, sizeof(tmpl));
	tpm2_put_public(&w, &t);
	snprintf(purpose, sizeof(purpose), "EK template");
	if (!wr_ok(&w) ||
	    write_nv(c, slot.template_index, tmpl, w.len, purpose) < 0)
		return -1;
	logit("Successfully created NVRAM area 0x%x for %s EK template.\n",
	    slot.template_index, j->logname);
	return 0;
fail:
	/* COMPAT: the reference's summary of a failed EK */
	logerr("create_ek failed: 0x%x\n", 1);
	return -1;
}

/* The certificate of type made for j: into NV (and a file for an EK). */
static int
store_cert(struct su_ctx *c, struct ek_job *j, enum su_cert_type type)
{
	struct tpm2_key_slot slot;
	uint8_t *der = NULL;
	size_t len;
	int ret = -1;

	if (su_cert_read(j->dir, type, &der, &len) < 0)
		return -1;
	(void)tpm2_key_slot(j->key, &slot);
	if (type == SU_CERT_PLATFORM) {
		if (write_nv(c, TPM2_NV_PLATFORM_CERT, der, len,
		    "Platform Certificate") < 0) {
			logerr("Could not create NVRAM area 0x%x for platform "
			    "certificate.\n", TPM2_NV_PLATFORM_CERT);
			goto out;
		}
		logit("Successfully created NVRAM area 0x%x for platform "
		    "certificate.\n", TPM2_NV_PLATFORM_CERT);
		ret = 0;
		goto out;
	}
	if (write_nv(c, slot.cert_index, der, len, "EK Certificate") < 0) {
		logerr("Could not create NVRAM area 0x%x for %s EK "
		    "certificate.\n", slot.cert_index, j->logname);
		goto out;
	}
	logit("Successfully created NVRAM area 0x%x for %s EK certificate.\n",
	    slot.cert_index, j->logname);
	if ((c->o->flags & SU_F_WRITE_EK_FILES) &&
	    su_write_ek_file(c, j->desc, der, len) < 0)
		goto out;
	ret = 0;
out:
	free(der);
	return ret;
}

/* Starts the tool for each certificate of j, all at once. */
static int
start_tools(struct su_ctx *c, struct ek_job *j,
    const struct su_tpm_info *info)
{
	struct su_cert_req rq;
	int t;

	/* its own directory: two EK calls both write ek.cert */
	if (asprintf(&j->dir, "%s/%s", c->certsdir, j->desc) < 0) {
		j->dir = NULL;
		logerr("out of memory\n");
		return -1;
	}
	if (mkdir(j->dir, 0700) < 0) {
		logerr("Could not create temporary directory for certs: %s\n",
		    strerror(errno));
		free(j->dir);
		j->dir = NULL;
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	rq.tpm2 = true;
	rq.allow_signing = (c->o->flags & SU_F_ALLOW_SIGNING) != 0;
	rq.decryption = (c->o->flags & SU_F_DECRYPTION) != 0;
	rq.logfile = su_log_file();
	rq.vmid = c->o->vmid;
	rq.info = info;
	rq.dir = j->dir;
	rq.keyparams = j->keyparams;
	for (t = 0; t < 2; t++) {
		if (!j->want[t])
			continue;
		rq.type = (enum su_cert_type)t;
		su_cert_start(c->ct, &rq, &j->run[t]);
	}
	return 0;
}

/* Output of j's tool calls in order, then its certificates into NV. */
static int
finish_job(struct su_ctx *c, struct ek_job *j)
{
	int t;

	for (t = 0; t < 2; t++)
		if (j->want[t] && su_cert_finish(c->ct, &j->run[t]) < 0)
			return -1;
	for (t = 0; t < 2; t++)
		if (j->want[t] && store_cert(c, j, (enum su_cert_type)t) < 0)
			return -1;
	return 0;
}

/*
 * Tool calls still running are waited for, not killed: a certificate
 * authority killed in the middle of its serial counter update could be
 * left inconsistent.
 */
static void
release_jobs(struct ek_job *jobs, size_t n)
{
	struct su_cert_run *runs[4];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		runs[k++] = &jobs[i].run[0];
		runs[k++] = &jobs[i].run[1];
	}
	su_cert_wait(runs, k);
	for (i = 0; i < n; i++) {
		if (jobs[i].dir != NULL) {
			su_cert_remove_dir(jobs[i].dir);
			free(jobs[i].dir);
		}
		free(jobs[i].keyparams);
		su_logbuf_release(&jobs[i].log);
		su_cert_release(&jobs[i].run[0]);
		su_cert_release(&jobs[i].run[1]);
	}
}

static void
init_jobs(struct su_ctx *c, struct ek_job *jobs)
{
	bool rsa3072 = c->rsa_bits == 3072;

	memset(jobs, 0, 2 * sizeof(*jobs));
	jobs[0].key = rsa3072 ? TPM2_KEY_EK_RSA3072 : TPM2_KEY_EK_RSA2048;
	jobs[0].logname = rsa3072 ? "RSA 3072" : "RSA 2048";
	jobs[0].desc = rsa3072 ? "rsa3072" : "rsa2048";
	jobs[0].want[SU_CERT_EK] = (c->o->flags & SU_F_EK_CERT) != 0;
	jobs[0].want[SU_CERT_PLATFORM] =
	    (c->o->flags & SU_F_PLATFORM_CERT) != 0;
	/* provisioning.md §1.8: the platform certificate is the RSA EK's */
	jobs[1].key = TPM2_KEY_EK_ECC384;
	jobs[1].logname = "ECC";
	jobs[1].desc = "secp384r1";
	jobs[1].want[SU_CERT_EK] = (c->o->flags & SU_F_EK_CERT) != 0;
	su_cert_init(&jobs[0].run[0]);
	su_cert_init(&jobs[0].run[1]);
	su_cert_init(&jobs[1].run[0]);
	su_cert_init(&jobs[1].run[1]);
}

/*
 * The ECC EK first: its certificate is made while the TPM computes the
 * RSA key, the longest step of a run (tens of ms, depending on the
 * seed). The TPM ends up the same: the same persistent objects and NV
 * indices. The lines come out in the reference's order, RSA first.
 */
static int
create_eks(struct su_ctx *c)
{
	static const size_t order[2] = { 1, 0 };
	struct ek_job jobs[2];
	struct su_tpm_info info;
	bool certs = (c->o->flags & SU_CERT_FLAGS) != 0;
	int ret = 0;
	size_t i, k;

	init_jobs(c, jobs);
	if (certs && (ret = su_sess_get_info(c->s, &info)) < 0)
		goto out;
	for (k = 0; k < 2; k++) {
		i = order[k];
		su_log_capture(&jobs[i].log);
		ret = create_ek(c, &jobs[i]);
		if (ret == 0 && certs)
			ret = start_tools(c, &jobs[i], &info);
		su_log_capture(NULL);
		if (ret < 0) {
			/* the failed EK's lines; the other EK's go */
			su_logbuf_flush(&jobs[i].log);
			goto out;
		}
	}
	/* in the reference's order: an EK's lines, its tools, its NV */
	for (i = 0; i < 2; i++) {
		su_logbuf_flush(&jobs[i].log);
		if (certs && (ret = finish_job(c, &jobs[i])) < 0)
			goto out;
	}
out:
	release_jobs(jobs, 2);
	return ret;
}

/* The banks' names joined with ',' into buf. */
static void
bank_names(const struct tpm2_pcr_sel *s, unsigned n, char *buf, size_t len)
{
	const char *name;
	char hex[8];
	size_t used = 0;
	unsigned i;
	int k;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		name = tpm2_alg_name(s->bank[i].alg);
		if (name == NULL) {
			snprintf(hex, sizeof(hex), "%02x", s->bank[i].alg);
			name = hex;
		}
		k = snprintf(buf + used, len - used, "%s%s", i > 0 ? "," : "",
		    name);
		if (k < 0 || (size_t)k >= len - used)
			return;
		used += (size_t)k;
	}
}

static int
pcr_banks(struct su_ctx *c)
{
	struct tpm2_pcr_sel have, sel;
	uint16_t want[TPM2_MAX_BANKS];
	char list[256], active[256], all[256], *tok, *save;
	size_t nwant = 0;
	uint8_t buf[512];
	unsigned taken;
	bool more, ok;
	struct wr w;

	if (strcmp(c->pcr_banks, "-") == 0)
		return 0;
	wr_init(&w, buf, sizeof(buf));
	tpm2_build_get_capability(&w, TPM2_CAP_PCRS, 0, 64);
	if (su_sess_tpm(c->s, &w, "TPM2_GetCapability") < 0)
		return -1;
	if (tpm2_parse_cap_pcrs(c->s->rsp, c->s->rlen, &have, &more) != 0) {
		logerr("Response from TPM2_GetCapability is too short!\n");
		return -1;
	}
	/* COMPAT: split at ',' only; unknown names are skipped */
	snprintf(list, sizeof(list), "%s", c->pcr_banks);
	for (tok = strtok_r(list, ",", &save); tok != NULL &&
	    nwant < TPM2_MAX_BANKS; tok = strtok_r(NULL, ",", &save))
		if (tpm2_alg_by_name(tok, &want[nwant]))
			nwant++;
	taken = tpm2_pcr_allocation(&have, want, nwant, &sel);
	if (taken == 0) {
		logerr("No PCR banks could be allocated. None of the selected "
		    "algorithms are supported.\n");
		return -1;
	}
	wr_init(&w, buf, sizeof(buf));
	tpm2_build_pcr_allocate(&w, TPM2_RH_PLATFORM, &sel);
	if (su_sess_tpm(c->s, &w, "TPM2_PCR_Allocate") < 0)
		return -1;
	if (tpm2_parse_pcr_allocate(c->s->rsp, c->s->rlen, &ok) != 0 || !ok) {
		logerr("TPM2_PCR_Allocate: the allocation was refused\n");
		return -1;
	}
	bank_names(&sel, taken, active, sizeof(active));
	bank_names(&have, have.n, all, sizeof(all));
	logit("Successfully activated PCR banks %s among %s.\n", active, all);
	return 0;
}

int
su_tpm2_flow(struct su_ctx *c)
{
	uint8_t buf[32];
	struct wr w;

	if (!(c->o->flags & SU_F_RECONFIGURE)) {
		if ((c->o->flags & SU_F_CREATE_SPK) && create_spk(c) < 0)
			return -1;
		if ((c->o->flags & SU_F_CREATE_EK) && create_eks(c) < 0)
			return -1;
	}
	if (pcr_banks(c) < 0)
		return -1;
	wr_init(&w, buf, sizeof(buf));
	tpm2_build_shutdown(&w, TPM2_SU_CLEAR);
	return su_sess_tpm(c->s, &w, "TPM2_Shutdown");
}
