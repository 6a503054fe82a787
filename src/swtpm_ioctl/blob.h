/*
 * swtpm_ioctl --save and --load: move one state blob between a file
 * and the control channel (cli.md §9). Print their own errors.
 */
#ifndef SWTPM_IOCTL_BLOB_H
#define SWTPM_IOCTL_BLOB_H

/* Both return the exit code (0 or 1). */
int	cmd_save(int fd, const char *type, const char *file);
int	cmd_load(int fd, const char *type, const char *file);

#endif
