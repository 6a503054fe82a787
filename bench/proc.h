/*
 * Server processes for the benchmark: spawn a server binary with the
 * swtpm socket command line, connect to its unix sockets, stop it, and
 * read its memory and descriptor counts from /proc. Also CPU pinning and
 * the scratch directories. Knows nothing of TPM commands; connections
 * are the client library's (src/client).
 */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn.h"

#define INST_PATH_MAX	108	/* sun_path */

struct inst {
	pid_t	pid;
	int	port;		/* 0: unix; else TCP port (ctrl +1) */
	struct cl_conn data;	/* data connection (fd -1 if none) */
	struct cl_conn ctrl;	/* control connection (fd -1 if none) */
	char	dir[INST_PATH_MAX - 8];
	char	data_path[INST_PATH_MAX];
	char	ctrl_path[INST_PATH_MAX];
};

struct memstat {
	long	rss_kb, pss_kb, pss_anon_kb, hwm_kb;
};

/* Pin this process (and so every child) to cpu; remembers the old mask. */
int	 pin_cpu(int cpu);
/* Give this process back every CPU it had before pin_cpu (children). */
void	 unpin_cpu(void);
/* Last CPU this process may run on, or -1. */
int	 last_cpu(void);

void	 inst_init(struct inst *);
/*
 * Start bin as "bin socket --tpm2 --tpmstate dir=DIR<opt> --server
 * type=unixio,path=DIR/data --ctrl type=unixio,path=DIR/ctrl --flags F",
 * or with port != 0 "--server type=tcp,port=PORT --ctrl
 * type=tcp,port=PORT+1" (127.0.0.1). unpin: run the child on every CPU
 * the bench was allowed at start. The child's stdout and stderr go to
 * DIR/server.log. Returns 0 or -1.
 */
int	 inst_spawn(struct inst *, const char *bin, const char *dir,
	    const char *tpmstate_opt, const char *flags, int port,
	    bool unpin);
/*
 * Connect the data (and, if ctrl, the control) socket, retrying every
 * poll_us until timeout_ms. Returns 0, or -1 (the server died or timed
 * out).
 */
int	 inst_connect(struct inst *, bool ctrl, unsigned poll_us,
	    unsigned timeout_ms);
/* Try the data socket once; 1 connected, 0 not yet, -1 server gone. */
int	 inst_try_data(struct inst *);
/* Close connections, SIGTERM, reap (SIGKILL after 5 s). */
void	 inst_signal(struct inst *);
int	 inst_reap(struct inst *, unsigned timeout_ms);
int	 inst_stop(struct inst *);

int	 proc_mem(pid_t, struct memstat *);
int	 proc_fds(pid_t);
/* Nanoseconds the process has run on a CPU (user + kernel, from
 * /proc/PID/schedstat); -1 if unknown. */
long long proc_cpu_ns(pid_t);

/* Scratch directories. */
int	 rm_rf(const char *path);
/* Copy regular state files (not .lock, not *.log) from src into dst. */
int	 copy_state(const char *src, const char *dst);
/* Raise RLIMIT_NOFILE to at least n; returns the new soft limit. */
long	 raise_nofile(long n);

#endif
