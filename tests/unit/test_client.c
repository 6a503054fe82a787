/*
 * Unit tests of the client library (src/client): TPM responses framed
 * by their size field (split, short, long, oversized, trailing bytes,
 * EOF, deadlines, EINTR, non-blocking fds), control responses framed by
 * the codec, state blobs, connecting over unix and TCP, socketpairs and
 * the spawn helper with a shell script as the child. Peers are forked
 * children writing into socketpairs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "client.h"
#include "conn.h"
#include "spawn.h"
#include "t.h"

#include "swtpm/tpm_ioctl.h"

static uint8_t buf[8192], rsp[8192];
static char tmpdir[64];

static void
msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Our end in *c; the peer's fd returned. */
static int
pair(struct cl_conn *c)
{
	int theirs;

	if (cl_socketpair(c, &theirs) != CL_OK)
		return -1;
	return theirs;
}

/*
 * A child that writes hex in pieces: each piece after delay_ms, then
 * closes (or stays until killed if linger). Returns its pid.
 */
static pid_t
writer(int fd, const char *const *pieces, unsigned delay_ms, bool linger)
{
	uint8_t b[4096];
	pid_t pid = fork();
	size_t n;

	if (pid != 0)
		return pid;
	for (; *pieces != NULL; pieces++) {
		msleep(delay_ms);
		n = t_hex(*pieces, b, sizeof(b));
		if (write(fd, b, n) != (ssize_t)n)
			_exit(1);
	}
	if (linger)
		pause();
	_exit(0);
}

/* Waits for a writer that closes when done. */
static void
join(pid_t pid)
{
	waitpid(pid, NULL, 0);
}

static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* --- TPM framing ----------------------------------------------------- */

static void
test_tpm_whole_and_split(void)
{
	static const char *const one[] = { "8001 0000000c 00000000 abcd",
	    NULL };
	static const char *const split[] = { "80", "01 00", "00000c 0000",
	    "0000 ab", "cd", NULL };
	struct cl_conn c;
	size_t n;
	pid_t pid;
	int fd;

	T_ASSERT((fd = pair(&c)) >= 0);
	pid = writer(fd, one, 0, true);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 2000), CL_OK);
	T_EQ_U(n, 12);
	T_CHECK(rsp[10] == 0xab && rsp[11] == 0xcd);
	reap(pid);
	pid = writer(fd, split, 10, true);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 2000), CL_OK);
	T_EQ_U(n, 12);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 50), CL_ETIMEDOUT);
	reap(pid);
	/* no deadline: blocking reads */
	pid = writer(fd, split, 5, true);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, -1), CL_OK);
	T_EQ_U(n, 12);
	reap(pid);
	close(fd);
	cl_close(&c);
}

static void
test_tpm_bad(void)
{
	static const char *const small[] = { "8001 00000009 00000000", NULL };
	static const char *const big[] = { "8001 00001001 00000000", NULL };
	static const char *const extra[] = { "8001 0000000a 00000000 ff",
	    NULL };
	static const char *const part[] = { "8001 0000000e 00000000 ff",
	    NULL };
	struct cl_conn c;
	size_t n;
	int fd;

	T_ASSERT((fd = pair(&c)) >= 0);
	join(writer(fd, small, 0, false));
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 2000), CL_EPROTO);
	T_EQ_U(c.sys_errno, EPROTO);
	cl_close(&c);
	close(fd);

	T_ASSERT((fd = pair(&c)) >= 0);
	join(writer(fd, big, 0, false));
	T_EQ_U(cl_tpm_recv(&c, rsp, 4096, &n, 2000), CL_ETOOBIG);
	cl_close(&c);
	close(fd);

	T_ASSERT((fd = pair(&c)) >= 0);
	join(writer(fd, extra, 0, false));
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 2000), CL_EPROTO);
	T_EQ_U(n, 11);
	cl_close(&c);
	close(fd);

	/* 11 of 14 bytes, then EOF */
	T_ASSERT((fd = pair(&c)) >= 0);
	join(writer(fd, part, 0, false));
	close(fd);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 2000), CL_EEOF);
	T_EQ_U(n, 11);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 2000), CL_EEOF);
	T_EQ_U(n, 0);
	cl_close(&c);

	/* a buffer too small for even the size field */
	T_ASSERT((fd = pair(&c)) >= 0);
	join(writer(fd, extra, 0, false));
	T_EQ_U(cl_tpm_recv(&c, rsp, 4, &n, 2000), CL_ETOOBIG);
	cl_close(&c);
	close(fd);
}

