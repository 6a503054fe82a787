/*
 * The daemon's log: one fd, a level and a prefix, no timestamps. A line
 * is written only if its number of leading spaces is below the level
 * (COMPAT: cli.md §7), so error lines have none and dumps have one.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

static int	 lg_fd = 2;
static int	 lg_level = 1;
static char	*lg_prefix;

void
log_setup(int fd, int level, const char *prefix)
{
	lg_fd = fd;
	lg_level = level <= 0 ? 1 : level;
	free(lg_prefix);
	lg_prefix = prefix != NULL ? strdup(prefix) : NULL;
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

static size_t
leading_spaces(const char *s)
{
	size_t n = 0;

	while (s[n] == ' ')
		n++;
	return n;
}

static void
log_line(const char *text)
{
	char buf[4096];
	int n;

	if (lg_fd < 0 || leading_spaces(text) >= (size_t)lg_level)
		return;
	n = snprintf(buf, sizeof(buf), "%s%s", log_prefix(), text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	(void)write_full(lg_fd, buf, (size_t)n);
}

void
log_msg(const char *fmt, ...)
{
	char text[3072];
	va_list ap;

	if (lg_fd < 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_line(text);
}

void
log_dump(const char *title, const uint8_t *p, size_t n, size_t cap)
{
	char line[128];
	size_t i, o;

	if (lg_fd < 0 || lg_level < 2)
		return;
	log_msg(" %s length %zu\n", title, n);
	if (cap > 0 && n > cap)
		n = cap;
	for (i = 0; i < n; i += 16) {
		o = 0;
		line[o++] = ' ';
		for (size_t j = i; j < n && j < i + 16; j++)
			o += (size_t)snprintf(line + o, sizeof(line) - o,
			    "%02X ", p[j]);
		line[o++] = '\n';
		line[o] = '\0';
		log_line(line);
	}
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
