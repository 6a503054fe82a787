/*
 * Seccomp allow-list filter; see seccomp.h. The BPF program checks the
 * architecture (any other ABI, including x32 on x86_64, gets the action),
 * then the few syscalls allowed only with certain arguments, then finds
 * the syscall number among the sorted others with a binary search tree of
 * BPF_JGE nodes whose leaves compare a few numbers each. Any path is about
 * a dozen instructions long, which keeps the kernel's check of the filter
 * at install time (it runs the filter once for every syscall number to
 * build its allow cache) short, and start-up with it. The list was found
 * by tracing the daemon through the whole test suite after the filter is
 * installed (main.c installs it last before serving).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp.h"

#if SW_HAVE_SECCOMP

#include <linux/audit.h>
#include <linux/filter.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

#if defined(__x86_64__)
#define SW_AUDIT_ARCH	AUDIT_ARCH_X86_64
#define SW_X32_BIT	0x40000000u
#elif defined(__aarch64__)
#define SW_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

/* clone(2) flags that make new namespaces */
#define NS_FLAGS	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
	CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

#define ANY(name)	{ SYS_##name, #name, -1, 0, 0 }
#define IF(name, arg, mask, val) { SYS_##name, #name, arg, mask, val }

/*
 * Why each one is here; where glibc picks another syscall on another
 * architecture or version, both are listed.
 */
static const struct sw_seccomp_rule rules[] = {
	/* requests, responses, state files, log lines, the signal pipe */
	ANY(read), ANY(write), ANY(close),
	ANY(pread64), ANY(pwrite64),	/* state files; the linear file */
	ANY(lseek),		/* libtpms' stdio messages; block devices */
	ANY(openat),		/* state files, their directory, /dev/null */
	ANY(fsync),		/* durable state writes (fsync=true) */
	ANY(ftruncate),		/* the linear file backend */
	ANY(fchmod),		/* --tpmstate mode= */
	ANY(fcntl),		/* F_OFD_SETLK/F_SETLK: the storage lock */
	ANY(newfstatat),	/* stat, fstat, lstat: state file identity */
	ANY(fstat),		/* fstat of glibc before 2.33 */
	ANY(renameat2),		/* atomic swap, RENAME_EXCHANGE for backup */
	ANY(renameat),		/* rename(3) where there is no rename(2) */
#ifdef SYS_rename
	ANY(rename),
#endif
	ANY(unlinkat),		/* temporary files, deleted state; at exit */
#ifdef SYS_unlink
	ANY(unlink),		/* the sockets and pid file */
#endif
	ANY(dup3),		/* --daemon: stdout, stderr to /dev/null */
#ifdef SYS_dup2
	ANY(dup2),
#endif
	/* the event loop and its clients */
	ANY(ppoll),
#ifdef SYS_poll
	ANY(poll),
#endif
	ANY(accept4),		/* new data and control connections */
	ANY(recvmsg),		/* control messages carrying an fd */
	ANY(recvfrom),		/* recv(3) */
	ANY(sendto),		/* send(3); READY=1 to NOTIFY_SOCKET */
	ANY(setsockopt),	/* options of accepted sockets */
	IF(socket, 0, 0xffffffffu, AF_UNIX),	/* NOTIFY_SOCKET, once */
	/* memory: malloc, OpenSSL; never new executable memory */
	ANY(brk), ANY(munmap), ANY(mremap), ANY(madvise),
	IF(mmap, 2, PROT_EXEC, 0),
	ANY(futex),		/* OpenSSL's locks */
	/* random numbers and time */
	ANY(getrandom),		/* OpenSSL's DRBG, libtpms */
	ANY(getpid),		/* OpenSSL's fork check */
	ANY(geteuid),		/* owner check before fchmod of a state file */
	ANY(clock_gettime),	/* CPU-time clock; no vDSO */
	ANY(gettimeofday),	/* no vDSO */
#ifdef SYS_time
	ANY(time),		/* no vDSO */
#endif
	ANY(clock_nanosleep),	/* CMD_LOCK_STORAGE retries */
	ANY(nanosleep),
	ANY(restart_syscall),	/* poll or sleep resumed after a stop */
	/* signals and exit */
	ANY(rt_sigreturn),	/* return from the SIGTERM/SIGINT handler */
	ANY(exit_group),
#ifdef SW_SANITIZERS
	/*
	 * Only in a build with --enable-sanitizers: what the ASan runtime
	 * does while serving, for its reports, and for LeakSanitizer at
	 * exit (it stops the process from a task it clones, which ptraces
	 * it); found as the list above, and by making the report paths run.
	 */
	ANY(sigaltstack),	/* noreturn calls, longjmp; the tracer */
	IF(clone, 0, NS_FLAGS, 0),	/* LSan's tracer task */
	ANY(ptrace),		/* the tracer: attach, registers, detach */
	ANY(wait4),		/* for the tracer, and in it */
	ANY(prctl),		/* PR_SET_PTRACER, PR_SET_PDEATHSIG */
	ANY(getppid), ANY(gettid), ANY(sched_yield),
	ANY(rt_sigaction), ANY(rt_sigprocmask),	/* the tracer's signals */
	IF(mprotect, 2, PROT_EXEC, 0),	/* the tracer's stack guard */
	ANY(exit),		/* the tracer task ends */
#ifdef SYS_getdents
	ANY(open), ANY(getdents),	/* /proc/self/task */
#else
	ANY(getdents64),
#endif
#ifdef SYS_stat
	ANY(stat),		/* reports: symbolizing */
#endif
#ifdef SYS_readlink
	ANY(readlink),
#else
	ANY(readlinkat),
#endif
	IF(ioctl, 1, 0xffffffffu, TCGETS),	/* reports: isatty */
#endif
};

