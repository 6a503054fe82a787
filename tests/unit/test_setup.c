/*
 * Unit tests of swtpm_setup's pure parts (src/swtpm_setup): option
 * parsing and the checks on options alone, the JSON of the TPM
 * program's --print-capabilities and --print-states and of
 * CMD_GET_INFO (every truncation refused), the certificate tool's
 * command line, the log (date format, logfile, held-back lines), the
 * helper processes' bounded capture, the TPM command line and program
 * search, the state backends' delete, atomic file writes and
 * --create-config-files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "certtool.h"
#include "cfgfiles.h"
#include "fileio.h"
#include "flow.h"
#include "log.h"
#include "opts.h"
#include "probe.h"
#include "run.h"
#include "session.h"
#include "t.h"

static char tdir[64];

/* A string literal and its length. */
#define S(lit)	(lit), (sizeof(lit) - 1)

static enum su_action
parse(struct su_opts *o, const char **bad, int n, ...)
{
	static char *argv[32];
	va_list ap;
	int i;

	argv[0] = "swtpm_setup";
	va_start(ap, n);
	for (i = 0; i < n && i < 30; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	argv[i + 1] = NULL;
	opterr = 0;
	return su_opts_parse(o, i + 1, argv, bad);
}

static void
test_opts_basic(void)
{
	struct su_opts o;
	const char *bad;

	T_EQ_U(parse(&o, &bad, 0), SU_RUN);
	T_CHECK(o.tpm_state == NULL);
	T_EQ_U(o.keyfile_fd, -1);
	T_EQ_U(o.pwdfile_fd, -1);
	T_EQ_STR(o.cipher, "aes-128-cbc");
	su_opts_release(&o);

	/* a bare path is a directory; the last value wins */
	T_EQ_U(parse(&o, &bad, 4, "--tpmstate", "/a", "--tpm-state", "/b"),
	    SU_RUN);
	T_EQ_STR(o.tpm_state, "dir:///b");
	T_CHECK(!o.state_is_file);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--tpm-state=file:///x/y"), SU_RUN);
	T_EQ_STR(o.tpm_state, "file:///x/y");
	T_CHECK(o.state_is_file);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--tpm-state=dir://rel"), SU_RUN);
	T_EQ_STR(o.tpm_state, "dir://rel");
	su_opts_release(&o);

	/* implied flags */
	T_EQ_U(parse(&o, &bad, 1, "--create-ek-cert"), SU_RUN);
	T_EQ_U(o.flags, SU_F_CREATE_EK | SU_F_EK_CERT);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--create-platform-cert"), SU_RUN);
	T_EQ_U(o.flags, SU_F_CREATE_EK | SU_F_PLATFORM_CERT);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--take-ownership"), SU_RUN);
	T_EQ_U(o.flags, SU_F_CREATE_EK | SU_F_TAKE_OWN);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 6, "--tpm2", "--lock-nvram", "--overwrite",
	    "--allow-signing", "--decryption", "--reconfigure"), SU_RUN);
	T_EQ_U(o.flags, SU_F_TPM2 | SU_F_LOCK_NVRAM | SU_F_OVERWRITE |
	    SU_F_ALLOW_SIGNING | SU_F_DECRYPTION | SU_F_RECONFIGURE);
	su_opts_release(&o);

	/* values; a unique prefix is the option (getopt_long) */
	T_EQ_U(parse(&o, &bad, 12, "--vmid", "vm1", "--logfile", "/l",
	    "--write-ek-cert-files", "/d", "--cipher", "aes-256-cbc",
	    "--config", "/c", "--tpm", "sw socket"), SU_RUN);
	T_EQ_STR(o.vmid, "vm1");
	T_EQ_STR(o.logfile, "/l");
	T_EQ_STR(o.ek_cert_dir, "/d");
	T_CHECK(o.flags & SU_F_WRITE_EK_FILES);
	T_EQ_STR(o.cipher, "aes-256-cbc");
	T_EQ_STR(o.config, "/c");
	T_EQ_STR(o.tpm, "sw socket");
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--create-platform", "--print-cap"), SU_RUN);
	T_CHECK(o.flags & SU_F_PLATFORM_CERT);
	T_CHECK(o.flags & SU_F_PRINT_CAPS);
	su_opts_release(&o);
}

