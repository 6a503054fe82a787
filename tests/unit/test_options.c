/*
 * Unit tests for the swtpm command line parser (src/swtpm/options.c)
 * and the sub-option parser (subopt.c): fields, exit codes and the
 * exact error texts of spec cli.md §1-§4 (texts observed on 0.7.1).
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "options.h"
#include "seccomp.h"
#include "subopt.h"
#include "t.h"

#define MAXARGS 40

static struct sw_opts o;
static char *out_buf, *err_buf;

/* Reads all of the temporary file f into a new string. */
static char *
slurp(FILE *f)
{
	char *buf;
	long n;

	fflush(f);
	n = ftell(f);
	if (n < 0 || (buf = calloc(1, (size_t)n + 1)) == NULL)
		abort();
	rewind(f);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	return buf;
}

/*
 * Runs sw_opts_parse on "swtpm" + the NULL-terminated arguments, with
 * stdout and stderr (the descriptors: getopt writes there too) going to
 * temporary files, read back into out_buf and err_buf.
 */
static int
run(const char *first, ...)
{
	char *argv[MAXARGS];
	int argc = 0, rc, saved_out, saved_err;
	const char *a;
	FILE *out, *err;
	va_list ap;

	free(out_buf);
	free(err_buf);
	out_buf = err_buf = NULL;
	argv[argc++] = (char *)"swtpm";
	va_start(ap, first);
	for (a = first; a != NULL && argc < MAXARGS - 1; a = va_arg(ap, char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	out = tmpfile();
	err = tmpfile();
	if (out == NULL || err == NULL)
		abort();
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	if (saved_out < 0 || saved_err < 0 || dup2(fileno(out), 1) < 0 ||
	    dup2(fileno(err), 2) < 0)
		abort();
	rc = sw_opts_parse(&o, argc, argv);
	fflush(stdout);
	fflush(stderr);
	if (dup2(saved_out, 1) < 0 || dup2(saved_err, 2) < 0)
		abort();
	close(saved_out);
	close(saved_err);
	fseek(out, 0, SEEK_END);
	fseek(err, 0, SEEK_END);
	out_buf = slurp(out);
	err_buf = slurp(err);
	fclose(out);
	fclose(err);
	return rc;
}

/* Expects an error exit with exactly this stderr and nothing on stdout. */
#define T_FAILS(msg, ...) do { \
	T_EQ_U(run(__VA_ARGS__, NULL), 1); \
	T_EQ_STR(err_buf, msg); \
	T_EQ_STR(out_buf, ""); \
} while (0)

#define T_OK(...) do { \
	T_EQ_U(run(__VA_ARGS__, NULL), (unsigned long long)-1); \
	T_EQ_STR(err_buf, ""); \
} while (0)

