/*
 * The swtpm_cert command line and its run; see certcmd.h. The child is
 * started with posix_spawn (no fork of our address space) and its two
 * output pipes are drained with poll until both close.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certcmd.h"
#include "io.h"

extern char **environ;

void
lc_argv_init(struct lc_argv *a)
{
	memset(a, 0, sizeof(*a));
}

void
lc_argv_release(struct lc_argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static void
add_one(struct lc_argv *a, const char *s)
{
	char **nv;
	size_t cap;

	if (a->bad)
		return;
	if (a->n + 2 > a->cap) {
		cap = a->cap ? a->cap * 2 : 32;
		if ((nv = realloc(a->v, cap * sizeof(*nv))) == NULL) {
			a->bad = true;
			return;
		}
		a->v = nv;
		a->cap = cap;
	}
	if ((a->v[a->n] = strdup(s)) == NULL) {
		a->bad = true;
		return;
	}
	a->v[++a->n] = NULL;
}

void
lc_argv_add(struct lc_argv *a, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, a);
	while ((s = va_arg(ap, const char *)) != NULL)
		add_one(a, s);
	va_end(ap);
}

void
lc_argv_addv(struct lc_argv *a, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		add_one(a, v[i]);
}

void
lc_vmid_escape(char *vmid)
{
	size_t i;

	for (i = 0; vmid[i] != '\0'; i++) {
		if (vmid[i] == ',')
			vmid[i] = '_';
		else if (vmid[i] == '+' && (i == 0 || vmid[i - 1] != '\\'))
			vmid[i] = '_';
	}
}

static size_t
hex_run(const char *s)
{
	size_t n = 0;

	while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
	    (s[n] >= 'A' && s[n] <= 'F'))
		n++;
	return n;
}

bool
lc_ecc_params(const char *s, char **x, char **y, char **id)
{
	const char *p, *xs, *ys, *is = NULL;
	size_t xl, yl, il = 0;

	*x = *y = *id = NULL;
	/* the leftmost match of x=([0-9A-Fa-f]+),y=([0-9A-Fa-f]+)(,id=([^,]+))? */
	for (p = s; (p = strstr(p, "x=")) != NULL; p++) {
		xs = p + 2;
		if ((xl = hex_run(xs)) == 0 || strncmp(xs + xl, ",y=", 3) != 0)
			continue;
		ys = xs + xl + 3;
		if ((yl = hex_run(ys)) == 0)
			continue;
		if (strncmp(ys + yl, ",id=", 4) == 0) {
			is = ys + yl + 4;
			il = strcspn(is, ",");
		}
		*x = strndup(xs, xl);
		*y = strndup(ys, yl);
		if (il > 0)
			*id = strndup(is, il);
		if (*y == NULL || (il > 0 && *id == NULL)) {
			free(*x);
			free(*y);
			*x = *y = NULL;
		}
		return true;
	}
	return false;
}

static bool
executable(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    access(path, X_OK) == 0;
}

char *
lc_find_program(const char *path_env, const char *name)
{
	const char *p, *e;
	char *cand;
	size_t dl;

	if (strchr(name, '/') != NULL)
		return executable(name) ? strdup(name) : NULL;
	if (path_env == NULL)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	for (p = path_env;; p = e + 1) {
		e = strchr(p, ':');
		dl = e != NULL ? (size_t)(e - p) : strlen(p);
		/* an empty entry is the current directory */
		if (asprintf(&cand, "%.*s%s%s", (int)dl, dl ? p : ".",
		    dl == 0 ? "/" : (p[dl - 1] == '/' ? "" : "/"), name) < 0)
			return NULL;
		if (executable(cand))
			return cand;
		free(cand);
		if (e == NULL)
			return NULL;
	}
}

