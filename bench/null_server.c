/*
 * Null server: the IPC floor of the benchmark. Takes the swtpm socket
 * command line (only --server and --ctrl matter: unixio path= or tcp
 * port=, on 127.0.0.1) and
 * answers every TPM command with a canned success response of the size
 * a real one would have (GetRandom: the requested bytes). No libtpms.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "bytes.h"
#include "io.h"
#include "swtpm/tpm_ioctl.h"
#include "tpm2.h"

#define BUF_MAX		4105

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* Value of "key=" (key includes the '=') in a sub-option string. */
static int
opt_val(const char *arg, const char *key, char *out, size_t cap)
{
	const char	*p = arg;
	size_t		 n, kl = strlen(key);

	while (p && *p) {
		if (strncmp(p, key, kl) == 0) {
			n = strcspn(p + kl, ",");
			if (n == 0 || n >= cap)
				return -1;
			memcpy(out, p + kl, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return -1;
}

/* Listen at path; the name appears only once it accepts. */
static int
listen_at(const char *path)
{
	struct sockaddr_un	sun;
	char			tmp[sizeof(sun.sun_path)];
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	memcpy(sun.sun_path, tmp, strlen(tmp) + 1);
	unlink(tmp);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 1) != 0 || rename(tmp, path) != 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	return fd;
}

static int
listen_tcp(const char *port)
{
	struct sockaddr_in	sin;
	long			p = strtol(port, NULL, 10);
	int			fd, one = 1;

	if (p <= 0 || p > 65535)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)p);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 1) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Listening socket for a --server / --ctrl value; -2 if none given. */
static int
listen_opt(const char *arg, char *path, size_t cap)
{
	char	port[16];

	*path = '\0';
	if (arg == NULL)
		return -2;
	if (opt_val(arg, "port=", port, sizeof(port)) == 0)
		return listen_tcp(port);
	if (opt_val(arg, "path=", path, cap) == 0)
		return listen_at(path);
	return -1;
}

/*
 * Response sizes of libtpms 0.9 for the benchmark's commands, so that the
 * floor moves as many bytes as a real server: TPM2_Hash of 1 KiB in the
 * owner hierarchy (digest plus a ticket with a SHA-512 HMAC) and
 * TPM2_PCR_Extend with one password session (parameter size and an empty
 * session response).
 */
#define HASH_RSP_LEN	116u
static const uint8_t pcr_rsp_tail[] = { 0, 0, 0, 0, 0, 0, 1, 0, 0 };

static void
data_reply(int fd, const uint8_t *cmd, size_t len)
{
	uint8_t		rsp[BUF_MAX];
	struct rd	r;
	struct wr	w;
	uint32_t	cc, size = 10;
	uint16_t	tag = TPM2_ST_NO_SESSIONS, n = 0;

	rd_init(&r, cmd, len);
	rd_skip(&r, 6);
	cc = rd_be32(&r);
	if (cc == TPM2_CC_GET_RANDOM) {
		n = rd_be16(&r);
		if (r.bad || n > 64)
			n = 0;
		size = 12u + n;
	} else if (cc == TPM2_CC_HASH)
		size = HASH_RSP_LEN;
	else if (cc == TPM2_CC_PCR_EXTEND) {
		tag = TPM2_ST_SESSIONS;
		size = 10u + sizeof(pcr_rsp_tail);
	}
	wr_init(&w, rsp, sizeof(rsp));
	wr_be16(&w, tag);
	wr_be32(&w, size);
	wr_be32(&w, 0);
	if (cc == TPM2_CC_GET_RANDOM) {
		wr_be16(&w, n);
		memset(wr_reserve(&w, n), 0xa5, n);
	} else if (cc == TPM2_CC_PCR_EXTEND)
		memcpy(wr_reserve(&w, sizeof(pcr_rsp_tail)), pcr_rsp_tail,
		    sizeof(pcr_rsp_tail));
	else if (size > 10)
		memset(wr_reserve(&w, size - 10), 0x5a, size - 10);
	(void)write_full(fd, rsp, w.len);
}

/* Returns 1 to exit the process (CMD_SHUTDOWN). */
static int
ctrl_reply(int fd, const uint8_t *req, size_t len)
{
	uint8_t		rsp[16];
	struct rd	r;
	struct wr	w;
	uint32_t	code;

	rd_init(&r, req, len);
	code = rd_be32(&r);
	wr_init(&w, rsp, sizeof(rsp));
	wr_be32(&w, PTM_RES_SUCCESS);
	if (code == CMD_GET_CAPABILITY || code == CMD_GET_CONFIG)
		wr_be32(&w, 0);
	else if (code == CMD_GET_STATEBLOB) {
		wr_be32(&w, 0);
		wr_be32(&w, 0);
		wr_be32(&w, 0);
	}
	(void)write_full(fd, rsp, w.len);
	return code == CMD_SHUTDOWN;
}

int
main(int argc, char **argv)
{
	char		 dpath[108] = "", cpath[108] = "";
	const char	*sopt = NULL, *copt = NULL;
	uint8_t		 buf[BUF_MAX];
	struct pollfd	 pfd[4];
	int		 dl = -1, cl = -1, dc = -1, cc = -1, i;
	ssize_t		 n;

	for (i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--server") == 0)
			sopt = argv[i + 1];
		else if (strcmp(argv[i], "--ctrl") == 0)
			copt = argv[i + 1];
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	dl = listen_opt(sopt, dpath, sizeof(dpath));
	cl = listen_opt(copt, cpath, sizeof(cpath));
	if (dl < 0 || cl == -1) {
		fprintf(stderr, "bench_null: cannot listen: %s\n",
		    strerror(errno));
		return 1;
	}
	while (!quit) {
		pfd[0].fd = dc < 0 ? dl : -1;
		pfd[1].fd = cc < 0 ? cl : -1;
		pfd[2].fd = dc;
		pfd[3].fd = cc;
		for (i = 0; i < 4; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN)
			dc = accept4(dl, NULL, NULL, SOCK_CLOEXEC);
		if (pfd[1].revents & POLLIN)
			cc = accept4(cl, NULL, NULL, SOCK_CLOEXEC);
		if (pfd[3].revents) {
			n = read(cc, buf, sizeof(buf));
			if (n <= 0) {
				close(cc);
				cc = -1;
			} else if (ctrl_reply(cc, buf, (size_t)n))
				break;
		}
		if (pfd[2].revents) {
			n = read(dc, buf, sizeof(buf));
			if (n <= 0) {
				close(dc);
				dc = -1;
			} else
				data_reply(dc, buf, (size_t)n);
		}
	}
	if (*dpath)
		unlink(dpath);
	if (*cpath)
		unlink(cpath);
	return 0;
}
