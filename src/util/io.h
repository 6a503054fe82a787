/*
 * Leaf I/O helpers: full reads/writes that retry on EINTR and short
 * transfers, and wiping of secrets. Knows nothing of the rest.
 */
#ifndef UTIL_IO_H
#define UTIL_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all n bytes; returns n, or -1 with errno set. */
ssize_t	 write_full(int fd, const void *p, size_t n);
/* Read until n bytes or EOF; returns bytes read, or -1 with errno set. */
ssize_t	 read_full(int fd, void *p, size_t n);
/*
 * Read a whole fd (up to max bytes) into a malloc'ed buffer the caller
 * frees (with secure_free if secret). Returns 0, or -1 with errno set
 * (EFBIG if more than max bytes).
 */
int	 read_all(int fd, size_t max, unsigned char **out, size_t *outlen);
/* Wipe n bytes of p and free it; NULL is a no-op. */
void	 secure_free(void *p, size_t n);
void	 secure_wipe(void *p, size_t n);

#endif
