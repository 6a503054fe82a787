/*
 * Error names of the x509 module and the message-buffer helper.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

const char *
xc_strerror(enum xc_err e)
{
	switch (e) {
	case XC_OK:		return "success";
	case XC_INVAL:		return "invalid input";
	case XC_NOMEM:		return "out of memory";
	case XC_IO:		return "i/o error";
	case XC_KEY:		return "unusable key";
	case XC_NOTSUP:		return "not supported by this build";
	case XC_CRYPTO:		return "cryptographic library failure";
	}
	return "unknown error";
}

void
xc_setmsg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}
