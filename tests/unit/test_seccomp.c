/*
 * Unit tests of the seccomp filter (src/swtpm/seccomp.c): each case
 * forks, installs the filter in the child and makes syscalls there. A
 * denied syscall must end the child with SIGSYS (kill) or return (log);
 * the syscalls of the serving loop must keep working.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seccomp.h"
#if SW_HAVE_SECCOMP
#include <linux/seccomp.h>
#endif
#include "t.h"

static char tmpdir[] = "/tmp/test_seccomp.XXXXXX";

/* Child exit codes */
#define C_OK		0
#define C_NOINSTALL	90
#define C_BROKEN	91

/* Runs fn in a child under the filter; returns the raw wait status. */
static int
in_child(enum sw_seccomp_action a, int (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (sw_seccomp_install(a) != 0)
			_exit(C_NOINSTALL);
		_exit(fn());
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static int
killed_by_sigsys(int st)
{
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static int
exited_ok(int st)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == C_OK;
}

/* What the daemon does while serving: files, sockets, poll, time. */
static int
serving_syscalls(void)
{
	char p1[256], p2[256], buf[64];
	struct pollfd pfd;
	struct timespec ts;
	int sv[2], fd;

	snprintf(p1, sizeof(p1), "%s/a", tmpdir);
	snprintf(p2, sizeof(p2), "%s/b", tmpdir);
	if (getpid() <= 0 || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return C_BROKEN;
	if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return C_BROKEN;
	fd = open(p1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) != 0 ||
	    flock(fd, LOCK_EX | LOCK_NB) != 0 || close(fd) != 0)
		return C_BROKEN;
	if (rename(p1, p2) != 0 || unlink(p2) != 0)
		return C_BROKEN;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return C_BROKEN;
	if (send(sv[0], "ping", 4, 0) != 4)
		return C_BROKEN;
	pfd.fd = sv[1];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) != 1 || recv(sv[1], buf, 4, 0) != 4)
		return C_BROKEN;
	close(sv[0]);
	close(sv[1]);
	return C_OK;
}

static int
do_personality(void)
{
	/* 0xffffffff only queries the persona: harmless when allowed */
	return syscall(SYS_personality, 0xffffffffUL) == -1 ? C_BROKEN : C_OK;
}

static int do_fork(void) { pid_t p = fork(); if (p == 0) _exit(0);
	return C_OK; }
static int do_execve(void) { char *argv[] = { "true", NULL };
	execve("/bin/true", argv, NULL); return C_BROKEN; }
static int do_setsid(void) { (void)setsid(); return C_OK; }
static int do_prctl(void) { (void)syscall(SYS_prctl, 3 /*GET_DUMPABLE*/,
	0, 0, 0, 0); return C_OK; }
static int do_getxattr(void) { char b[8]; (void)syscall(SYS_getxattr,
	"/", "user.x", b, sizeof(b)); return C_OK; }
static int do_eventfd(void) { (void)syscall(SYS_eventfd2, 0, 0);
	return C_OK; }
static int do_inotify(void) { (void)syscall(SYS_inotify_init1, 0);
	return C_OK; }
static int do_prlimit(void) { (void)syscall(SYS_prlimit64, 0, 7, NULL,
	NULL); return C_OK; }
static int do_seccomp(void) { (void)syscall(SYS_seccomp, 0, 0, NULL);
	return C_OK; }
#ifdef __x86_64__
/* getpid through the x32 ABI */
static int do_x32(void) { (void)syscall(0x40000000 | SYS_getpid);
	return C_OK; }
#endif

static void
test_serving_allowed(void)
{
	if (!SW_HAVE_SECCOMP)
		return;
	T_CHECK(exited_ok(in_child(SW_SECCOMP_KILL, serving_syscalls)));
	T_CHECK(exited_ok(in_child(SW_SECCOMP_NONE, serving_syscalls)));
}

static void
test_denied_kill(void)
{
	static const struct { const char *name; int (*fn)(void); } c[] = {
		{ "personality", do_personality }, { "fork", do_fork },
		{ "execve", do_execve }, { "setsid", do_setsid },
		{ "prctl", do_prctl }, { "getxattr", do_getxattr },
		{ "eventfd2", do_eventfd }, { "inotify_init1", do_inotify },
		{ "prlimit64", do_prlimit }, { "seccomp", do_seccomp },
#ifdef __x86_64__
		{ "x32 getpid", do_x32 },
#endif
	};
	size_t i;

	if (!SW_HAVE_SECCOMP)
		return;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int st = in_child(SW_SECCOMP_KILL, c[i].fn);

		if (!killed_by_sigsys(st)) {
			fprintf(stderr, "%s: not killed by SIGSYS (status "
			    "0x%x)\n", c[i].name, st);
			T_CHECK(0);
		}
	}
}

