/*
 * The log's event table and its two formatters, text and JSON lines
 * (swtpm(8) LOGGING). Pure: renders into a caller's buffer, knows no
 * file descriptor, level or clock (log.c has those).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/*
 * The vocabulary, schema version LOG_JSON_VERSION. Verbosity is the
 * leading spaces of the text form (cli.md §7): 0 for the reference's
 * messages, 1 for dumps (level >= 2), 2 for the events the reference
 * does not log (level >= 3, where the reference writes what it writes
 * at level 2). Changing a name or a field's meaning needs a new version.
 */
static const struct log_ev_desc ev_table[LOG_EV_N] = {
	[LOG_EV_ERROR] = { "error", "error", 0, 1,
	    { { "msg", LOG_F_STR } } },
	[LOG_EV_WARNING] = { "warning", "warning", 0, 1,
	    { { "msg", LOG_F_STR } } },
	[LOG_EV_NOTICE] = { "notice", "info", 0, 1,
	    { { "msg", LOG_F_STR } } },
	[LOG_EV_DUMP] = { "dump", "debug", 1, 3,
	    { { "title", LOG_F_STR }, { "length", LOG_F_UINT },
	      { "hex", LOG_F_STR } } },
	[LOG_EV_START] = { "start", "info", 2, 4,
	    { { "pid", LOG_F_UINT }, { "version", LOG_F_STR },
	      { "tpm", LOG_F_STR }, { "iface", LOG_F_STR } } },
	[LOG_EV_LISTENING] = { "listening", "info", 2, 2,
	    { { "channel", LOG_F_STR }, { "address", LOG_F_STR } } },
	[LOG_EV_CLIENT_CONNECTED] = { "client_connected", "info", 2, 1,
	    { { "channel", LOG_F_STR } } },
	[LOG_EV_CLIENT_DISCONNECTED] = { "client_disconnected", "info", 2,
	    2, { { "channel", LOG_F_STR }, { "reason", LOG_F_STR } } },
	[LOG_EV_CLIENT_DROPPED] = { "client_dropped", "warning", 2, 2,
	    { { "channel", LOG_F_STR }, { "reason", LOG_F_STR } } },
	[LOG_EV_INIT] = { "init", "info", 2, 2,
	    { { "flags", LOG_F_UINT }, { "from_backup", LOG_F_BOOL } } },
	[LOG_EV_STOP] = { "stop", "info", 2, 1,
	    { { "auto_shutdown", LOG_F_BOOL } } },
	[LOG_EV_STATE_LOADED] = { "state_loaded", "info", 2, 4,
	    { { "blob", LOG_F_STR }, { "bytes", LOG_F_UINT },
	      { "duration_us", LOG_F_UINT }, { "cached", LOG_F_BOOL } } },
	[LOG_EV_STATE_WRITTEN] = { "state_written", "info", 2, 4,
	    { { "blob", LOG_F_STR }, { "bytes", LOG_F_UINT },
	      { "duration_us", LOG_F_UINT }, { "skipped", LOG_F_BOOL } } },
	[LOG_EV_MIGRATION_OUT] = { "migration_out", "info", 2, 3,
	    { { "blob", LOG_F_STR }, { "bytes", LOG_F_UINT },
	      { "encrypted", LOG_F_BOOL } } },
	[LOG_EV_MIGRATION_IN] = { "migration_in", "info", 2, 3,
	    { { "blob", LOG_F_STR }, { "bytes", LOG_F_UINT },
	      { "encrypted", LOG_F_BOOL } } },
	[LOG_EV_LOCK_ACQUIRED] = { "lock_acquired", "info", 2, 1,
	    { { "uri", LOG_F_STR } } },
	[LOG_EV_LOCK_RELEASED] = { "lock_released", "info", 2, 2,
	    { { "uri", LOG_F_STR }, { "reason", LOG_F_STR } } },
	[LOG_EV_SHUTDOWN] = { "shutdown", "info", 2, 2,
	    { { "reason", LOG_F_STR }, { "status", LOG_F_UINT } } },
};

