/*
 * Server process handling for the benchmark (see proc.h): fork/exec with
 * the swtpm socket command line, unix socket connects with polling,
 * graceful stop, /proc accounting and scratch directory helpers.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "proc.h"
#include "stats.h"

/* CPU mask at start, restored in children that must not be pinned. */
static cpu_set_t	orig_mask;
static bool		have_orig;

int
last_cpu(void)
{
	cpu_set_t	set;
	int		i;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	for (i = CPU_SETSIZE - 1; i >= 0; i--)
		if (CPU_ISSET(i, &set))
			return i;
	return -1;
}

int
pin_cpu(int cpu)
{
	cpu_set_t	set;

	if (!have_orig && sched_getaffinity(0, sizeof(orig_mask),
	    &orig_mask) == 0)
		have_orig = true;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

void
unpin_cpu(void)
{
	if (have_orig)
		(void)sched_setaffinity(0, sizeof(orig_mask), &orig_mask);
}

void
inst_init(struct inst *in)
{
	memset(in, 0, sizeof(*in));
	in->pid = -1;
	cl_init(&in->data);
	cl_init(&in->ctrl);
}

static void
sleep_us(unsigned us)
{
	struct timespec	ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

int
inst_spawn(struct inst *in, const char *bin, const char *dir,
    const char *tpmstate_opt, const char *flags, int port, bool unpin)
{
	char	 st[INST_PATH_MAX + 64], srv[INST_PATH_MAX + 32];
	char	 ctl[INST_PATH_MAX + 32], log[INST_PATH_MAX + 16];
	char	*argv[16];
	int	 n = 0, fd;
	pid_t	 pid;

	inst_init(in);
	if (snprintf(in->dir, sizeof(in->dir), "%s", dir) >=
	    (int)sizeof(in->dir))
		return -1;
	snprintf(in->data_path, sizeof(in->data_path), "%s/data", dir);
	snprintf(in->ctrl_path, sizeof(in->ctrl_path), "%s/ctrl", dir);
	snprintf(st, sizeof(st), "dir=%s%s", dir, tpmstate_opt);
	in->port = port;
	if (port) {
		snprintf(srv, sizeof(srv), "type=tcp,port=%d", port);
		snprintf(ctl, sizeof(ctl), "type=tcp,port=%d", port + 1);
	} else {
		snprintf(srv, sizeof(srv), "type=unixio,path=%s",
		    in->data_path);
		snprintf(ctl, sizeof(ctl), "type=unixio,path=%s",
		    in->ctrl_path);
	}
	snprintf(log, sizeof(log), "%s/server.log", dir);
	argv[n++] = (char *)bin;
	argv[n++] = (char *)"socket";
	argv[n++] = (char *)"--tpm2";
	argv[n++] = (char *)"--tpmstate";
	argv[n++] = st;
	argv[n++] = (char *)"--server";
	argv[n++] = srv;
	argv[n++] = (char *)"--ctrl";
	argv[n++] = ctl;
	argv[n++] = (char *)"--flags";
	argv[n++] = (char *)flags;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unpin && have_orig)
			sched_setaffinity(0, sizeof(orig_mask), &orig_mask);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execv(bin, argv);
		_exit(127);
	}
	in->pid = pid;
	return 0;
}

/*
 * Connect to a unix path, or to 127.0.0.1:port if port != 0. Returns 0,
 * or -1 with errno from the connect.
 */
