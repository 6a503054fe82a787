/*
 * Helper processes with captured output: see run.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

extern char **environ;

void
su_run_init(struct su_run *r)
{
	memset(r, 0, sizeof(*r));
	r->pid = -1;
	r->fd[0] = r->fd[1] = -1;
	r->status = -1;
}

int
su_run_start(struct su_run *r, const char *path, const char *const *argv,
    unsigned flags)
{
	posix_spawn_file_actions_t fa;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int e, saved;
	pid_t pid;

	su_run_init(r);
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (!(flags & SU_RUN_NO_STDERR) && pipe2(err, O_CLOEXEC) < 0) {
		saved = errno;
		close(out[0]);
		close(out[1]);
		errno = saved;
		return -1;
	}
	e = posix_spawn_file_actions_init(&fa);
	if (e == 0) {
		e = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
		    "/dev/null", O_RDONLY, 0);
		if (e == 0)
			e = posix_spawn_file_actions_adddup2(&fa, out[1],
			    STDOUT_FILENO);
		if (e == 0 && err[1] >= 0)
			e = posix_spawn_file_actions_adddup2(&fa, err[1],
			    STDERR_FILENO);
		else if (e == 0)
			e = posix_spawn_file_actions_addopen(&fa,
			    STDERR_FILENO, "/dev/null", O_WRONLY, 0);
		if (e == 0)
			e = posix_spawn(&pid, path, &fa, NULL,
			    (char *const *)(uintptr_t)argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	if (e != 0) {
		close(out[0]);
		if (err[0] >= 0)
			close(err[0]);
		errno = e;
		return -1;
	}
	r->pid = pid;
	r->fd[0] = out[0];
	r->fd[1] = err[0];
	return 0;
}

/* One read from stream i of r; closes it at EOF or error. */
static void
drain(struct su_run *r, int i)
{
	char tmp[4096], *p;
	size_t take;
	ssize_t n;

	do {
		n = read(r->fd[i], tmp, sizeof(tmp));
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(r->fd[i]);
		r->fd[i] = -1;
		return;
	}
	take = (size_t)n;
	if (take > SU_RUN_OUT_MAX - r->len[i]) {
		take = SU_RUN_OUT_MAX - r->len[i];
		r->truncated = true;
	}
	if (take == 0)
		return;
	p = realloc(r->buf[i], r->len[i] + take + 1);
	if (p == NULL) {
		r->truncated = true;
		return;
	}
	memcpy(p + r->len[i], tmp, take);
	r->len[i] += take;
	p[r->len[i]] = '\0';
	r->buf[i] = p;
}

static void
reap(struct su_run *r)
{
	int st;

	if (r->pid <= 0)
		return;
	while (waitpid(r->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	r->status = st;
	r->pid = -1;
}

int
su_run_wait(struct su_run *const *runs, size_t n)
{
	struct pollfd pfd[16];
	struct su_run *who[16];
	int whoi[16];
	size_t i, k;
	int j, saved;

	for (;;) {
		k = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; j < 2; j++) {
				if (runs[i]->fd[j] < 0 ||
				    k == sizeof(pfd) / sizeof(pfd[0]))
					continue;
				pfd[k].fd = runs[i]->fd[j];
				pfd[k].events = POLLIN;
				who[k] = runs[i];
				whoi[k++] = j;
			}
		}
		if (k == 0)
			break;
		if (poll(pfd, k, -1) < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			for (i = 0; i < n; i++)
				su_run_release(runs[i]);
			errno = saved;
			return -1;
		}
		for (i = 0; i < k; i++)
			if (pfd[i].revents != 0)
				drain(who[i], whoi[i]);
	}
	for (i = 0; i < n; i++)
		reap(runs[i]);
	return 0;
}

int
su_run(struct su_run *r, const char *path, const char *const *argv,
    unsigned flags)
{
	struct su_run *one[1] = { r };

	if (su_run_start(r, path, argv, flags) < 0)
		return -1;
	return su_run_wait(one, 1);
}

void
su_run_release(struct su_run *r)
{
	int i;

	if (r->pid > 0) {
		(void)kill(r->pid, SIGKILL);
		reap(r);
	}
	for (i = 0; i < 2; i++) {
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		r->fd[i] = -1;
		free(r->buf[i]);
		r->buf[i] = NULL;
		r->len[i] = 0;
	}
}
