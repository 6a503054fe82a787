/*
 * The swtpm_cert command line of swtpm_localca (provisioning.md §2.5)
 * and running it: a growable argv, the vmid and EK parameter rules, the
 * PATH search, and a child with its output captured. Never prints:
 * errors are -1 and a line in the caller's buffer.
 */
#ifndef LOCALCA_CERTCMD_H
#define LOCALCA_CERTCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A NULL-terminated argv of malloc'ed strings; 'bad' is sticky. */
struct lc_argv {
	char	**v;
	size_t	  n, cap;
	bool	  bad;
};

void	 lc_argv_init(struct lc_argv *);
void	 lc_argv_release(struct lc_argv *);
/* Appends copies of the NULL-terminated list of strings. */
void	 lc_argv_add(struct lc_argv *, ...) __attribute__((sentinel));
void	 lc_argv_addv(struct lc_argv *, char *const *v, size_t n);

/*
 * COMPAT: §2.5, in place: ',' becomes '_', and '+' becomes '_' unless a
 * '\' precedes it.
 */
void	 lc_vmid_escape(char *vmid);

/*
 * The EC form of --ek: the first "x=HEX,y=HEX" in s, with ",id=NAME"
 * (NAME up to the next ',') if it follows. Returns true and malloc'ed
 * copies (*id NULL without ",id=") or false if s holds none (then it is
 * an RSA modulus). *x is NULL after an allocation failure.
 */
bool	 lc_ecc_params(const char *s, char **x, char **y, char **id);

/*
 * The program 'name' looked up in $PATH (a name with a '/' is taken as
 * it is) as an executable regular file; malloc'ed path, or NULL.
 */
char	*lc_find_program(const char *path_env, const char *name);

/* What a finished child said. */
struct lc_child {
	int	 status;	/* waitpid status */
	char	*out, *err;	/* its stdout and stderr, NUL-terminated */
};

/* Each stream keeps at most this much; the rest is read and dropped. */
#define LC_CHILD_OUT_MAX	(64 * 1024)

/*
 * Runs argv (argv[0] an absolute path) with the current environment,
 * stdin inherited, stdout and stderr captured. keep_fds (nkeep of them,
 * may be 0) stay open in the child under their numbers; all other fds
 * of ours are close-on-exec. Waits for the child. On success the
 * caller frees c->out and c->err; -1 if it could not be started.
 */
int	 lc_run(char *const *argv, const int *keep_fds, size_t nkeep,
	    struct lc_child *c, char *msg, size_t msglen);
void	 lc_child_release(struct lc_child *);

/*
 * A pipe holding secret (at most LC_PWD_PIPE_MAX bytes of it, enough
 * for swtpm_cert's 255-byte limit) for the child to read as
 * "fd:N"; returns the read end N, or -1. The secret is in the kernel's
 * pipe buffer only, never in a file.
 */
#define LC_PWD_PIPE_MAX	4096
int	 lc_secret_pipe(const char *secret);

#endif
