/*
 * swtpm_ioctl --save and --load: move one state blob between a file
 * and the control channel (cli.md §9). Print their own errors.
 */
#ifndef SWTPM_IOCTL_BLOB_H
#define SWTPM_IOCTL_BLOB_H

#include "conn.h"

/* Both return the exit code (0 or 1). */
int	cmd_save(struct cl_conn *c, const char *type, const char *file);
int	cmd_load(struct cl_conn *c, const char *type, const char *file);

#endif