static void
test_tpm_deadlines(void)
{
	struct timeval tv = { 0, 100000 };
	struct timespec t0;
	struct cl_conn c;
	size_t n;
	long ms;
	int fd;

	T_ASSERT((fd = pair(&c)) >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 80), CL_ETIMEDOUT);
	ms = elapsed_ms(&t0);
	T_CHECK(ms >= 79 && ms < 2000);
	T_EQ_U(c.sys_errno, ETIMEDOUT);
	T_CHECK(strstr(c.msg, "timed out") != NULL);
	/* without a deadline, the socket's own receive timeout */
	T_ASSERT(setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == 0);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, -1), CL_ETIMEDOUT);
	/* one deadline for send and receive of a round trip */
	T_EQ_U(cl_tpm(&c, "x", 1, rsp, sizeof(rsp), &n, 50), CL_ETIMEDOUT);
	cl_close(&c);
	close(fd);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

static void
test_tpm_eintr_nonblock(void)
{
	static const char *const late[] = { "8001 0000000a 00000000", NULL };
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } }, off;
	struct sigaction sa, old;
	struct cl_conn c, nb;
	size_t n;
	pid_t pid;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: reads see EINTR */
	T_ASSERT(sigaction(SIGALRM, &sa, &old) == 0);
	T_ASSERT((fd = pair(&c)) >= 0);
	pid = writer(fd, late, 60, true);
	setitimer(ITIMER_REAL, &it, NULL);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, 5000), CL_OK);
	reap(pid);
	pid = writer(fd, late, 60, true);
	T_EQ_U(cl_tpm_recv(&c, rsp, sizeof(rsp), &n, -1), CL_OK);
	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	reap(pid);
	/* an adopted non-blocking fd without deadline waits in poll */
	T_ASSERT(fcntl(c.fd, F_SETFL, O_NONBLOCK) == 0);
	T_EQ_U(cl_from_fd(&nb, c.fd), CL_OK);
	T_CHECK(nb.sock);
	T_EQ_U(nb.kind, CL_KIND_FD);
	pid = writer(fd, late, 30, true);
	T_EQ_U(cl_tpm_recv(&nb, rsp, sizeof(rsp), &n, -1), CL_OK);
	T_EQ_U(n, 10);
	reap(pid);
	cl_close(&nb);
	close(fd);
}

static void
test_send_closed(void)
{
	struct cl_conn c;
	int fd;

	/* the peer is gone: EPIPE, and no SIGPIPE kills us */
	T_ASSERT((fd = pair(&c)) >= 0);
	close(fd);
	T_EQ_U(cl_send(&c, "abcd", 4, 1000), CL_EIO);
	T_EQ_U(c.sys_errno, EPIPE);
	T_EQ_U(cl_send(&c, "abcd", 4, -1), CL_EIO);
	cl_close(&c);
	cl_close(&c);
}

/* A peer that answers one request: reads n bytes, writes hex. */
static pid_t
answer(int fd, size_t n, const char *hex)
{
	uint8_t b[8192];
	pid_t pid = fork();
	size_t got = 0, k;
	ssize_t r;

	if (pid != 0)
		return pid;
	while (got < n) {
		r = read(fd, b, n - got);
		if (r <= 0)
			_exit(1);
		got += (size_t)r;
	}
	k = t_hex(hex, b, sizeof(b));
	if (write(fd, b, k) != (ssize_t)k)
		_exit(1);
	pause();
	_exit(0);
}

static void
test_tpm_round_trip(void)
{
	struct cl_conn c;
	size_t n;
	pid_t pid;
	int fd;

	T_ASSERT((fd = pair(&c)) >= 0);
	pid = answer(fd, 12, "8001 0000000c 00000000 0010");
	T_EQ_U(cl_tpm(&c, "\x80\x01\0\0\0\x0c\0\0\x01\x7b\0\x10", 12, rsp,
	    sizeof(rsp), &n, 2000), CL_OK);
	T_EQ_U(n, 12);
	reap(pid);
	cl_close(&c);
	close(fd);
}

/* --- control framing ------------------------------------------------- */

/* One request of reqhex to a peer answering rsphex; returns cl_ctrl's. */
static enum cl_err
ctrl_case(const char *reqhex, const char *rsphex, size_t cap, size_t *n)
{
	uint8_t req[64];
	size_t reqlen = t_hex(reqhex, req, sizeof(req));
	struct cl_conn c;
	enum cl_err e;
	pid_t pid;
	int fd;

	if ((fd = pair(&c)) < 0)
		return CL_ESYS;
	pid = answer(fd, reqlen, rsphex);
	e = cl_ctrl(&c, req, reqlen, rsp, cap, n, 2000);
	reap(pid);
	cl_close(&c);
	close(fd);
	return e;
}