int
lc_secret_pipe(const char *secret)
{
	size_t n = strlen(secret);
	int fds[2];

	if (n > LC_PWD_PIPE_MAX)
		n = LC_PWD_PIPE_MAX;
	/* fits the pipe buffer (>= 4096 bytes): the write cannot block */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if (write_full(fds[1], secret, n) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	return fds[0];
}

void
lc_child_release(struct lc_child *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
}

/* Growable capture buffer, capped at LC_CHILD_OUT_MAX. */
struct cap {
	char	*p;
	size_t	 len;
	int	 fd;
};

static int
drain(struct cap *c)
{
	char buf[4096];
	ssize_t r;
	size_t take;
	char *np;

	r = read(c->fd, buf, sizeof(buf));
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (r == 0)
		return 0;
	take = (size_t)r;
	if (take > LC_CHILD_OUT_MAX - c->len)
		take = LC_CHILD_OUT_MAX - c->len;
	if (take > 0) {
		if ((np = realloc(c->p, c->len + take + 1)) == NULL)
			return -1;
		c->p = np;
		memcpy(c->p + c->len, buf, take);
		c->len += take;
		c->p[c->len] = '\0';
	}
	return 1;
}

/* Reads both pipes until both are closed. */
static int
collect(struct cap *out, struct cap *err)
{
	struct pollfd pfd[2];
	struct cap *caps[2] = { out, err };
	int i, n, r;

	for (;;) {
		n = 0;
		for (i = 0; i < 2; i++) {
			if (caps[i]->fd < 0)
				continue;
			pfd[n].fd = caps[i]->fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
		if (n == 0)
			return 0;
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < 2; i++) {
			int j;

			if (caps[i]->fd < 0)
				continue;
			for (j = 0; j < n; j++)
				if (pfd[j].fd == caps[i]->fd)
					break;
			if (j == n || pfd[j].revents == 0)
				continue;
			r = drain(caps[i]);
			if (r < 0)
				return -1;
			if (r == 0) {
				close(caps[i]->fd);
				caps[i]->fd = -1;
			}
		}
	}
}

static char *
take(struct cap *c)
{
	char *s = c->p;

	c->p = NULL;
	return s != NULL ? s : strdup("");
}

int
lc_run(char *const *argv, const int *keep_fds, size_t nkeep,
    struct lc_child *c, char *msg, size_t msglen)
{
	posix_spawn_file_actions_t fa;
	struct cap out = { NULL, 0, -1 }, err = { NULL, 0, -1 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t pid = -1;
	size_t i;
	int rc = -1, e, flags, st;
	bool fa_ok = false;

	memset(c, 0, sizeof(*c));
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		snprintf(msg, msglen, "cannot create a pipe: %s",
		    strerror(errno));
		goto out;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto spawn_err;
	fa_ok = true;
	if ((e = posix_spawn_file_actions_adddup2(&fa, po[1], 1)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, pe[1], 2)) != 0)
		goto spawn_err;
	/* single-threaded: clearing close-on-exec here cannot race */
	for (i = 0; i < nkeep; i++) {
		flags = fcntl(keep_fds[i], F_GETFD);
		if (flags >= 0)
			fcntl(keep_fds[i], F_SETFD, flags & ~FD_CLOEXEC);
	}
	e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	for (i = 0; i < nkeep; i++) {
		flags = fcntl(keep_fds[i], F_GETFD);
		if (flags >= 0)
			fcntl(keep_fds[i], F_SETFD, flags | FD_CLOEXEC);
	}
	if (e != 0)
		goto spawn_err;
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	out.fd = po[0];
	err.fd = pe[0];
	po[0] = pe[0] = -1;
	if (collect(&out, &err) < 0) {
		snprintf(msg, msglen, "cannot read the output of %s: %s",
		    argv[0], strerror(errno));
		/* close our ends so that the child cannot block on them */
		if (out.fd >= 0)
			close(out.fd);
		if (err.fd >= 0)
			close(err.fd);
		out.fd = err.fd = -1;
	} else {
		rc = 0;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			snprintf(msg, msglen, "cannot wait for %s: %s", argv[0],
			    strerror(errno));
			rc = -1;
			goto out;
		}
	}
	c->status = st;
	if (rc == 0) {
		c->out = take(&out);
		c->err = take(&err);
		if (c->out == NULL || c->err == NULL) {
			lc_child_release(c);
			snprintf(msg, msglen, "out of memory");
			rc = -1;
		}
	}
	goto out;
spawn_err:
	snprintf(msg, msglen, "%s", strerror(e));
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	if (out.fd >= 0)
		close(out.fd);
	if (err.fd >= 0)
		close(err.fd);
	free(out.p);
	free(err.p);
	return rc;
}
