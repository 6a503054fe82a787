/*
 * Starting `swtpm socket` as a child on two socketpairs, the way
 * swtpm_setup does (provisioning.md §1.7): the data channel as
 * --server type=tcp,fd=D, the control channel as --ctrl
 * type=unixio,clientfd=C, readiness from a non-empty pid file, and the
 * stop sequence. Part of the client library (conn.h): never prints.
 */
#ifndef CLIENT_SPAWN_H
#define CLIENT_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conn.h"

struct cl_spawn_opts {
	/*
	 * Program (found in PATH if it has no '/') and its arguments,
	 * NULL-terminated; cl_spawn appends "--server type=tcp,fd=D
	 * --ctrl type=unixio,clientfd=C" with the child's ends.
	 */
	const char *const	*argv;
	/* Wait until this file is non-empty (NULL: do not wait). */
	const char		*pidfile;
	unsigned		 poll_ms;	/* 0: 5 ms */
	unsigned		 polls;		/* 0: 1000 */
	/* Descriptors the child inherits too (key or password fds). */
	const int		*keep_fds;
	size_t			 nkeep;
	/* stdout and stderr to /dev/null (0.7.1) instead of inherited */
	bool			 quiet;
};

struct cl_child {
	pid_t		 pid;		/* -1 when none */
	struct cl_conn	 data;		/* our end of the data channel */
	struct cl_conn	 ctrl;		/* our end of the control channel */
	int		 status;	/* wait status once reaped, else -1 */
	char		 msg[CL_MSG_MAX];
};

/*
 * Starts the child and waits for its pid file. CL_ECHILD if it ends
 * first (status holds its wait status), CL_ETIMEDOUT after all polls
 * (the child is then stopped with cl_child_stop). The pid file is the
 * caller's to remove. On success the caller ends the child with
 * cl_child_stop.
 */
enum cl_err	 cl_spawn(struct cl_child *ch, const struct cl_spawn_opts *o);
/*
 * Sends CMD_SHUTDOWN on the control channel (if still open), closes
 * both channels, waits up to wait_ms for the child, then SIGKILLs and
 * reaps it. Returns its wait status (-1 if there was no child).
 */
int		 cl_child_stop(struct cl_child *ch, unsigned wait_ms);

#endif