static void
test_opts_special(void)
{
	struct su_opts o;
	const char *bad;

	/* --pcr-banks repeats are joined, each value stripped */
	T_EQ_U(parse(&o, &bad, 4, "--pcr-banks", " sha1 ", "--pcr-banks",
	    "sha256,sha384"), SU_RUN);
	T_EQ_STR(o.pcr_banks, "sha1,sha256,sha384");
	su_opts_release(&o);

	T_EQ_U(parse(&o, &bad, 1, "--help"), SU_HELP);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "-h"), SU_HELP);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--version"), SU_VERSION);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--no-such-option"), SU_USAGE_ERROR);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "-?"), SU_USAGE_ERROR);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 1, "--tpm"), SU_USAGE_ERROR);
	su_opts_release(&o);

	/* --create-config-files: inline, next word, not an option */
	T_EQ_U(parse(&o, &bad, 1, "--create-config-files=root"),
	    SU_CREATE_CONFIG);
	T_EQ_STR(o.create_config, "root");
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 3, "--create-config-files", "root,overwrite",
	    "--tpm2"), SU_CREATE_CONFIG);
	T_EQ_STR(o.create_config, "root,overwrite");
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--create-config-files", "--tpm2"),
	    SU_CREATE_CONFIG);
	T_EQ_STR(o.create_config, "");
	su_opts_release(&o);
	/* 0.7.1 would take "0x" as the argument: the test was for '-' */
	T_EQ_U(parse(&o, &bad, 2, "--create-config-files", "0x"),
	    SU_CREATE_CONFIG);
	T_EQ_STR(o.create_config, "0x");
	su_opts_release(&o);

	/* descriptors */
	T_EQ_U(parse(&o, &bad, 4, "--keyfile-fd", "7", "--pwdfile-fd", "9"),
	    SU_RUN);
	T_EQ_U(o.keyfile_fd, 7);
	T_EQ_U(o.pwdfile_fd, 9);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--keyfile-fd", "abc"), SU_BAD_FD);
	T_EQ_STR(bad, "abc");
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--pwdfile-fd", "3x"), SU_BAD_FD);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--pwdfile-fd", "-1"), SU_BAD_FD);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--pwdfile-fd", "2147483647"), SU_BAD_FD);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 2, "--pwdfile-fd", ""), SU_BAD_FD);
	su_opts_release(&o);

	/* deprecated options: accepted, remembered for the warning */
	T_EQ_U(parse(&o, &bad, 5, "--swtpm_ioctl", "x", "--display",
	    "--tcsd-system-ps-file", "y"), SU_RUN);
	T_EQ_U(o.deprecated, 3);
	T_CHECK(o.flags & SU_F_DISPLAY);
	su_opts_release(&o);
	T_EQ_U(parse(&o, &bad, 6, "--ownerpass", "o", "--srk-well-known",
	    "--srkpass", "s", "--owner-well-known"), SU_RUN);
	T_EQ_STR(o.ownerpass, "o");
	T_EQ_STR(o.srkpass, "s");
	T_EQ_U(o.flags, SU_F_SRKPASS_ZEROS | SU_F_OWNERPASS_ZEROS);
	su_opts_release(&o);
}

