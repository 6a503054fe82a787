/*
 * swtpm_bios: sends the TPM start-up commands a BIOS would (cli.md §10):
 * TPM_Startup / TPM2_Startup, physical presence, enable and activate,
 * self test, giving up physical presence. One connection per command;
 * output, request bytes and exit codes (0/128/129/255) match 0.7.1.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bytes.h"
#include "io.h"
#include "net.h"

#define DEFAULT_TCP_PORT	6545
#define RSP_MAX			1024
#define TPM_ERROR		0x80	/* a command returned a TPM error */
#define TPM_NEEDS_RESET		0x81

/* TPM 1.2 */
#define TPM_TAG_RQU_COMMAND		0x00c1
#define TPM_ORD_STARTUP			0x00000099
#define TPM_ORD_PHYSICAL_ENABLE		0x0000006f
#define TPM_ORD_PHYSICAL_SET_DEACT	0x00000072
#define TPM_ORD_CONTINUE_SELFTEST	0x00000053
#define TPM_ORD_GET_CAPABILITY		0x00000065
#define TSC_ORD_PHYSICAL_PRESENCE	0x4000000a
#define TPM_CAP_FLAG			0x00000004
#define TPM_CAP_FLAG_PERMANENT		0x00000108
#define TPM_PP_CMD_ENABLE		0x0020
#define TPM_PP_PRESENT			0x0008
#define TPM_PP_NOTPRESENT_LOCK		0x0014
/* offset of the 'deactivated' byte in the GetCapability response */
#define PERM_DEACTIVATED_OFF		18
#define CAP_RSP_COPY			36

/* TPM 2 */
#define TPM2_ST_NO_SESSIONS		0x8001
#define TPM2_ST_SESSIONS		0x8002
#define TPM2_CC_STARTUP			0x00000144
#define TPM2_CC_INCREMENTAL_SELFTEST	0x00000142
#define TPM2_CC_HIERARCHY_CHANGE_AUTH	0x00000129
#define TPM2_RH_PLATFORM		0x4000000c
#define TPM2_RS_PW			0x40000009
#define TPM2_ALG_SHA1			0x0004
#define PLATFORM_AUTH_LEN		20

/* startup types meaning "do not send" */
#define NO_STARTUP			0xff

struct target {
	const char	*device;
	const char	*unix_path;
	char		*tcp_host;
	unsigned int	 tcp_port;
};

static const struct option long_opts[] = {
	{ "tpm-device",	required_argument, NULL, 'D' },
	{ "tcp",	required_argument, NULL, 'T' },
	{ "unix",	required_argument, NULL, 'U' },
	{ "c",		no_argument,	   NULL, 'c' },
	{ "d",		no_argument,	   NULL, 'd' },
	{ "h",		no_argument,	   NULL, 'h' },
	{ "v",		no_argument,	   NULL, 'v' },
	{ "n",		no_argument,	   NULL, 'n' },
	{ "s",		no_argument,	   NULL, 's' },
	{ "o",		no_argument,	   NULL, 'o' },
	{ "cs",		no_argument,	   NULL, 'C' },
	{ "ea",		no_argument,	   NULL, 'E' },
	{ "u",		no_argument,	   NULL, 'u' },
	{ "tpm2",	no_argument,	   NULL, '2' },
	{ NULL,		0,		   NULL, 0 },
};

static void
usage(const char *prgname)
{
	printf("TPM emulator BIOS emulator version %s, Copyright (c) 2015 "
	    "IBM Corp.\n", PACKAGE_VERSION);
	printf(
"\n"
"%s [options]\n"
"\n"
"Runs TPM_Startup (unless -n), then (unless -o) sets PP, enable, activate \n"
"and finally (using -u) gives up physical presence (PP)\n"
"\n"
"The following options are supported:\n"
"\t--tpm-device <device>  use the given device; default is /dev/tpm0\n"
"\t--tcp [<host>]:[<prt>] connect to TPM on given host and port;\n"
"\t                       default host is 127.0.0.1, default port is %u\n"
"\t--unix <path>          connect to TPM using UnixIO socket\n"
"\t--tpm2                 initialize a TPM2\n"
"\t-c                     startup clear (default)\n"
"\t-s                     startup state\n"
"\t-d                     startup deactivate (no effect on TPM2)\n"
"\t-n                     no startup\n"
"\t-o                     startup only\n"
"\t-cs                    run TPM_ContinueSelfTest on TPM1.2\n"
"\t                       run TPM2_IncrementalSelfTest on TPM2\n"
"\t-ea                    make sure that the TPM 1.2 is activated;\n"
"\t                       terminate with exit code 129 if the TPM\n"
"\t                       needs to be reset\n"
"\t-u                     give up physical presence\n"
"\t                       on TPM 2 set the platform hierarchy to a\n"
"\t                       random password\n"
"\t-v                     display version and exit\n"
"\t-h                     display this help screen and exit\n",
	    prgname, DEFAULT_TCP_PORT);
}

