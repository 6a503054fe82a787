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
#include <unistd.h>

#include "bytes.h"
#include "conn.h"
#include "io.h"
#include "net.h"
#include "tpm12.h"
#include "tpm2.h"

#define DEFAULT_TCP_PORT	6545
#define RSP_MAX			1024
#define EXIT_TPM_ERROR		0x80	/* a command returned a TPM error */
#define EXIT_NEEDS_RESET	0x81
#define PLATFORM_AUTH_LEN	20
/* the timeouts of 0.7.1, in seconds */
#define TIMEOUT_MEDIUM		20
#define TIMEOUT_LONG		600	/* COMPAT: the self test */

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
connect_tcp(struct cl_conn *c, const char *host, unsigned int port)
{
	enum cl_err e;

	e = cl_connect_tcp(c, host, port, -1);
	if (e == CL_OK)
		return 0;
	if (e == CL_ERESOLVE)
		fprintf(stderr, "getaddrinfo failed on host '%s': %s\n", host,
		    gai_strerror(c->gai_err));
	else
		fprintf(stderr, "Could not connect using TCP socket.\n");
	return -1;
}

static int
connect_unix(struct cl_conn *c, const char *path)
{
	enum cl_err e;

	e = cl_connect_unix(c, path, -1);
	if (e == CL_OK)
		return 0;
	if (e == CL_EARG)
		fprintf(stderr, "Socket path is too long.\n");
	else
		fprintf(stderr, "Could not connect using UnixIO socket.\n");
	return -1;
}

static int
open_device(struct cl_conn *c, const char *dev)
{
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || cl_from_fd(c, fd) != CL_OK) {
		fprintf(stderr, "Unable to open device '%s'.\n", dev);
		return -1;
	}
	return 0;
}

/* COMPAT: cli.md §10: device > --tcp > --unix > TCSD_* env > TPM_DEVICE */
static int
open_target(const struct target *t, struct cl_conn *c)
{
	const char *host, *port, *dev;
	unsigned int p = DEFAULT_TCP_PORT;

	if (t->device != NULL)
		return open_device(c, t->device);
	if (t->tcp_host != NULL)
		return connect_tcp(c, t->tcp_host, t->tcp_port);
	if (t->unix_path != NULL)
		return connect_unix(c, t->unix_path);
	if (getenv("TCSD_USE_TCP_DEVICE") != NULL) {
		host = getenv("TCSD_TCP_DEVICE_HOSTNAME");
		if (host == NULL)
			host = "localhost";
		port = getenv("TCSD_TCP_DEVICE_PORT");
		if (port != NULL)
			p = (unsigned int)strtol(port, NULL, 10);
		return connect_tcp(c, host, p);
	}
	dev = getenv("TPM_DEVICE");
	return open_device(c, dev != NULL ? dev : "/dev/tpm0");
}

/*
 * The reference's words for a failed response: it read once, so what
 * came was too short or disagreed with its size field. COMPAT: cli.md
 * §10; unlike 0.7.1 a response split over several reads is assembled.
 */
static void
report_recv(const struct cl_conn *c, enum cl_err e, size_t got,
    unsigned int timeout_s)
{
	if (e == CL_ETIMEDOUT && got == 0)
		fprintf(stderr, "TPM did not respond after %u seconds.\n",
		    timeout_s);
	else if (e == CL_ESYS)
		fprintf(stderr, "Error on select call: %s\n",
		    strerror(c->sys_errno));
	else if (e == CL_EIO)
		fprintf(stderr, "Read from file descriptor failed.\n");
	else if (got < TPM_HDR_LEN)
		fprintf(stderr, "Returned packet is too short.\n");
	else
		fprintf(stderr, "Malformed response.\n");
}

/*
 * Send one command on a new connection and read its response (at most
 * RSP_MAX bytes) within timeout_s seconds into rsp; *res gets its
 * response code. Returns 0, or -1 after printing why (communication
 * failure).
 */