static void
test_opts_checks(void)
{
	static const unsigned sizes[] = { 1024, 2048, 3072 };
	static const unsigned big[] = { 2048, 4096 };
	struct su_opts o;
	char buf[128];

	T_CHECK(su_cipher_ok("aes-128-cbc"));
	T_CHECK(su_cipher_ok("aes-cbc"));
	T_CHECK(su_cipher_ok("aes-256-cbc"));
	T_CHECK(!su_cipher_ok("aes-192-cbc"));
	T_CHECK(!su_cipher_ok(""));

	/* precedence: keyfile > pwdfile > keyfile-fd > pwdfile-fd */
	memset(&o, 0, sizeof(o));
	o.keyfile_fd = o.pwdfile_fd = -1;
	o.cipher = "aes-256-cbc";
	T_EQ_U(su_keyopt(&o, buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "");
	o.pwdfile_fd = 5;
	T_EQ_U(su_keyopt(&o, buf, sizeof(buf)), 4);
	T_EQ_STR(buf, "pwdfd=5,mode=aes-256-cbc");
	o.keyfile_fd = 4;
	T_EQ_U(su_keyopt(&o, buf, sizeof(buf)), 3);
	T_EQ_STR(buf, "fd=4,mode=aes-256-cbc");
	o.pwdfile = "/p";
	T_EQ_U(su_keyopt(&o, buf, sizeof(buf)), 2);
	T_EQ_STR(buf, "pwdfile=/p,mode=aes-256-cbc");
	o.keyfile = "/k";
	T_EQ_U(su_keyopt(&o, buf, sizeof(buf)), 1);
	T_EQ_STR(buf, "file=/k,mode=aes-256-cbc");
	T_EQ_U(su_keyopt(&o, buf, 10), (unsigned long long)-1);

	T_EQ_U(su_rsa_keysize(NULL, sizes, 3), 2048);
	T_EQ_U(su_rsa_keysize("2048", NULL, 0), 2048);
	T_EQ_U(su_rsa_keysize("3072", NULL, 0), 3072);
	T_EQ_U(su_rsa_keysize("max", sizes, 3), 3072);
	T_EQ_U(su_rsa_keysize("max", NULL, 0), 2048);
	T_EQ_U(su_rsa_keysize("max", big, 2), 0);
	T_EQ_U(su_rsa_max(big, 2), 4096);
	T_EQ_U(su_rsa_keysize("4096", big, 2), 0);
	T_EQ_U(su_rsa_keysize("1024", sizes, 3), 0);
	T_EQ_U(su_rsa_keysize("2048 ", sizes, 3), 0);

	T_CHECK(su_pcr_banks_empty(NULL));
	T_CHECK(su_pcr_banks_empty(""));
	T_CHECK(su_pcr_banks_empty(", ,"));
	T_CHECK(!su_pcr_banks_empty("-"));
	T_CHECK(!su_pcr_banks_empty(",sha1"));
}

/* Every proper prefix of s must be refused by fn. */
static int
truncations_refused(int (*fn)(const char *, size_t, void *), const char *s,
    void *out)
{
	size_t n, len = strlen(s);
	int bad = 0, saved, fd;

	/* the parsers' complaints are not this test's output */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, STDERR_FILENO);
	close(fd);
	for (n = 0; n < len; n++)
		if (fn(s, n, out) == 0)
			bad++;
	dup2(saved, STDERR_FILENO);
	close(saved);
	return bad;
}

static int
caps_fn(const char *s, size_t n, void *out)
{
	return su_caps_parse(s, n, out);
}

static int
states_fn(const char *s, size_t n, void *out)
{
	return su_states_parse(s, n, out);
}

static int
info_fn(const char *s, size_t n, void *out)
{
	return su_tpm_info_parse(s, n, out);
}