#define NRULES	(sizeof(rules) / sizeof(rules[0]))
/* numbers compared one by one in a leaf of the tree */
#define LEAF	4
/* header (at most 6), then at most 6 per rule: argument check or tree */
#define NPROG	(6 + 6 * NRULES)
_Static_assert(NPROG <= SW_SECCOMP_PROG_MAX, "allow list too long");

const struct sw_seccomp_rule *
sw_seccomp_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

static int
cmp_nr(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Instructions that tree() emits for nr[lo, hi). */
static size_t
tree_len(size_t lo, size_t hi)
{
	size_t mid = lo + (hi - lo) / 2;

	if (hi - lo <= LEAF)
		return hi - lo + 2;
	return 1 + tree_len(lo, mid) + tree_len(mid, hi);
}

/*
 * Emits the search for the syscall number (in the accumulator) among the
 * sorted nr[lo, hi) at prog[*n]: an inner node jumps to its right half if
 * the number is >= the first one there, else falls into its left half; a
 * leaf compares each number and ends with "action" and "allow" returns.
 */
static void
tree(struct sock_filter *prog, size_t *n, const unsigned int *nr, size_t lo,
    size_t hi, unsigned int ret)
{
	size_t mid = lo + (hi - lo) / 2, i, k = hi - lo;

	if (k <= LEAF) {
		for (i = 0; i < k; i++)
			prog[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
			    BPF_JEQ | BPF_K, nr[lo + i],
			    (unsigned char)(k - 1 - i + 1), 0);
		prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    ret);
		prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ALLOW);
		return;
	}
	prog[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    nr[mid], (unsigned char)tree_len(lo, mid), 0);
	tree(prog, n, nr, lo, mid, ret);
	tree(prog, n, nr, mid, hi, ret);
}

/*
 * Emits "if nr is r's: allow iff (low word of argument & mask) == val",
 * falling through with nr still in the accumulator otherwise.
 */
static void
arg_check(struct sock_filter *prog, size_t *n, const struct sw_seccomp_rule *r,
    unsigned int ret)
{
	int and = r->mask != 0xffffffffu;

	prog[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    r->nr, 0, (unsigned char)(4 + and));
	/* little-endian (the arch check made sure): low word first */
	prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args) + 8 * (unsigned)r->arg);
	if (and)
		prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND |
		    BPF_K, r->mask);
	prog[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    r->val, 0, 1);
	prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
}

size_t
sw_seccomp_program(enum sw_seccomp_action action, struct sock_filter *prog,
    size_t cap)
{
	unsigned int ret, nr[NRULES];
	size_t n = 0, i, k = 0;

	if (cap < NPROG || (action != SW_SECCOMP_KILL &&
	    action != SW_SECCOMP_LOG))
		return 0;
	ret = action == SW_SECCOMP_KILL ? SECCOMP_RET_KILL_PROCESS :
	    SECCOMP_RET_LOG;
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    SW_AUDIT_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
#ifdef SW_X32_BIT
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    SW_X32_BIT, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
#endif
	for (i = 0; i < NRULES; i++) {
		if (rules[i].arg >= 0)
			arg_check(prog, &n, &rules[i], ret);
		else
			nr[k++] = rules[i].nr;
	}
	qsort(nr, k, sizeof(nr[0]), cmp_nr);
	for (i = 1; i < k; i++)		/* each number once */
		if (nr[i - 1] == nr[i])
			return 0;
	if (k == 0 || tree_len(0, k / 2) > 255)	/* the root's jump */
		return 0;
	tree(prog, &n, nr, 0, k, ret);
	return n;
}

int
sw_seccomp_install(enum sw_seccomp_action action)
{
	struct sock_filter prog[NPROG];
	struct sock_fprog fprog;
	size_t n;

	if (action == SW_SECCOMP_NONE)
		return 0;
	if ((n = sw_seccomp_program(action, prog, NPROG)) == 0) {
		errno = EINVAL;
		return -1;
	}
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
}

#else /* !SW_HAVE_SECCOMP */

const struct sw_seccomp_rule *
sw_seccomp_rules(size_t *n)
{
	*n = 0;
	return NULL;
}

int
sw_seccomp_install(enum sw_seccomp_action action)
{
	if (action == SW_SECCOMP_NONE)
		return 0;
	errno = ENOSYS;
	return -1;
}

#endif
