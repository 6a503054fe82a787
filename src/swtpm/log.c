/*
 * The daemon's log: one fd, a level, a prefix and a format. An event is
 * written only if its verbosity (its text form's leading spaces) is
 * below the level (COMPAT: cli.md §7), so the reference's messages have
 * none and dumps have one; nothing is formatted for an event that is
 * off. Rendering is logfmt.c's.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

#define MSG_MAX		LOG_STR_MAX

static int	 lg_fd = 2;
static int	 lg_level = 1;
static char	*lg_prefix;
static enum log_format lg_format = LOG_FMT_TEXT;

void
log_setup(int fd, int level, const char *prefix)
{
	lg_fd = fd;
	lg_level = level <= 0 ? 1 : level;
	free(lg_prefix);
	lg_prefix = prefix != NULL ? strdup(prefix) : NULL;
}

void
log_set_format(enum log_format fmt)
{
	lg_format = fmt;
}

enum log_format
log_format(void)
{
	return lg_format;
}

int
log_fd(void)
{
	return lg_fd;
}

int
log_level(void)
{
	return lg_level;
}

const char *
log_prefix(void)
{
	return lg_prefix != NULL ? lg_prefix : "";
}

static bool
verbosity_on(size_t verbosity)
{
	return lg_fd >= 0 && verbosity < (size_t)lg_level;
}

bool
log_on(enum log_ev ev)
{
	const struct log_ev_desc *d = log_ev_desc(ev);

	return d != NULL && verbosity_on(d->verbosity);
}

/* Renders and writes; the caller checked that the event is on. */
static void
emit(enum log_ev ev, const struct log_val *v, size_t n)
{
	char buf[LOG_LINE_MAX], ts[32];
	struct timespec now;
	size_t len;

	if (lg_format == LOG_FMT_JSON) {
		clock_gettime(CLOCK_REALTIME, &now);
		log_fmt_time(ts, (int64_t)now.tv_sec, now.tv_nsec / 1000);
		len = log_fmt_json(buf, sizeof(buf), ts, lg_prefix, ev, v, n);
	} else {
		len = log_fmt_text(buf, sizeof(buf), lg_prefix, ev, v, n);
	}
	if (len > 0)
		(void)write_full(lg_fd, buf, len);
}

void
log_event_v(enum log_ev ev, const struct log_val *v, size_t n)
{
	if (log_on(ev))
		emit(ev, v, n);
}

static size_t
leading_spaces(const char *s)
{
	size_t n = 0;

	while (s[n] == ' ')
		n++;
	return n;
}

void
log_text(enum log_ev ev, const char *fmt, ...)
{
	char text[MSG_MAX];
	va_list ap;
	size_t n;

	if (lg_fd < 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* its leading spaces count too (cli.md §7) */
	if (!verbosity_on(leading_spaces(text)))
		return;
	n = strlen(text);
	if (n > 0 && text[n - 1] == '\n')
		text[n - 1] = '\0';
	emit(ev, (const struct log_val[]){ LV_S(text) }, 1);
}

static void
text_line(const char *line)
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s", log_prefix(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	(void)write_full(lg_fd, buf, (size_t)n);
}

/* COMPAT: cli.md §7: 16 bytes a line after the header. */
static void
dump_text(const uint8_t *p, size_t n)
{
	char line[128];
	size_t i, o;

	for (i = 0; i < n; i += 16) {
		o = 0;
		line[o++] = ' ';
		for (size_t j = i; j < n && j < i + 16; j++)
			o += (size_t)snprintf(line + o, sizeof(line) - o,
			    "%02X ", p[j]);
		line[o++] = '\n';
		line[o] = '\0';
		text_line(line);
	}
}

void
log_dump(const char *title, const uint8_t *p, size_t n, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * LOG_HEX_MAX + 1], name[64];
	size_t i, m = n, tl;

	if (!log_on(LOG_EV_DUMP))
		return;
	if (cap > 0 && m > cap)
		m = cap;
	/* "SWTPM_IO_Read:" -> "SWTPM_IO_Read" */
	tl = strlen(title);
	if (tl > 0 && title[tl - 1] == ':')
		tl--;
	snprintf(name, sizeof(name), "%.*s", (int)tl, title);
	if (lg_format == LOG_FMT_TEXT) {
		emit(LOG_EV_DUMP, (const struct log_val[]){ LV_S(name),
		    LV_U(n), LV_S("") }, 3);
		dump_text(p, m);
		return;
	}
	if (m > LOG_HEX_MAX)
		m = LOG_HEX_MAX;
	for (i = 0; i < m; i++) {
		hex[2 * i] = digits[p[i] >> 4];
		hex[2 * i + 1] = digits[p[i] & 15];
	}
	hex[2 * m] = '\0';
	emit(LOG_EV_DUMP, (const struct log_val[]){ LV_S(name), LV_U(n),
	    LV_S(hex) }, 3);
}

void
log_close(void)
{
	if (lg_fd > 2)
		close(lg_fd);
	lg_fd = -1;
	free(lg_prefix);
	lg_prefix = NULL;
}
