/*
 * Seccomp allow-list filter of the daemon (--seccomp action=none|kill|log):
 * once it serves, the emulator may make only the syscalls on a short list
 * (sockets and state files it already has open or names, memory, random
 * numbers, time); any other syscall ends the process (kill) or is logged
 * by the kernel and let through (log). Raw BPF, no libseccomp. Supported
 * on x86_64 and aarch64 Linux; elsewhere SW_HAVE_SECCOMP is 0 and only
 * action=none is accepted.
 */
#ifndef SWTPM_SECCOMP_H
#define SWTPM_SECCOMP_H

#include <stddef.h>

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
 * One syscall the filter lets through: with any arguments if arg < 0,
 * else only if (the low 32 bits of argument arg & mask) == val.
 */
struct sw_seccomp_rule {
	unsigned int	 nr;
	const char	*name;
	int		 arg;
	unsigned int	 mask, val;
};

/*
 * Installs the filter for this process (and sets no_new_privs). Returns 0,
 * or -1 with errno set (e.g. EINVAL: the kernel lacks the log action).
 * SW_SECCOMP_NONE installs nothing. Call it last before serving: every
 * later syscall must be on the list.
 */
int	sw_seccomp_install(enum sw_seccomp_action);

/*
 * The allow list (static storage, in no particular order); *n is set to
 * its length. Empty where SW_HAVE_SECCOMP is 0.
 */
const struct sw_seccomp_rule *sw_seccomp_rules(size_t *n);

#if SW_HAVE_SECCOMP
#include <linux/filter.h>
#include <linux/seccomp.h>

/* the actions, for kernel headers older than 4.14 */
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS	0x80000000u
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG			0x7ffc0000u
#endif

/* Max instructions of the program. */
#define SW_SECCOMP_PROG_MAX	512

/*
 * For tests: writes the program that sw_seccomp_install() loads to prog;
 * returns its length, or 0 if cap is too small or the action is none or
 * unknown.
 */
size_t	sw_seccomp_program(enum sw_seccomp_action, struct sock_filter *prog,
	    size_t cap);
#endif

#endif