/* --tcp [<host>]:[<port>]; COMPAT: messages and quirks as swtpm_ioctl */
static int
parse_tcp(const char *arg, struct target *t)
{
	char msg[256];

	free(t->tcp_host);
	t->tcp_host = NULL;
	if (net_parse_target(arg, DEFAULT_TCP_PORT, &t->tcp_host,
	    &t->tcp_port, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	return 0;
}

static int
connect_tcp(const char *host, unsigned int port)
{
	int fd, gai_err;

	fd = net_tcp_connect(host, port, &gai_err);
	if (fd >= 0)
		return fd;
	if (gai_err != 0)
		fprintf(stderr, "getaddrinfo failed on host '%s': %s\n", host,
		    gai_strerror(gai_err));
	else
		fprintf(stderr, "Could not connect using TCP socket.\n");
	return -1;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) + 1 > sizeof(sun.sun_path)) {
		fprintf(stderr, "Socket path is too long.\n");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "Could not connect using UnixIO socket.\n");
	return fd;
}

static int
open_device(const char *dev)
{
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "Unable to open device '%s'.\n", dev);
	return fd;
}

/* COMPAT: cli.md §10: device > --tcp > --unix > TCSD_* env > TPM_DEVICE */
static int
open_target(const struct target *t)
{
	const char *host, *port, *dev;
	unsigned int p = DEFAULT_TCP_PORT;

	if (t->device != NULL)
		return open_device(t->device);
	if (t->tcp_host != NULL)
		return connect_tcp(t->tcp_host, t->tcp_port);
	if (t->unix_path != NULL)
		return connect_unix(t->unix_path);
	if (getenv("TCSD_USE_TCP_DEVICE") != NULL) {
		host = getenv("TCSD_TCP_DEVICE_HOSTNAME");
		if (host == NULL)
			host = "localhost";
		port = getenv("TCSD_TCP_DEVICE_PORT");
		if (port != NULL)
			p = (unsigned int)strtol(port, NULL, 10);
		return connect_tcp(host, p);
	}
	dev = getenv("TPM_DEVICE");
	return open_device(dev != NULL ? dev : "/dev/tpm0");
}

/*
 * Send one command on a new connection and read one response of at most
 * RSP_MAX bytes within timeout_s seconds. The response code goes to
 * *res; the first rspmax bytes of the response to rspbuf if given.
 * Returns 0, or -1 after printing why (communication failure).
 */
