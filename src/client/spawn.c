/*
 * A child `swtpm socket` on two socketpairs (spawn.h): the wiring,
 * readiness from the pid file and the stop sequence of
 * provisioning.md §1.7. Between fork and exec the child calls only
 * async-signal-safe functions; everything it needs is prepared before.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "client.h"
#include "spawn.h"

#include "swtpm/tpm_ioctl.h"

/* COMPAT: provisioning.md §1.7: poll every 5 ms, 1000 times */
#define SPAWN_POLL_MS		5
#define SPAWN_POLLS		1000
#define SHUTDOWN_TIMEOUT_MS	2000

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static enum cl_err
spawn_fail(struct cl_child *ch, enum cl_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum cl_err
spawn_fail(struct cl_child *ch, enum cl_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->msg, sizeof(ch->msg), fmt, ap);
	va_end(ap);
	return e;
}

/* Reaps the child if it ended; true then (status kept). */
static bool
reaped(struct cl_child *ch)
{
	int st;
	pid_t r;

	do {
		r = waitpid(ch->pid, &st, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r != ch->pid)
		return false;
	ch->status = st;
	ch->pid = -1;
	return true;
}

static const char **
child_argv(const char *const *argv, const char *sarg, const char *carg)
{
	const char **v;
	size_t n = 0, i;

	while (argv[n] != NULL)
		n++;
	v = calloc(n + 5, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = argv[i];
	v[n++] = "--server";
	v[n++] = sarg;
	v[n++] = "--ctrl";
	v[n++] = carg;
	return v;
}

/* In the child: never returns. */
static void
child(const char **argv, int devnull, const int *keep, size_t nkeep,
    int dfd, int cfd)
{
	size_t i;

	if (devnull >= 0 && (dup2(devnull, STDOUT_FILENO) < 0 ||
	    dup2(devnull, STDERR_FILENO) < 0))
		_exit(127);
	if (fcntl(dfd, F_SETFD, 0) < 0 || fcntl(cfd, F_SETFD, 0) < 0)
		_exit(127);
	for (i = 0; i < nkeep; i++)
		if (fcntl(keep[i], F_SETFD, 0) < 0)
			_exit(127);
	execvp(argv[0], (char *const *)(uintptr_t)argv);
	_exit(127);
}

static enum cl_err
wait_ready(struct cl_child *ch, const struct cl_spawn_opts *o)
{
	unsigned polls = o->polls != 0 ? o->polls : SPAWN_POLLS;
	unsigned ms = o->poll_ms != 0 ? o->poll_ms : SPAWN_POLL_MS;
	struct stat st;
	unsigned i;

	for (i = 0; i < polls; i++) {
		if (stat(o->pidfile, &st) == 0 && st.st_size > 0)
			return CL_OK;
		if (reaped(ch)) {
			cl_close(&ch->data);
			cl_close(&ch->ctrl);
			if (WIFEXITED(ch->status))
				return spawn_fail(ch, CL_ECHILD, "'%s' exited "
				    "with status %d before it was ready",
				    o->argv[0], WEXITSTATUS(ch->status));
			return spawn_fail(ch, CL_ECHILD, "'%s' ended by "
			    "signal %d before it was ready", o->argv[0],
			    WTERMSIG(ch->status));
		}
		sleep_ms(ms);
	}
	/* not serving: no CMD_SHUTDOWN, just the kill */
	cl_close(&ch->ctrl);
	(void)cl_child_stop(ch, 0);
	return spawn_fail(ch, CL_ETIMEDOUT, "'%s' did not write its pid file "
	    "'%s' within %u ms", o->argv[0], o->pidfile, polls * ms);
}

enum cl_err
cl_spawn(struct cl_child *ch, const struct cl_spawn_opts *o)
{
	char sarg[48], carg[48];
	const char **argv = NULL;
	int dfd = -1, cfd = -1, devnull = -1, saved;
	enum cl_err e = CL_OK;
	pid_t pid;

	ch->pid = -1;
	ch->status = -1;
	ch->msg[0] = '\0';
	cl_init(&ch->data);
	cl_init(&ch->ctrl);
	if (o->argv == NULL || o->argv[0] == NULL)
		return spawn_fail(ch, CL_EARG, "no program to start");
	if ((e = cl_socketpair(&ch->data, &dfd)) != CL_OK ||
	    (e = cl_socketpair(&ch->ctrl, &cfd)) != CL_OK) {
		snprintf(ch->msg, sizeof(ch->msg), "%s",
		    ch->data.fd < 0 ? ch->data.msg : ch->ctrl.msg);
		goto out;
	}
	snprintf(sarg, sizeof(sarg), "type=tcp,fd=%d", dfd);
	snprintf(carg, sizeof(carg), "type=unixio,clientfd=%d", cfd);
	if ((argv = child_argv(o->argv, sarg, carg)) == NULL) {
		e = spawn_fail(ch, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (o->quiet &&
	    (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
		e = spawn_fail(ch, CL_ESYS, "cannot open '/dev/null': %s",
		    strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		saved = errno;
		e = spawn_fail(ch, CL_ESYS, "fork failed: %s",
		    strerror(saved));
		goto out;
	}
	if (pid == 0)
		child(argv, devnull, o->keep_fds, o->nkeep, dfd, cfd);
	ch->pid = pid;
out:
	free(argv);
	if (devnull >= 0)
		close(devnull);
	if (dfd >= 0)
		close(dfd);
	if (cfd >= 0)
		close(cfd);
	if (e != CL_OK) {
		cl_close(&ch->data);
		cl_close(&ch->ctrl);
		return e;
	}
	return o->pidfile != NULL ? wait_ready(ch, o) : CL_OK;
}

int
cl_child_stop(struct cl_child *ch, unsigned wait_ms)
{
	uint8_t req[4];
	uint32_t res;
	unsigned i;
	struct wr w;
	int st = -1;

	if (ch->ctrl.fd >= 0 && ch->pid > 0) {
		wr_init(&w, req, sizeof(req));
		ctrl_client_enc(&w, CMD_SHUTDOWN);
		(void)cl_ctrl_simple(&ch->ctrl, req, w.len, &res,
		    SHUTDOWN_TIMEOUT_MS);
	}
	cl_close(&ch->data);
	cl_close(&ch->ctrl);
	if (ch->pid <= 0)
		return ch->status;
	for (i = 0; i < wait_ms; i++) {
		if (reaped(ch))
			return ch->status;
		sleep_ms(1);
	}
	if (reaped(ch))
		return ch->status;
	(void)kill(ch->pid, SIGKILL);
	while (waitpid(ch->pid, &st, 0) < 0 && errno == EINTR)
		;
	ch->status = st;
	ch->pid = -1;
	return ch->status;
}
