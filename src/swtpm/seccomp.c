/*
 * Seccomp deny-list filter; see seccomp.h. The BPF program checks the
 * architecture (any other ABI, including x32 on x86_64, gets the action),
 * then finds the syscall number in the sorted deny list with a binary
 * search tree of BPF_JGE nodes whose leaves compare a few numbers each.
 * Any path is about a dozen instructions long, which keeps the kernel's
 * check of the filter at install time (it runs the filter once for every
 * syscall number to build its allow cache) short, and start-up with it.
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
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define SW_AUDIT_ARCH	AUDIT_ARCH_X86_64
#define SW_X32_BIT	0x40000000u
#elif defined(__aarch64__)
#define SW_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS	0x80000000u
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG			0x7ffc0000u
#endif

static const unsigned int denied[] = {
#ifdef SYS_execve
	SYS_execve,
#endif
#ifdef SYS_execveat
	SYS_execveat,
#endif
#ifdef SYS_fork
	SYS_fork,
#endif
#ifdef SYS_vfork
	SYS_vfork,
#endif
#ifdef SYS_clone
	SYS_clone,
#endif
#ifdef SYS_clone3
	SYS_clone3,
#endif
#ifdef SYS_setuid
	SYS_setuid,
#endif
#ifdef SYS_setgid
	SYS_setgid,
#endif
#ifdef SYS_setreuid
	SYS_setreuid,
#endif
#ifdef SYS_setregid
	SYS_setregid,
#endif
#ifdef SYS_setresuid
	SYS_setresuid,
#endif
#ifdef SYS_setresgid
	SYS_setresgid,
#endif
#ifdef SYS_setfsuid
	SYS_setfsuid,
#endif
#ifdef SYS_setfsgid
	SYS_setfsgid,
#endif
#ifdef SYS_setgroups
	SYS_setgroups,
#endif
#ifdef SYS_setsid
	SYS_setsid,
#endif
#ifdef SYS_setpgid
	SYS_setpgid,
#endif
#ifdef SYS_prctl
	SYS_prctl,
#endif
#ifdef SYS_ptrace
	SYS_ptrace,
#endif
#ifdef SYS_mount
	SYS_mount,
#endif
#ifdef SYS_umount2
	SYS_umount2,
#endif
#ifdef SYS_move_mount
	SYS_move_mount,
#endif
#ifdef SYS_fsopen
	SYS_fsopen,
#endif
#ifdef SYS_fsconfig
	SYS_fsconfig,
#endif
#ifdef SYS_fsmount
	SYS_fsmount,
#endif
#ifdef SYS_fspick
	SYS_fspick,
#endif
#ifdef SYS_open_tree
	SYS_open_tree,
#endif
#ifdef SYS_mount_setattr
	SYS_mount_setattr,
#endif
#ifdef SYS_chroot
	SYS_chroot,
#endif
#ifdef SYS_pivot_root
	SYS_pivot_root,
#endif
#ifdef SYS_reboot
	SYS_reboot,
#endif
#ifdef SYS_kexec_load
	SYS_kexec_load,
#endif
#ifdef SYS_kexec_file_load
	SYS_kexec_file_load,
#endif
#ifdef SYS_init_module
	SYS_init_module,
#endif
#ifdef SYS_finit_module
	SYS_finit_module,
#endif
#ifdef SYS_delete_module
	SYS_delete_module,
#endif
#ifdef SYS_shmget
	SYS_shmget,
#endif
#ifdef SYS_shmat
	SYS_shmat,
#endif
#ifdef SYS_shmdt
	SYS_shmdt,
#endif
#ifdef SYS_shmctl
	SYS_shmctl,
#endif
#ifdef SYS_semget
	SYS_semget,
#endif
#ifdef SYS_semop
	SYS_semop,
#endif
#ifdef SYS_semctl
	SYS_semctl,
#endif
#ifdef SYS_semtimedop
	SYS_semtimedop,
#endif
#ifdef SYS_msgget
	SYS_msgget,
#endif
#ifdef SYS_msgsnd
	SYS_msgsnd,
#endif
#ifdef SYS_msgrcv
	SYS_msgrcv,
#endif
#ifdef SYS_msgctl
	SYS_msgctl,
#endif
#ifdef SYS_ipc
	SYS_ipc,
#endif
#ifdef SYS_mq_open
	SYS_mq_open,
#endif
#ifdef SYS_mq_unlink
	SYS_mq_unlink,
#endif
#ifdef SYS_mq_timedsend
	SYS_mq_timedsend,
#endif
#ifdef SYS_mq_timedreceive
	SYS_mq_timedreceive,
#endif
#ifdef SYS_mq_notify
	SYS_mq_notify,
#endif
#ifdef SYS_mq_getsetattr
	SYS_mq_getsetattr,
#endif
#ifdef SYS_setxattr
	SYS_setxattr,
#endif
#ifdef SYS_lsetxattr
	SYS_lsetxattr,
#endif
#ifdef SYS_fsetxattr
	SYS_fsetxattr,
#endif
#ifdef SYS_getxattr
	SYS_getxattr,
#endif
#ifdef SYS_lgetxattr
	SYS_lgetxattr,
#endif
#ifdef SYS_fgetxattr
	SYS_fgetxattr,
#endif
#ifdef SYS_listxattr
	SYS_listxattr,
#endif
#ifdef SYS_llistxattr
	SYS_llistxattr,
#endif
#ifdef SYS_flistxattr
	SYS_flistxattr,
#endif
#ifdef SYS_removexattr
	SYS_removexattr,
#endif
#ifdef SYS_lremovexattr
	SYS_lremovexattr,
#endif
#ifdef SYS_fremovexattr
	SYS_fremovexattr,
#endif
#ifdef SYS_inotify_init
	SYS_inotify_init,
#endif
#ifdef SYS_inotify_init1
	SYS_inotify_init1,
#endif
#ifdef SYS_inotify_add_watch
	SYS_inotify_add_watch,
#endif
#ifdef SYS_inotify_rm_watch
	SYS_inotify_rm_watch,
#endif
#ifdef SYS_fanotify_init
	SYS_fanotify_init,
#endif
#ifdef SYS_fanotify_mark
	SYS_fanotify_mark,
#endif
#ifdef SYS_eventfd
	SYS_eventfd,
#endif
#ifdef SYS_eventfd2
	SYS_eventfd2,
#endif
#ifdef SYS_signalfd
	SYS_signalfd,
#endif
#ifdef SYS_signalfd4
	SYS_signalfd4,
#endif
#ifdef SYS_timerfd_create
	SYS_timerfd_create,
#endif
#ifdef SYS_timerfd_settime
	SYS_timerfd_settime,
#endif
#ifdef SYS_timerfd_gettime
	SYS_timerfd_gettime,
#endif
#ifdef SYS_io_setup
	SYS_io_setup,
#endif
#ifdef SYS_io_destroy
	SYS_io_destroy,
#endif
#ifdef SYS_io_submit
	SYS_io_submit,
#endif
#ifdef SYS_io_cancel
	SYS_io_cancel,
#endif
#ifdef SYS_io_getevents
	SYS_io_getevents,
#endif
#ifdef SYS_io_pgetevents
	SYS_io_pgetevents,
#endif
#ifdef SYS_bpf
	SYS_bpf,
#endif
#ifdef SYS_keyctl
	SYS_keyctl,
#endif
#ifdef SYS_add_key
	SYS_add_key,
#endif
#ifdef SYS_request_key
	SYS_request_key,
#endif
#ifdef SYS_sched_setparam
	SYS_sched_setparam,
#endif
#ifdef SYS_sched_setscheduler
	SYS_sched_setscheduler,
#endif
#ifdef SYS_sched_setaffinity
	SYS_sched_setaffinity,
#endif
#ifdef SYS_sched_setattr
	SYS_sched_setattr,
#endif
#ifdef SYS_setrlimit
	SYS_setrlimit,
#endif
#ifdef SYS_prlimit64
	SYS_prlimit64,
#endif
#ifdef SYS_splice
	SYS_splice,
#endif
#ifdef SYS_tee
	SYS_tee,
#endif
#ifdef SYS_vmsplice
	SYS_vmsplice,
#endif
#ifdef SYS_mknod
	SYS_mknod,
#endif
#ifdef SYS_mknodat
	SYS_mknodat,
#endif
#ifdef SYS_acct
	SYS_acct,
#endif
#ifdef SYS_personality
	SYS_personality,
#endif
#ifdef SYS_seccomp
	SYS_seccomp,
#endif
};

#define NDENY	(sizeof(denied) / sizeof(denied[0]))
/* numbers compared one by one in a leaf of the tree */
#define LEAF	4
/* header (at most 6) + tree: each leaf k + 2, each inner node 1 */
#define NPROG	(6 + 3 * NDENY + 2)
_Static_assert(NPROG <= SW_SECCOMP_PROG_MAX, "deny list too long");