static void
test_ctrl(void)
{
	size_t n;

	T_EQ_U(ctrl_case("00000001", "00000000 0001ffff", 64, &n), CL_OK);
	T_EQ_U(n, 8);
	T_EQ_U(ctrl_case("00000002 00000001", "00000000", 64, &n), CL_OK);
	T_EQ_U(n, 4);
	T_EQ_U(ctrl_case("00000004", "0000000a", 64, &n), CL_OK);
	T_EQ_U(n, 4);
	T_EQ_U(ctrl_case("00000004", "00000000 01000000", 64, &n), CL_OK);
	T_EQ_U(n, 8);
	T_EQ_U(ctrl_case("0000000c 00000001 00000001 00000000",
	    "00000000 00000000 00000003 00000003 aabbcc", 64, &n), CL_OK);
	T_EQ_U(n, 19);
	/* a failed check: 4 bytes; a later error: the full header */
	T_EQ_U(ctrl_case("0000000c 00000001 00000003 00000000", "0000000a",
	    64, &n), CL_OK);
	T_EQ_U(n, 4);
	T_EQ_U(ctrl_case("0000000c 00000001 00000003 00000000",
	    "00000800 00000000 00000000 00000000", 64, &n), CL_OK);
	T_EQ_U(n, 16);
	T_EQ_U(ctrl_case("00000012 0000000000000001 00000000 00000000",
	    "00000000 00000004 00000004 7b7d0000", 64, &n), CL_OK);
	T_EQ_U(n, 16);
	T_EQ_U(ctrl_case("00000012 0000000000000001 00000009 00000000",
	    "00000003", 64, &n), CL_OK);
	T_EQ_U(n, 4);
	T_EQ_U(ctrl_case("00000011 00000000",
	    "00000000 00001000 00000af8 00001000", 64, &n), CL_OK);
	T_EQ_U(n, 16);
	/* too small a buffer, bytes beyond the response */
	T_EQ_U(ctrl_case("0000000c 00000001 00000001 00000000",
	    "00000000 00000000 00000003 00000003 aabbcc", 18, &n),
	    CL_ETOOBIG);
	T_EQ_U(ctrl_case("00000003", "00000000 00", 64, &n), CL_EPROTO);
	T_EQ_U(ctrl_case("00", "00000000", 64, &n), CL_EARG);
}

static void
test_stateblob(void)
{
	static const uint8_t want2[19] = { 0, 0, 0, 0x0d, 0, 0, 0, 1, 0, 0, 0,
	    2, 0, 0, 0, 3, 'x', 'y', 'z' };
	uint8_t *blob = NULL, req2[19];
	size_t cap = 0, len = 99, n;
	ssize_t r;
	uint32_t res = 99, fl = 99;
	struct cl_conn c;
	pid_t pid;
	int fd;

	T_ASSERT((fd = pair(&c)) >= 0);
	pid = answer(fd, 16, "00000000 00000002 00000005 00000005 0102030405");
	T_EQ_U(cl_get_stateblob(&c, PTM_STATE_FLAG_DECRYPTED,
	    PTM_BLOB_TYPE_PERMANENT, &blob, &cap, &len, 100, &res, &fl, 2000),
	    CL_OK);
	reap(pid);
	T_EQ_U(res, 0);
	T_EQ_U(fl, 2);
	T_EQ_U(len, 5);
	T_ASSERT(blob != NULL && cap >= 5);
	T_CHECK(blob[0] == 1 && blob[4] == 5);
	/* an error: 4 bytes */
	pid = answer(fd, 16, "0000000a");
	T_EQ_U(cl_get_stateblob(&c, 0, 1, &blob, &cap, &len, 100, &res, &fl,
	    2000), CL_OK);
	reap(pid);
	T_EQ_U(res, 0xa);
	T_EQ_U(len, 0);
	pid = answer(fd, 16, "00000800 00000000 00000000 00000000");
	T_EQ_U(cl_get_stateblob(&c, 0, 3, &blob, &cap, &len, 100, &res, &fl,
	    2000), CL_OK);
	reap(pid);
	T_EQ_U(res, 0x800);
	T_EQ_U(len, 0);
	/* over the limit; lengths that disagree */
	pid = answer(fd, 16, "00000000 00000000 00000065 00000065");
	T_EQ_U(cl_get_stateblob(&c, 0, 1, &blob, &cap, &len, 100, &res, &fl,
	    2000), CL_ETOOBIG);
	reap(pid);
	cl_close(&c);
	close(fd);
	T_ASSERT((fd = pair(&c)) >= 0);
	pid = answer(fd, 16, "00000000 00000000 00000002 00000001 00");
	T_EQ_U(cl_get_stateblob(&c, 0, 1, &blob, &cap, &len, 100, &res, &fl,
	    2000), CL_EPROTO);
	reap(pid);
	/* SET_STATEBLOB: header and blob, then the result */
	pid = answer(fd, 16 + 5, "00000000");
	T_EQ_U(cl_set_stateblob(&c, 0, PTM_BLOB_TYPE_VOLATILE, blob, 5, &res,
	    2000), CL_OK);
	T_EQ_U(res, 0);
	reap(pid);
	free(blob);
	/* what the peer receives */
	pid = fork();
	if (pid == 0) {
		(void)cl_set_stateblob(&c, 1, 2, "xyz", 3, &res, 2000);
		_exit(0);
	}
	for (n = 0; n < sizeof(req2); n += (size_t)r)
		if ((r = read(fd, req2 + n, sizeof(req2) - n)) <= 0)
			break;
	T_EQ_U(n, 19);
	T_CHECK(memcmp(req2, want2, sizeof(want2)) == 0);
	reap(pid);
	cl_close(&c);
	close(fd);
}

