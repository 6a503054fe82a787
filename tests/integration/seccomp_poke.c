/*
 * seccomp_poke: a shared object that tests/integration/seccomp.sh loads
 * into the daemon with LD_PRELOAD. On SIGUSR2 the daemon then calls
 * uname(2), a syscall it never needs and its filter does not list, and
 * says so on stderr: under --seccomp action=log it must go on serving
 * (and the kernel logs the call), under kill it dies of SIGSYS.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static void
on_usr2(int sig)
{
	static const char msg[] = "seccomp_poke: uname returned\n";
	struct utsname u;
	int saved = errno;

	(void)sig;
	(void)syscall(SYS_uname, &u);
	(void)!write(2, msg, sizeof(msg) - 1);
	errno = saved;
}

__attribute__((constructor)) static void
poke_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	(void)sigaction(SIGUSR2, &sa, NULL);
}
