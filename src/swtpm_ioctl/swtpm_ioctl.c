/*
 * swtpm_ioctl: command-line client of the swtpm control channel
 * (cli.md §9). Option handling, command dispatch and output; must match
 * the reference 0.7.1 client on the wire, on stdout/stderr and in exit
 * codes. Talks to the server through transport.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "bytes.h"
#include "client.h"
#include "ctrl.h"
#include "net.h"
#include "swtpm/tpm_ioctl.h"
#include "transport.h"

#define DEFAULT_TCP_PORT	6546	/* COMPAT: cli.md §9, not 6545 */

struct opts {
	const char	*command;	/* the literal argv string */
	const char	*device;
	const char	*unix_path;
	char		*tcp_host;
	unsigned int	 tcp_port;
	unsigned int	 locality;
	unsigned int	 buffersize;
	unsigned int	 retries;
	const char	*hashdata;
	const char	*blobtype;
	const char	*blobfile;
	uint64_t	 info_flags;
};

/* Same names, order and arguments as the reference (abbreviations!). */
static const struct option long_opts[] = {
	{ "tpm-device",		required_argument, NULL, 'D' },
	{ "tcp",		required_argument, NULL, 'T' },
	{ "unix",		required_argument, NULL, 'U' },
	{ "c",			no_argument,	   NULL, 'c' },
	{ "i",			no_argument,	   NULL, 'i' },
	{ "stop",		no_argument,	   NULL, 't' },
	{ "s",			no_argument,	   NULL, 's' },
	{ "e",			no_argument,	   NULL, 'e' },
	{ "r",			required_argument, NULL, 'r' },
	{ "v",			no_argument,	   NULL, 'v' },
	{ "C",			no_argument,	   NULL, 'C' },
	{ "l",			required_argument, NULL, 'l' },
	{ "h",			required_argument, NULL, 'h' },
	{ "g",			no_argument,	   NULL, 'g' },
	{ "b",			required_argument, NULL, 'b' },
	{ "save",		required_argument, NULL, 'S' },
	{ "load",		required_argument, NULL, 'L' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "info",		required_argument, NULL, 'I' },
	{ "help",		no_argument,	   NULL, 'H' },
	{ "lock-storage",	required_argument, NULL, 'K' },
	{ NULL,			0,		   NULL, 0 },
};

static void
versioninfo(void)
{
	printf("TPM emulator control tool version %s, Copyright (c) 2015 "
	    "IBM Corp.\n", PACKAGE_VERSION);
}

static void
usage(const char *prgname)
{
	versioninfo();
	printf(
"\n"
"Usage: %s command <device path>\n"
"\n"
"The following commands are supported:\n"
"--tpm-device <device> : use the given device; default is /dev/tpm0\n"
"--tcp [<host>]:[<prt>]: connect to TPM on given host and port;\n"
"                        default host is 127.0.0.1, default port is %u\n"
"--unix <path>         : connect to TPM using UnixIO socket\n"
"-c                    : get ptm capabilities\n"
"-i                    : do a hardware TPM_Init; if volatile state is found,\n"
"                        it will resume the TPM with it and delete it\n"
"                        afterwards\n"
"--stop                : stop the TPM without exiting\n"
"-s                    : shutdown the TPM; stops and exists\n"
"-e                    : get the tpmEstablished bit\n"
"-r <loc>              : reset the tpmEstablished bit; use the given locality\n"
"-v                    : store the TPM's volatile data\n"
"-C                    : cancel an ongoing TPM command\n"
"-l <loc>              : set the locality to the given number; valid\n"
"                        localities are 0-4\n"
"-h <data>             : hash the given data; if data is '-' then data are\n"
"                        read from stdin\n"
"--save <type> <file>  : store the TPM state blob of given type in a file;\n"
"                        type may be one of volatile, permanent, or savestate\n"
"--load <type> <file>  : load the TPM state blob of given type from a file;\n"
"                        type may be one of volatile, permanent, or savestate\n"
"-g                    : get configuration flags indicating which keys are in\n"
"                        use\n"
"-b <buffersize>       : set the buffer size of the TPM and get its current\n"
"                        size; get minimum and maximum supported sizes\n"
"--info <flags>        : get TPM implementation specific information;\n"
"                        flags must be an integer value\n"
"--lock-storage <n>    : lock the storage of the TPM\n"
"--version             : display version and exit\n"
"--help                : display help screen and exit\n"
"\n", prgname, DEFAULT_TCP_PORT);
}

