/*
 * Test helpers for the seccomp filter; see seccomp_eval.h. Of the daemon
 * it knows only the allow list's interface.
 */
#include "config.h"

#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <linux/audit.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "seccomp_eval.h"

uint32_t
sce_arch(void)
{
#if defined(__x86_64__)
	return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
	return AUDIT_ARCH_AARCH64;
#else
	return 0;
#endif
}

uint32_t
sce_foreign_arch(size_t i)
{
	uint32_t me = sce_arch();

	switch (i) {
	case 0:
		return AUDIT_ARCH_I386;
	case 1:
		return me == AUDIT_ARCH_X86_64 ? AUDIT_ARCH_AARCH64 :
		    AUDIT_ARCH_X86_64;
	default:
		return me ^ 1;
	}
}

/* The 32-bit word of d at byte offset k (host order, as the kernel). */
static int
load(const struct seccomp_data *d, uint32_t k, uint32_t *out)
{
	if (k % 4 != 0 || k > sizeof(*d) - 4)
		return -1;
	memcpy(out, (const unsigned char *)d + k, 4);
	return 0;
}

uint32_t
sce_run(const struct sock_filter *p, size_t n, const struct seccomp_data *d,
    int *bad)
{
	uint32_t a = 0;
	size_t pc = 0;

	/* classic BPF jumps only forward: at most n steps */
	while (pc < n) {
		const struct sock_filter *f = &p[pc];
		size_t next = pc + 1;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (load(d, f->k, &a) != 0)
				goto fault;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_JMP | BPF_JA:
			next += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			next += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			next += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			next += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			next += (a & f->k) != 0 ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		case BPF_RET | BPF_A:
			return a;
		default:
			goto fault;
		}
		if (next >= n)
			goto fault;
		pc = next;
	}
fault:
	*bad = 1;
	return 0;
}

uint32_t
sce_eval(const struct sock_filter *p, size_t n, uint32_t arch, uint32_t nr,
    int arg, uint64_t val, int *bad)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.nr = (int)nr;
	d.arch = arch;
	if (arg >= 0)
		d.args[arg] = val;
	return sce_run(p, n, &d, bad);
}

const struct sw_seccomp_rule *
sce_rule(unsigned int nr)
{
	const struct sw_seccomp_rule *r;
	size_t i, n;

	r = sw_seccomp_rules(&n);
	for (i = 0; i < n; i++)
		if (r[i].nr == nr)
			return &r[i];
	return NULL;
}

const char *
sce_result_name(uint32_t r)
{
	switch (r & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
		return "kill";
	case SECCOMP_RET_KILL_THREAD:
		return "kill_thread";
	case SECCOMP_RET_TRAP:
		return "trap";
	case SECCOMP_RET_ERRNO:
		return "errno";
	case SECCOMP_RET_TRACE:
		return "trace";
	case SECCOMP_RET_LOG:
		return "log";
	case SECCOMP_RET_ALLOW:
		return "allow";
	default:
		return "other";
	}
}

#define C(name)			{ #name, SYS_##name, -1, 0 }
#define CA(name, arg, val)	{ #name, SYS_##name, arg, val }

static const struct sce_call refused[] = {
	/* the list */
	CA(unshare, 0, CLONE_NEWUSER), C(setns),
	C(io_uring_setup), C(io_uring_enter), C(io_uring_register),
	C(process_vm_readv), C(process_vm_writev), C(perf_event_open),
	C(userfaultfd), C(open_by_handle_at), C(pidfd_getfd), C(kcmp),
	C(swapon), C(swapoff), C(settimeofday), C(clock_settime),
	C(clock_adjtime), C(adjtimex), C(sethostname), C(setdomainname),
	C(syslog), C(capset), C(quotactl),
#ifdef SYS_iopl
	C(iopl), C(ioperm),
#endif
	C(vhangup),
	/* processes, programs, privileges */
	C(execve), C(execveat), CA(clone, 0, CLONE_NEWUSER),
	CA(clone, 0, CLONE_NEWNET), C(clone3),
#ifdef SYS_fork
	C(fork), C(vfork),
#endif
	C(kill), C(tkill), C(tgkill), C(pidfd_open), C(pidfd_send_signal),
	C(setuid), C(setgid), C(setreuid), C(setregid), C(setresuid),
	C(setresgid), C(setfsuid), C(setfsgid), C(setgroups), C(setsid),
	C(setpgid), C(seccomp), C(personality), C(setrlimit), C(prlimit64),
	C(sched_setattr), C(sched_setscheduler), C(sched_setaffinity),
#ifndef SW_SANITIZERS
	/* LeakSanitizer needs these at exit (see src/swtpm/seccomp.c) */
	C(ptrace), C(prctl), C(wait4),
	CA(clone, 0, 0),
#endif
	/* file systems, devices, the kernel */
	C(mount), C(umount2), C(pivot_root), C(chroot), C(fsopen),
	C(fsmount), C(fsconfig), C(fspick), C(open_tree), C(move_mount),
	C(mount_setattr), C(name_to_handle_at), C(mknodat), C(ioctl),
	C(reboot), C(kexec_load), C(kexec_file_load), C(init_module),
	C(finit_module), C(delete_module), C(bpf), C(acct), C(sync),
	C(syncfs), C(keyctl), C(add_key), C(request_key),
	C(fanotify_init), C(inotify_init1), C(memfd_create),
	C(mbind), C(set_mempolicy), C(migrate_pages), C(move_pages),
	C(process_madvise), C(remap_file_pages),
	/* files beyond the state: links, owners, directories */
	C(linkat), C(symlinkat), C(mkdirat), C(fchownat), C(fchown),
	C(fchmodat), C(truncate), C(setxattr), C(fsetxattr), C(splice),
	C(vmsplice), C(tee), C(copy_file_range), C(sendfile),
	/* IPC, new sockets and network */
	C(shmget), C(msgget), C(semget), C(mq_open), C(pipe2),
	C(socketpair), C(connect), C(bind), C(listen),
	CA(socket, 0, AF_INET), CA(socket, 0, AF_INET6),
	CA(socket, 0, AF_NETLINK), CA(socket, 0, AF_PACKET),
	CA(socket, 0, AF_ALG), CA(socket, 0, AF_VSOCK),
	/* new executable memory */
	CA(mmap, 2, PROT_READ | PROT_EXEC), CA(mprotect, 2, PROT_EXEC),
	C(pkey_mprotect),
	/* unknown to the filter's list: harmless, but not needed */
	C(uname), C(getcwd), C(sysinfo),
};

const struct sce_call *
sce_refused(size_t *n)
{
	*n = sizeof(refused) / sizeof(refused[0]);
	return refused;
}
