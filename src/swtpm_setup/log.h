/*
 * swtpm_setup's log (provisioning.md §1.2, §1.10): progress lines go to
 * stdout and errors to stderr, or both are appended to the --logfile
 * (opened for each line with O_APPEND|O_NOFOLLOW, as the cert tool and
 * the child swtpm append to the same file). Stdout is unbuffered, so
 * that our lines and those of the children keep their order.
 */
#ifndef SETUP_LOG_H
#define SETUP_LOG_H

#include <stddef.h>
#include <time.h>

/* NULL: stdout and stderr. The string must outlive the logging. */
void	 su_log_set_file(const char *path);
const char *su_log_file(void);

/* A progress line (stdout or the logfile). */
void	 logit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error line (stderr or the logfile). */
void	 logerr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Lines held back: while a buffer captures, logit and logerr append to
 * it; su_logbuf_flush emits them later in their order. The flows use it
 * to keep the reference's order of lines while they run steps ahead.
 */
struct su_logbuf {
	char		**line;
	unsigned char	 *err;	/* per line: an error line */
	size_t		  n;
};
/* Captures into b from now on (NULL: log directly again). */
void	 su_log_capture(struct su_logbuf *b);
/* Emits the captured lines and empties b. */
void	 su_logbuf_flush(struct su_logbuf *b);
/* Drops them. */
void	 su_logbuf_release(struct su_logbuf *b);

/*
 * The date of the "Starting vTPM ..." and "Ending ..." lines: strftime
 * "%a %d %h %Y %I:%M:%S %p %Z" in local time. Returns 0, or -1 if it
 * does not fit.
 */
int	 su_log_date(char *buf, size_t len, time_t t);

#endif
