/*
 * Seccomp deny-list filter of the daemon (--seccomp action=none|kill|log):
 * syscalls an emulator never needs once it serves (process creation,
 * privilege changes, mounts, modules, IPC objects, ...) end the process
 * (kill) or are logged by the kernel (log). Raw BPF, no libseccomp.
 * Supported on x86_64 and aarch64 Linux; elsewhere SW_HAVE_SECCOMP is 0
 * and only action=none is accepted.
 */
#ifndef SWTPM_SECCOMP_H
#define SWTPM_SECCOMP_H

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#define SW_HAVE_SECCOMP	1
#else
#define SW_HAVE_SECCOMP	0
#endif

enum sw_seccomp_action {
	SW_SECCOMP_NONE = 0,
	SW_SECCOMP_KILL = 1,
	SW_SECCOMP_LOG = 2,
};

/*
 * Installs the filter for this process (and sets no_new_privs). Returns 0,
 * or -1 with errno set (e.g. EINVAL: the kernel lacks the log action).
 * SW_SECCOMP_NONE installs nothing.
 */
int	sw_seccomp_install(enum sw_seccomp_action);

/* Number of syscalls the filter denies (for tests). */
unsigned	sw_seccomp_denied_count(void);

#if SW_HAVE_SECCOMP
#include <stddef.h>
#include <linux/filter.h>

/* Max instructions of the program. */
#define SW_SECCOMP_PROG_MAX	512

/*
 * For tests: the program that sw_seccomp_install() loads (returns its
 * length, 0 if cap is too small or the action is none or unknown), and
 * the deny list (copies up to cap numbers; returns how many there are).
 */
size_t	sw_seccomp_program(enum sw_seccomp_action, struct sock_filter *,
	    size_t cap);
size_t	sw_seccomp_denied(unsigned int *, size_t cap);
#endif

#endif