static int
transfer(const struct target *t, const struct wr *req, unsigned int timeout_s,
    uint32_t *res, uint8_t *rspbuf, size_t rspmax)
{
	uint8_t rsp[RSP_MAX];
	struct timeval tv;
	fd_set rfds;
	ssize_t n;
	struct rd r;
	uint32_t size;
	int fd, rc = -1, sel;

	fd = open_target(t);
	if (fd < 0)
		return -1;
	n = write(fd, req->p, req->len);
	if (n < 0 || (size_t)n != req->len) {
		fprintf(stderr, "Write to file descriptor failed.\n");
		goto out;
	}
	if (fd >= FD_SETSIZE) {
		errno = EBADF;
		fprintf(stderr, "Error on select call: %s\n", strerror(errno));
		goto out;
	}
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	tv.tv_sec = timeout_s;
	tv.tv_usec = 0;
	sel = select(fd + 1, &rfds, NULL, NULL, &tv);
	if (sel == 0) {
		fprintf(stderr, "TPM did not respond after %u seconds.\n",
		    timeout_s);
		goto out;
	}
	if (sel < 0) {
		fprintf(stderr, "Error on select call: %s\n", strerror(errno));
		goto out;
	}
	n = read(fd, rsp, sizeof(rsp));
	if (n < 0) {
		fprintf(stderr, "Read from file descriptor failed.\n");
		goto out;
	}
	if (n < 10) {
		fprintf(stderr, "Returned packet is too short.\n");
		goto out;
	}
	rd_init(&r, rsp, (size_t)n);
	rd_skip(&r, 2);
	size = rd_be32(&r);
	*res = rd_be32(&r);
	if (size != (uint32_t)n) {
		fprintf(stderr, "Malformed response.\n");
		goto out;
	}
	if (rspbuf != NULL)
		memcpy(rspbuf, rsp, size < rspmax ? size : rspmax);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* header of a command without sessions; size is the whole command */
static void
cmd_hdr(struct wr *w, uint16_t tag, uint32_t size, uint32_t ord)
{
	wr_be16(w, tag);
	wr_be32(w, size);
	wr_be32(w, ord);
}

static int
tpm12_simple(const struct target *t, uint32_t ord, int param, unsigned int to,
    uint32_t *res)
{
	uint8_t buf[12];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	cmd_hdr(&w, TPM_TAG_RQU_COMMAND, param < 0 ? 10 : 11, ord);
	if (param >= 0)
		wr_u8(&w, (uint8_t)param);
	return transfer(t, &w, to, res, NULL, 0);
}

static int
tpm12_startup(const struct target *t, uint16_t type, uint32_t *res)
{
	uint8_t buf[12];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	cmd_hdr(&w, TPM_TAG_RQU_COMMAND, 12, TPM_ORD_STARTUP);
	wr_be16(&w, type);
	return transfer(t, &w, 20, res, NULL, 0);
}

static int
tsc_pp(const struct target *t, uint16_t pp, uint32_t *res)
{
	uint8_t buf[12];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	cmd_hdr(&w, TPM_TAG_RQU_COMMAND, 12, TSC_ORD_PHYSICAL_PRESENCE);
	wr_be16(&w, pp);
	return transfer(t, &w, 20, res, NULL, 0);
}

static int
tpm12_get_permflags(const struct target *t, uint32_t *res, uint8_t *rsp)
{
	uint8_t buf[22];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	cmd_hdr(&w, TPM_TAG_RQU_COMMAND, 22, TPM_ORD_GET_CAPABILITY);
	wr_be32(&w, TPM_CAP_FLAG);
	wr_be32(&w, 4);
	wr_be32(&w, TPM_CAP_FLAG_PERMANENT);
	return transfer(t, &w, 20, res, rsp, CAP_RSP_COPY);
}

#define REPORT12(what, res) \
	fprintf(stderr, what " returned error code 0x%08x\n", (res))

/* TPM 1.2 sequence; returns the exit code. */
static int
run_tpm12(const struct target *t, uint8_t st_type, bool more, bool cs,
    bool ea, bool unassert)
{
	uint8_t perm[CAP_RSP_COPY];
	uint32_t res = 0;
	bool err = false;

	if (st_type != NO_STARTUP) {
		if (tpm12_startup(t, st_type, &res) < 0)
			return 255;
		if (res != 0) {
			fprintf(stderr, "TPM_Startup(0x%02x) returned error "
			    "code 0x%08x\n", st_type, res);
			err = true;
		}
	}
	if (more) {
		if (tsc_pp(t, TPM_PP_CMD_ENABLE, &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TSC_PhysicalPresence(CMD_ENABLE)", res);
			err = true;
		}
		if (tsc_pp(t, TPM_PP_PRESENT, &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TSC_PhysicalPresence(PRESENT)", res);
			err = true;
		}
		memset(perm, 0, sizeof(perm));
		if (ea) {
			if (tpm12_get_permflags(t, &res, perm) < 0)
				return 255;
			if (res != 0) {
				REPORT12("TPM_GetCapability()", res);
				err = true;
			}
		}
		if (tpm12_simple(t, TPM_ORD_PHYSICAL_ENABLE, -1, 20, &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TPM_PhysicalEnable", res);
			err = true;
		}
		if (tpm12_simple(t, TPM_ORD_PHYSICAL_SET_DEACT, 0, 20,
		    &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TPM_PhysicalSetDeactivated", res);
			err = true;
		}
		if (ea && perm[PERM_DEACTIVATED_OFF] != 0) {
			printf("TPM requires a reset\n");
			return TPM_NEEDS_RESET;
		}
	}
	if (cs) {
		/* COMPAT: 0.7.1 allows the self test ten minutes */
		if (tpm12_simple(t, TPM_ORD_CONTINUE_SELFTEST, -1, 600,
		    &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TPM_ContinueSelfTest", res);
			err = true;
		}
	}
	if (unassert) {
		if (tsc_pp(t, TPM_PP_CMD_ENABLE, &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TSC_PhysicalPresence(CMD_ENABLE)", res);
			err = true;
		}
		if (tsc_pp(t, TPM_PP_NOTPRESENT_LOCK, &res) < 0)
			return 255;
		if (res != 0) {
			REPORT12("TSC_PhysicalPresence(NOT_PRESENT|LOCK)", res);
			err = true;
		}
	}
	return err ? TPM_ERROR : 0;
}

/* TPM2_HierarchyChangeAuth(platform) to 20 random bytes. */
static int
tpm2_change_platform_auth(const struct target *t, uint32_t *res)
{
	uint8_t buf[49], *pw;
	struct wr w;
	ssize_t n;
	int fd;

	wr_init(&w, buf, sizeof(buf));
	cmd_hdr(&w, TPM2_ST_SESSIONS, sizeof(buf),
	    TPM2_CC_HIERARCHY_CHANGE_AUTH);
	wr_be32(&w, TPM2_RH_PLATFORM);
	wr_be32(&w, 9);			/* authorization area size */
	wr_be32(&w, TPM2_RS_PW);
	wr_be16(&w, 0);			/* nonce */
	wr_u8(&w, 1);			/* continueSession */
	wr_be16(&w, 0);			/* hmac */
	wr_be16(&w, PLATFORM_AUTH_LEN);
	pw = wr_reserve(&w, PLATFORM_AUTH_LEN);
	if (pw == NULL)
		return -1;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("Could not open /dev/urandom: %s\n", strerror(errno));
		return -1;
	}
	n = read(fd, pw, PLATFORM_AUTH_LEN);
	close(fd);
	if (n != PLATFORM_AUTH_LEN) {
		printf("Read of bytes from /dev/urandom failed");
		if (n < 0)
			printf(": %s", strerror(errno));
		printf("\n");
		return -1;
	}
	n = transfer(t, &w, 20, res, NULL, 0);
	secure_wipe(buf, sizeof(buf));
	return (int)n;
}

/* TPM 2 sequence; errors go to stdout there. Returns the exit code. */
static int
run_tpm2(const struct target *t, uint8_t su_type, bool cs, bool unassert)
{
	uint8_t buf[17];
	uint32_t res = 0;
	bool err = false;
	struct wr w;

	if (su_type != NO_STARTUP) {
		wr_init(&w, buf, sizeof(buf));
		cmd_hdr(&w, TPM2_ST_NO_SESSIONS, 12, TPM2_CC_STARTUP);
		wr_be16(&w, su_type);
		if (transfer(t, &w, 20, &res, NULL, 0) < 0)
			return 255;
		if (res != 0) {
			printf("TPM2_Startup returned error code 0x%08x\n",
			    res);
			err = true;
		}
	}
	if (cs) {
		wr_init(&w, buf, sizeof(buf));
		cmd_hdr(&w, TPM2_ST_NO_SESSIONS, 16,
		    TPM2_CC_INCREMENTAL_SELFTEST);
		wr_be32(&w, 1);			/* one algorithm: */
		wr_be16(&w, TPM2_ALG_SHA1);	/* COMPAT: SHA-1 only */
		if (transfer(t, &w, 20, &res, NULL, 0) < 0)
			return 255;
		if (res != 0) {
			/* COMPAT: 0.7.1's spelling */
			printf("TPM2_ImcrementalSelfTest returned error code "
			    "0x%08x\n", res);
			err = true;
		}
	}
	if (unassert) {
		if (tpm2_change_platform_auth(t, &res) < 0)
			return 255;
		if (res != 0) {
			printf("TPM2_HierarchyChangeAuth returned error code "
			    "0x%08x\n", res);
			err = true;
		}
	}
	return err ? TPM_ERROR : 0;
}

int
main(int argc, char **argv)
{
	struct target t;
	uint8_t st12 = 1, st2 = 0;	/* TPM_ST_CLEAR, TPM2_SU_CLEAR */
	bool more = true, cs = false, ea = false, unassert = false;
	bool tpm2 = false;
	int c, rc;

	memset(&t, 0, sizeof(t));
	while ((c = getopt_long_only(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			t.device = optarg;
			break;
		case 'T':
			if (parse_tcp(optarg, &t) < 0) {
				rc = 1;
				goto out;
			}
			break;
		case 'U':
			t.unix_path = optarg;
			break;
		case 'c':
			st2 = 0;
			st12 = 1;
			more = true;
			break;
		case 's':
			st2 = 1;
			st12 = 2;
			more = true;
			break;
		case 'd':
			st2 = NO_STARTUP;
			st12 = 3;
			more = false;
			break;
		case 'o':
			more = false;
			break;
		case 'n':
			st2 = NO_STARTUP;
			st12 = NO_STARTUP;
			more = true;
			break;
		case 'C':
			cs = true;
			break;
		case 'E':
			ea = true;
			break;
		case 'u':
			unassert = true;
			break;
		case '2':
			tpm2 = true;
			break;
		case 'h':
			usage(argv[0]);
			rc = 0;
			goto out;
		default:
			/* COMPAT: cli.md §10: -v, like anything unknown,
			 * prints version and usage and exits 1 in 0.7.1 */
			usage(argv[0]);
			rc = 1;
			goto out;
		}
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "Could not install signal handler for "
		    "SIGPIPE.");
		rc = 1;
		goto out;
	}
	if (tpm2)
		rc = run_tpm2(&t, st2, cs, unassert);
	else
		rc = run_tpm12(&t, st12, more, cs, ea, unassert);
out:
	free(t.tcp_host);
	return rc;
}
