/*
 * seccomp_filter PID: fetches the seccomp filter a running process is
 * under (ptrace PTRACE_SECCOMP_GET_FILTER, which needs CAP_SYS_ADMIN: exit
 * 77 when not permitted) and runs it, as the kernel would, for every
 * syscall number 0..1023 of this architecture. For
 * tests/integration/seccomp.sh, which compares the lines it prints:
 *   filters N            filters stacked on the process
 *   insns N              instructions of the newest one
 *   allowed NR...        numbers it allows (a syscall that our list allows
 *                        only with some argument is run with that one)
 *   listed NR...         the numbers of the compiled allow list
 *   other RESULT...      its results for all other numbers
 *   x32 RESULT...        ... for every number with the x32 bit
 *   arch RESULT...       ... for every number of other architectures
 *   argument RESULT...   ... for listed calls with a refused argument
 *   refused NAME RESULT  one line per call the filter must refuse
 * RESULT is kill, log, allow, ... (tests/lib/seccomp_eval.c).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "seccomp.h"
#include "seccomp_eval.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER	0x420c
#endif

#define MAXNR	1024u

/* Distinct result names, in order of appearance, for one output line. */
struct results {
	const char	*name[8];
	size_t		 n;
};

static void
add(struct results *rs, uint32_t r)
{
	const char *s = sce_result_name(r);
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->name[i], s) == 0)
			return;
	if (rs->n < 8)
		rs->name[rs->n++] = s;
}

static void
print_results(const char *what, const struct results *rs)
{
	size_t i;

	printf("%s", what);
	for (i = 0; i < rs->n; i++)
		printf(" %s", rs->name[i]);
	printf("\n");
}

static int
cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Prints the report for prog[0..n); returns 0, or 1 if it is malformed. */
static int
report(const struct sock_filter *p, size_t n)
{
	const struct sw_seccomp_rule *rl;
	const struct sce_call *c;
	struct results other = { 0 }, x32 = { 0 }, arch = { 0 }, arg = { 0 };
	uint32_t nr, r, bit, me = sce_arch();
	unsigned int listed[MAXNR];
	size_t i, j, nl, nc;
	int bad = 0;

	printf("allowed");
	for (nr = 0; nr < MAXNR; nr++) {
		rl = sce_rule(nr);
		r = sce_eval(p, n, me, nr, rl ? rl->arg : -1, rl ? rl->val : 0,
		    &bad);
		if (r == SECCOMP_RET_ALLOW)
			printf(" %u", nr);
		else
			add(&other, r);
		add(&x32, sce_eval(p, n, me, nr | 0x40000000u, -1, 0, &bad));
		for (j = 0; j < SCE_NFOREIGN; j++)
			add(&arch, sce_eval(p, n, sce_foreign_arch(j), nr, -1,
			    0, &bad));
		for (j = 0; rl != NULL && rl->arg >= 0 && j < 32; j++) {
			bit = 1u << j;
			if (rl->mask & bit)
				add(&arg, sce_eval(p, n, me, nr, rl->arg,
				    rl->val ^ bit, &bad));
		}
	}
	printf("\n");
	rl = sw_seccomp_rules(&nl);
	for (i = 0; i < nl && i < MAXNR; i++)
		listed[i] = rl[i].nr;
	qsort(listed, i, sizeof(listed[0]), cmp_uint);
	printf("listed");
	for (j = 0; j < i; j++)
		printf(" %u", listed[j]);
	printf("\n");
	print_results("other", &other);
	print_results("x32", &x32);
	print_results("arch", &arch);
	print_results("argument", &arg);
	c = sce_refused(&nc);
	for (i = 0; i < nc; i++) {
		r = sce_eval(p, n, me, c[i].nr, c[i].arg, c[i].val, &bad);
		printf("refused %s %s\n", c[i].name, sce_result_name(r));
	}
	if (bad)
		fprintf(stderr, "seccomp_filter: the program is malformed\n");
	return bad;
}

int
main(int argc, char **argv)
{
	struct sock_filter *prog = NULL;
	long n, k;
	pid_t pid;
	int st, rc = 1, filters = 0;

	if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: seccomp_filter PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
		printf("SKIP: cannot ptrace %d: %s\n", (int)pid,
		    strerror(errno));
		return errno == EPERM || errno == EACCES ? 77 : 1;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0 ||
	    waitpid(pid, &st, __WALL) != pid) {
		perror("seccomp_filter: stop");
		goto out;
	}
	/* the newest filter has index 0 */
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, NULL);
	if (n < 0 && (errno == EPERM || errno == EACCES)) {
		printf("SKIP: PTRACE_SECCOMP_GET_FILTER: %s\n",
		    strerror(errno));
		rc = 77;
		goto out;
	}
	if (n < 0 && errno == EMEDIUMTYPE) {
		printf("filters 0\n");
		rc = 0;
		goto out;
	}
	if (n <= 0 || (prog = calloc((size_t)n, sizeof(*prog))) == NULL ||
	    ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, prog) != n) {
		perror("seccomp_filter: PTRACE_SECCOMP_GET_FILTER");
		goto out;
	}
	for (filters = 1; filters < 64; filters++) {
		k = ptrace(PTRACE_SECCOMP_GET_FILTER, pid,
		    (void *)(long)filters, NULL);
		if (k < 0)
			break;
	}
	printf("filters %d\ninsns %ld\n", filters, n);
	rc = report(prog, (size_t)n);
out:
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) != 0 && rc == 0) {
		perror("seccomp_filter: detach");
		rc = 1;
	}
	free(prog);
	return rc;
}
