/*
 * What both flows share: the copies of EK certificates for
 * --write-ek-cert-files and the hex of key parameters.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "flow.h"
#include "io.h"
#include "log.h"

char *
su_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s;
	size_t i;

	if ((s = malloc(2 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0xf];
	}
	s[2 * n] = '\0';
	return s;
}

int
su_write_ek_file(struct su_ctx *c, const char *desc, const uint8_t *der,
    size_t len)
{
	struct su_written *w = c->written;
	char *path;

	if (asprintf(&path, "%s/ek-%s.crt", c->o->ek_cert_dir, desc) < 0) {
		logerr("out of memory\n");
		return -1;
	}
	/* COMPAT: provisioning.md §1.1: mode 0640 */
	if (su_write_file(path, der, len, S_IRUSR | S_IWUSR | S_IRGRP) < 0) {
		logerr("cannot write '%s': %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	if (w->n < sizeof(w->path) / sizeof(w->path[0])) {
		w->path[w->n++] = path;
	} else {
		free(path);
	}
	return 0;
}

void
su_written_remove(struct su_written *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		(void)unlink(w->path[i]);
	su_written_release(w);
}

void
su_written_release(struct su_written *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->path[i]);
	w->n = 0;
}
