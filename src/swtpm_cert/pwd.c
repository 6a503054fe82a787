/*
 * Password arguments: literal, pass:, file:, fd:, env:. Reads are
 * bounded to PWD_MAX bytes; what is read is wiped after use.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "pwd.h"

/* Up to PWD_MAX bytes of fd as a string (cut at a NUL byte). */
static int
read_pwd(int fd, char **out)
{
	char buf[PWD_MAX + 1];
	ssize_t n;

	n = read_full(fd, buf, PWD_MAX);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	*out = strdup(buf);
	secure_wipe(buf, sizeof(buf));
	if (*out == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Strict non-negative decimal that fits an int. */
static int
parse_fd(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -1;
	}
	return (int)v;
}

int
pwd_get(const char *spec, char **out, char *msg, size_t msglen)
{
	int fd, err;

	*out = NULL;
	if (strncmp(spec, "pass:", 5) == 0) {
		*out = strdup(spec + 5);
	} else if (strncmp(spec, "file:", 5) == 0) {
		fd = open(spec + 5, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(msg, msglen, "cannot open password file '%s': "
			    "%s", spec + 5, strerror(errno));
			return -1;
		}
		err = read_pwd(fd, out) < 0 ? errno : 0;
		close(fd);
		if (err != 0) {
			snprintf(msg, msglen, "cannot read password file '%s': "
			    "%s", spec + 5, strerror(err));
			return -1;
		}
		return 0;
	} else if (strncmp(spec, "fd:", 3) == 0) {
		fd = parse_fd(spec + 3);
		if (fd < 0) {
			snprintf(msg, msglen, "bad file descriptor '%s' for "
			    "password", spec + 3);
			return -1;
		}
		if (read_pwd(fd, out) < 0) {
			snprintf(msg, msglen, "cannot read password from file "
			    "descriptor %d: %s", fd, strerror(errno));
			return -1;
		}
		return 0;
	} else if (strncmp(spec, "env:", 4) == 0) {
		const char *v = getenv(spec + 4);

		if (v == NULL) {
			snprintf(msg, msglen, "environment variable '%s' for "
			    "the password is not set", spec + 4);
			return -1;
		}
		*out = strdup(v);
	} else {
		*out = strdup(spec);
	}
	if (*out == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

void
pwd_free(char *p)
{
	if (p != NULL)
		secure_free(p, strlen(p));
}