/*
 * --tcp [<host>]:[<port>]. COMPAT: cli.md §9: the port is "%u" but
 * compared as an int, and for "host:port" the out-of-range message
 * quotes the option from its second character, as 0.7.1 does.
 */
static int
parse_tcp(const char *arg, struct opts *o)
{
	char msg[256];

	free(o->tcp_host);
	o->tcp_host = NULL;
	if (net_parse_target(arg, DEFAULT_TCP_PORT, &o->tcp_host,
	    &o->tcp_port, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	return 0;
}

static int
parse_locality(const char *s, unsigned int *loc)
{
	if (sscanf(s, "%u", loc) != 1) {
		fprintf(stderr, "Could not get locality number from %s.\n", s);
		return -1;
	}
	if (*loc > 4) {
		fprintf(stderr, "Locality outside valid range of [0..4].\n");
		return -1;
	}
	return 0;
}

static int
take_filename(int argc, char **argv, const char *opt, struct opts *o,
    const char **cmd)
{
	if (optind == argc || argv[optind][0] == '-') {
		fprintf(stderr, "Missing filename argument for %s option\n",
		    opt);
		return -1;
	}
	o->blobtype = argv[optind - 1];
	*cmd = argv[optind - 2];
	o->blobfile = argv[optind];
	optind++;
	return 0;
}

/*
 * Returns -1 to go on, else the exit code. COMPAT: cli.md §9: the
 * command is the literal argv string (argv[optind - 1] or, with an
 * argument, argv[optind - 2]) and option arguments are read from argv
 * too, so "-l=2" parses "-l=2"; only one distinct command string.
 */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	const char *cmd;
	char *end;
	int c;

	while ((c = getopt_long_only(argc, argv, "", long_opts, NULL)) != -1) {
		cmd = o->command;
		switch (c) {
		case 'D':
			o->device = optarg;
			break;
		case 'T':
			if (parse_tcp(optarg, o) < 0)
				return 1;
			break;
		case 'U':
			o->unix_path = optarg;
			break;
		case 'c': case 'i': case 't': case 's':
		case 'e': case 'v': case 'C': case 'g':
			cmd = argv[optind - 1];
			break;
		case 'r':
		case 'l':
			cmd = argv[optind - 2];
			if (parse_locality(argv[optind - 1], &o->locality) < 0)
				return 1;
			break;
		case 'h':
			cmd = argv[optind - 2];
			o->hashdata = argv[optind - 1];
			break;
		case 'b':
			cmd = argv[optind - 2];
			if (sscanf(argv[optind - 1], "%u", &o->buffersize) != 1) {
				fprintf(stderr, "Could not get buffersize from "
				    "%s.\n", argv[optind - 1]);
				return 1;
			}
			break;
		case 'I':
			cmd = argv[optind - 2];
			errno = 0;
			o->info_flags = strtoul(argv[optind - 1], &end, 0);
			if (errno != 0 || *end != '\0') {
				fprintf(stderr, "Cannot parse info flags.\n");
				return 1;
			}
			break;
		case 'S':
			if (take_filename(argc, argv, "--save", o, &cmd) < 0)
				return 1;
			break;
		case 'L':
			if (take_filename(argc, argv, "--load", o, &cmd) < 0)
				return 1;
			break;
		case 'K':
			cmd = argv[optind - 2];
			if (sscanf(argv[optind - 1], "%u", &o->retries) != 1) {
				fprintf(stderr, "Could not get number of "
				    "retries from %s.\n", argv[optind - 1]);
				return 1;
			}
			break;
		case 'V':
			versioninfo();
			return 0;
		case 'H':
			usage(argv[0]);
			return 0;
		default:
			/* getopt has complained; carry on like 0.7.1 */
			break;
		}
		if (o->command == NULL) {
			o->command = cmd;
		} else if (cmd != o->command) {
			fprintf(stderr, "Only one command may be given.\n");
			return 1;
		}
	}
	return -1;
}

/* --- commands ------------------------------------------------------ */

/* Names used in the two error messages of a command. */
struct names {
	const char	*exec;	/* "Could not execute <exec>: %s" */
	const char	*res;	/* "TPM result from <res>: 0x%x" */
};

/*
 * The names of a command are the ioctl names of the command table
 * (src/ctrl); 'exec' overrides the first where 0.7.1 words it
 * differently (COMPAT: cli.md §9).
 */
static struct names
names_of(uint32_t code, const char *exec)
{
	const struct ctrl_cmd_info *c = ctrl_cmd_info(code);
	struct names n = { exec, c != NULL ? c->ioctl : "?" };

	if (n.exec == NULL)
		n.exec = n.res;
	return n;
}

static int
fail_exec(const struct names *n)
{
	fprintf(stderr, "Could not execute %s: %s\n", n->exec,
	    strerror(errno));
	return 1;
}

/* A response too short to hold what the command expects. */
static int
fail_short(const struct names *n)
{
	errno = EBADMSG;
	return fail_exec(n);
}

static int
fail_result(const struct names *n, uint32_t res)
{
	fprintf(stderr, "TPM result from %s: 0x%x\n", n->res, res);
	return 1;
}

/* Send req, expect the 4-byte result; 0 on success, else exit code. */
static int
run_simple(struct cl_conn *c, const struct wr *req, const struct names *n)
{
	uint8_t rsp[4];
	uint32_t res;
	ssize_t got;

	got = tr_xfer(c, req->p, req->len, rsp, sizeof(rsp));
	if (got < 0)
		return fail_exec(n);
	if (!ctrl_client_dec_result(rsp, (size_t)got, &res))
		return fail_short(n);
	if (res != 0)
		return fail_result(n, res);
	return 0;
}

static int
cmd_plain(struct cl_conn *c, uint32_t code, const char *exec)
{
	struct names n = names_of(code, exec);
	uint8_t buf[4];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	ctrl_client_enc(&w, code);
	return run_simple(c, &w, &n);
}

static int
cmd_caps(struct cl_conn *c)
{
	struct names n = names_of(CMD_GET_CAPABILITY, NULL);
	struct ctrl_client_cap cap;
	uint8_t req[4], rsp[8];
	struct wr w;
	ssize_t got;

	wr_init(&w, req, sizeof(req));
	ctrl_client_enc(&w, CMD_GET_CAPABILITY);
	got = tr_xfer(c, req, w.len, rsp, sizeof(rsp));
	if (got < 0)
		return fail_exec(&n);
	if (!ctrl_client_dec_cap(rsp, (size_t)got, &cap))
		return fail_short(&n);
	/* COMPAT: 0.7.1 prints the 8 bytes as one BE64, result included */
	printf("ptm capability is 0x%" PRIx64 "\n", cap.raw);
	return 0;
}

static int
cmd_init(struct cl_conn *c)
{
	struct names n = names_of(CMD_INIT, NULL);
	uint8_t buf[8];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	ctrl_client_enc_init(&w, PTM_INIT_FLAG_DELETE_VOLATILE);
	return run_simple(c, &w, &n);
}

static int
cmd_est(struct cl_conn *c)
{
	struct names n = names_of(CMD_GET_TPMESTABLISHED,
	    "PTM_GET_ESTABLISHED");
	uint8_t req[4], rsp[8], bit;
	uint32_t res;
	struct wr w;
	ssize_t got;

	wr_init(&w, req, sizeof(req));
	ctrl_client_enc(&w, CMD_GET_TPMESTABLISHED);
	got = tr_xfer(c, req, w.len, rsp, sizeof(rsp));
	if (got < 0)
		return fail_exec(&n);
	if (!ctrl_client_dec_est(rsp, (size_t)got, &res, &bit))
		return fail_short(&n);
	if (res != 0)
		return fail_result(&n, res);
	printf("tpmEstablished is %d\n", bit);
	return 0;
}

static int
cmd_loc(struct cl_conn *c, uint32_t code, uint8_t loc)
{
	struct names n = names_of(code, code == CMD_RESET_TPMESTABLISHED ?
	    "PTM_RESET_ESTABLISHED" : NULL);
	uint8_t buf[5];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	ctrl_client_enc_loc(&w, code, loc);
	return run_simple(c, &w, &n);
}

static int
cmd_config(struct cl_conn *c)
{
	struct names n = names_of(CMD_GET_CONFIG, NULL);
	uint8_t req[4], rsp[8];
	uint32_t res, flags;
	struct wr w;
	ssize_t got;

	wr_init(&w, req, sizeof(req));
	ctrl_client_enc(&w, CMD_GET_CONFIG);
	got = tr_xfer(c, req, w.len, rsp, sizeof(rsp));
	if (got < 0)
		return fail_exec(&n);
	if (!ctrl_client_dec_config(rsp, (size_t)got, &res, &flags))
		return fail_short(&n);
	if (res != 0)
		return fail_result(&n, res);
	printf("ptm configuration flags: 0x%x\n", flags);
	return 0;
}

static int
cmd_bufsize(struct cl_conn *c, uint32_t size)
{
	struct names n = names_of(CMD_SET_BUFFERSIZE, NULL);
	struct ctrl_client_bufsize bs;
	uint8_t req[8], rsp[16];
	struct wr w;
	ssize_t got;

	wr_init(&w, req, sizeof(req));
	ctrl_client_enc_set_buffersize(&w, size);
	got = tr_xfer(c, req, w.len, rsp, sizeof(rsp));
	if (got < 0)
		return fail_exec(&n);
	if (!ctrl_client_dec_bufsize(rsp, (size_t)got, &bs))
		return fail_short(&n);
	if (bs.result != 0)
		return fail_result(&n, bs.result);
	printf("TPM buffersize: %u\nminimum size  : %u\nmaximum size  : %u\n",
	    bs.buffersize, bs.minsize, bs.maxsize);
	return 0;
}

/*
 * GET_INFO, repeated with a growing offset until totlength bytes came
 * (a string below 3072 bytes takes one request, as in 0.7.1).
 */
static int
cmd_info(struct cl_conn *c, uint64_t flags)
{
	struct names n = names_of(CMD_GET_INFO, NULL);
	static uint8_t rsp[12 + PTM_GETINFO_SIZE];
	struct ctrl_client_info info;
	uint8_t req[20];
	uint32_t offset = 0;
	const uint8_t *nul;
	struct wr w;
	ssize_t got;
	size_t len;

	for (;;) {
		wr_init(&w, req, sizeof(req));
		ctrl_client_enc_get_info(&w, flags, offset);
		got = tr_xfer(c, req, w.len, rsp, sizeof(rsp));
		if (got < 0)
			return fail_exec(&n);
		if (!ctrl_client_dec_info(rsp, (size_t)got, &info))
			return fail_short(&n);
		if (info.result != 0)
			return fail_result(&n, info.result);
		len = info.datalen;
		nul = len > 0 ? memchr(info.data, '\0', len) : NULL;
		if (nul != NULL)
			len = (size_t)(nul - info.data);
		fwrite(info.data != NULL ? info.data : rsp, 1, len, stdout);
		if (nul != NULL || info.datalen == 0 ||
		    info.datalen < info.length ||
		    offset > info.totlength ||
		    info.length >= info.totlength - offset)
			break;
		offset += info.length;
	}
	printf("\n");
	return 0;
}

static int
cmd_lock(struct cl_conn *c, uint32_t retries)
{
	struct names n = names_of(CMD_LOCK_STORAGE, NULL);
	uint8_t buf[8];
	struct wr w;

	/* COMPAT: cli.md §9: HEAD sends retries = 0 whatever <n> says */
	(void)retries;
	wr_init(&w, buf, sizeof(buf));
	ctrl_client_enc_lock_storage(&w, 0);
	return run_simple(c, &w, &n);
}

/* HASH_START, HASH_DATA per <= 4096-byte chunk, HASH_END: one connection */
static int
cmd_hash(struct cl_conn *c, const char *data)
{
	struct names nd = names_of(CMD_HASH_DATA, "ioctl PTM_HASH_DATA");
	static uint8_t chunk[PTM_HDATA_SIZE], req[8 + PTM_HDATA_SIZE];
	struct wr w;
	size_t len, off, n;
	int rc;

	if ((rc = cmd_plain(c, CMD_HASH_START, "ioctl PTM_HASH_START")) != 0)
		return rc;
	len = strlen(data);
	if (len == 1 && data[0] == '-') {
		/* stdin to EOF; the chunk that meets EOF may be empty */
		do {
			n = fread(chunk, 1, sizeof(chunk), stdin);
			wr_init(&w, req, sizeof(req));
			ctrl_client_enc_hash_data(&w, chunk, (uint32_t)n);
			if ((rc = run_simple(c, &w, &nd)) != 0)
				return rc;
		} while (n == sizeof(chunk));
	} else {
		for (off = 0; off < len; off += n) {
			n = len - off;
			if (n > PTM_HDATA_SIZE)
				n = PTM_HDATA_SIZE;
			wr_init(&w, req, sizeof(req));
			ctrl_client_enc_hash_data(&w, data + off, (uint32_t)n);
			if ((rc = run_simple(c, &w, &nd)) != 0)
				return rc;
		}
	}
	return cmd_plain(c, CMD_HASH_END, "ioctl PTM_HASH_END");
}


int
main(int argc, char **argv)
{
	static const struct { const char *name; uint32_t code; } plain[] = {
		{ "-s", CMD_SHUTDOWN },
		{ "--stop", CMD_STOP },
		{ "-C", CMD_CANCEL_TPM_CMD },
		{ "-v", CMD_STORE_VOLATILE },
	};
	struct cl_conn conn, *c = &conn;
	struct opts o;
	const char *cmd;
	size_t i;
	int fd, rc;

	memset(&o, 0, sizeof(o));
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		goto out;
	rc = 1;
	if (o.command == NULL) {
		fprintf(stderr, "No valid command.\n");
		goto out;
	}
	/* COMPAT: precedence --tpm-device > --tcp > --unix > trailing dev */
	if (o.device == NULL && o.tcp_host == NULL && o.unix_path == NULL) {
		if (optind == argc) {
			fprintf(stderr, "Error: Missing device name.\n");
			goto out;
		}
		o.device = argv[optind];
	}
	if (o.device != NULL) {
		fd = open(o.device, O_RDWR | O_CLOEXEC);
		if (fd < 0 || cl_from_fd(c, fd) != CL_OK) {
			fprintf(stderr, "Unable to open device '%s'.\n",
			    o.device);
			goto out;
		}
	} else {
		if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
			fprintf(stderr, "Could not install signal handler "
			    "for SIGPIPE.");
			goto out;
		}
		if (o.tcp_host != NULL)
			rc = tr_connect_tcp(c, o.tcp_host, o.tcp_port);
		else
			rc = tr_connect_unix(c, o.unix_path);
		if (rc < 0) {
			rc = 1;
			goto out;
		}
	}

	cmd = o.command;
	rc = -1;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(cmd, plain[i].name) == 0)
			rc = cmd_plain(c, plain[i].code, NULL);
	if (rc != -1)
		;
	else if (strcmp(cmd, "-c") == 0)
		rc = cmd_caps(c);
	else if (strcmp(cmd, "-i") == 0)
		rc = cmd_init(c);
	else if (strcmp(cmd, "-e") == 0)
		rc = cmd_est(c);
	else if (strcmp(cmd, "-r") == 0)
		rc = cmd_loc(c, CMD_RESET_TPMESTABLISHED,
		    (uint8_t)o.locality);
	else if (strcmp(cmd, "-l") == 0)
		rc = cmd_loc(c, CMD_SET_LOCALITY, (uint8_t)o.locality);
	else if (strcmp(cmd, "-h") == 0)
		rc = cmd_hash(c, o.hashdata);
	else if (strcmp(cmd, "--save") == 0)
		rc = cmd_save(c, o.blobtype, o.blobfile);
	else if (strcmp(cmd, "--load") == 0)
		rc = cmd_load(c, o.blobtype, o.blobfile);
	else if (strcmp(cmd, "-g") == 0)
		rc = cmd_config(c);
	else if (strcmp(cmd, "-b") == 0)
		rc = cmd_bufsize(c, o.buffersize);
	else if (strcmp(cmd, "--info") == 0)
		rc = cmd_info(c, o.info_flags);
	else if (strcmp(cmd, "--lock-storage") == 0)
		rc = cmd_lock(c, o.retries);
	else {
		usage(argv[0]);
		rc = 1;
	}
	cl_close(c);
out:
	free(o.tcp_host);
	return rc;
}