/* --- connecting ------------------------------------------------------ */

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 4) < 0)
		return -1;
	return fd;
}

static void
test_connect(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char path[200], lng[300];
	struct cl_conn c;
	unsigned port;
	int lfd, tfd;

	snprintf(path, sizeof(path), "%s/sock", tmpdir);
	T_EQ_U(cl_connect_unix(&c, path, 1000), CL_ECONNECT);
	T_EQ_U(c.sys_errno, ENOENT);
	T_CHECK(strstr(c.msg, path) != NULL);
	T_EQ_U(c.fd, -1);
	T_ASSERT((lfd = listen_unix(path)) >= 0);
	T_EQ_U(cl_connect_unix(&c, path, 1000), CL_OK);
	T_EQ_U(c.kind, CL_KIND_UNIX);
	T_CHECK((fcntl(c.fd, F_GETFD) & FD_CLOEXEC) != 0);
	T_CHECK((fcntl(c.fd, F_GETFL) & O_NONBLOCK) == 0);
	cl_close(&c);
	T_EQ_U(cl_connect_unix(&c, path, -1), CL_OK);
	cl_close(&c);
	close(lfd);
	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	T_EQ_U(cl_connect_unix(&c, lng, 1000), CL_EARG);

	tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_ASSERT(bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	T_ASSERT(listen(tfd, 4) == 0);
	T_ASSERT(getsockname(tfd, (struct sockaddr *)&sin, &sl) == 0);
	port = ntohs(sin.sin_port);
	T_EQ_U(cl_connect_tcp(&c, "127.0.0.1", port, 1000), CL_OK);
	T_EQ_U(c.kind, CL_KIND_TCP);
	T_CHECK((fcntl(c.fd, F_GETFL) & O_NONBLOCK) == 0);
	cl_close(&c);
	T_EQ_U(cl_connect_tcp(&c, "127.0.0.1", port, -1), CL_OK);
	cl_close(&c);
	close(tfd);
	/* the port is closed now */
	T_EQ_U(cl_connect_tcp(&c, "127.0.0.1", port, 1000), CL_ECONNECT);
	T_EQ_U(c.sys_errno, ECONNREFUSED);
	T_EQ_U(cl_connect_tcp(&c, "127.0.0.1", port, -1), CL_ECONNECT);
	T_EQ_U(c.sys_errno, ECONNREFUSED);
	T_EQ_U(c.fd, -1);
}

static void
test_fds(void)
{
	struct cl_conn c;
	int p[2], theirs;

	T_EQ_U(cl_from_fd(&c, -1), CL_EARG);
	T_EQ_U(cl_from_fd(&c, 999), CL_EARG);
	T_ASSERT(pipe(p) == 0);
	T_EQ_U(cl_from_fd(&c, p[1]), CL_OK);
	T_CHECK(!c.sock);
	T_EQ_U(cl_send(&c, "ab", 2, 1000), CL_OK);
	cl_close(&c);
	close(p[0]);
	/* the child's end is >= 3 even with stdin closed */
	T_ASSERT((p[0] = dup(0)) >= 0);
	close(0);
	T_EQ_U(cl_socketpair(&c, &theirs), CL_OK);
	T_CHECK(theirs >= 3);
	T_CHECK((fcntl(theirs, F_GETFD) & FD_CLOEXEC) != 0);
	T_CHECK((fcntl(c.fd, F_GETFD) & FD_CLOEXEC) != 0);
	T_EQ_U(c.kind, CL_KIND_PAIR);
	close(theirs);
	cl_close(&c);
	T_ASSERT(dup2(p[0], 0) == 0);
	close(p[0]);
	T_CHECK(strcmp(cl_strerror(CL_ETIMEDOUT), "timed out") == 0);
}

/* --- spawn ----------------------------------------------------------- */

static void
test_spawn(void)
{
	char pidfile[200], args[200], script[600], line[200];
	const char *argv[5];
	struct cl_spawn_opts o;
	struct cl_child ch;
	struct timespec t0;
	FILE *f;
	size_t n;
	int st;

	snprintf(pidfile, sizeof(pidfile), "%s/pid", tmpdir);
	snprintf(args, sizeof(args), "%s/args", tmpdir);
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.pidfile = pidfile;
	o.quiet = true;
	argv[0] = "bash";
	argv[1] = "-c";
	argv[3] = NULL;
	/* ends before it is ready */
	argv[2] = "exit 3";
	T_EQ_U(cl_spawn(&ch, &o), CL_ECHILD);
	T_CHECK(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 3);
	T_EQ_U(ch.pid, -1);
	T_EQ_U(ch.data.fd, -1);
	/* never ready: stopped after the polls */
	argv[2] = "exec sleep 20";
	o.polls = 10;
	o.poll_ms = 5;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_EQ_U(cl_spawn(&ch, &o), CL_ETIMEDOUT);
	T_CHECK(elapsed_ms(&t0) < 5000);
	T_EQ_U(ch.pid, -1);
	T_CHECK(WIFSIGNALED(ch.status));
	/* ready; its argv ends with the channels, both fds inherited */
	snprintf(script, sizeof(script), "printf '%%s\\n' \"$@\" >%s; "
	    "d=${2#type=tcp,fd=}; c=${4#type=unixio,clientfd=}; "
	    "echo hello >&\"$d\"; eval \"exec $c>&-\"; echo $$ >%s; "
	    "exec sleep 20", args, pidfile);
	argv[2] = script;
	argv[3] = "arg0";
	argv[4] = NULL;
	o.polls = 0;
	o.poll_ms = 0;
	T_ASSERT(cl_spawn(&ch, &o) == CL_OK);
	T_CHECK(ch.pid > 0);
	T_EQ_U(cl_recv_exact(&ch.data, line, 6, &n, 2000), CL_OK);
	T_CHECK(memcmp(line, "hello\n", 6) == 0);
	T_ASSERT((f = fopen(args, "r")) != NULL);
	T_CHECK(fgets(line, sizeof(line), f) != NULL &&
	    strcmp(line, "--server\n") == 0);
	T_CHECK(fgets(line, sizeof(line), f) != NULL &&
	    strncmp(line, "type=tcp,fd=", 12) == 0);
	T_CHECK(fgets(line, sizeof(line), f) != NULL &&
	    strcmp(line, "--ctrl\n") == 0);
	T_CHECK(fgets(line, sizeof(line), f) != NULL &&
	    strncmp(line, "type=unixio,clientfd=", 21) == 0);
	fclose(f);
	/* no answer to CMD_SHUTDOWN (the script closed it): SIGKILL */
	st = cl_child_stop(&ch, 20);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	T_EQ_U(ch.pid, -1);
	T_EQ_U(cl_child_stop(&ch, 20), (unsigned)st);
	unlink(pidfile);
	unlink(args);
	argv[0] = NULL;
	T_EQ_U(cl_spawn(&ch, &o), CL_EARG);
	/* a program that does not exist: exit 127 before it is ready */
	argv[0] = "/nonexistent/swtpm";
	T_EQ_U(cl_spawn(&ch, &o), CL_ECHILD);
	T_CHECK(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 127);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_client.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 99;
	T_RUN(test_tpm_whole_and_split);
	T_RUN(test_tpm_bad);
	T_RUN(test_tpm_deadlines);
	T_RUN(test_tpm_eintr_nonblock);
	T_RUN(test_send_closed);
	T_RUN(test_tpm_round_trip);
	T_RUN(test_ctrl);
	T_RUN(test_stateblob);
	T_RUN(test_connect);
	T_RUN(test_fds);
	T_RUN(test_spawn);
	rmdir(tmpdir);
	(void)buf;
	T_END();
}
