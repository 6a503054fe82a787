/*
 * swtpm_setup's log lines: see log.h. The only output of the tool that
 * is not the --print-capabilities line, usage or the "TPM is listening"
 * line, which always go to stdout.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

static const char *logfile;
static struct su_logbuf *capture;

void
su_log_set_file(const char *path)
{
	logfile = path;
}

const char *
su_log_file(void)
{
	return logfile;
}

/*
 * Appends str to the logfile. If that fails, says why on stderr and
 * writes the line to stream instead (the reference loses it).
 */
static void
emit(FILE *stream, const char *str)
{
	size_t len = strlen(str);
	int fd, err;

	if (logfile == NULL) {
		fputs(str, stream);
		fflush(stream);
		return;
	}
	/* COMPAT: provisioning.md §1.2: O_APPEND|O_CREAT|O_NOFOLLOW, 0640 */
	fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, S_IRUSR | S_IWUSR | S_IRGRP);
	if (fd < 0) {
		fprintf(stderr, "Error opening file %s: %s\n", logfile,
		    strerror(errno));
		fputs(str, stream);
		fflush(stream);
		return;
	}
	if (write_full(fd, str, len) < 0) {
		err = errno;
		fprintf(stderr, "Error writing to %s: %s\n", logfile,
		    strerror(err));
		fputs(str, stream);
		fflush(stream);
	}
	close(fd);
}

/* Keeps str in the capture buffer; false if out of memory. */
static bool
keep(FILE *stream, const char *str)
{
	struct su_logbuf *b = capture;
	unsigned char *e;
	char **l, *dup;

	if ((dup = strdup(str)) == NULL)
		return false;
	l = realloc(b->line, (b->n + 1) * sizeof(*l));
	if (l == NULL) {
		free(dup);
		return false;
	}
	b->line = l;
	e = realloc(b->err, b->n + 1);
	if (e == NULL) {
		free(dup);
		return false;
	}
	b->err = e;
	b->line[b->n] = dup;
	b->err[b->n++] = stream == stderr;
	return true;
}

static void
out(FILE *stream, const char *str)
{
	/* out of memory: the line goes out now rather than never */
	if (capture == NULL || !keep(stream, str))
		emit(stream, str);
}

void
su_log_capture(struct su_logbuf *b)
{
	capture = b;
}

void
su_logbuf_flush(struct su_logbuf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		emit(b->err[i] ? stderr : stdout, b->line[i]);
	su_logbuf_release(b);
}

void
su_logbuf_release(struct su_logbuf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->line[i]);
	free(b->line);
	free(b->err);
	memset(b, 0, sizeof(*b));
}

static void
vlog(FILE *stream, const char *fmt, va_list ap)
{
	char small[512], *big = NULL;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		out(stream, small);
		return;
	}
	if (vasprintf(&big, fmt, ap) < 0)
		return;
	out(stream, big);
	free(big);
}

void
logit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stdout, fmt, ap);
	va_end(ap);
}

void
logerr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stderr, fmt, ap);
	va_end(ap);
}

int
su_log_date(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	/* COMPAT: provisioning.md §1.2, the reference's format */
	return strftime(buf, len, "%a %d %h %Y %I:%M:%S %p %Z", &tm) == 0 ?
	    -1 : 0;
}