static int
sock_connect(struct cl_conn *c, const char *path, int port)
{
	struct timeval	tv = { 60, 0 };
	enum cl_err	e;

	if (port)
		e = cl_connect_tcp(c, "127.0.0.1", (unsigned)port, -1);
	else
		e = cl_connect_unix(c, path, -1);
	if (e != CL_OK) {
		errno = e == CL_EARG ? ENAMETOOLONG : c->sys_errno;
		return -1;
	}
	/* Bound every later read: a dead server must not hang the bench. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

static bool
alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

int
inst_try_data(struct inst *in)
{
	if (in->data.fd >= 0)
		return 1;
	if (sock_connect(&in->data, in->data_path, in->port) == 0)
		return 1;
	if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN)
		return -1;
	return alive(in->pid) ? 0 : -1;
}

int
inst_connect(struct inst *in, bool ctrl, unsigned poll_us,
    unsigned timeout_ms)
{
	uint64_t	end = now_ns() + (uint64_t)timeout_ms * 1000000u;
	int		r;

	while ((r = inst_try_data(in)) == 0) {
		if (now_ns() > end)
			return -1;
		sleep_us(poll_us);
	}
	if (r < 0)
		return -1;
	while (ctrl && in->ctrl.fd < 0) {
		if (sock_connect(&in->ctrl, in->ctrl_path,
		    in->port ? in->port + 1 : 0) == 0)
			break;
		if (now_ns() > end || !alive(in->pid))
			return -1;
		sleep_us(poll_us);
	}
	return 0;
}

void
inst_signal(struct inst *in)
{
	cl_close(&in->data);
	cl_close(&in->ctrl);
	if (in->pid > 0)
		kill(in->pid, SIGTERM);
}

/* Returns the exit status, or -1 if it had to be killed. */
int
inst_reap(struct inst *in, unsigned timeout_ms)
{
	uint64_t	end = now_ns() + (uint64_t)timeout_ms * 1000000u;
	int		st;
	pid_t		r;

	if (in->pid <= 0)
		return 0;
	for (;;) {
		r = waitpid(in->pid, &st, WNOHANG);
		if (r == in->pid || (r < 0 && errno == ECHILD))
			break;
		if (now_ns() > end) {
			kill(in->pid, SIGKILL);
			waitpid(in->pid, &st, 0);
			in->pid = -1;
			return -1;
		}
		sleep_us(200);
	}
	in->pid = -1;
	if (r < 0)
		return 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
inst_stop(struct inst *in)
{
	inst_signal(in);
	return inst_reap(in, 5000);
}

/* Value in kB of "Key:" in a /proc file, or -1. */
static long
proc_field(const char *path, const char *key)
{
	char	line[256];
	size_t	kl = strlen(key);
	long	v = -1;
	FILE	*f;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

int
proc_mem(pid_t pid, struct memstat *m)
{
	char	p[64];

	snprintf(p, sizeof(p), "/proc/%ld/smaps_rollup", (long)pid);
	m->rss_kb = proc_field(p, "Rss");
	m->pss_kb = proc_field(p, "Pss");
	m->pss_anon_kb = proc_field(p, "Pss_Anon");
	snprintf(p, sizeof(p), "/proc/%ld/status", (long)pid);
	m->hwm_kb = proc_field(p, "VmHWM");
	return m->rss_kb < 0 || m->pss_kb < 0 ? -1 : 0;
}

int
proc_fds(pid_t pid)
{
	char		 p[64];
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	snprintf(p, sizeof(p), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

long long
proc_cpu_ns(pid_t pid)
{
	char		 p[64];
	long long	 ns;
	FILE		*f;
	int		 ok;

	snprintf(p, sizeof(p), "/proc/%ld/schedstat", (long)pid);
	if ((f = fopen(p, "re")) == NULL)
		return -1;
	ok = fscanf(f, "%lld", &ns) == 1 && ns >= 0;
	fclose(f);
	return ok ? ns : -1;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int
rm_rf(const char *path)
{
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static int
copy_file(int sfd, int dfd, const char *name)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0;
	int		 in, out, rc = -1;

	if ((in = openat(sfd, name, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (read_all(in, 64u << 20, &buf, &len) == 0) {
		out = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0640);
		if (out >= 0) {
			if (write_full(out, buf, len) == (ssize_t)len)
				rc = 0;
			if (close(out) != 0)
				rc = -1;
		}
	}
	free(buf);
	close(in);
	return rc;
}

int
copy_state(const char *src, const char *dst)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	size_t		 l;
	int		 dfd, rc = 0;

	if ((d = opendir(src)) == NULL)
		return -1;
	if ((dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		closedir(d);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (de->d_name[0] == '.' || (l > 4 &&
		    strcmp(de->d_name + l - 4, ".log") == 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (copy_file(dirfd(d), dfd, de->d_name) != 0)
			rc = -1;
	}
	close(dfd);
	closedir(d);
	return rc;
}

long
raise_nofile(long n)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if ((long)rl.rlim_cur < n) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    (long)rl.rlim_max > n ? (rlim_t)n : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -1;
	}
	return (long)rl.rlim_cur;
}
