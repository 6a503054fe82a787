/*
 * The automatic local CA on disk (provisioning.md §2.3): which files
 * make it, whether it must be created, and creating it so that a
 * crash or a concurrent run never sees a signing key without its
 * certificate. Never prints: errors are -1 and a line in msg.
 */
#ifndef LOCALCA_CAFILES_H
#define LOCALCA_CAFILES_H

#include <stddef.h>

#include "x509.h"

#define LC_ROOTCA_KEY	"swtpm-localca-rootca-privkey.pem"
#define LC_ROOTCA_CERT	"swtpm-localca-rootca-cert.pem"

struct lc_ca_paths {
	const char	*signkey;	/* configured signingkey */
	const char	*issuercert;	/* configured issuercert */
	const char	*root_pass;	/* SWTPM_ROOTCA_PASSWORD or NULL */
	const char	*sign_pass;	/* signingkey_password or NULL */
	unsigned	 bits;		/* RSA size, 3072 (tests: less) */
};

/*
 * True if the CA must be made: the signing key or the issuer
 * certificate does not exist (HEAD and Debian's 0.7.1 both replace the
 * whole CA then, the signing key included).
 */
int	 lc_ca_missing(const struct lc_ca_paths *);

/*
 * Creates the CA (src/x509) and writes it; call under the CA lock, after checking lc_ca_missing
 * again under it. The root key and certificate go next to the signing
 * key. Order (the commit point is the signing key's rename):
 *   1. build everything in memory and stage the four files (each
 *      complete and fsync'ed under a temporary name); a failure here
 *      leaves every existing file as it was;
 *   2. rename the root key and the root certificate into place;
 *   3. remove an existing signing key (it is about to be replaced, and
 *      must never meet the new issuer certificate) and fsync its
 *      directory;
 *   4. rename the issuer certificate and fsync the directories so far;
 *   5. rename the signing key and fsync its directory.
 * Until step 5 the signing key or the issuer certificate is missing,
 * as it was on entry, so a run killed at any point leaves either a CA
 * that the next run creates again or the complete new one: whenever
 * the signing key exists, the issuer certificate and the root next to
 * it are the ones made with it. Also under a power loss, thanks to
 * the fsyncs between the steps.
 */
int	 lc_ca_create(const struct lc_ca_paths *, char *msg, size_t msglen);
/* The writing half of lc_ca_create: ca's files in the order above. */
int	 lc_ca_write(const struct lc_ca_paths *, const struct xc_ca *ca,
	    char *msg, size_t msglen);

#endif
