/*
 * Unit tests of the seccomp allow-list filter (src/swtpm/seccomp.c). The
 * program is run for every syscall number by a BPF interpreter
 * (tests/lib/seccomp_eval.c): exactly the listed syscalls are allowed.
 * Then the real kernel: each case forks, installs the filter in the child
 * and makes syscalls there. A refused syscall must end the child with
 * SIGSYS (kill) or return (log); every listed one must keep working.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seccomp.h"
#if SW_HAVE_SECCOMP
#include "seccomp_eval.h"
#endif
#include "t.h"

static char tmpdir[] = "/tmp/test_seccomp.XXXXXX";
/* made by the parent, used by the children under the filter */
static int sv[2] = { -1, -1 }, lsock = -1, csock = -1, dead = -1;

/* Child exit codes */
#define C_OK		0
#define C_NOINSTALL	90
#define C_BROKEN	91	/* + step number */

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
		(void)setsid();		/* no controlling terminal */
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

static void
report(const char *what, int st)
{
	if (st != -1 && WIFEXITED(st))
		fprintf(stderr, "%s: exit %d\n", what, WEXITSTATUS(st));
	else if (st != -1 && WIFSIGNALED(st))
		fprintf(stderr, "%s: signal %d\n", what, WTERMSIG(st));
	else
		fprintf(stderr, "%s: status 0x%x\n", what, st);
}

static volatile sig_atomic_t got_pipe;

static void
on_sigpipe(int sig)
{
	(void)sig;
	got_pipe = 1;
}

