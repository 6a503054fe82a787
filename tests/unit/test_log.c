/*
 * The daemon's log (src/swtpm/log.c, logfmt.c): the JSON escaper, both
 * formatters for every event of the table (parsed back with json-c),
 * bounds, levels, and the text lines the reference writes.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "t.h"

/* Parses s (one JSON value, nothing after it but "\n"); NULL if bad. */
static struct json_object *
parse(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\n')
		n--;
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success
	    || (size_t)json_tokener_get_parse_end(tok) != n)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Escapes s into a quoted JSON string and returns what json-c reads. */
static const char *
roundtrip(const char *s, size_t maxin, size_t cap, char *out, size_t outcap)
{
	char esc[512], q[520];
	struct json_object *o;

	if (cap > sizeof(esc))
		cap = sizeof(esc);
	log_json_escape(esc, cap, s, maxin);
	snprintf(q, sizeof(q), "\"%s\"", esc);
	o = parse(q);
	if (o == NULL || !json_object_is_type(o, json_type_string)) {
		json_object_put(o);
		return NULL;
	}
	snprintf(out, outcap, "%s", json_object_get_string(o));
	json_object_put(o);
	return out;
}

static void
test_escape(void)
{
	char out[512], buf[64];
	size_t n;

	T_EQ_STR(roundtrip("plain", 100, 100, out, sizeof(out)), "plain");
	T_EQ_STR(roundtrip("a\"b\\c\nd\te\r\x01\x1f\x7f", 100, 100, out,
	    sizeof(out)), "a\"b\\c\nd\te\r\x01\x1f\x7f");
	n = log_json_escape(buf, sizeof(buf), "\"\x01\x7f", 10);
	T_EQ_STR(buf, "\\\"\\u0001\\u007f");
	T_EQ_U(n, strlen(buf));
	/* valid UTF-8 passes, invalid bytes become U+FFFD */
	T_EQ_STR(roundtrip("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 100, 100,
	    out, sizeof(out)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	T_EQ_STR(roundtrip("a\xff" "b\xc0\x80" "c\xed\xa0\x80" "d\xe2\x82" "e",
	    100, 100, out, sizeof(out)), "a\xef\xbf\xbd" "b\xef\xbf\xbd"
	    "\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d"
	    "\xef\xbf\xbd\xef\xbf\xbd" "e");
	/* a string ending in a partial character (NUL, not maxin) */
	T_EQ_STR(roundtrip("x\xe2\x82", 100, 100, out, sizeof(out)),
	    "x\xef\xbf\xbd\xef\xbf\xbd");
	/* maxin inside a character: stop before it */
	log_json_escape(buf, sizeof(buf), "ab\xe2\x82\xac", 4);
	T_EQ_STR(buf, "ab");
	log_json_escape(buf, sizeof(buf), "ab\xe2\x82\xac", 5);
	T_EQ_STR(buf, "ab\xe2\x82\xac");
	/* a small buffer never holds half an escape or character */
	for (size_t cap = 1; cap < 24; cap++) {
		T_CHECK(roundtrip("\"\\\x01\xe2\x82\xac\xf0\x9f\x98\x80xyz",
		    100, cap, out, sizeof(out)) != NULL);
		n = log_json_escape(buf, cap, "\x01\x01", 10);
		T_CHECK(n < cap && (n % 6) == 0);
	}
	T_EQ_U(log_json_escape(buf, 0, "abc", 3), 0);
}

static const char *const nasty = "q\"b\\n\nt\tc\x01u\xc3\xa9x\xff";

/* Values of the right types for event ev; strings are s. */
static size_t
sample(enum log_ev ev, struct log_val *v, const char *s)
{
	const struct log_ev_desc *d = log_ev_desc(ev);
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		v[i].type = d->fields[i].type;
		v[i].s = d->fields[i].type == LOG_F_STR ? s : NULL;
		v[i].u = d->fields[i].type == LOG_F_BOOL ? 1 :
		    UINT64_MAX - i;
	}
	return d->nfields;
}

static void
test_every_event_json(void)
{
	static char buf[LOG_LINE_MAX];
	struct log_val v[LOG_MAX_FIELDS];
	struct json_object *o, *f;
	size_t n, len, i;
	int ev;

	for (ev = 0; ev < LOG_EV_N; ev++) {
		const struct log_ev_desc *d = log_ev_desc(ev);

		T_ASSERT(d != NULL && d->name != NULL && d->nfields > 0 &&
		    d->nfields <= LOG_MAX_FIELDS);
		for (int j = 0; j < ev; j++)
			T_CHECK(strcmp(log_ev_desc(j)->name, d->name) != 0);
		n = sample(ev, v, nasty);
		len = log_fmt_json(buf, sizeof(buf), "2026-01-02T03:04:05."
		    "000006Z", "pfx\"", ev, v, n);
		T_CHECK(len == strlen(buf) && buf[len - 1] == '\n');
		T_CHECK(memchr(buf, '\n', len - 1) == NULL);
		o = parse(buf);
		T_ASSERT(o != NULL);
		T_CHECK(json_object_object_get_ex(o, "v", &f) &&
		    json_object_get_int(f) == LOG_JSON_VERSION);
		T_CHECK(json_object_object_get_ex(o, "event", &f) &&
		    strcmp(json_object_get_string(f), d->name) == 0);
		T_CHECK(json_object_object_get_ex(o, "level", &f) &&
		    strcmp(json_object_get_string(f), d->severity) == 0);
		T_CHECK(json_object_object_get_ex(o, "ts", &f));
		T_CHECK(json_object_object_get_ex(o, "prefix", &f) &&
		    strcmp(json_object_get_string(f), "pfx\"") == 0);
		for (i = 0; i < n; i++) {
			T_ASSERT(json_object_object_get_ex(o,
			    d->fields[i].key, &f));
			if (v[i].type == LOG_F_STR)
				T_EQ_STR(json_object_get_string(f),
				    "q\"b\\n\nt\tc\x01u\xc3\xa9x\xef\xbf\xbd");
			else if (v[i].type == LOG_F_BOOL)
				T_CHECK(json_object_get_boolean(f));
			else
				T_EQ_U(json_object_get_uint64(f),
				    UINT64_MAX - i);
		}
		json_object_put(o);
		/* the text form: one line */
		len = log_fmt_text(buf, sizeof(buf), "P:", ev, v, n);
		T_CHECK(len > 2 && len == strlen(buf) &&
		    buf[len - 1] == '\n' && strncmp(buf, "P:", 2) == 0);
	}
}

static void
test_bounds(void)
{
	static char big[3 * LOG_LINE_MAX], buf[LOG_LINE_MAX];
	struct log_val v[LOG_MAX_FIELDS];
	struct json_object *o, *f;
	size_t n, len, cap;
	int ev;

	/* worst case: every string field long and all quotes */
	memset(big, '"', sizeof(big) - 1);
	for (ev = 0; ev < LOG_EV_N; ev++) {
		n = sample(ev, v, big);
		len = log_fmt_json(buf, sizeof(buf), "t", big, ev, v, n);
		T_CHECK(len > 0 && len < sizeof(buf));
		o = parse(buf);
		T_ASSERT(o != NULL);
		json_object_put(o);
		len = log_fmt_text(buf, sizeof(buf), NULL, ev, v, n);
		T_CHECK(len > 0 && len < sizeof(buf));
	}
	/* a string field is cut at LOG_STR_MAX input bytes */
	memset(big, 'a', sizeof(big) - 1);
	len = log_fmt_json(buf, sizeof(buf), "t", NULL, LOG_EV_ERROR,
	    (const struct log_val[]){ LV_S(big) }, 1);
	o = parse(buf);
	T_ASSERT(o != NULL);
	T_CHECK(json_object_object_get_ex(o, "msg", &f) &&
	    strlen(json_object_get_string(f)) == LOG_STR_MAX);
	json_object_put(o);
	/* any buffer: valid JSON or nothing, never beyond cap */
	memset(big, '\\', 600);
	big[600] = '\0';
	for (cap = 0; cap < 1400; cap += 7) {
		for (ev = 0; ev < LOG_EV_N; ev++) {
			n = sample(ev, v, big);
			memset(buf, 'Z', sizeof(buf));
			len = log_fmt_json(buf, cap, "2026", "p", ev, v, n);
			T_CHECK(len == 0 || (len < cap && buf[len] == '\0'));
			T_CHECK(buf[cap] == 'Z');
			if (len > 0) {
				o = parse(buf);
				T_CHECK(o != NULL);
				json_object_put(o);
			}
			len = log_fmt_text(buf, cap, "p", ev, v, n);
			T_CHECK(len == 0 || (len < cap && buf[len - 1] == '\n'));
			T_CHECK(buf[cap] == 'Z');
		}
	}
}

static void
test_wrong_values(void)
{
	char buf[256];

	/* count and types must match the table */
	T_EQ_U(log_fmt_json(buf, sizeof(buf), "t", NULL, LOG_EV_STOP,
	    (const struct log_val[]){ LV_U(1) }, 1), 0);
	T_EQ_U(log_fmt_json(buf, sizeof(buf), "t", NULL, LOG_EV_STOP,
	    (const struct log_val[]){ LV_B(1), LV_B(1) }, 2), 0);
	T_EQ_U(log_fmt_text(buf, sizeof(buf), NULL, LOG_EV_ERROR,
	    (const struct log_val[]){ LV_S(NULL) }, 1), 0);
	T_EQ_U(log_fmt_text(buf, sizeof(buf), NULL, LOG_EV_N,
	    (const struct log_val[]){ LV_S("x") }, 1), 0);
	T_CHECK(log_ev_desc(LOG_EV_N) == NULL);
}

static void
test_text_forms(void)
{
	char buf[256];

	log_fmt_text(buf, sizeof(buf), "P: ", LOG_EV_STATE_WRITTEN,
	    (const struct log_val[]){ LV_S("permall"), LV_U(1299), LV_U(17),
	    LV_B(0) }, 4);
	T_EQ_STR(buf, "P:   state_written blob=\"permall\" bytes=1299 "
	    "duration_us=17 skipped=false\n");
	log_fmt_text(buf, sizeof(buf), NULL, LOG_EV_ERROR,
	    (const struct log_val[]){ LV_S("Error: x \"y\"") }, 1);
	T_EQ_STR(buf, "Error: x \"y\"\n");
	log_fmt_text(buf, sizeof(buf), "p", LOG_EV_DUMP,
	    (const struct log_val[]){ LV_S("Ctrl Cmd"), LV_U(4), LV_S("") },
	    3);
	T_EQ_STR(buf, "p Ctrl Cmd: length 4\n");
}

static void
test_time(void)
{
	char ts[32];

	log_fmt_time(ts, 0, 0);
	T_EQ_STR(ts, "1970-01-01T00:00:00.000000Z");
	log_fmt_time(ts, 1700000000, 123456);
	T_EQ_STR(ts, "2023-11-14T22:13:20.123456Z");
	log_fmt_time(ts, 951782400, 999999);	/* leap day 2000 */
	T_EQ_STR(ts, "2000-02-29T00:00:00.999999Z");
	log_fmt_time(ts, -1, 0);
	T_EQ_STR(ts, "1969-12-31T23:59:59.000000Z");
	/* every day of 1999-2101 against gmtime_r */
	for (int64_t t = 915148800; t < 4133980800; t += 86400 - 7) {
		struct tm tm;
		time_t tt = (time_t)t;
		char want[64];

		gmtime_r(&tt, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d."
		    "000001Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
		log_fmt_time(ts, t, 1);
		if (strcmp(ts, want) != 0) {
			T_EQ_STR(ts, want);
			break;
		}
	}
}

/* Everything written to the log fd since the last call. */
static const char *
drain(int fd)
{
	static char buf[65536];
	ssize_t r, n = 0;

	while ((r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += r;
	buf[n] = '\0';
	return buf;
}

static int evaluated;

static const char *
counted(const char *s)
{
	evaluated++;
	return s;
}

static void
test_levels_and_output(void)
{
	static const uint8_t b[18] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 0xab, 0xcd };
	struct json_object *o, *f;
	const char *s;
	int p[2];

	T_ASSERT(pipe2(p, O_NONBLOCK) == 0);
	log_setup(p[1], 1, "PFX ");
	log_set_format(LOG_FMT_TEXT);
	T_CHECK(log_on(LOG_EV_ERROR) && !log_on(LOG_EV_DUMP) &&
	    !log_on(LOG_EV_START));
	evaluated = 0;
	log_event(LOG_EV_CLIENT_CONNECTED, LV_S(counted("data")));
	T_EQ_U(evaluated, 0);		/* off: arguments not evaluated */
	log_dump("SWTPM_IO_Read:", b, sizeof(b), 0);
	log_msg("Data client disconnected\n");
	log_msg("  hidden below level 3\n");
	T_EQ_STR(drain(p[0]), "PFX Data client disconnected\n");

	/* COMPAT: cli.md §7 dump lines, byte for byte */
	log_setup(p[1], 2, "PFX ");
	log_dump("SWTPM_IO_Read:", b, sizeof(b), 0);
	log_dump("Ctrl Cmd:", b, sizeof(b), 4);
	log_event(LOG_EV_CLIENT_CONNECTED, LV_S(counted("data")));
	T_EQ_U(evaluated, 0);
	T_EQ_STR(drain(p[0]), "PFX  SWTPM_IO_Read: length 18\n"
	    "PFX  00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n"
	    "PFX  AB CD \n"
	    "PFX  Ctrl Cmd: length 18\nPFX  00 01 02 03 \n");

	log_setup(p[1], 3, NULL);
	log_event(LOG_EV_CLIENT_DROPPED, LV_S(counted("ctrl")),
	    LV_S("not_reading"));
	T_EQ_U(evaluated, 1);
	T_EQ_STR(drain(p[0]),
	    "  client_dropped channel=\"ctrl\" reason=\"not_reading\"\n");

	/* JSON: the same events */
	log_set_format(LOG_FMT_JSON);
	log_msg("Error: could not open '%s'\n", "a\"b");
	o = parse(drain(p[0]));
	T_ASSERT(o != NULL);
	T_CHECK(json_object_object_get_ex(o, "event", &f) &&
	    strcmp(json_object_get_string(f), "error") == 0);
	T_CHECK(json_object_object_get_ex(o, "msg", &f) &&
	    strcmp(json_object_get_string(f),
	    "Error: could not open 'a\"b'") == 0);
	T_CHECK(json_object_object_get_ex(o, "ts", &f) &&
	    strlen(json_object_get_string(f)) == 27);
	json_object_put(o);
	log_dump("Ctrl Rsp:", b, sizeof(b), 4);
	s = drain(p[0]);
	o = parse(s);
	T_ASSERT(o != NULL);
	T_CHECK(json_object_object_get_ex(o, "title", &f) &&
	    strcmp(json_object_get_string(f), "Ctrl Rsp") == 0);
	T_CHECK(json_object_object_get_ex(o, "length", &f) &&
	    json_object_get_int(f) == 18);
	T_CHECK(json_object_object_get_ex(o, "hex", &f) &&
	    strcmp(json_object_get_string(f), "00010203") == 0);
	json_object_put(o);

	log_setup(-1, 20, NULL);
	T_CHECK(!log_on(LOG_EV_ERROR));
	log_set_format(LOG_FMT_TEXT);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	T_RUN(test_escape);
	T_RUN(test_every_event_json);
	T_RUN(test_bounds);
	T_RUN(test_wrong_values);
	T_RUN(test_text_forms);
	T_RUN(test_time);
	T_RUN(test_levels_and_output);
	T_END();
}
