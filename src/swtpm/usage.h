/*
 * Help and version texts of `swtpm` (spec cli.md §1). Layout follows
 * the reference so users find their way; the words describe what this
 * implementation really supports.
 */
#ifndef SWTPM_USAGE_H
#define SWTPM_USAGE_H

#include <stdio.h>

#include "options.h"

/* `swtpm -h`: interface list; prgname is argv[0]. */
void	sw_usage_general(FILE *, const char *prgname);
/* `swtpm socket|chardev --help`. */
void	sw_usage_iface(FILE *, const char *prgname, enum sw_iface);
/* `swtpm -v`: one line with PACKAGE_VERSION. */
void	sw_version(FILE *);

#endif