/* What the daemon does while serving, through libc as it does it. */
static int
serving_syscalls(void)
{
	char p1[256], p2[256], buf[64];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct timespec ts = { 0, 1000000 };
	struct pollfd pfd;
	struct stat sb;
	int fd, cfd, step = 0;
	char *m;

#define STEP(cond) do { step++; if (!(cond)) return C_BROKEN + step; } \
	while (0)
	snprintf(p1, sizeof(p1), "%s/a", tmpdir);
	snprintf(p2, sizeof(p2), "%s/b", tmpdir);
	STEP(getpid() > 0 && clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	STEP(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
	STEP(getrandom(buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	/* a state file: temporary, written, synced, swapped in */
	fd = open(p1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	STEP(fd >= 0 && write(fd, "xy", 2) == 2 && fsync(fd) == 0);
	STEP(pwrite(fd, "z", 1, 1) == 1 && ftruncate(fd, 2) == 0);
	STEP(fchmod(fd, 0640) == 0 && fstat(fd, &sb) == 0);
	STEP(lseek(fd, 0, SEEK_CUR) == 2);
	STEP(fcntl(fd, F_OFD_SETLK, &fl) == 0);
	fl.l_type = F_UNLCK;
	STEP(fcntl(fd, F_OFD_SETLK, &fl) == 0 && close(fd) == 0);
	STEP(rename(p1, p2) == 0 && stat(p2, &sb) == 0 && lstat(p2, &sb) == 0);
	fd = open(p2, O_RDONLY | O_CLOEXEC);
	STEP(fd >= 0 && pread(fd, buf, 2, 0) == 2 && read(fd, buf, 1) == 1);
	STEP(dup2(fd, 100) == 100 && close(100) == 0 && close(fd) == 0);
	fd = open(p1, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	STEP(fd >= 0 && close(fd) == 0);
	STEP(renameat2(AT_FDCWD, p1, AT_FDCWD, p2, RENAME_EXCHANGE) == 0 ||
	    errno == EINVAL);
	STEP(unlink(p2) == 0 && unlinkat(AT_FDCWD, p1, 0) == 0);
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	STEP(fd >= 0 && fsync(fd) == 0 && close(fd) == 0);
	/* a client: accepted, asked, answered */
	cfd = accept4(lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	STEP(cfd >= 0);
	STEP(setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &(int){ 65536 },
	    sizeof(int)) == 0);
	pfd.fd = cfd;
	pfd.events = POLLIN;
	STEP(poll(&pfd, 1, 1000) == 1 && recv(cfd, buf, 4, 0) == 4);
	STEP(send(cfd, "pong", 4, 0) == 4 && close(cfd) == 0);
	STEP(send(sv[0], "ping", 4, 0) == 4);
	{
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		STEP(recvmsg(sv[1], &mh, 0) == 4);
	}
	STEP(ppoll(&pfd, 0, &(struct timespec){ 0, 0 }, NULL) == 0);
	/* READY=1 to a NOTIFY_SOCKET (none listens here) */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	STEP(fd >= 0 && close(fd) == 0);
	/* a write to a closed peer: SIGPIPE handled, rt_sigreturn */
	STEP(send(dead, "x", 1, 0) == -1 && errno == EPIPE && got_pipe);
	/* memory, locks, time */
	m = malloc(1 << 20);
	STEP(m != NULL && (m = realloc(m, 4 << 20)) != NULL);
	memset(m, 1, 4 << 20);
	free(m);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	STEP(m != MAP_FAILED && madvise(m, 4096, MADV_DONTNEED) == 0);
	STEP((m = mremap(m, 8192, 16384, MREMAP_MAYMOVE)) != MAP_FAILED);
	STEP(munmap(m, 16384) == 0 && sbrk(4096) != (void *)-1);
	STEP(syscall(SYS_futex, &fd, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0)
	    == 0);
	ts.tv_nsec = 1000000;
	STEP(nanosleep(&ts, NULL) == 0 && syscall(SYS_nanosleep, &ts, NULL)
	    == 0);
	STEP(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == 0);
	STEP(syscall(SYS_gettimeofday, NULL, NULL) == 0);
	return C_OK;
#undef STEP
}

/*
 * Every listed syscall, called directly with harmless arguments (most
 * fail with EBADF or EFAULT): none may be killed. Skipped: the ones that
 * would end or fork the child, or need a signal frame.
 */
static int
every_listed_syscall(void)
{
	const struct sw_seccomp_rule *r;
	struct timespec zero = { 0, 0 };
	size_t i, n;

	r = sw_seccomp_rules(&n);
	for (i = 0; i < n; i++) {
		long a[6] = { -1, 0, 0, 0, 0, 0 };
		const char *s = r[i].name;

		if (strcmp(s, "rt_sigreturn") == 0 ||
		    strcmp(s, "exit_group") == 0 || strcmp(s, "exit") == 0 ||
		    strcmp(s, "clone") == 0 || strcmp(s, "ptrace") == 0)
			continue;
		if (strcmp(s, "ppoll") == 0 || strcmp(s, "poll") == 0) {
			a[0] = 0;	/* no fds, no wait */
			a[2] = strcmp(s, "ppoll") == 0 ? (long)&zero : 0;
		}
		if (strcmp(s, "brk") == 0 || strcmp(s, "madvise") == 0 ||
		    strcmp(s, "mprotect") == 0 || strcmp(s, "getrandom") == 0)
			a[0] = 0;	/* no change */
		if (strcmp(s, "socket") == 0)
			a[1] = -1;	/* EINVAL */
		if (r[i].arg >= 0)
			a[r[i].arg] = r[i].val;
		(void)syscall((long)r[i].nr, a[0], a[1], a[2], a[3], a[4],
		    a[5]);
	}
	return C_OK;
}

static void
test_serving_allowed(void)
{
	int st;

	if (!SW_HAVE_SECCOMP)
		return;
	st = in_child(SW_SECCOMP_KILL, serving_syscalls);
	if (!exited_ok(st))
		report("serving under kill", st);
	T_CHECK(exited_ok(st));
	st = in_child(SW_SECCOMP_KILL, every_listed_syscall);
	if (!exited_ok(st))
		report("every listed syscall under kill", st);
	T_CHECK(exited_ok(st));
}

static int do_personality(void) { return syscall(SYS_personality,
	0xffffffffUL) == -1 ? C_BROKEN : C_OK; }
static int do_prctl(void) { (void)syscall(SYS_prctl, 3 /*GET_DUMPABLE*/,
	0, 0, 0, 0); return C_OK; }
static int do_execve(void) { char *argv[] = { "true", NULL };
	execve("/bin/true", argv, NULL); return C_BROKEN; }
static int do_unshare(void) { (void)syscall(SYS_unshare, 0x10000000
	/* CLONE_NEWUSER: this child only */); return C_OK; }
static int do_setns(void) { (void)syscall(SYS_setns, -1, 0); return C_OK; }
static int do_io_uring(void) { (void)syscall(SYS_io_uring_setup, 0, NULL);
	return C_OK; }
static int do_vm_readv(void) { (void)syscall(SYS_process_vm_readv,
	getpid(), NULL, 0, NULL, 0, 0); return C_OK; }
static int do_perf(void) { (void)syscall(SYS_perf_event_open, NULL, 0, -1,
	-1, 0); return C_OK; }
static int do_userfaultfd(void) { (void)syscall(SYS_userfaultfd, 0);
	return C_OK; }
static int do_kcmp(void) { (void)syscall(SYS_kcmp, 0, 0, 99, 0, 0);
	return C_OK; }
static int do_adjtimex(void) { (void)syscall(SYS_adjtimex, NULL);
	return C_OK; }
static int do_inet(void) { (void)socket(AF_INET, SOCK_STREAM, 0);
	return C_OK; }
static int do_mmap_exec(void) { (void)mmap(NULL, 4096, PROT_READ |
	PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); return C_OK; }
static int do_uname(void) { char b[512]; (void)syscall(SYS_uname, b);
	return C_OK; }
static int do_ioctl(void) { (void)syscall(SYS_ioctl, -1, 0); return C_OK; }
static int do_pipe2(void) { int p[2]; (void)syscall(SYS_pipe2, p, 0);
	return C_OK; }
#ifdef __x86_64__
/* getpid through the x32 ABI */
static int do_x32(void) { (void)syscall(0x40000000 | SYS_getpid);
	return C_OK; }
#endif

/* Refused syscalls that are harmless even if they ran. */
static const struct { const char *name; int (*fn)(void); } refused[] = {
	{ "personality", do_personality }, { "prctl", do_prctl },
	{ "execve", do_execve }, { "unshare", do_unshare },
	{ "setns", do_setns }, { "io_uring_setup", do_io_uring },
	{ "process_vm_readv", do_vm_readv }, { "perf_event_open", do_perf },
	{ "userfaultfd", do_userfaultfd }, { "kcmp", do_kcmp },
	{ "adjtimex", do_adjtimex }, { "socket(AF_INET)", do_inet },
	{ "mmap(PROT_EXEC)", do_mmap_exec }, { "uname", do_uname },
	{ "ioctl", do_ioctl }, { "pipe2", do_pipe2 },
#ifdef __x86_64__
	{ "x32 getpid", do_x32 },
#endif
};

static void
test_refused_kill(void)
{
	size_t i;

	if (!SW_HAVE_SECCOMP)
		return;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int st;

#ifdef SW_SANITIZERS
		if (strcmp(refused[i].name, "prctl") == 0)
			continue;	/* LeakSanitizer's */
#endif
		st = in_child(SW_SECCOMP_KILL, refused[i].fn);
		if (!killed_by_sigsys(st)) {
			report(refused[i].name, st);
			T_CHECK(0);
		}
	}
}

/* Without a filter, the same calls do not kill: the test can fail. */
static void
test_refused_without_filter(void)
{
	T_CHECK(exited_ok(in_child(SW_SECCOMP_NONE, do_personality)));
	T_CHECK(exited_ok(in_child(SW_SECCOMP_NONE, do_prctl)));
	T_CHECK(exited_ok(in_child(SW_SECCOMP_NONE, do_uname)));
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
	T_CHECK(exited_ok(in_child(SW_SECCOMP_LOG, do_uname)));
}

#if SW_HAVE_SECCOMP
/* The list itself: each number once, sane conditions, a short list. */
static void
test_rules(void)
{
	const struct sw_seccomp_rule *r;
	size_t i, j, n;

	r = sw_seccomp_rules(&n);
	T_ASSERT(n > 20 && n <= 64);
	for (i = 0; i < n; i++) {
		T_CHECK(r[i].name != NULL && r[i].nr < 1024);
		T_CHECK(r[i].arg >= -1 && r[i].arg < 6);
		if (r[i].arg >= 0)
			T_CHECK(r[i].mask != 0 && (r[i].val & ~r[i].mask) == 0);
		for (j = 0; j < i; j++)
			if (r[j].nr == r[i].nr) {
				fprintf(stderr, "%s listed twice\n", r[i].name);
				T_CHECK(0);
			}
	}
}

/*
 * Every syscall number up to 1023, for both actions: allowed iff listed
 * (a conditional one only with its argument), else the action; the same
 * for every refused call, every x32 number and another architecture.
 */
static void
check_program(enum sw_seccomp_action a, uint32_t act)
{
	struct sock_filter p[SW_SECCOMP_PROG_MAX];
	const struct sce_call *c;
	uint32_t nr, r, arch = sce_arch();
	size_t n, i, nc;
	int bad = 0, wrong = 0;

	n = sw_seccomp_program(a, p, SW_SECCOMP_PROG_MAX);
	T_ASSERT(n > 0 && n <= 200);
	T_EQ_U(p[1].k, arch);	/* the arch check comes first */
	for (nr = 0; nr < 1024; nr++) {
		const struct sw_seccomp_rule *rl = sce_rule(nr);
		uint32_t want = rl != NULL ? SECCOMP_RET_ALLOW : act;

		r = sce_eval(p, n, arch, nr, rl ? rl->arg : -1,
		    rl ? rl->val : 0, &bad);
		if (r != want) {
			fprintf(stderr, "syscall %u: %s\n", nr,
			    sce_result_name(r));
			wrong++;
		}
		if (rl != NULL && rl->arg >= 0) {
			/* each bit of the mask matters */
			for (i = 0; i < 32; i++) {
				uint32_t bit = 1u << i;

				if (!(rl->mask & bit))
					continue;
				r = sce_eval(p, n, arch, nr, rl->arg,
				    rl->val ^ bit, &bad);
				if (r != act) {
					fprintf(stderr, "%s, arg %d = 0x%x: "
					    "%s\n", rl->name, rl->arg,
					    rl->val ^ bit, sce_result_name(r));
					wrong++;
				}
			}
		}
		/* x32 and other architectures */
		if (sce_eval(p, n, arch, nr | 0x40000000u, -1, 0, &bad) != act)
			wrong++;
		for (i = 0; i < SCE_NFOREIGN; i++)
			if (sce_eval(p, n, sce_foreign_arch(i), nr, -1, 0,
			    &bad) != act)
				wrong++;
	}
	c = sce_refused(&nc);
	for (i = 0; i < nc; i++) {
		r = sce_eval(p, n, arch, c[i].nr, c[i].arg, c[i].val, &bad);
		if (r != act) {
			fprintf(stderr, "refused %s: %s\n", c[i].name,
			    sce_result_name(r));
			wrong++;
		}
	}
	T_EQ_U(sce_eval(p, n, arch, 0xffffffffu, -1, 0, &bad), act);
	T_EQ_U(wrong, 0);
	T_EQ_U(bad, 0);
}

static void
test_program_exhaustive(void)
{
	struct sock_filter p[SW_SECCOMP_PROG_MAX];

	T_EQ_U(sw_seccomp_program(SW_SECCOMP_KILL, p, 8), 0);
	T_EQ_U(sw_seccomp_program(SW_SECCOMP_NONE, p, SW_SECCOMP_PROG_MAX), 0);
	check_program(SW_SECCOMP_KILL, SECCOMP_RET_KILL_PROCESS);
	check_program(SW_SECCOMP_LOG, SECCOMP_RET_LOG);
}
#else
static void
test_rules(void)
{
	size_t n;

	T_CHECK(sw_seccomp_rules(&n) == NULL && n == 0);
}

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
}

/*
 * Sockets for serving_syscalls: a pair, one whose peer is gone, and a
 * listener with a client.
 */
static int
make_sockets(void)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	int p[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0)
		return -1;
	dead = p[0];
	close(p[1]);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	csock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* autobind: an abstract name of the kernel's choosing */
	if (lsock < 0 || csock < 0 ||
	    bind(lsock, (struct sockaddr *)&a, sizeof(sa_family_t)) != 0 ||
	    listen(lsock, 4) != 0 ||
	    getsockname(lsock, (struct sockaddr *)&a, &len) != 0 ||
	    connect(csock, (struct sockaddr *)&a, len) != 0 ||
	    write(csock, "ping", 4) != 4)
		return -1;
	return 0;
}

int
main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigpipe;
	if (mkdtemp(tmpdir) == NULL || sigaction(SIGPIPE, &sa, NULL) != 0 ||
	    make_sockets() != 0) {
		perror("test_seccomp: set-up");
		return 99;
	}
	T_RUN(test_rules);
	T_RUN(test_program_exhaustive);
	T_RUN(test_serving_allowed);
	T_RUN(test_refused_kill);
	T_RUN(test_refused_without_filter);
	T_RUN(test_log_allows);
	T_RUN(test_bad_action);
	rmdir(tmpdir);
	T_END();
}
