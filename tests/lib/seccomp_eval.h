/*
 * Test helpers for the seccomp filter (tests/unit/test_seccomp.c and
 * tests/integration/seccomp_filter.c): a classic-BPF interpreter that runs
 * a seccomp program the way the kernel does, a look-up in our allow list,
 * and the syscalls the daemon must never be allowed to make. Linux x86_64
 * and aarch64 only.
 */
#ifndef TESTS_SECCOMP_EVAL_H
#define TESTS_SECCOMP_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "seccomp.h"

/*
 * Runs prog[0..n) on d. Returns the program's result; on an instruction
 * a seccomp filter may not use, a load outside seccomp_data, a jump out
 * of the program or a path without a return, sets *bad and returns 0.
 */
uint32_t	sce_run(const struct sock_filter *prog, size_t n,
		    const struct seccomp_data *d, int *bad);

/*
 * sce_run() for syscall nr of architecture arch, argument arg (if >= 0)
 * set to val and all others 0.
 */
uint32_t	sce_eval(const struct sock_filter *prog, size_t n,
		    uint32_t arch, uint32_t nr, int arg, uint64_t val, int *bad);

/* The audit arch value of this build (AUDIT_ARCH_X86_64, ...). */
uint32_t	sce_arch(void);

/* SCE_NFOREIGN audit arch values other than this build's. */
#define SCE_NFOREIGN	3
uint32_t	sce_foreign_arch(size_t i);

/* The rule of our allow list (src/swtpm/seccomp.c) for nr, or NULL. */
const struct sw_seccomp_rule	*sce_rule(unsigned int nr);

/*
 * A syscall the filter must refuse: number nr, called with argument arg
 * (if arg >= 0) set to val and all others 0.
 */
struct sce_call {
	const char	*name;
	unsigned int	 nr;
	int		 arg;
	uint64_t	 val;
};

/*
 * Syscalls the filter must refuse (every one the issue named, and more);
 * *n = how many.
 */
const struct sce_call	*sce_refused(size_t *n);

/* Name of a seccomp result for messages: "kill", "log", "allow", ... */
const char	*sce_result_name(uint32_t);

#endif