static int
transfer(const struct target *t, const struct wr *req, unsigned int timeout_s,
    uint32_t *res, uint8_t *rsp, size_t *rlen)
{
	struct tpm_rsp r;
	struct cl_conn c;
	enum cl_err e;
	int rc = -1;

	if (open_target(t, &c) < 0)
		return -1;
	if (cl_send(&c, req->p, req->len, -1) != CL_OK) {
		fprintf(stderr, "Write to file descriptor failed.\n");
		goto out;
	}
	/* COMPAT: 0.7.1 waited in select(), which fails for such an fd */
	if (c.fd >= FD_SETSIZE) {
		fprintf(stderr, "Error on select call: %s\n",
		    strerror(EBADF));
		goto out;
	}
	e = cl_tpm_recv(&c, rsp, RSP_MAX, rlen, (int)timeout_s * 1000);
	if (e != CL_OK) {
		report_recv(&c, e, *rlen, timeout_s);
		goto out;
	}
	(void)tpm_rsp_split(rsp, *rlen, &r);
	*res = r.rc;
	rc = 0;
out:
	cl_close(&c);
	return rc;
}

/* A command built by a wr_* builder into buf; -1 if it did not fit. */
static int
send_built(const struct target *t, struct wr *w, bool built,
    unsigned int timeout_s, uint32_t *res)
{
	uint8_t rsp[RSP_MAX];
	size_t n;

	if (!built)
		return -1;
	return transfer(t, w, timeout_s, res, rsp, &n);
}

#define BUILD(w, b)	wr_init(&(w), (b), sizeof(b))

static int
tpm12_get_deactivated(const struct target *t, uint32_t *res, bool *deact)
{
	struct tpm12_perm_flags pf;
	uint8_t buf[32], rsp[RSP_MAX];
	const uint8_t *data;
	size_t n, dn;
	struct wr w;

	*deact = false;
	BUILD(w, buf);
	if (!tpm12_build_get_capability(&w, TPM_CAP_FLAG,
	    TPM_CAP_FLAG_PERMANENT))
		return -1;
	if (transfer(t, &w, TIMEOUT_MEDIUM, res, rsp, &n) < 0)
		return -1;
	if (tpm12_parse_get_capability(rsp, n, &data, &dn) == 0 &&
	    tpm12_get_perm_flags(data, dn, &pf))
		*deact = pf.deactivated;
	return 0;
}

/*
 * One command of a sequence: -1 if it could not be exchanged (exit
 * 255), else 0, with a TPM error reported as "<what> returned error
 * code 0x%08x" on out and noted in *err.
 */
static int
step(const struct target *t, struct wr *w, bool built, unsigned int timeout_s,
    FILE *out, const char *what, bool *err)
{
	uint32_t res = 0;

	if (send_built(t, w, built, timeout_s, &res) < 0)
		return -1;
	if (res != 0) {
		fprintf(out, "%s returned error code 0x%08x\n", what, res);
		*err = true;
	}
	return 0;
}

#define STEP12(builder, what, to) \
	(BUILD(w, buf), step(t, &w, (builder), (to), stderr, (what), &err))
#define STEP2(builder, what) \
	(BUILD(w, buf), step(t, &w, (builder), TIMEOUT_MEDIUM, stdout, \
	(what), &err))

