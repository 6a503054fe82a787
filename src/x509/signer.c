/*
 * The CA's signing key: a PEM private key file (optionally encrypted)
 * or, through pkcs11.c, a key on a PKCS#11 token. Never prompts.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "internal.h"

struct xc_signer {
	EVP_PKEY	*key;
	void		*engine;	/* pkcs11 only */
};

/* Hands the password to the PEM reader; none means fail, not prompt. */
static int
give_password(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (pass == NULL || size <= 0)
		return -1;
	n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

static enum xc_err
open_pem(const char *path, const char *pass, EVP_PKEY **key, char *msg,
    size_t msglen)
{
	BIO *b;

	errno = 0;
	b = BIO_new_file(path, "r");
	if (b == NULL) {
		xc_setmsg(msg, msglen, "cannot open signing key '%s': %s",
		    path, errno ? strerror(errno) : "unknown error");
		return XC_IO;
	}
	*key = PEM_read_bio_PrivateKey(b, NULL, give_password, (void *)pass);
	BIO_free(b);
	if (*key == NULL) {
		xc_setmsg(msg, msglen, "cannot read the private key in '%s'%s",
		    path, pass ? " (wrong password?)" :
		    " (encrypted and no password given?)");
		return XC_KEY;
	}
	return XC_OK;
}

enum xc_err
xc_signer_open(const char *spec, const char *pass, const char *pin,
    struct xc_signer **out, char *msg, size_t msglen)
{
	struct xc_signer *s;
	enum xc_err rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return XC_NOMEM;
	if (strncmp(spec, "pkcs11:", 7) == 0)
		rc = xc_p11_load(spec, pin, &s->engine, &s->key, msg, msglen);
	else
		rc = open_pem(spec, pass, &s->key, msg, msglen);
	if (rc != XC_OK) {
		xc_signer_free(s);
		return rc;
	}
	*out = s;
	return XC_OK;
}

void
xc_signer_free(struct xc_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key);
	if (s->engine != NULL)
		xc_p11_release(s->engine);
	free(s);
}

EVP_PKEY *
xc_signer_key(struct xc_signer *s)
{
	return s->key;
}