static bool
starts_with(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A socket descriptor (>= 3) for fd= options; closed at exit. */
static int sock_fd = -1, file_fd = -1;
static char sock_str[16], file_str[16];

static void
test_top_level(void)
{
	char want[128];

	T_EQ_U(run(NULL), 1);
	T_EQ_STR(err_buf, "Missing TPM interface type.\n");

	T_EQ_U(run("foo", NULL), 1);
	T_CHECK(starts_with(err_buf,
	    "Unsupported TPM interface type 'foo'.\n"));
	T_CHECK(strstr(err_buf, "socket|chardev") != NULL);
	T_EQ_STR(out_buf, "");

	T_EQ_U(run("-h", NULL), 0);
	T_CHECK(strstr(out_buf, "socket|chardev") != NULL);
	T_CHECK(strstr(out_buf, "-v|--version") != NULL);
	T_EQ_U(run("--help", NULL), 0);
	T_EQ_STR(err_buf, "");

	snprintf(want, sizeof(want), "TPM emulator version %s, Copyright "
	    "(c) 2014-2022 IBM Corp. and others\n", PACKAGE_VERSION);
	T_EQ_U(run("-v", NULL), 0);
	T_EQ_STR(out_buf, want);
	T_EQ_U(run("--version", "extra", NULL), 0);
	T_EQ_STR(out_buf, want);
}

static void
test_getopt(void)
{
	T_EQ_U(run("socket", "--version", NULL), 1);
	T_CHECK(starts_with(err_buf,
	    "socket: unrecognized option '--version'\nUsage: swtpm socket"));
	T_EQ_U(run("socket", "--bogus", "-h", NULL), 1);
	T_CHECK(starts_with(err_buf,
	    "socket: unrecognized option '--bogus'\n"));
	T_EQ_U(run("socket", "--key", NULL), 1);
	T_CHECK(starts_with(err_buf,
	    "socket: option '--key' requires an argument\n"));
	T_EQ_U(run("chardev", "-t", NULL), 1);
	T_CHECK(starts_with(err_buf, "chardev: invalid option -- 't'\n"));
	T_EQ_U(run("chardev", "--server", "x", NULL), 1);
	T_EQ_U(run("socket", "--vtpm-proxy", NULL), 1);

	T_EQ_U(run("socket", "-h", "--bogus", NULL), 0);
	T_CHECK(starts_with(out_buf, "Usage: swtpm socket [options]\n"));
	T_CHECK(strstr(out_buf, "--server") != NULL);
	T_EQ_STR(err_buf, "");
	T_EQ_U(run("chardev", "--help", NULL), 0);
	T_CHECK(starts_with(out_buf, "Usage: swtpm chardev [options]\n"));
	T_CHECK(strstr(out_buf, "--vtpm-proxy") != NULL);

	T_FAILS("swtpm: Unknown parameter 'extra'\n", "socket", "extra");
	/* GNU permutation: options after the operand are still parsed */
	T_FAILS("swtpm: Unknown parameter 'extra'\n", "socket", "extra",
	    "--tpm2");
	T_EQ_U(run("socket", "extra", "--bogus", NULL), 1);
	T_CHECK(starts_with(err_buf, "socket: unrecognized option"));

	T_OK("socket", "--tpm2", "-d", "-t", "-r", "tss", "-R", "/x",
	    "--runas", "nobody");
	T_CHECK(o.tpm2 && o.daemon && o.terminate);
	T_EQ_STR(o.runas, "nobody");
	T_EQ_STR(o.chroot_path, "/x");
	T_EQ_U(o.server.type, SW_CHAN_NONE);
	sw_opts_release(&o);
}

static void
test_port(void)
{
	T_FAILS("swtpm: Cannot parse socket port number 'abc'.\n", "socket",
	    "-p", "abc");
	T_FAILS("swtpm: Cannot parse socket port number '-1'.\n", "socket",
	    "-p", "-1");
	T_FAILS("swtpm: Port is outside valid range.\n", "socket", "-p",
	    "65536");
	/* errors of -p come while getopt runs, before a later bad option */
	T_FAILS("swtpm: Cannot parse socket port number '1x'.\n", "socket",
	    "-p", "1x", "--bogus");

	T_OK("socket", "-p", "0x10");
	T_EQ_U(o.server.type, SW_CHAN_TCP);
	T_EQ_U(o.server.port, 16);
	T_CHECK(o.server.disconnect);
	T_CHECK(o.server.bindaddr == NULL);
	sw_opts_release(&o);

	/* the last of -p and --server wins */
	T_OK("socket", "-p", "1234", "--server", "type=unixio,path=/s");
	T_EQ_U(o.server.type, SW_CHAN_UNIXIO);
	T_EQ_STR(o.server.path, "/s");
	T_CHECK(!o.server.disconnect);
	sw_opts_release(&o);
	T_OK("socket", "--server", "type=unixio,path=/s", "--port", "1234");
	T_EQ_U(o.server.type, SW_CHAN_TCP);
	T_EQ_U(o.server.port, 1234);
	T_CHECK(o.server.path == NULL);
	sw_opts_release(&o);
	/* -p acts as TPM_PORT for a later --server without port */
	unsetenv("TPM_PORT");
	T_OK("socket", "-p", "1234", "--server", "type=tcp");
	T_EQ_U(o.server.port, 1234);
	T_CHECK(!o.server.disconnect);
	sw_opts_release(&o);
}

static void
test_server(void)
{
	char arg[64];

	unsetenv("TPM_PORT");
	T_FAILS("swtpm: TPM_PORT is not set or contains an invalid integer "
	    "value.\n", "socket", "--server", "type=tcp");
	setenv("TPM_PORT", "abc", 1);
	T_FAILS("swtpm: TPM_PORT is not set or contains an invalid integer "
	    "value.\n", "socket", "--server", "disconnect");
	setenv("TPM_PORT", "-3", 1);
	T_FAILS("swtpm: No valid port number provided for TCP socket.\n",
	    "socket", "--server", "type=tcp");
	setenv("TPM_PORT", "2321", 1);
	T_OK("socket", "--server", "type=tcp,bindaddr=::1,ifname=lo");
	T_EQ_U(o.server.port, 2321);
	T_EQ_STR(o.server.bindaddr, "::1");
	T_EQ_STR(o.server.ifname, "lo");
	sw_opts_release(&o);
	unsetenv("TPM_PORT");

	T_FAILS("swtpm: No valid port number provided for TCP socket.\n",
	    "socket", "--server", "port=-5");
	T_FAILS("swtpm: TCP socket port outside valid range\n", "socket",
	    "--server", "port=70000");
	T_FAILS("swtpm: Unsupported socket type: foo\n", "socket",
	    "--server", "type=foo");
	T_FAILS("swtpm: Missing path and file descriptor option for UnixIO "
	    "socket\n", "socket", "--server", "type=unixio");
	snprintf(arg, sizeof(arg), "type=unixio,fd=%d", file_fd);
	T_EQ_U(run("socket", "--server", arg, NULL), 1);
	T_CHECK(strstr(err_buf, "for UnixIO control channel\n") != NULL);
	snprintf(arg, sizeof(arg), "type=tcp,fd=%d", file_fd);
	T_EQ_U(run("socket", "--server", arg, NULL), 1);
	T_CHECK(strstr(err_buf, "for TCP socket\n") != NULL);
	T_FAILS("swtpm: Error parsing server options: Unknown option "
	    "'bogus'\n", "socket", "--server", "bogus");

	snprintf(arg, sizeof(arg), "type=tcp,fd=%s,port=5", sock_str);
	T_OK("socket", "--server", arg);
	T_EQ_U(o.server.fd, sock_fd);
	T_EQ_U(o.server.port, (unsigned long long)-1);
	T_CHECK(o.terminate);
	sw_opts_release(&o);

	T_OK("socket", "--server", "type=unixio,path=/p,mode=0600,uid=0,"
	    "gid=root,disconnect");
	T_EQ_U(o.server.mode, 0600);
	T_CHECK(o.server.mode_set && o.server.uid_set && o.server.gid_set);
	T_EQ_U(o.server.uid, 0);
	T_EQ_U(o.server.gid, 0);
	T_CHECK(o.server.disconnect);
	sw_opts_release(&o);

	/* --fd with a server is refused */
	T_EQ_U(run("socket", "--fd", sock_str, "-p", "1", NULL), 1);
	T_CHECK(strstr(err_buf, "--fd cannot be combined") != NULL);
}

static void
test_ctrl(void)
{
	char arg[64];

	T_FAILS("swtpm: Missing type parameter for control channel\n",
	    "socket", "--ctrl", "path=x");
	T_FAILS("swtpm: Unsupported control channel type: foo\n", "socket",
	    "--ctrl", "type=foo");
	T_FAILS("swtpm: Missing path and fd options for UnixIO control "
	    "channel\n", "socket", "--ctrl", "type=unixio,mode=0777");
	T_FAILS("swtpm: Missing port and fd options for TCP control "
	    "channel\n", "socket", "--ctrl", "type=tcp,port=-2");
	T_FAILS("swtpm: TCP control channel port outside valid range\n",
	    "socket", "--ctrl", "type=tcp,port=65536");
	T_FAILS("swtpm: Bad filedescriptor 999 for UnixIO control channel\n",
	    "socket", "--ctrl", "type=unixio,fd=999");
	T_FAILS("swtpm: Bad filedescriptor 999 for UnixIO client control "
	    "channel\n", "socket", "--ctrl", "type=unixio,clientfd=999");
	T_FAILS("swtpm: Bad filedescriptor 999 for TCP control channel\n",
	    "socket", "--ctrl", "type=tcp,fd=999");
	/* --ctrl is checked before --server */
	T_FAILS("swtpm: Error parsing ctrl options: Unknown option 'b'\n",
	    "socket", "--server", "a", "--ctrl", "b");

	/* fd wins over clientfd wins over path */
	snprintf(arg, sizeof(arg), "type=unixio,path=/c,clientfd=%s",
	    sock_str);
	T_OK("chardev", "--fd", sock_str, "--ctrl", arg);
	T_EQ_U(o.ctrl.type, SW_CHAN_UNIXIO);
	T_EQ_U(o.ctrl.clientfd, sock_fd);
	T_EQ_U(o.ctrl.fd, (unsigned long long)-1);
	T_CHECK(o.ctrl.path == NULL);
	T_CHECK(!o.ctrl.terminate);
	sw_opts_release(&o);

	T_OK("socket", "--ctrl", "type=tcp,port=2322,terminate");
	T_EQ_U(o.ctrl.type, SW_CHAN_TCP);
	T_EQ_U(o.ctrl.port, 2322);
	T_CHECK(o.ctrl.terminate);
	sw_opts_release(&o);

	T_OK("socket", "--ctrl", "type=unixio,path=/c,mode=0600,uid=root");
	T_EQ_STR(o.ctrl.path, "/c");
	T_EQ_U(o.ctrl.mode, 0600);
	T_CHECK(o.ctrl.uid_set && !o.ctrl.gid_set);
	sw_opts_release(&o);
}

static void
test_types(void)
{
	T_FAILS("swtpm: Error parsing server options: invalid mode type "
	    "'0999'\n", "socket", "--server", "type=unixio,mode=0999");
	T_FAILS("swtpm: Error parsing server options: mode 01000 is "
	    "invalid\n", "socket", "--server", "type=unixio,mode=01000");
	/* COMPAT: the user/group messages end in an extra newline */
	T_FAILS("swtpm: Error parsing server options: User 'no-such-user-x' "
	    "does not exist.\n\n", "socket", "--server",
	    "type=unixio,uid=no-such-user-x");
	T_FAILS("swtpm: Error parsing ctrl options: Group 'no-such-group-x' "
	    "does not exist.\n\n", "socket", "--ctrl",
	    "type=unixio,gid=no-such-group-x");
	T_FAILS("swtpm: Error parsing server options: uid -1 outside valid "
	    "range\n", "socket", "--server", "type=unixio,uid=-1");
	T_FAILS("swtpm: Error parsing key options: invalid number '3x'\n",
	    "socket", "--key", "fd=3x");
	T_FAILS("swtpm: Error parsing key options: invalid number 'true'\n",
	    "socket", "--key", "fd");
	T_FAILS("swtpm: Error parsing key options: number 4294967296 outside "
	    "valid range\n", "socket", "--key", "fd=4294967296");
	T_FAILS("swtpm: Error parsing logging options: number -1 outside "
	    "valid range\n", "socket", "--log", "level=-1");
	T_FAILS("swtpm: Error parsing key options: Unknown option 'fd='\n",
	    "socket", "--key", "fd=");

	/* booleans: true/1 in any case, everything else false */
	T_OK("socket", "--locality", "reject-locality-4=TRUE,"
	    "allow-set-locality=yes");
	T_CHECK(o.loc_reject4 && !o.loc_allow_set);
	sw_opts_release(&o);
	T_OK("socket", "--locality", "allow-set-locality=1");
	T_CHECK(!o.loc_reject4 && o.loc_allow_set);
	sw_opts_release(&o);
}

static void
test_subopt(void)
{
	static const struct so_desc d[] = {
		{ "profile", SO_STRING }, { "name", SO_STRING },
		{ "n", SO_INT },
	};
	struct so_val v[3];
	char err[128];

	T_EQ_U(so_parse("profile={\"a\":{\"b\":1},\"c\":2},name=x", d, v, 3,
	    err, sizeof(err)), 0);
	T_EQ_STR(v[0].str, "{\"a\":{\"b\":1},\"c\":2}");
	T_EQ_STR(v[1].str, "x");
	T_CHECK(!v[2].set);
	so_vals_free(v, 3);

	T_EQ_U(so_parse("name={x,y}", d, v, 3, err, sizeof(err)), 0);
	T_EQ_STR(v[1].str, "{x,y}");
	so_vals_free(v, 3);

	T_EQ_U(so_parse("profile={\"a\":{}", d, v, 3, err, sizeof(err)),
	    (unsigned long long)-1);
	T_EQ_STR(err, "Unterminated JSON map.");
	T_EQ_U(so_parse("profile={}x,n=1", d, v, 3, err, sizeof(err)),
	    (unsigned long long)-1);
	T_EQ_STR(err, "Unexpected character following JSON map.");
	T_EQ_U(so_parse("profile={}x", d, v, 3, err, sizeof(err)),
	    (unsigned long long)-1);

	/* a '{' after the first comma is an ordinary character */
	T_EQ_U(so_parse("n=1,name=a{", d, v, 3, err, sizeof(err)), 0);
	T_EQ_STR(v[1].str, "a{");
	T_EQ_U(v[2].num, 1);
	so_vals_free(v, 3);

	/* first occurrence wins, later ones must still be valid */
	T_EQ_U(so_parse("n=1,n=2,name=a=b,name=c", d, v, 3, err,
	    sizeof(err)), 0);
	T_EQ_U(v[2].num, 1);
	T_EQ_STR(v[1].str, "a=b");
	so_vals_free(v, 3);
	T_EQ_U(so_parse("n=1,n=x", d, v, 3, err, sizeof(err)),
	    (unsigned long long)-1);
	T_EQ_STR(err, "invalid number 'x'");

	/* COMPAT: empty items are skipped as by 0.7.1 */
	T_EQ_U(so_parse(",,n=3,,", d, v, 3, err, sizeof(err)), 0);
	T_EQ_U(v[2].num, 3);
	T_EQ_U(so_parse("", d, v, 3, err, sizeof(err)), 0);
	T_CHECK(!v[0].set && !v[1].set && !v[2].set);

	T_EQ_U(so_parse("nam", d, v, 3, err, sizeof(err)),
	    (unsigned long long)-1);
	T_EQ_STR(err, "Unknown option 'nam'");
	T_EQ_U(so_parse("n=-2147483649", d, v, 3, err, sizeof(err)),
	    (unsigned long long)-1);
	T_EQ_STR(err, "number -2147483649 outside valid range");
	T_EQ_U(so_parse("n=-2147483648", d, v, 3, err, sizeof(err)), 0);
	T_EQ_U(v[2].num, (unsigned long long)INT_MIN);
}

static void
test_fd(void)
{
	int saved;

	T_FAILS("swtpm: Cannot parse socket file descriptor.\n", "socket",
	    "-f", "abc");
	T_FAILS("swtpm: Cannot parse socket file descriptor.\n", "socket",
	    "-f", "-1");
	T_FAILS("swtpm: Cannot parse character device file descriptor.\n",
	    "chardev", "--fd", "abc");
	T_FAILS("swtpm: Cannot stat file descriptor: Bad file descriptor\n",
	    "socket", "-f", "999");
	T_FAILS("swtpm: Given file descriptor type is not supported.\n",
	    "socket", "--fd", file_str);

	/* descriptors 0-2 are refused after the --log check (§5 step 6) */
	saved = dup(0);
	T_ASSERT(saved >= 0 && dup2(sock_fd, 0) == 0);
	T_FAILS("swtpm: Error: Cannot accept file descriptors with values "
	    "0, 1, or 2\n", "socket", "-f", "0");
	T_FAILS("swtpm: Error parsing logging options: Unknown option 'x'\n",
	    "socket", "-f", "0", "--log", "x");
	T_FAILS("swtpm: Error: Cannot accept file descriptors with values "
	    "0, 1, or 2\n", "socket", "-f", "0", "--print-capabilities");
	T_FAILS("swtpm: Error: Cannot accept file descriptors with values "
	    "0, 1, or 2\n", "chardev", "-f", "0");
	dup2(saved, 0);
	close(saved);

	T_OK("socket", "--fd", sock_str);
	T_EQ_U(o.data_fd, sock_fd);
	T_CHECK(o.terminate);
	T_EQ_U(o.server.type, SW_CHAN_NONE);
	sw_opts_release(&o);
}

static void
test_tpmstate(void)
{
	T_FAILS("swtpm: The dir or backend-uri parameters is required for "
	    "the tpmstate option.\n", "socket", "--tpmstate", "mode=0600");
	T_FAILS("swtpm: Error parsing tpmstate options: Unknown option "
	    "'dir='\n", "socket", "--tpmstate", "dir=");
	T_FAILS("swtpm: Error: the backup parameter of --tpmstate needs the "
	    "directory backend\n", "socket", "--tpmstate",
	    "backend-uri=file:///f,backup");
	T_OK("socket", "--tpmstate", "dir=/x,backup");
	T_CHECK(o.state_cfg.backup);
	sw_opts_release(&o);

	unsetenv("TPM_PATH");
	T_OK("socket");
	T_CHECK(o.state_uri == NULL && !o.state_given);
	sw_opts_release(&o);

	T_OK("socket", "--tpmstate", "dir=/a,dir=/b", "--tpm2");
	T_EQ_STR(o.state_uri, "dir:///a");
	T_CHECK(o.state_given && o.state_cfg.lock && o.state_cfg.fsync);
	T_CHECK(o.state_cfg.tpm2 && !o.state_cfg.mode_set);
	T_EQ_U(o.state_cfg.mode, 0600);
	sw_opts_release(&o);

	/* the last --tpmstate wins; dir wins over backend-uri */
	T_OK("socket", "--tpmstate", "dir=/a", "--tpmstate",
	    "backend-uri=file:///f,dir=/d,backup=false");
	T_EQ_STR(o.state_uri, "dir:///d");
	T_CHECK(o.state_cfg.lock);
	sw_opts_release(&o);

	T_OK("socket", "--tpmstate", "backend-uri=file:///f,mode=0600,"
	    "fsync=false");
	T_EQ_STR(o.state_uri, "file:///f");
	T_CHECK(!o.state_cfg.lock && !o.state_cfg.fsync);
	T_CHECK(o.state_cfg.mode_set);
	T_EQ_U(o.state_cfg.mode, 0600);
	sw_opts_release(&o);
	T_OK("socket", "--tpmstate", "backend-uri=file:///f,lock");
	T_CHECK(o.state_cfg.lock);
	sw_opts_release(&o);
	T_OK("socket", "--tpmstate", "dir=/d,lock=false");
	T_CHECK(!o.state_cfg.lock);
	sw_opts_release(&o);

	setenv("TPM_PATH", "/env", 1);
	T_OK("chardev", "--vtpm-proxy");
	T_EQ_STR(o.state_uri, "dir:///env");
	T_CHECK(!o.state_given && o.state_cfg.lock && o.state_cfg.fsync);
	sw_opts_release(&o);
	/* --print-states does not use TPM_PATH */
	T_FAILS("swtpm: Error: --tpmstate option is required for "
	    "--print-states\n", "socket", "--print-states", "--key", "bad");
	unsetenv("TPM_PATH");
}

static void
test_key(void)
{
	T_FAILS("swtpm: Error parsing key options: Unknown option 'foo'\n",
	    "socket", "--key", "foo");
	T_FAILS("swtpm: Error parsing key options: Unknown option 'foo'\n",
	    "socket", "--migration-key", "foo");
	T_FAILS("swtpm: Either file=, fd=, pwdfile=, or pwdfd= is required "
	    "for key option\n", "socket", "--key", "mode=aes-cbc");
	T_FAILS("swtpm: Either file=, fd=, pwdfile=, or pwdfd= is required "
	    "for key option\n", "socket", "--key", "");
	T_FAILS("swtpm: Unknown encryption mode 'AES-CBC'.\n", "socket",
	    "--key", "file=x,mode=AES-CBC");
	T_FAILS("swtpm: Unknown key format 'bad'.\n", "socket", "--key",
	    "file=x,mode=bad,format=bad");
	T_FAILS("swtpm: Unknown kdf 'true'.\n", "socket", "--key",
	    "pwdfile=x,kdf");
	T_FAILS("swtpm: Unknown encryption mode 'true'.\n", "socket",
	    "--key", "pwdfile=x,mode,kdf=x");

	/* kdf is not looked at for key files */
	T_OK("socket", "--key", "fd=5,file=/k,kdf=bad,format=binary,"
	    "mode=aes-256-cbc,remove");
	T_CHECK(o.key_given && !o.migkey_given);
	T_EQ_U(o.key.src, ST_KEY_FILE);
	T_EQ_STR(o.key.path, "/k");
	T_EQ_U(o.key.fmt, ST_KEY_BINARY);
	T_EQ_U(o.key.keylen, 32);
	T_CHECK(o.key.remove);
	sw_opts_release(&o);

	T_OK("socket", "--migration-key", "pwdfile=/p,fd=7,kdf=sha512");
	T_EQ_U(o.migkey.src, ST_KEY_FD);
	T_EQ_U(o.migkey.fd, 7);
	T_EQ_U(o.migkey.keylen, 16);
	T_EQ_U(o.migkey.fmt, ST_KEY_HEX);
	sw_opts_release(&o);

	T_OK("socket", "--key", "pwdfd=8,pwdfile=/p,kdf=sha512,mode=aes-cbc");
	T_EQ_U(o.key.src, ST_KEY_PWDFILE);
	T_EQ_STR(o.key.path, "/p");
	T_EQ_U(o.key.kdf, ST_KDF_SHA512);
	T_CHECK(!o.key.remove);
	sw_opts_release(&o);

	T_OK("socket", "--key", "pwdfd=8,mode=aes-256-cbc", "--migration-key",
	    "pwdfd=9,mode=aes-256-cbc");
	T_EQ_U(o.key.src, ST_KEY_PWDFD);
	T_EQ_U(o.key.fd, 8);
	T_EQ_U(o.key.kdf, ST_KDF_PBKDF2);
	T_EQ_U(o.migkey.fd, 9);
	T_CHECK(o.key_given && o.migkey_given);
	sw_opts_release(&o);
}

static void
test_pid_log_misc(void)
{
	char arg[32];

	T_FAILS("swtpm: The file or fd parameter is required for the pid "
	    "option.\n", "socket", "--pid", "fd=-2");
	T_FAILS("swtpm: Bad filedescriptor 999 for pid file\n", "socket",
	    "--pid", "fd=999");
	T_EQ_U(run("socket", "--pid", "fd=", NULL), 1);
	T_OK("socket", "--pid", "file=/run/p,fd=5");
	T_EQ_STR(o.pid_file, "/run/p");
	T_EQ_U(o.pid_fd, (unsigned long long)-1);
	sw_opts_release(&o);
	snprintf(arg, sizeof(arg), "fd=%d", file_fd);
	T_OK("socket", "--pid", arg);
	T_CHECK(o.pid_file == NULL);
	T_EQ_U(o.pid_fd, file_fd);
	sw_opts_release(&o);
	snprintf(arg, sizeof(arg), "fd=%d", sock_fd);
	T_EQ_U(run("socket", "--pid", arg, NULL), 1);
	T_CHECK(strstr(err_buf, "for pid file") != NULL);

	T_FAILS("swtpm: Error parsing logging options: invalid number "
	    "'abc'\n", "socket", "--log", "level=abc");
	T_OK("socket", "--log", "fd=9,file=/l,level=0,prefix=p: ,truncate");
	T_CHECK(o.log_given && o.log_truncate);
	T_EQ_STR(o.log_file, "/l");
	T_EQ_U(o.log_fd, (unsigned long long)-1);
	T_EQ_U(o.log_level, 1);
	T_EQ_STR(o.log_prefix, "p: ");
	T_CHECK(!o.log_json);
	sw_opts_release(&o);
	T_OK("socket", "--log", "file=/l,format=json");
	T_CHECK(o.log_json);
	sw_opts_release(&o);
	T_OK("socket", "--log", "file=/l,format=json,format=text");
	T_CHECK(o.log_json);	/* the first one is kept (subopt.h) */
	sw_opts_release(&o);
	T_FAILS("swtpm: Error parsing logging options: unsupported format "
	    "'xml' (text or json)\n", "socket", "--log", "file=/l,format=xml");
	T_FAILS("swtpm: Error parsing logging options: unsupported format "
	    "'JSON' (text or json)\n", "socket", "--log", "format=JSON");
	T_OK("socket", "--log", "fd=9,level=5");
	T_EQ_U(o.log_fd, 9);
	T_EQ_U(o.log_level, 5);
	T_CHECK(o.log_prefix == NULL);
	sw_opts_release(&o);

	T_FAILS("swtpm: Error parsing flags options: Unknown option 'x'\n",
	    "socket", "--flags", "x");
	T_OK("socket", "--flags", "startup-none,startup-state,startup-clear,"
	    "disable-auto-shutdown");
	T_EQ_U(o.startup, SW_STARTUP_CLEAR);
	T_CHECK(o.not_need_init && o.disable_auto_shutdown);
	sw_opts_release(&o);
	T_OK("socket", "--flags", "startup-none");
	T_EQ_U(o.startup, SW_STARTUP_NONE);
	T_CHECK(!o.not_need_init);
	sw_opts_release(&o);

	T_FAILS("swtpm: Unsupported seccomp log action foo\n", "socket",
	    "--seccomp", "action=foo");
	T_EQ_U(run("socket", "--seccomp", "log", NULL), 1);
	T_OK("socket", "--seccomp", "action=none");
	T_EQ_U(o.seccomp_action, SW_SECCOMP_NONE);
	T_CHECK(o.seccomp_given);
	sw_opts_release(&o);
	T_OK("socket");
	T_EQ_U(o.seccomp_action, SW_HAVE_SECCOMP ? SW_SECCOMP_KILL :
	    SW_SECCOMP_NONE);
	T_CHECK(!o.seccomp_given);
	sw_opts_release(&o);
	if (SW_HAVE_SECCOMP) {
		T_OK("socket", "--seccomp", "action=log");
		T_EQ_U(o.seccomp_action, SW_SECCOMP_LOG);
		sw_opts_release(&o);
		T_OK("socket", "--seccomp", "action=kill");
		T_EQ_U(o.seccomp_action, SW_SECCOMP_KILL);
		sw_opts_release(&o);
	} else {
		T_EQ_U(run("socket", "--seccomp", "action=kill", NULL), 1);
	}

	T_OK("socket", "--migration", "incoming", "--print-info", "0x4");
	T_CHECK(o.mig_incoming && !o.mig_release_lock_outgoing);
	T_EQ_U(o.print_info, 4);
	sw_opts_release(&o);
	T_FAILS("swtpm: Cannot parse info value '4294967296'.\n", "socket",
	    "--print-info", "4294967296");

	/* step 11 order: key, migration-key, pid, locality, tpmstate, ... */
	T_FAILS("swtpm: Error parsing pid options: Unknown option 'a'\n",
	    "socket", "--locality", "b", "--pid", "a");
	T_FAILS("swtpm: Error parsing locality options: Unknown option 'b'\n",
	    "socket", "--tpmstate", "c", "--locality", "b");
	T_FAILS("swtpm: Error parsing seccomp options: Unknown option 'd'\n",
	    "socket", "--flags", "e", "--seccomp", "d");
}

static void
test_print_modes(void)
{
	/* --print-capabilities skips everything after --log and the fd */
	T_OK("socket", "--print-capabilities", "--key", "bad", "--ctrl", "x");
	T_CHECK(o.print_capabilities);
	sw_opts_release(&o);
	T_FAILS("swtpm: Error parsing logging options: Unknown option 'x'\n",
	    "socket", "--print-capabilities", "--log", "x");
	/* chardev checks --locality before it */
	T_FAILS("swtpm: Error parsing locality options: Unknown option 'x'\n",
	    "chardev", "--print-capabilities", "--locality", "x");

	/* --print-states: --ctrl and --tpmstate, not --key */
	T_FAILS("swtpm: Error parsing ctrl options: Unknown option 'x'\n",
	    "socket", "--print-states", "--ctrl", "x");
	T_OK("socket", "--print-states", "--tpmstate", "dir=/s", "--key",
	    "bad");
	T_CHECK(o.print_states);
	T_EQ_STR(o.state_uri, "dir:///s");
	sw_opts_release(&o);
}

static void
test_chardev(void)
{
	T_FAILS("swtpm: Error: Missing character device or file "
	    "descriptor\n", "chardev", "--key", "bad");
	T_FAILS("swtpm: Cannot use vTPM proxy with a provided device.\n",
	    "chardev", "-c", "/dev/null", "--vtpm-proxy");

	/* the first of -c/-f wins, a later -f is not even parsed */
	T_OK("chardev", "-c", "/dev/tpm0", "-f", "abc", "-c", "/dev/x");
	T_EQ_STR(o.chardev, "/dev/tpm0");
	T_EQ_U(o.data_fd, (unsigned long long)-1);
	T_CHECK(o.terminate);
	sw_opts_release(&o);
	T_OK("chardev", "-f", sock_str, "--chardev", "/dev/tpm0");
	T_CHECK(o.chardev == NULL);
	T_EQ_U(o.data_fd, sock_fd);
	sw_opts_release(&o);

	T_OK("chardev", "--vtpm-proxy");
	T_EQ_U(o.startup, SW_STARTUP_CLEAR);
	T_CHECK(o.not_need_init && o.loc_allow_set && o.vtpm_proxy);
	sw_opts_release(&o);
	T_OK("chardev", "--vtpm-proxy", "--flags", "startup-none");
	T_EQ_U(o.startup, SW_STARTUP_NONE);
	T_CHECK(o.not_need_init);
	sw_opts_release(&o);

	/* --print-info needs no device */
	T_OK("chardev", "--print-info", "1");
	sw_opts_release(&o);
}

int
main(void)
{
	int sv[2];
	FILE *tmp;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 99;
	sock_fd = sv[0];
	tmp = tmpfile();
	if (tmp == NULL)
		return 99;
	file_fd = fileno(tmp);
	snprintf(sock_str, sizeof(sock_str), "%d", sock_fd);
	snprintf(file_str, sizeof(file_str), "%d", file_fd);

	T_RUN(test_top_level);
	T_RUN(test_getopt);
	T_RUN(test_port);
	T_RUN(test_server);
	T_RUN(test_ctrl);
	T_RUN(test_types);
	T_RUN(test_subopt);
	T_RUN(test_fd);
	T_RUN(test_tpmstate);
	T_RUN(test_key);
	T_RUN(test_pid_log_misc);
	T_RUN(test_print_modes);
	T_RUN(test_chardev);

	sw_opts_release(&o);
	free(out_buf);
	free(err_buf);
	fclose(tmp);
	close(sv[0]);
	close(sv[1]);
	T_END();
}