/* TPM 1.2 sequence; returns the exit code. */
static int
run_tpm12(const struct target *t, uint8_t st_type, bool more, bool cs,
    bool ea, bool unassert)
{
	uint8_t buf[32];
	char what[32];
	bool err = false, deact = false;
	uint32_t res = 0;
	struct wr w;

	snprintf(what, sizeof(what), "TPM_Startup(0x%02x)", st_type);
	if (st_type != NO_STARTUP &&
	    STEP12(tpm12_build_startup(&w, st_type), what, TIMEOUT_MEDIUM) < 0)
		return 255;
	if (more) {
		if (STEP12(tpm12_build_physical_presence(&w,
		    TPM_PP_CMD_ENABLE), "TSC_PhysicalPresence(CMD_ENABLE)",
		    TIMEOUT_MEDIUM) < 0 ||
		    STEP12(tpm12_build_physical_presence(&w, TPM_PP_PRESENT),
		    "TSC_PhysicalPresence(PRESENT)", TIMEOUT_MEDIUM) < 0)
			return 255;
		if (ea) {
			if (tpm12_get_deactivated(t, &res, &deact) < 0)
				return 255;
			if (res != 0) {
				fprintf(stderr, "TPM_GetCapability() returned "
				    "error code 0x%08x\n", res);
				err = true;
			}
		}
		if (STEP12(tpm12_build_physical_enable(&w),
		    "TPM_PhysicalEnable", TIMEOUT_MEDIUM) < 0 ||
		    STEP12(tpm12_build_set_deactivated(&w, false),
		    "TPM_PhysicalSetDeactivated", TIMEOUT_MEDIUM) < 0)
			return 255;
		if (ea && deact) {
			printf("TPM requires a reset\n");
			return EXIT_NEEDS_RESET;
		}
	}
	if (cs && STEP12(tpm12_build_continue_self_test(&w),
	    "TPM_ContinueSelfTest", TIMEOUT_LONG) < 0)
		return 255;
	if (unassert &&
	    (STEP12(tpm12_build_physical_presence(&w, TPM_PP_CMD_ENABLE),
	    "TSC_PhysicalPresence(CMD_ENABLE)", TIMEOUT_MEDIUM) < 0 ||
	    STEP12(tpm12_build_physical_presence(&w, TPM_PP_NOTPRESENT |
	    TPM_PP_LOCK), "TSC_PhysicalPresence(NOT_PRESENT|LOCK)",
	    TIMEOUT_MEDIUM) < 0))
		return 255;
	return err ? EXIT_TPM_ERROR : 0;
}

/* TPM2_HierarchyChangeAuth(platform) to 20 random bytes. */
static int
tpm2_change_platform_auth(const struct target *t, bool *tpm_err)
{
	uint8_t buf[64], pw[PLATFORM_AUTH_LEN];
	bool err = false;
	struct wr w;
	ssize_t n;
	int fd, rc;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("Could not open /dev/urandom: %s\n", strerror(errno));
		return -1;
	}
	n = read(fd, pw, sizeof(pw));
	close(fd);
	if (n != PLATFORM_AUTH_LEN) {
		printf("Read of bytes from /dev/urandom failed");
		if (n < 0)
			printf(": %s", strerror(errno));
		printf("\n");
		return -1;
	}
	/* COMPAT: cli.md §10: continueSession set, as in 0.7.1 */
	rc = STEP2(tpm2_build_change_auth(&w, TPM2_RH_PLATFORM, pw,
	    sizeof(pw), 1), "TPM2_HierarchyChangeAuth");
	secure_wipe(pw, sizeof(pw));
	secure_wipe(buf, sizeof(buf));
	*tpm_err |= err;
	return rc;
}

/* TPM 2 sequence; errors go to stdout there. Returns the exit code. */
static int
run_tpm2(const struct target *t, uint8_t su_type, bool cs, bool unassert)
{
	static const uint16_t sha1 = TPM2_ALG_SHA1; /* COMPAT: SHA-1 only */
	uint8_t buf[32];
	bool err = false;
	struct wr w;

	if (su_type != NO_STARTUP && STEP2(tpm2_build_startup(&w, su_type),
	    "TPM2_Startup") < 0)
		return 255;
	/* COMPAT: 0.7.1's spelling */
	if (cs && STEP2(tpm2_build_self_test(&w, &sha1, 1),
	    "TPM2_ImcrementalSelfTest") < 0)
		return 255;
	if (unassert && tpm2_change_platform_auth(t, &err) < 0)
		return 255;
	return err ? EXIT_TPM_ERROR : 0;
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