const struct log_ev_desc *
log_ev_desc(enum log_ev ev)
{
	return (unsigned)ev < LOG_EV_N ? &ev_table[ev] : NULL;
}

/* ------------------------------------------------------------ buffer */

/*
 * A line under construction: 'end' leaves room for the terminator
 * ("}\n" or "\n") and the NUL, so whatever was put can be closed.
 */
struct line {
	char	*p;
	size_t	 len, end;
};

static bool
put(struct line *l, const char *s, size_t n)
{
	if (n > l->end - l->len)
		return false;
	memcpy(l->p + l->len, s, n);
	l->len += n;
	return true;
}

static bool
puts_(struct line *l, const char *s)
{
	return put(l, s, strlen(s));
}

/* ------------------------------------------------------------ escaper */

#define UTF8_CUT	((size_t)-1)

/*
 * Length of the UTF-8 character at s[0..n): 1-4, 0 if invalid, UTF8_CUT
 * if the n bytes are a valid start of a longer one.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (i = 1; i < len; i++) {
		if (i >= n)
			return UTF8_CUT;
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return len;
}

size_t
log_json_escape(char *buf, size_t cap, const char *s, size_t maxin)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t in = 0, out = 0, n, k;
	char esc[8];
	const char *piece;

	if (cap == 0)
		return 0;
	while (in < maxin && u[in] != '\0') {
		size_t avail = maxin - in;

		n = 1;
		piece = esc;
		switch (u[in]) {
		case '"':	k = 2; memcpy(esc, "\\\"", 2); break;
		case '\\':	k = 2; memcpy(esc, "\\\\", 2); break;
		case '\n':	k = 2; memcpy(esc, "\\n", 2); break;
		case '\r':	k = 2; memcpy(esc, "\\r", 2); break;
		case '\t':	k = 2; memcpy(esc, "\\t", 2); break;
		default:
			if (u[in] < 0x20 || u[in] == 0x7f) {
				k = (size_t)snprintf(esc, sizeof(esc),
				    "\\u%04x", u[in]);
			} else if (u[in] < 0x80) {
				k = 1;
				piece = s + in;
			} else {
				size_t nin = strnlen(s + in, avail);

				n = utf8_len(u + in, nin);
				if (n == UTF8_CUT && nin == avail)
					goto out; /* cut by maxin */
				if (n == UTF8_CUT || n == 0) {
					n = 1;
					k = 6;
					memcpy(esc, "\\ufffd", 6);
				} else {
					k = n;
					piece = s + in;
				}
			}
		}
		if (k >= cap - out)
			break;
		memcpy(buf + out, piece, k);
		out += k;
		in += n;
	}
out:
	buf[out] = '\0';
	return out;
}

/* ------------------------------------------------------------ fields */

static bool
vals_ok(const struct log_ev_desc *d, const struct log_val *v, size_t n)
{
	size_t i;

	if (d == NULL || n != d->nfields)
		return false;
	for (i = 0; i < n; i++) {
		if (v[i].type != d->fields[i].type ||
		    (v[i].type == LOG_F_STR && v[i].s == NULL))
			return false;
	}
	return true;
}

/* A quoted JSON string, cut to fit; false (nothing put) if "" won't. */
static bool
put_str(struct line *l, const char *s)
{
	size_t room;

	if (l->end - l->len < 2)
		return false;
	l->p[l->len++] = '"';
	room = l->end - l->len;		/* >= 1: the closing quote */
	l->len += log_json_escape(l->p + l->len, room, s, LOG_STR_MAX);
	l->p[l->len++] = '"';
	return true;
}

