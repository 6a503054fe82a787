/*
 * Signing keys on PKCS#11 tokens, through the OpenSSL pkcs11 engine
 * (libp11, Debian package libengine-pkcs11-openssl): the route Debian 12
 * packages for OpenSSL 3.0 (no pkcs11 provider in bookworm). The engine
 * talks to p11-kit's proxy module unless the OpenSSL configuration says
 * otherwise, so it sees the modules GnuTLS (the reference) sees.
 * Built only with XC_HAVE_PKCS11 (configure --enable-pkcs11, default
 * auto); otherwise every pkcs11: URI gets XC_NOTSUP.
 */
/* The ENGINE API is deprecated in 3.0 but is the packaged route. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "config.h"

#include "internal.h"

#ifdef XC_HAVE_PKCS11

#include <stdio.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/ui.h>

/* Never prompt on a terminal: a missing or wrong PIN is an error. */
static int
ui_refuse(UI *ui, UI_STRING *uis)
{
	(void)ui;
	(void)uis;
	return -1;
}

static void
last_error(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "no detail");
	else
		ERR_error_string_n(e, buf, len);
}

enum xc_err
xc_p11_load(const char *uri, const char *pin, void **engine, EVP_PKEY **key,
    char *msg, size_t msglen)
{
	ENGINE *e = NULL;
	UI_METHOD *ui = NULL;
	bool inited = false;
	char why[256];
	enum xc_err rc = XC_KEY;

	*engine = NULL;
	*key = NULL;
	ERR_clear_error();
	e = ENGINE_by_id("pkcs11");
	if (e == NULL) {
		last_error(why, sizeof(why));
		xc_setmsg(msg, msglen, "cannot load the OpenSSL pkcs11 engine "
		    "(package libengine-pkcs11-openssl): %s", why);
		return XC_NOTSUP;
	}
	if (!ENGINE_init(e)) {
		last_error(why, sizeof(why));
		xc_setmsg(msg, msglen, "cannot initialise the pkcs11 engine: "
		    "%s", why);
		goto out;
	}
	inited = true;
	if (pin != NULL && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
		xc_setmsg(msg, msglen, "the pkcs11 engine refused the PIN");
		goto out;
	}
	ui = UI_create_method("swtpm_cert: no prompt");
	if (ui == NULL || UI_method_set_reader(ui, ui_refuse) != 0) {
		rc = XC_NOMEM;
		goto out;
	}
	*key = ENGINE_load_private_key(e, uri, ui, NULL);
	if (*key == NULL) {
		last_error(why, sizeof(why));
		xc_setmsg(msg, msglen, "cannot load pkcs11 key '%s': %s", uri,
		    why);
		goto out;
	}
	*engine = e;
	e = NULL;
	rc = XC_OK;
out:
	UI_destroy_method(ui);
	if (e != NULL) {
		if (inited)
			ENGINE_finish(e);
		ENGINE_free(e);
	}
	return rc;
}

void
xc_p11_release(void *engine)
{
	ENGINE *e = engine;

	ENGINE_finish(e);
	ENGINE_free(e);
}

bool
xc_have_pkcs11(void)
{
	return true;
}

#else /* !XC_HAVE_PKCS11 */

enum xc_err
xc_p11_load(const char *uri, const char *pin, void **engine, EVP_PKEY **key,
    char *msg, size_t msglen)
{
	(void)uri;
	(void)pin;
	*engine = NULL;
	*key = NULL;
	xc_setmsg(msg, msglen, "pkcs11: signing keys are not supported by "
	    "this build (configure --enable-pkcs11)");
	return XC_NOTSUP;
}

void
xc_p11_release(void *engine)
{
	(void)engine;
}

bool
xc_have_pkcs11(void)
{
	return false;
}

#endif
