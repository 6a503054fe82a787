/*
 * Logging of the daemon (spec cli.md §7, swtpm(8) LOGGING): every log
 * line is one event of the table in logfmt.c, rendered as text (the
 * reference's lines where it has them) or as one JSON object. A line is
 * written if its verbosity (the text form's leading spaces) is below the
 * level. Only src/swtpm logs.
 */
#ifndef SWTPM_LOG_H
#define SWTPM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_format { LOG_FMT_TEXT, LOG_FMT_JSON };

/* The vocabulary (swtpm(8) LOGGING); the table in logfmt.c has a row each. */
enum log_ev {
	LOG_EV_ERROR, LOG_EV_WARNING, LOG_EV_NOTICE, LOG_EV_DUMP,
	LOG_EV_START, LOG_EV_LISTENING, LOG_EV_CLIENT_CONNECTED,
	LOG_EV_CLIENT_DISCONNECTED, LOG_EV_CLIENT_DROPPED, LOG_EV_INIT,
	LOG_EV_STOP, LOG_EV_STATE_LOADED, LOG_EV_STATE_WRITTEN,
	LOG_EV_MIGRATION_OUT, LOG_EV_MIGRATION_IN, LOG_EV_LOCK_ACQUIRED,
	LOG_EV_LOCK_RELEASED, LOG_EV_SHUTDOWN,
	LOG_EV_N
};

enum log_ftype { LOG_F_STR, LOG_F_UINT, LOG_F_BOOL };

/* Values of the field "channel"; the reasons are in swtpm(8). */
#define LOG_CH_DATA	"data"
#define LOG_CH_CTRL	"ctrl"

#define LOG_MAX_FIELDS	4
#define LOG_JSON_VERSION 1
/* Bounds: string fields are cut at LOG_STR_MAX bytes, hex at LOG_HEX_MAX. */
#define LOG_STR_MAX	3072
#define LOG_HEX_MAX	4096
#define LOG_LINE_MAX	16384

struct log_field {
	const char	*key;
	enum log_ftype	 type;
};

struct log_ev_desc {
	const char	*name;		/* JSON "event" */
	const char	*severity;	/* JSON "level" */
	unsigned	 verbosity;	/* written if < the level */
	size_t		 nfields;
	struct log_field fields[LOG_MAX_FIELDS];
};

/* A field value; build with LV_S, LV_U, LV_B. */
struct log_val {
	enum log_ftype	 type;
	const char	*s;
	uint64_t	 u;
};
#define LV_S(x)	{ LOG_F_STR, (x), 0 }
#define LV_U(x)	{ LOG_F_UINT, NULL, (uint64_t)(x) }
#define LV_B(x)	{ LOG_F_BOOL, NULL, (x) ? 1u : 0u }

/* Row ev of the event table; NULL if ev >= LOG_EV_N. */
const struct log_ev_desc *log_ev_desc(enum log_ev ev);

/*
 * Formatters (logfmt.c): pure, no I/O. Render event ev with its n
 * values v (types and count as the table says, else nothing is
 * rendered and 0 returned) into buf[cap] as one line ending in '\n',
 * NUL-terminated; quoted strings longer than LOG_STR_MAX are cut (at a
 * character boundary), fields that do not fit in cap are cut or left
 * out, the line always stays well-formed. Return the length written.
 * The text form is the prefix, two spaces and "name key=value ...",
 * strings in JSON quotes; events ERROR, WARNING and NOTICE have a text
 * form of their own (their message as it is), DUMP's is the dump's
 * header line (log_dump writes the hex lines after it).
 * ts is the RFC 3339 time stamp (log_fmt_time), prefix may be NULL.
 */
size_t	 log_fmt_json(char *buf, size_t cap, const char *ts,
	    const char *prefix, enum log_ev ev, const struct log_val *v,
	    size_t n);
size_t	 log_fmt_text(char *buf, size_t cap, const char *prefix,
	    enum log_ev ev, const struct log_val *v, size_t n);
/*
 * JSON string body of s (at most maxin bytes of it) into buf[cap],
 * without quotes, NUL-terminated: '"', '\\' and control characters
 * escaped, invalid UTF-8 replaced by U+FFFD, never a partial escape or
 * character. Returns the bytes written.
 */
size_t	 log_json_escape(char *buf, size_t cap, const char *s,
	    size_t maxin);
/* "YYYY-MM-DDThh:mm:ss.uuuuuuZ" of sec/usec (UTC) into buf[32]. */
void	 log_fmt_time(char buf[32], int64_t sec, long usec);

/* fd -1 disables logging; prefix NULL = none. Copies prefix. */
void	 log_setup(int fd, int level, const char *prefix);
/* Text (the default) or JSON lines; set after log_setup. */
void	 log_set_format(enum log_format fmt);
enum log_format log_format(void);
int	 log_fd(void);
int	 log_level(void);
const char *log_prefix(void);
/* True if event ev would be written: test before costly field values. */
bool	 log_on(enum log_ev ev);

/*
 * Writes event ev with the given field values (LV_S, LV_U, LV_B in the
 * table's order). The arguments are not evaluated unless the event is
 * on, so logging off costs one test.
 */
#define log_event(ev, ...) do { \
	if (log_on(ev)) { \
		const struct log_val log_v_[] = { __VA_ARGS__ }; \
		log_event_v((ev), log_v_, \
		    sizeof(log_v_) / sizeof(log_v_[0])); \
	} \
} while (0)
void	 log_event_v(enum log_ev ev, const struct log_val *v, size_t n);

/*
 * Free-text messages, the reference's lines (text ends in '\n'): as
 * text they are written verbatim after the prefix; as JSON they are the
 * events "error" (log_msg), "warning" and "notice", the text in "msg".
 * ev is one of those three.
 */
void	 log_text(enum log_ev ev, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_msg(...)		log_text(LOG_EV_ERROR, __VA_ARGS__)
#define log_warning(...)	log_text(LOG_EV_WARNING, __VA_ARGS__)
#define log_notice(...)		log_text(LOG_EV_NOTICE, __VA_ARGS__)
/*
 * Hex dump at level >= 2: as text " <title> length N" then 16 bytes a
 * line (cut at cap bytes if cap > 0); as JSON the event "dump".
 */
void	 log_dump(const char *title, const uint8_t *p, size_t n, size_t cap);
/* Close the log fd at exit. */
void	 log_close(void);

#endif
