/*
 * Logging of the daemon (spec cli.md §7): prefix + text, written if the
 * text's leading spaces are fewer than the level. Only src/swtpm logs.
 */
#ifndef SWTPM_LOG_H
#define SWTPM_LOG_H

#include <stddef.h>
#include <stdint.h>

/* fd -1 disables logging; prefix NULL = none. Copies prefix. */
void	 log_setup(int fd, int level, const char *prefix);
int	 log_fd(void);
int	 log_level(void);
const char *log_prefix(void);
/* Writes prefix + formatted text (which should end in '\n'). */
void	 log_msg(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Hex dump at level >= 2: " <title> length N" then 16 bytes a line. */
void	 log_dump(const char *title, const uint8_t *p, size_t n, size_t cap);
/* Close the log fd at exit. */
void	 log_close(void);

#endif
