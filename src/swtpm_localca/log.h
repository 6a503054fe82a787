/*
 * Messages of swtpm_localca: without --logfile, information goes to
 * stdout and errors to stderr; with it, both are appended to the file
 * (as the reference's logit/logerr). Each message is one write(2), so
 * concurrent runs and swtpm_setup appending to the same file do not
 * interleave within a line.
 */
#ifndef LOCALCA_LOG_H
#define LOCALCA_LOG_H

#include <stddef.h>

/*
 * Checks and opens the log file (O_APPEND, created 0640, never through
 * a symlink). Prints the reference's message on stderr and returns -1
 * if it cannot be used.
 */
int	 lc_log_open(const char *path);
void	 lc_logit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 lc_logerr(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
