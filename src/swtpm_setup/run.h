/*
 * Short-lived helper processes of swtpm_setup (the swtpm probes and the
 * certificate tool): started with posix_spawn, stdin from /dev/null,
 * stdout and stderr read through pipes into bounded buffers. Several may
 * run at once; su_run_wait drains them all, so none blocks on a full
 * pipe. Never prints.
 */
#ifndef SETUP_RUN_H
#define SETUP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Output kept per stream; what comes beyond is read and dropped. */
#define SU_RUN_OUT_MAX	(64 * 1024)

/* stderr to /dev/null instead of captured */
#define SU_RUN_NO_STDERR	0x1

struct su_run {
	pid_t	 pid;		/* -1 once reaped */
	int	 fd[2];		/* our ends: stdout, stderr; -1 at EOF */
	char	*buf[2];	/* captured bytes, NUL-terminated (malloc) */
	size_t	 len[2];
	bool	 truncated;	/* a stream said more than SU_RUN_OUT_MAX */
	int	 status;	/* wait status once reaped */
};

/* Nothing running, nothing captured (su_run_release is a no-op). */
void	 su_run_init(struct su_run *r);
/*
 * Starts path (argv[0] is its name) with the environment. Returns 0, or
 * -1 with errno set (also when the program cannot be executed; nothing
 * is left to wait for then).
 */
int	 su_run_start(struct su_run *r, const char *path,
	    const char *const *argv, unsigned flags);
/*
 * Reads the output of all n processes until EOF and reaps them. Returns
 * 0, or -1 with errno if polling failed (the processes are killed and
 * reaped then).
 */
int	 su_run_wait(struct su_run *const *runs, size_t n);
/* Starts and waits for one. */
int	 su_run(struct su_run *r, const char *path, const char *const *argv,
	    unsigned flags);
/* Frees the buffers; kills and reaps a process still running. */
void	 su_run_release(struct su_run *r);

#endif
