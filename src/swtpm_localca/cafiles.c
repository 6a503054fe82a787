/*
 * The automatic local CA on disk; the write order and why it is safe are
 * in cafiles.h. The keys and certificates come from src/x509 (in
 * memory); this file only decides names, modes and order.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cafiles.h"
#include "files.h"
#include "x509.h"

#define ROOT_CN	"swtpm-localca-rootca"
#define CA_CN	"swtpm-localca"

/* COMPAT: §2.3, keys are chmod'ed 0640 */
#define KEY_MODE	0640
#define CERT_MODE	0666	/* less the umask, as certtool's files */

static bool
absent(const char *path)
{
	struct stat sb;

	return stat(path, &sb) < 0 && errno == ENOENT;
}

int
lc_ca_missing(const struct lc_ca_paths *p)
{
	return absent(p->signkey) || absent(p->issuercert);
}

enum { ST_ROOT_KEY, ST_ROOT_CERT, ST_ISSUER, ST_SIGNKEY, ST_N };

int
lc_ca_write(const struct lc_ca_paths *p, const struct xc_ca *ca, char *msg,
    size_t msglen)
{
	struct lc_staged st[ST_N];
	char *dir = NULL, *root_key = NULL, *root_cert = NULL;
	size_t i;
	int rc = -1;

	memset(st, 0, sizeof(st));
	if ((dir = lc_dirname(p->signkey)) == NULL)
		goto nomem;
	if (asprintf(&root_key, "%s/%s", dir, LC_ROOTCA_KEY) < 0) {
		root_key = NULL;
		goto nomem;
	}
	if (asprintf(&root_cert, "%s/%s", dir, LC_ROOTCA_CERT) < 0) {
		root_cert = NULL;
		goto nomem;
	}
	/* 1. everything complete under temporary names */
	if (lc_stage(&st[ST_ROOT_KEY], root_key, ca->root_key.p,
	    ca->root_key.len, KEY_MODE, true, msg, msglen) < 0 ||
	    lc_stage(&st[ST_ROOT_CERT], root_cert, ca->root_cert.p,
	    ca->root_cert.len, CERT_MODE, false, msg, msglen) < 0 ||
	    lc_stage(&st[ST_ISSUER], p->issuercert, ca->ca_cert.p,
	    ca->ca_cert.len, CERT_MODE, false, msg, msglen) < 0 ||
	    lc_stage(&st[ST_SIGNKEY], p->signkey, ca->ca_key.p,
	    ca->ca_key.len, KEY_MODE, true, msg, msglen) < 0)
		goto out;
	/* 2. the root */
	if (lc_commit(&st[ST_ROOT_KEY], msg, msglen) < 0 ||
	    lc_commit(&st[ST_ROOT_CERT], msg, msglen) < 0)
		goto out;
	/* 3. an old signing key must not meet the new issuer cert */
	if (!absent(p->signkey)) {
		if (lc_fs.unlink(p->signkey) < 0 && errno != ENOENT) {
			snprintf(msg, msglen, "cannot remove '%s': %s",
			    p->signkey, strerror(errno));
			goto out;
		}
		if (lc_sync_parent(p->signkey, msg, msglen) < 0)
			goto out;
	}
	/* 4. the issuer certificate, durable before the key appears */
	if (lc_commit(&st[ST_ISSUER], msg, msglen) < 0 ||
	    lc_sync_parent(root_key, msg, msglen) < 0 ||
	    lc_sync_parent(p->issuercert, msg, msglen) < 0)
		goto out;
	/* 5. the commit point */
	if (lc_commit(&st[ST_SIGNKEY], msg, msglen) < 0 ||
	    lc_sync_parent(p->signkey, msg, msglen) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	snprintf(msg, msglen, "out of memory");
out:
	for (i = 0; i < ST_N; i++)
		lc_staged_release(&st[i]);
	free(root_key);
	free(root_cert);
	free(dir);
	return rc;
}

int
lc_ca_create(const struct lc_ca_paths *p, char *msg, size_t msglen)
{
	struct xc_ca_req req;
	struct xc_ca ca;
	int rc;

	memset(&req, 0, sizeof(req));
	req.bits = p->bits;
	req.root_cn = ROOT_CN;
	req.ca_cn = CA_CN;
	req.root_pass = p->root_pass;
	req.ca_pass = p->sign_pass;
	req.now = time(NULL);
	/*
	 * 0.7.1's notAfter (certtool expiration_days = -1), not HEAD's
	 * now + 36500 days: the CA should not expire before the EK
	 * certificates it signs (swtpm_localca passes --days -1), and
	 * RFC 5280 4.1.2.5 gives this value for "no expiration date".
	 */
	req.days = XC_DAYS_NONE;
	if (xc_ca_create(&req, &ca, msg, msglen) != XC_OK)
		return -1;
	rc = lc_ca_write(p, &ca, msg, msglen);
	xc_ca_release(&ca);
	return rc;
}
