/*
 * Starts the daemon N times and connects to its unix control socket the
 * instant the path is created (inotify), then sends GET_CAPABILITY.
 * Prints "refused=R answered=A". The reference binds before it listens,
 * so some of these connects get ECONNREFUSED; ours must answer all.
 * usage: sockrace SWTPM DIR N
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

extern char **environ;

/* Waits for IN_CREATE of "ctrl" in the watched dir; 0 or -1. */
static int
wait_create(int ifd)
{
	char buf[4096] __attribute__((aligned(8)));
	struct pollfd p = { ifd, POLLIN, 0 };

	for (;;) {
		ssize_t n;
		char *q;

		if (poll(&p, 1, 10000) <= 0)
			return -1;
		n = read(ifd, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		for (q = buf; q < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)q;

			if (ev->len > 0 && strcmp(ev->name, "ctrl") == 0)
				return 0;
			q += sizeof(*ev) + ev->len;
		}
	}
}

int
main(int argc, char **argv)
{
	int refused = 0, answered = 0, i, n;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)], opt[200];

	if (argc != 4)
		return 2;
	n = atoi(argv[3]);
	snprintf(path, sizeof(path), "%s/ctrl", argv[2]);
	snprintf(opt, sizeof(opt), "type=unixio,path=%s", path);
	for (i = 0; i < n; i++) {
		char *av[] = { argv[1], "socket", "--tpm2", "--ctrl", opt,
		    NULL };
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		unsigned char rsp[16];
		int ifd, s;
		pid_t pid;

		(void)unlink(path);
		ifd = inotify_init1(IN_CLOEXEC);
		if (ifd < 0 || inotify_add_watch(ifd, argv[2],
		    IN_CREATE | IN_MOVED_TO) < 0)
			return 2;
		if (posix_spawn(&pid, argv[1], NULL, NULL, av, environ) != 0)
			return 2;
		if (wait_create(ifd) < 0) {
			fprintf(stderr, "socket path never appeared\n");
			kill(pid, SIGKILL);
			return 2;
		}
		memcpy(sun.sun_path, path, strlen(path) + 1);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			if (errno == ECONNREFUSED)
				refused++;
		} else if (write(s, "\0\0\0\1", 4) == 4 &&
		    read(s, rsp, sizeof(rsp)) == 8) {
			answered++;
		}
		close(s);
		close(ifd);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	printf("refused=%d answered=%d\n", refused, answered);
	return 0;
}