unsigned
sw_seccomp_denied_count(void)
{
	return (unsigned)NDENY;
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
 * leaf compares each number and ends with "allow" and "action" returns.
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
		    SECCOMP_RET_ALLOW);
		prog[(*n)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    ret);
		return;
	}
	prog[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    nr[mid], (unsigned char)tree_len(lo, mid), 0);
	tree(prog, n, nr, lo, mid, ret);
	tree(prog, n, nr, mid, hi, ret);
}

size_t
sw_seccomp_denied(unsigned int *out, size_t cap)
{
	size_t i;

	for (i = 0; i < NDENY && i < cap; i++)
		out[i] = denied[i];
	return NDENY;
}

size_t
sw_seccomp_program(enum sw_seccomp_action action, struct sock_filter *prog,
    size_t cap)
{
	unsigned int ret, nr[NDENY];
	size_t n = 0, i, k = 0;

	if (cap < NPROG || (action != SW_SECCOMP_KILL &&
	    action != SW_SECCOMP_LOG))
		return 0;
	ret = action == SW_SECCOMP_KILL ? SECCOMP_RET_KILL_PROCESS :
	    SECCOMP_RET_LOG;
	memcpy(nr, denied, sizeof(nr));
	qsort(nr, NDENY, sizeof(nr[0]), cmp_nr);
	for (i = 0; i < NDENY; i++)		/* drop duplicates */
		if (k == 0 || nr[k - 1] != nr[i])
			nr[k++] = nr[i];
	if (tree_len(0, k / 2) > 255)		/* the root's jump */
		return 0;
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

unsigned
sw_seccomp_denied_count(void)
{
	return 0;
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
