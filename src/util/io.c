/*
 * Full reads/writes and secret wiping.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

ssize_t
write_full(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = write(fd, b + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

ssize_t
read_full(int fd, void *p, size_t n)
{
	unsigned char *b = p;
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = read(fd, b + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int
read_all(int fd, size_t max, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t r;

	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 256;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= cap) {
				secure_free(buf, cap);
				errno = EFBIG;
				return -1;
			}
			nb = malloc(ncap);
			if (nb == NULL) {
				secure_free(buf, cap);
				errno = ENOMEM;
				return -1;
			}
			if (len > 0)
				memcpy(nb, buf, len);
			secure_free(buf, cap);
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			secure_free(buf, cap);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			secure_free(buf, cap);
			errno = EFBIG;
			return -1;
		}
	}
	*out = buf;
	*outlen = len;
	return 0;
}

void
secure_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void
secure_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	secure_wipe(p, n);
	free(p);
}
