/*
 * Error names of the state module and the message-buffer helper; the
 * one place that knows how a libtpms blob name maps to a slot index.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *
st_strerror(enum st_err e)
{
	switch (e) {
	case ST_OK:		return "success";
	case ST_NOENT:		return "blob does not exist";
	case ST_IO:		return "i/o error";
	case ST_SHORT:		return "blob too short or length mismatch";
	case ST_BADVERSION:	return "unsupported blob version";
	case ST_BADHDRSIZE:	return "bad blob header size";
	case ST_NODATA:		return "data record missing";
	case ST_DECRYPT:	return "HMAC mismatch or bad padding: wrong key or damaged data";
	case ST_KEYSIZE:	return "wrong key size";
	case ST_NOKEY:		return "key missing";
	case ST_BADTYPE:	return "unknown blob type";
	case ST_NOMEM:		return "out of memory";
	case ST_LOCKED:		return "state is locked by another process";
	case ST_CORRUPT:	return "state storage is corrupt";
	case ST_INVAL:		return "invalid argument";
	case ST_FAIL:		return "failure";
	}
	return "unknown error";
}

void
st_setmsg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}