/* Without a filter, the same calls do not kill: the test can fail. */
static void
test_denied_without_filter(void)
{
	T_CHECK(exited_ok(in_child(SW_SECCOMP_NONE, do_personality)));
	T_CHECK(exited_ok(in_child(SW_SECCOMP_NONE, do_prctl)));
}

static void
test_log_allows(void)
{
	int st;

	if (!SW_HAVE_SECCOMP)
		return;
	st = in_child(SW_SECCOMP_LOG, do_personality);
	if (WIFEXITED(st) && WEXITSTATUS(st) == C_NOINSTALL) {
		printf("# kernel without SECCOMP_RET_LOG: log case skipped\n");
		return;
	}
	T_CHECK(exited_ok(st));
	T_CHECK(exited_ok(in_child(SW_SECCOMP_LOG, serving_syscalls)));
}

#if SW_HAVE_SECCOMP
/* Runs a classic BPF seccomp program the way the kernel would. */
static unsigned int
bpf_run(const struct sock_filter *p, size_t n, unsigned int arch,
    unsigned int nr, int *bad)
{
	unsigned int acc = 0;
	size_t pc = 0, steps = 0;

	while (pc < n && steps++ < 10000) {
		const struct sock_filter *f = &p[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k == offsetof(struct seccomp_data, nr))
				acc = nr;
			else if (f->k == offsetof(struct seccomp_data, arch))
				acc = arch;
			else
				goto fault;
			pc++;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += 1 + (acc == f->k ? f->jt : f->jf);
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += 1 + (acc >= f->k ? f->jt : f->jf);
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			goto fault;
		}
	}
fault:
	*bad = 1;
	return 0;
}

static int
in_list(const unsigned int *v, size_t n, unsigned int x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Every syscall number up to 1023: the action iff it is denied. */
static void
test_program_exhaustive(void)
{
	struct sock_filter p[SW_SECCOMP_PROG_MAX];
	unsigned int d[256], nr, r, arch;
	size_t n, nd;
	int bad = 0, wrong = 0;

	nd = sw_seccomp_denied(d, 256);
	T_ASSERT(nd > 0 && nd <= 256);
	n = sw_seccomp_program(SW_SECCOMP_KILL, p, SW_SECCOMP_PROG_MAX);
	T_ASSERT(n > 0);
	T_EQ_U(sw_seccomp_program(SW_SECCOMP_KILL, p, 8), 0);
	T_EQ_U(sw_seccomp_program(SW_SECCOMP_NONE, p, SW_SECCOMP_PROG_MAX), 0);
	/* the native arch value is what the program compares first */
	T_ASSERT(p[1].code == (BPF_JMP | BPF_JEQ | BPF_K));
	arch = p[1].k;
	for (nr = 0; nr < 1024; nr++) {
		r = bpf_run(p, n, arch, nr, &bad);
		if (r != (in_list(d, nd, nr) ? SECCOMP_RET_KILL_PROCESS :
		    SECCOMP_RET_ALLOW)) {
			fprintf(stderr, "syscall %u: 0x%x\n", nr, r);
			wrong++;
		}
	}
	T_EQ_U(wrong, 0);
	T_EQ_U(bad, 0);
	/* another ABI: always the action */
	T_EQ_U(bpf_run(p, n, arch ^ 1, 0, &bad), SECCOMP_RET_KILL_PROCESS);
#ifdef __x86_64__
	T_EQ_U(bpf_run(p, n, arch, 0x40000000u | 39, &bad),
	    SECCOMP_RET_KILL_PROCESS);
#endif
	n = sw_seccomp_program(SW_SECCOMP_LOG, p, SW_SECCOMP_PROG_MAX);
	T_EQ_U(bpf_run(p, n, arch, d[0], &bad), SECCOMP_RET_LOG);
	T_EQ_U(bpf_run(p, n, arch, SYS_read, &bad), SECCOMP_RET_ALLOW);
	T_EQ_U(bad, 0);
}
#else
static void
test_program_exhaustive(void)
{
}
#endif

static void
test_bad_action(void)
{
	errno = 0;
	T_CHECK(sw_seccomp_install((enum sw_seccomp_action)7) == -1);
	T_CHECK(errno == EINVAL || errno == ENOSYS);
	if (SW_HAVE_SECCOMP)
		T_CHECK(sw_seccomp_denied_count() >= 80);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	T_RUN(test_serving_allowed);
	T_RUN(test_denied_kill);
	T_RUN(test_denied_without_filter);
	T_RUN(test_log_allows);
	T_RUN(test_bad_action);
	T_RUN(test_program_exhaustive);
	rmdir(tmpdir);
	T_END();
}