/* key=value (text) or "key":value (JSON); all or nothing. */
static void
put_field(struct line *l, bool json, const struct log_field *f,
    const struct log_val *v)
{
	size_t mark = l->len;
	char num[24];
	bool ok;

	if (json)
		ok = put(l, ",\"", 2) && puts_(l, f->key) && put(l, "\":", 2);
	else
		ok = put(l, " ", 1) && puts_(l, f->key) && put(l, "=", 1);
	if (ok) {
		switch (v->type) {
		case LOG_F_STR:
			ok = put_str(l, v->s);
			break;
		case LOG_F_UINT:
			snprintf(num, sizeof(num), "%llu",
			    (unsigned long long)v->u);
			ok = puts_(l, num);
			break;
		case LOG_F_BOOL:
			ok = puts_(l, v->u ? "true" : "false");
			break;
		}
	}
	if (!ok)
		l->len = mark;
}

static bool
line_init(struct line *l, char *buf, size_t cap)
{
	if (cap < 4)
		return false;
	l->p = buf;
	l->len = 0;
	l->end = cap - 3;
	return true;
}

/* ------------------------------------------------------------ formats */

size_t
log_fmt_json(char *buf, size_t cap, const char *ts, const char *prefix,
    enum log_ev ev, const struct log_val *v, size_t n)
{
	const struct log_ev_desc *d = log_ev_desc(ev);
	struct line l;
	char head[160];
	size_t i;

	if (!vals_ok(d, v, n) || !line_init(&l, buf, cap))
		return 0;
	snprintf(head, sizeof(head),
	    "{\"v\":%d,\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"%s\"",
	    LOG_JSON_VERSION, ts, d->severity, d->name);
	if (!puts_(&l, head))
		return 0;
	if (prefix != NULL && prefix[0] != '\0') {
		static const struct log_field pf = { "prefix", LOG_F_STR };
		const struct log_val pv = LV_S(prefix);

		put_field(&l, true, &pf, &pv);
	}
	for (i = 0; i < n; i++)
		put_field(&l, true, &d->fields[i], &v[i]);
	memcpy(l.p + l.len, "}\n", 3);
	return l.len + 2;
}

size_t
log_fmt_text(char *buf, size_t cap, const char *prefix, enum log_ev ev,
    const struct log_val *v, size_t n)
{
	const struct log_ev_desc *d = log_ev_desc(ev);
	struct line l;
	size_t i;

	if (!vals_ok(d, v, n) || !line_init(&l, buf, cap))
		return 0;
	if (prefix != NULL)
		(void)puts_(&l, prefix);
	switch (ev) {
	case LOG_EV_ERROR:
	case LOG_EV_WARNING:
	case LOG_EV_NOTICE:
		/* COMPAT: cli.md §7: the message as it is */
		(void)put(&l, v[0].s, strnlen(v[0].s, l.end - l.len));
		break;
	case LOG_EV_DUMP: {
		char head[64];

		/* COMPAT: cli.md §7: the header line of a dump */
		snprintf(head, sizeof(head), " length %llu",
		    (unsigned long long)v[1].u);
		(void)(put(&l, " ", 1) && puts_(&l, v[0].s) &&
		    put(&l, ":", 1) && puts_(&l, head));
		break;
	}
	default:
		if (put(&l, "  ", 2) && puts_(&l, d->name)) {
			for (i = 0; i < n; i++)
				put_field(&l, false, &d->fields[i], &v[i]);
		}
		break;
	}
	memcpy(l.p + l.len, "\n", 2);
	return l.len + 1;
}

/*
 * UTC calendar date of a day count since 1970-01-01 (proleptic
 * Gregorian, 400-year eras). Computed here rather than with gmtime_r,
 * which may read the time zone files on its first call, under the
 * seccomp filter.
 */
static void
civil_date(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era, yoe, doy, mp;
	int64_t doe;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;				/* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* [0, 365] */
	mp = (5 * doy + 2) / 153;			/* March = 0 */
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void
log_fmt_time(char buf[32], int64_t sec, long usec)
{
	char tmp[128];
	int64_t days = sec / 86400, rem = sec % 86400, y;
	unsigned m, d;
	size_t n;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_date(days, &y, &m, &d);
	snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02u:%02u:%02u.%06ldZ",
	    (long long)y, m, d, (unsigned)(rem / 3600),
	    (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), usec);
	n = strnlen(tmp, 31);
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}