static void
test_caps(void)
{
	static const char full[] = "{ \"type\": \"swtpm\", \"features\": [ "
	    "\"tpm-1.2\", \"tpm-2.0\", \"cmdarg-seccomp\", "
	    "\"rsa-keysize-1024\", \"rsa-keysize-2048\", "
	    "\"rsa-keysize-3072\" ], \"version\": \"0.7.1\" }";
	struct su_caps c, t2;
	FILE *f;
	char out[1024];
	int fd, saved;
	ssize_t n;

	T_EQ_U(su_caps_parse(full, strlen(full), &c), 0);
	T_CHECK(c.tpm12 && c.tpm2);
	T_EQ_U(c.nrsa, 3);
	T_EQ_U(c.rsa[0], 1024);
	T_EQ_U(c.rsa[2], 3072);
	T_EQ_U(truncations_refused(caps_fn, full, &c), 0);
	T_EQ_U(su_caps_parse(S("{\"features\":[]}\n"), &c), 0);
	T_CHECK(su_caps_parse(S("{\"features\":[\"tpm-2.0\"]}"), &c) == 0 &&
	    !c.tpm12 && c.tpm2);
	/* wrong shapes */
	T_EQ_U(su_caps_parse(S("{\"features\":\"tpm-2.0\"}"), &c),
	    (unsigned long long)-1);
	T_EQ_U(su_caps_parse(S("{\"features\":[1]}"), &c),
	    (unsigned long long)-1);
	T_EQ_U(su_caps_parse(S("{}"), &c), (unsigned long long)-1);
	T_EQ_U(su_caps_parse(S("[]"), &c), (unsigned long long)-1);
	T_EQ_U(su_caps_parse(S("{\"features\":[]} x"), &c),
	    (unsigned long long)-1);
	T_EQ_U(su_caps_parse(S("not json"), &c), (unsigned long long)-1);
	T_EQ_U(su_caps_parse(NULL, 0, &c), (unsigned long long)-1);
	/* only well-formed sizes count */
	T_EQ_U(su_caps_parse(S("{\"features\":[\"rsa-keysize-\","
	    "\"rsa-keysize-12x\",\"rsa-keysize-+5\",\"xrsa-keysize-1\","
	    "\"rsa-keysize-4096\"]}"), &c), 0);
	T_EQ_U(c.nrsa, 1);
	T_EQ_U(c.rsa[0], 4096);

	/* our line: tpm-* from the plain probe, sizes >= 2048 from --tpm2 */
	T_EQ_U(su_caps_parse(S("{\"features\":[\"tpm-2.0\"]}"), &c), 0);
	T_EQ_U(su_caps_parse(full, strlen(full), &t2), 0);
	snprintf(out, sizeof(out), "%s/caps.out", tdir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	f = fopen(out, "w");
	T_ASSERT(f != NULL && saved >= 0);
	dup2(fileno(f), STDOUT_FILENO);
	T_EQ_U(su_caps_print(&c, &t2), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	fclose(f);
	fd = open(out, O_RDONLY);
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	T_ASSERT(n > 0);
	out[n] = '\0';
	T_EQ_STR(out, "{ \"type\": \"swtpm_setup\", \"features\": [ "
	    "\"tpm-2.0\", \"cmdarg-keyfile-fd\", \"cmdarg-pwdfile-fd\", "
	    "\"tpm12-not-need-root\", \"cmdarg-write-ek-cert-files\", "
	    "\"cmdarg-create-config-files\", "
	    "\"cmdarg-reconfigure-pcr-banks\", \"tpm2-rsa-keysize-2048\", "
	    "\"tpm2-rsa-keysize-3072\" ], \"version\": \"" PACKAGE_VERSION
	    "\" }\n");
}

static void
test_states(void)
{
	static const char full[] = "{ \"type\": \"swtpm\", \"states\": [ "
	    "{\"name\": \"volatilestate\", \"size\": 1}, "
	    "{\"name\": \"permall\", \"size\": 5997} ] }";
	bool has;

	T_EQ_U(su_states_parse(full, strlen(full), &has), 0);
	T_CHECK(has);
	T_EQ_U(truncations_refused(states_fn, full, &has), 0);
	T_EQ_U(su_states_parse(S("{\"states\":[]}"), &has), 0);
	T_CHECK(!has);
	T_EQ_U(su_states_parse(S("{\"states\":[{\"name\":\"savestate\"}]}"),
	    &has), 0);
	T_CHECK(!has);
	/* the reference finds "permall" anywhere in the text; we do not */
	T_EQ_U(su_states_parse(S("{\"states\":[],\"x\":\"permall\"}"),
	    &has), 0);
	T_CHECK(!has);
	T_EQ_U(su_states_parse(S("{\"states\":[{\"name\":1}]}"), &has),
	    (unsigned long long)-1);
	T_EQ_U(su_states_parse(S("{\"states\":{}}"), &has),
	    (unsigned long long)-1);
	T_EQ_U(su_states_parse(S("permall"), &has), (unsigned long long)-1);
}

static void
test_info(void)
{
	static const char full[] = "{\"TPMSpecification\":{\"family\":\"2.0\","
	    "\"level\":0,\"revision\":164},\"TPMAttributes\":{\"manufacturer\":"
	    "\"id:00001014\",\"version\":\"id:20191023\",\"model\":\"swtpm\"}}";
	struct su_tpm_info in;
	char withnul[sizeof(full) + 1];

	T_EQ_U(su_tpm_info_parse(full, strlen(full), &in), 0);
	T_EQ_STR(in.family, "2.0");
	T_EQ_U(in.level, 0);
	T_EQ_U(in.revision, 164);
	T_EQ_STR(in.manufacturer, "id:00001014");
	T_EQ_STR(in.model, "swtpm");
	T_EQ_STR(in.version, "id:20191023");
	/* swtpm counts the string's NUL */
	memcpy(withnul, full, sizeof(full));
	T_EQ_U(su_tpm_info_parse(withnul, sizeof(full), &in), 0);
	T_EQ_U(truncations_refused(info_fn, full, &in), 0);
	/* a member of the wrong type is missing */
	T_EQ_U(su_tpm_info_parse(S("{\"TPMSpecification\":{\"family\":2.0}}"),
	    &in), (unsigned long long)-1);
	T_EQ_U(su_tpm_info_parse(S("{\"TPMSpecification\":{\"family\":\"2.0\","
	    "\"level\":\"0\",\"revision\":164}}"), &in),
	    (unsigned long long)-1);
}

static void
test_cert_argv(void)
{
	struct su_tpm_info in = { "2.0", 0, 164, "id:00001014", "swtpm",
	    "id:20191023" };
	struct su_certtool ct = { NULL, "/usr/bin/swtpm_localca", "/c.conf",
	    "/c.options", "swtpm_localca" };
	struct su_cert_req rq;
	struct su_cert_argv av;
	char line[1024];
	size_t i;

	memset(&rq, 0, sizeof(rq));
	rq.type = SU_CERT_EK;
	rq.keyparams = "abcd";
	rq.dir = "/tmp/d";
	rq.tpm2 = true;
	rq.logfile = "/l";
	rq.vmid = "vm:1";
	rq.info = &in;
	su_cert_argv(&ct, &rq, &av);
	line[0] = '\0';
	for (i = 0; i < av.argc; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    "%s%s", i > 0 ? " " : "", av.argv[i]);
	T_EQ_STR(line, "/usr/bin/swtpm_localca --type ek --ek abcd --dir "
	    "/tmp/d --logfile /l --vmid vm:1 --tpm-spec-family 2.0 "
	    "--tpm-spec-level 0 --tpm-spec-revision 164 --tpm-manufacturer "
	    "id:00001014 --tpm-model swtpm --tpm-version id:20191023 --tpm2 "
	    "--configfile /c.conf --optsfile /c.options");
	T_CHECK(av.argv[av.argc] == NULL);

	/* HEAD's --allow-signing [--decryption] after --dir; TPM 2 only */
	rq.type = SU_CERT_PLATFORM;
	rq.allow_signing = rq.decryption = true;
	rq.logfile = rq.vmid = NULL;
	ct.config = ct.options = NULL;
	su_cert_argv(&ct, &rq, &av);
	line[0] = '\0';
	for (i = 0; i < av.argc; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    "%s%s", i > 0 ? " " : "", av.argv[i]);
	T_EQ_STR(line, "/usr/bin/swtpm_localca --type platform --ek abcd "
	    "--dir /tmp/d --allow-signing --decryption --tpm-spec-family 2.0 "
	    "--tpm-spec-level 0 --tpm-spec-revision 164 --tpm-manufacturer "
	    "id:00001014 --tpm-model swtpm --tpm-version id:20191023 --tpm2");
	rq.decryption = true;
	rq.allow_signing = false;
	su_cert_argv(&ct, &rq, &av);
	for (i = 0; i < av.argc; i++)
		T_CHECK(strcmp(av.argv[i], "--decryption") != 0);
	rq.allow_signing = true;
	rq.tpm2 = false;
	su_cert_argv(&ct, &rq, &av);
	for (i = 0; i < av.argc; i++) {
		T_CHECK(strcmp(av.argv[i], "--allow-signing") != 0);
		T_CHECK(strcmp(av.argv[i], "--tpm2") != 0);
	}
	T_EQ_STR(su_cert_file(SU_CERT_EK), "ek.cert");
	T_EQ_STR(su_cert_file(SU_CERT_PLATFORM), "platform.cert");
}

static char *
slurp(const char *path)
{
	static char buf[8192];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void
test_log(void)
{
	struct su_logbuf b;
	char date[128], path[128], link[128];
	struct stat st;

	setenv("TZ", "UTC", 1);
	tzset();
	T_EQ_U(su_log_date(date, sizeof(date), 0), 0);
	T_EQ_STR(date, "Thu 01 Jan 1970 12:00:00 AM UTC");
	T_EQ_U(su_log_date(date, sizeof(date), 1700000000), 0);
	T_EQ_STR(date, "Tue 14 Nov 2023 10:13:20 PM UTC");
	T_EQ_U(su_log_date(date, 5, 0), (unsigned long long)-1);

	/* the logfile: appended, mode 0640 when new */
	snprintf(path, sizeof(path), "%s/log", tdir);
	su_log_set_file(path);
	logit("one %d\n", 1);
	logerr("two\n");
	T_EQ_STR(slurp(path), "one 1\ntwo\n");
	T_ASSERT(stat(path, &st) == 0);
	T_EQ_U(st.st_mode & 0777, 0640);

	/* held back, then emitted in order */
	memset(&b, 0, sizeof(b));
	su_log_capture(&b);
	logit("three\n");
	logerr("four\n");
	su_log_capture(NULL);
	T_EQ_U(b.n, 2);
	T_EQ_STR(slurp(path), "one 1\ntwo\n");
	logit("five\n");
	su_logbuf_flush(&b);
	T_EQ_U(b.n, 0);
	T_EQ_STR(slurp(path), "one 1\ntwo\nfive\nthree\nfour\n");
	/* a long line */
	memset(date, 'x', 100);
	date[100] = '\0';
	logit("%s%s%s%s%s%s\n", date, date, date, date, date, date);
	T_EQ_U(strlen(slurp(path)), 26 + 601);

	/* a symlink is not followed; the line is not lost */
	snprintf(link, sizeof(link), "%s/loglink", tdir);
	T_ASSERT(symlink(path, link) == 0);
	su_log_set_file(link);
	logit("lost?\n");
	T_EQ_U(strlen(slurp(path)), 26 + 601);
	su_log_set_file(NULL);
}

static void
test_run(void)
{
	const char *const echo[] = { "sh", "-c",
	    "echo out; echo err >&2; exit 3", NULL };
	const char *const big[] = { "sh", "-c",
	    "head -c 100000 /dev/zero | tr '\\0' a; echo e >&2", NULL };
	const char *const none[] = { "nope", NULL };
	struct su_run r, r2;
	struct su_run *both[2] = { &r, &r2 };
	char *sh = su_find_program("sh");

	T_ASSERT(sh != NULL);
	T_EQ_U(su_run(&r, sh, echo, 0), 0);
	T_CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	T_EQ_STR(r.buf[0], "out\n");
	T_EQ_STR(r.buf[1], "err\n");
	T_CHECK(!r.truncated);
	su_run_release(&r);
	T_EQ_U(su_run(&r, sh, echo, SU_RUN_NO_STDERR), 0);
	T_CHECK(r.buf[1] == NULL);
	su_run_release(&r);

	/* capped, the rest read and dropped; two at once */
	T_EQ_U(su_run_start(&r, sh, big, 0), 0);
	T_EQ_U(su_run_start(&r2, sh, echo, 0), 0);
	T_EQ_U(su_run_wait(both, 2), 0);
	T_EQ_U(r.len[0], SU_RUN_OUT_MAX);
	T_CHECK(r.truncated);
	T_EQ_STR(r.buf[1], "e\n");
	T_CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	T_EQ_STR(r2.buf[0], "out\n");
	su_run_release(&r);
	su_run_release(&r2);

	T_EQ_U(su_run(&r, "/nonexistent/nope", none, 0),
	    (unsigned long long)-1);
	T_EQ_U(errno, ENOENT);
	su_run_release(&r);
	free(sh);
}

static void
mkexec(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	if (fd >= 0) {
		if (write(fd, "#!/bin/sh\nexit 0\n", 17) != 17)
			T_CHECK(0);
		close(fd);
	}
}

static void
test_tpm_program(void)
{
	char dir[128], self[160], path[160], *d, *oldpath;
	struct su_tpm t;

	T_EQ_U(su_tpm_init(&t, "  sh   socket  --tpm2 "), 0);
	T_EQ_U(t.argc, 3);
	T_EQ_STR(t.argv[0], "sh");
	T_EQ_STR(t.argv[1], "socket");
	T_EQ_STR(t.argv[2], "--tpm2");
	T_CHECK(t.argv[3] == NULL);
	T_CHECK(t.path != NULL && strchr(t.path, '/') != NULL);
	su_tpm_release(&t);
	T_EQ_U(su_tpm_init(&t, "   "), (unsigned long long)-1);
	T_EQ_U(su_tpm_init(&t, "/etc/passwd socket"), (unsigned long long)-1);
	T_EQ_U(su_tpm_init(&t, "/nonexistent socket"),
	    (unsigned long long)-1);
	T_EQ_U(su_tpm_init(&t, "/ socket"), (unsigned long long)-1);

	/* the swtpm next to us, else PATH */
	snprintf(dir, sizeof(dir), "%s/bin", tdir);
	T_ASSERT(mkdir(dir, 0755) == 0);
	snprintf(self, sizeof(self), "%s/swtpm_setup", dir);
	snprintf(path, sizeof(path), "%s/swtpm", dir);
	oldpath = getenv("PATH") != NULL ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent", 1);
	T_CHECK(su_tpm_default(self) == NULL);
	setenv("PATH", dir, 1);
	mkexec(path);
	d = su_tpm_default("/nonexistent/swtpm_setup");
	T_EQ_STR(d, "swtpm socket");
	free(d);
	d = su_tpm_default(self);
	snprintf(self, sizeof(self), "%s/swtpm socket", dir);
	T_EQ_STR(d, self);
	free(d);
	d = su_find_program("swtpm");
	T_EQ_STR(d, path);
	free(d);
	T_CHECK(su_find_program("") == NULL);
	if (oldpath != NULL) {
		setenv("PATH", oldpath, 1);
		free(oldpath);
	}
}

static void
touch(const char *dir, const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
}

static bool
exists(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void
test_backend(void)
{
	struct su_backend b;
	char dir[128], uri[256], file[160];

	snprintf(dir, sizeof(dir), "%s/state", tdir);
	T_ASSERT(mkdir(dir, 0700) == 0);
	touch(dir, "tpm2-00.permall");
	touch(dir, "tpm-00.permall");
	touch(dir, "tpm2-00.volatilestate");
	touch(dir, "tpm2-00.savestate");
	touch(dir, ".lock");
	touch(dir, "permall.keep");
	touch(dir, "other");
	snprintf(uri, sizeof(uri), "dir://%s", dir);
	T_EQ_U(su_backend_init(&b, uri), 0);
	T_CHECK(!b.is_file);
	T_EQ_U(su_backend_check(&b, "me"), 0);
	T_EQ_U(su_backend_delete(&b), 0);
	T_CHECK(!exists(dir, "tpm2-00.permall"));
	T_CHECK(!exists(dir, "tpm-00.permall"));
	T_CHECK(!exists(dir, "tpm2-00.volatilestate"));
	T_CHECK(!exists(dir, "tpm2-00.savestate"));
	T_CHECK(exists(dir, ".lock"));
	T_CHECK(exists(dir, "permall.keep"));
	T_CHECK(exists(dir, "other"));
	su_backend_release(&b);

	/* a directory that is not there */
	snprintf(uri, sizeof(uri), "dir://%s/missing", tdir);
	T_EQ_U(su_backend_init(&b, uri), 0);
	T_EQ_U(su_backend_check(&b, "me"), (unsigned long long)-1);
	su_backend_release(&b);
	T_EQ_U(su_check_dir("/etc/passwd", W_OK, "me"),
	    (unsigned long long)-1);

	/* a file: missing is fine, present is unlinked */
	snprintf(file, sizeof(file), "%s/linear", dir);
	snprintf(uri, sizeof(uri), "file://%s", file);
	T_EQ_U(su_backend_init(&b, uri), 0);
	T_CHECK(b.is_file && !b.is_blockdev);
	T_EQ_U(su_backend_check(&b, "me"), 0);
	T_EQ_U(su_backend_delete(&b), 0);
	touch(dir, "linear");
	T_EQ_U(su_backend_delete(&b), 0);
	T_CHECK(!exists(dir, "linear"));
	su_backend_release(&b);
}

static void
test_files(void)
{
	char path[128], *s;
	struct stat st;

	T_EQ_STR((s = su_hex((const uint8_t *)"\x00\xab\xff", 3)), "00abff");
	free(s);
	T_EQ_STR((s = su_hex(NULL, 0)), "");
	free(s);

	snprintf(path, sizeof(path), "%s/out.crt", tdir);
	T_EQ_U(su_write_file(path, "abc", 3, 0640), 0);
	T_ASSERT(stat(path, &st) == 0);
	T_EQ_U(st.st_mode & 0777, 0640);
	T_EQ_U(st.st_size, 3);
	T_EQ_U(su_write_file(path, "de", 2, 0600), 0);
	T_EQ_STR(slurp(path), "de");
	snprintf(path, sizeof(path), "%s/missing/out.crt", tdir);
	T_EQ_U(su_write_file(path, "abc", 3, 0640), (unsigned long long)-1);
	T_EQ_U(errno, ENOENT);
}

static void
test_config_files(void)
{
	char cfg[128], p[512], *s;
	int fd, saved;

	snprintf(cfg, sizeof(cfg), "%s/xdg", tdir);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	/* silence the messages of this test */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	T_EQ_U(su_create_config_files("overwrite,skip-if-exist"), 1);
	if (getuid() == 0)
		T_EQ_U(su_create_config_files(""), 1);
	T_EQ_U(su_create_config_files("root"), 0);
	T_EQ_U(su_create_config_files("root"), 1);
	T_EQ_U(su_create_config_files("root skip-if-exist"), 0);
	T_EQ_U(su_create_config_files("root,overwrite"), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	snprintf(p, sizeof(p), "%s/swtpm-localca.conf", cfg);
	s = slurp(p);
	T_ASSERT(s != NULL);
	snprintf(p, sizeof(p), "statedir = %s/var/lib/swtpm-localca\n"
	    "signingkey = %s/var/lib/swtpm-localca/signkey.pem\n", cfg, cfg);
	T_CHECK(strncmp(s, p, strlen(p)) == 0);
	snprintf(p, sizeof(p), "%s/swtpm_setup.conf", cfg);
	s = slurp(p);
	T_ASSERT(s != NULL);
	T_CHECK(strstr(s, "create_certs_tool = " BINDIR "/swtpm_localca\n")
	    == s);
	T_CHECK(strstr(s, "\nactive_pcr_banks = sha256\n") != NULL);
	snprintf(p, sizeof(p), "%s/swtpm-localca.options", cfg);
	s = slurp(p);
	T_ASSERT(s != NULL);
	T_CHECK(strncmp(s, "--platform-manufacturer ", 24) == 0);
	T_CHECK(strchr(strchr(s, ' ') + 1, ' ') == NULL ||
	    strchr(strchr(s, ' ') + 1, ' ') > strchr(s, '\n'));
	snprintf(p, sizeof(p), "%s/var/lib/swtpm-localca", cfg);
	T_CHECK(access(p, F_OK) == 0);
}

int
main(void)
{
	char cmd[128];

	snprintf(tdir, sizeof(tdir), "/tmp/test_setup.XXXXXX");
	if (mkdtemp(tdir) == NULL)
		return 99;
	T_RUN(test_opts_basic);
	T_RUN(test_opts_special);
	T_RUN(test_opts_checks);
	T_RUN(test_caps);
	T_RUN(test_states);
	T_RUN(test_info);
	T_RUN(test_cert_argv);
	T_RUN(test_log);
	T_RUN(test_run);
	T_RUN(test_tpm_program);
	T_RUN(test_backend);
	T_RUN(test_files);
	T_RUN(test_config_files);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
	if (system(cmd) != 0)
		return 99;
	T_END();
}
