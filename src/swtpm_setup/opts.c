/*
 * swtpm_setup's command line: see opts.h. The option names, their
 * arguments and the reference's quirks that scripts may rely on
 * (repeated --pcr-banks joined, --create-config-files acting at once)
 * follow provisioning.md §1.1; the usage text is our own.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

enum {
	O_TPM_STATE = 256, O_TPM, O_SWTPM_IOCTL, O_TPM2, O_ECC, O_CREATEEK,
	O_CREATE_SPK, O_TAKE_OWN, O_OWNERPASS, O_OWNER_WK, O_SRKPASS,
	O_SRK_WK, O_EK_CERT, O_PLATFORM_CERT, O_LOCK_NVRAM, O_DISPLAY,
	O_CONFIG, O_VMID, O_KEYFILE, O_KEYFILE_FD, O_PWDFILE, O_PWDFILE_FD,
	O_CIPHER, O_RUNAS, O_LOGFILE, O_OVERWRITE, O_NOT_OVERWRITE,
	O_ALLOW_SIGNING, O_DECRYPTION, O_PCR_BANKS, O_RSA_KEYSIZE,
	O_WRITE_EK_FILES, O_CREATE_CONFIG, O_TCSD, O_VERSION,
	O_PRINT_CAPS, O_RECONFIGURE, O_HELP,
};

static const struct option long_opts[] = {
	{ "tpm-state",		  required_argument, NULL, O_TPM_STATE },
	{ "tpmstate",		  required_argument, NULL, O_TPM_STATE },
	{ "tpm",		  required_argument, NULL, O_TPM },
	{ "swtpm_ioctl",	  required_argument, NULL, O_SWTPM_IOCTL },
	{ "tpm2",		  no_argument,	     NULL, O_TPM2 },
	{ "ecc",		  no_argument,	     NULL, O_ECC },
	{ "createek",		  no_argument,	     NULL, O_CREATEEK },
	{ "create-spk",		  no_argument,	     NULL, O_CREATE_SPK },
	{ "take-ownership",	  no_argument,	     NULL, O_TAKE_OWN },
	{ "ownerpass",		  required_argument, NULL, O_OWNERPASS },
	{ "owner-well-known",	  no_argument,	     NULL, O_OWNER_WK },
	{ "srkpass",		  required_argument, NULL, O_SRKPASS },
	{ "srk-well-known",	  no_argument,	     NULL, O_SRK_WK },
	{ "create-ek-cert",	  no_argument,	     NULL, O_EK_CERT },
	{ "create-platform-cert", no_argument,	     NULL, O_PLATFORM_CERT },
	{ "lock-nvram",		  no_argument,	     NULL, O_LOCK_NVRAM },
	{ "display",		  no_argument,	     NULL, O_DISPLAY },
	{ "config",		  required_argument, NULL, O_CONFIG },
	{ "vmid",		  required_argument, NULL, O_VMID },
	{ "keyfile",		  required_argument, NULL, O_KEYFILE },
	{ "keyfile-fd",		  required_argument, NULL, O_KEYFILE_FD },
	{ "pwdfile",		  required_argument, NULL, O_PWDFILE },
	{ "pwdfile-fd",		  required_argument, NULL, O_PWDFILE_FD },
	{ "cipher",		  required_argument, NULL, O_CIPHER },
	{ "runas",		  required_argument, NULL, O_RUNAS },
	{ "logfile",		  required_argument, NULL, O_LOGFILE },
	{ "overwrite",		  no_argument,	     NULL, O_OVERWRITE },
	{ "not-overwrite",	  no_argument,	     NULL, O_NOT_OVERWRITE },
	{ "allow-signing",	  no_argument,	     NULL, O_ALLOW_SIGNING },
	{ "decryption",		  no_argument,	     NULL, O_DECRYPTION },
	{ "pcr-banks",		  required_argument, NULL, O_PCR_BANKS },
	{ "rsa-keysize",	  required_argument, NULL, O_RSA_KEYSIZE },
	{ "write-ek-cert-files",  required_argument, NULL, O_WRITE_EK_FILES },
	{ "create-config-files",  optional_argument, NULL, O_CREATE_CONFIG },
	{ "tcsd-system-ps-file",  required_argument, NULL, O_TCSD },
	{ "version",		  no_argument,	     NULL, O_VERSION },
	{ "print-capabilities",	  no_argument,	     NULL, O_PRINT_CAPS },
	{ "reconfigure",	  no_argument,	     NULL, O_RECONFIGURE },
	{ "help",		  no_argument,	     NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Flags an option without argument sets. */
static const struct {
	int		 opt;
	unsigned	 flags;
} flag_opts[] = {
	{ O_TPM2, SU_F_TPM2 },
	{ O_ECC, SU_F_ECC },
	{ O_CREATEEK, SU_F_CREATE_EK },
	{ O_CREATE_SPK, SU_F_CREATE_SPK },
	{ O_TAKE_OWN, SU_F_CREATE_EK | SU_F_TAKE_OWN },
	{ O_EK_CERT, SU_F_CREATE_EK | SU_F_EK_CERT },
	{ O_PLATFORM_CERT, SU_F_CREATE_EK | SU_F_PLATFORM_CERT },
	{ O_LOCK_NVRAM, SU_F_LOCK_NVRAM },
	{ O_DISPLAY, SU_F_DISPLAY },
	{ O_OVERWRITE, SU_F_OVERWRITE },
	{ O_NOT_OVERWRITE, SU_F_NOT_OVERWRITE },
	{ O_ALLOW_SIGNING, SU_F_ALLOW_SIGNING },
	{ O_DECRYPTION, SU_F_DECRYPTION },
	{ O_RECONFIGURE, SU_F_RECONFIGURE },
	{ O_PRINT_CAPS, SU_F_PRINT_CAPS },
	{ O_OWNER_WK, SU_F_OWNERPASS_ZEROS },
	{ O_SRK_WK, SU_F_SRKPASS_ZEROS },
};

/* An fd number: digits only, below INT_MAX. */
static int
parse_fd(const char *s)
{
	unsigned long n;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || n >= INT_MAX)
		return -1;
	return (int)n;
}

/* Trims spaces and tabs at both ends in place. */
static char *
strip(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* --pcr-banks: appends ",value" (value stripped). */
static int
add_banks(struct su_opts *o, const char *value)
{
	char *v, *s, *joined;

	if ((v = strdup(value)) == NULL)
		return -1;
	s = strip(v);
	if (o->pcr_banks == NULL) {
		joined = strdup(s);
	} else if (asprintf(&joined, "%s,%s", o->pcr_banks, s) < 0) {
		joined = NULL;
	}
	free(v);
	if (joined == NULL)
		return -1;
	free(o->pcr_banks);
	o->pcr_banks = joined;
	return 0;
}

/* --tpm-state: a bare path is a directory (provisioning.md §1.1). */
static int
set_state(struct su_opts *o, const char *arg)
{
	char *s;

	if (strncmp(arg, "dir://", 6) == 0 || strncmp(arg, "file://", 7) == 0)
		s = strdup(arg);
	else if (asprintf(&s, "dir://%s", arg) < 0)
		s = NULL;
	if (s == NULL)
		return -1;
	free(o->tpm_state);
	o->tpm_state = s;
	o->state_is_file = strncmp(s, "file://", 7) == 0;
	return 0;
}

static bool
set_flag(struct su_opts *o, int opt)
{
	size_t i;

	for (i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++) {
		if (flag_opts[i].opt == opt) {
			o->flags |= flag_opts[i].flags;
			return true;
		}
	}
	return false;
}

/* Options with an argument; SU_RUN or the action that ends parsing. */
static enum su_action
set_value(struct su_opts *o, int opt, const char *arg, const char **bad)
{
	switch (opt) {
	case O_TPM_STATE:
		return set_state(o, arg) < 0 ? SU_NOMEM : SU_RUN;
	case O_TPM: o->tpm = arg; break;
	case O_CONFIG: o->config = arg; break;
	case O_VMID: o->vmid = arg; break;
	case O_KEYFILE: o->keyfile = arg; break;
	case O_PWDFILE: o->pwdfile = arg; break;
	case O_CIPHER: o->cipher = arg; break;
	case O_RUNAS: o->runas = arg; break;
	case O_LOGFILE: o->logfile = arg; break;
	case O_RSA_KEYSIZE: o->rsa_keysize = arg; break;
	case O_OWNERPASS: o->ownerpass = arg; break;
	case O_SRKPASS: o->srkpass = arg; break;
	case O_WRITE_EK_FILES:
		o->ek_cert_dir = arg;
		o->flags |= SU_F_WRITE_EK_FILES;
		break;
	case O_PCR_BANKS:
		return add_banks(o, arg) < 0 ? SU_NOMEM : SU_RUN;
	case O_KEYFILE_FD:
	case O_PWDFILE_FD: {
		/* the reference lets a bad --keyfile-fd through; we do not */
		int fd = parse_fd(arg);

		if (fd < 0) {
			*bad = arg;
			return SU_BAD_FD;
		}
		if (opt == O_KEYFILE_FD)
			o->keyfile_fd = fd;
		else
			o->pwdfile_fd = fd;
		break;
	}
	case O_SWTPM_IOCTL: o->deprecated |= 1; break;
	case O_TCSD: o->deprecated |= 2; break;
	default:
		return SU_USAGE_ERROR;
	}
	return SU_RUN;
}

enum su_action
su_opts_parse(struct su_opts *o, int argc, char **argv, const char **bad)
{
	enum su_action a;
	int c;

	memset(o, 0, sizeof(*o));
	o->keyfile_fd = -1;
	o->pwdfile_fd = -1;
	o->cipher = SU_DEFAULT_CIPHER;
	*bad = NULL;
	optind = 0;	/* glibc: a full restart of the scan */
	while ((c = getopt_long(argc, argv, "h?", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case O_HELP:
			return SU_HELP;
		case '?':
			return SU_USAGE_ERROR;
		case O_VERSION:
			return SU_VERSION;
		case O_CREATE_CONFIG:
			/*
			 * The argument may be the next word. COMPAT: 0.7.1
			 * tests for a leading '0' there, a slip for '-'
			 * (provisioning.md §1.5); we test for '-'.
			 */
			if (optarg == NULL && optind < argc &&
			    argv[optind][0] != '-')
				optarg = argv[optind++];
			o->create_config = optarg != NULL ? optarg : "";
			return SU_CREATE_CONFIG;
		default:
			if (set_flag(o, c))
				break;
			a = set_value(o, c, optarg, bad);
			if (a != SU_RUN)
				return a;
		}
	}
	return SU_RUN;
}

void
su_opts_release(struct su_opts *o)
{
	free(o->tpm_state);
	free(o->pcr_banks);
	o->tpm_state = NULL;
	o->pcr_banks = NULL;
}

void
su_version(void)
{
	printf("TPM emulator setup tool version %s\n", PACKAGE_VERSION);
}

void
su_usage(const char *prog, const char *config)
{
	su_version();
	printf("Usage: %s [options]\n"
"\n"
"Manufactures the state of a software TPM: starts swtpm on it, creates\n"
"the endorsement keys and their certificates, writes them to NVRAM and\n"
"activates PCR banks.\n"
"\n"
"  --tpm-state <path>     state to create (required; alias --tpmstate):\n"
"                         dir://<dir>, file://<file>, or a directory\n"
"  --tpm \"<prog> socket\"  the TPM command line (default: swtpm next to\n"
"                         this program, else swtpm in PATH)\n"
"  --tpm2                 a TPM 2 (default: TPM 1.2)\n"
"  --createek             create the EK (TPM 2: an RSA and an ECC EK)\n"
"  --create-ek-cert       create EK certificates (implies --createek)\n"
"  --create-platform-cert create a platform certificate (implies\n"
"                         --createek)\n"
"  --lock-nvram           write-lock the NVRAM areas written\n"
"  --allow-signing        TPM 2: an EK that can sign (not standard)\n"
"  --decryption           TPM 2: with --allow-signing, also decrypt\n"
"  --ecc                  TPM 2: an ECC storage primary key\n"
"  --create-spk           TPM 2: create a storage primary key\n"
"  --rsa-keysize <bits>   TPM 2: 2048 (default), 3072 or max\n"
"  --pcr-banks <list>     TPM 2: banks to activate, e.g. sha1,sha256;\n"
"                         '-' keeps them (default: active_pcr_banks of\n"
"                         the configuration, else %s)\n"
"  --reconfigure          TPM 2: keep the state, only change the PCR\n"
"                         banks\n"
"  --take-ownership       TPM 1.2: take ownership (implies --createek)\n"
"  --ownerpass <pw>       TPM 1.2: owner password (default %s)\n"
"  --owner-well-known     TPM 1.2: owner password of 20 zero bytes\n"
"  --srkpass <pw>         TPM 1.2: SRK password (default %s)\n"
"  --srk-well-known       TPM 1.2: SRK password of 20 zero bytes\n"
"  --config <file>        configuration (default %s)\n"
"  --vmid <id>            VM identifier for the certificates\n"
"  --logfile <file>       append the log to this file\n"
"  --keyfile <file>       encrypt the state with the key in this file\n"
"  --keyfile-fd <fd>      ... with the key read from this descriptor\n"
"  --pwdfile <file>       ... with a key derived from this passphrase\n"
"  --pwdfile-fd <fd>      ... from a passphrase read from this fd\n"
"  --cipher <cipher>      aes-128-cbc (default) or aes-256-cbc\n"
"  --overwrite            replace an existing state\n"
"  --not-overwrite        leave an existing state alone and succeed\n"
"  --write-ek-cert-files <dir>\n"
"                         also write each EK certificate into <dir>\n"
"  --runas <user>         switch to this user after probing swtpm\n"
"  --print-capabilities   print the supported features as JSON\n"
"  --create-config-files [overwrite][,root][,skip-if-exist]\n"
"                         write configuration files for this user\n"
"  --display, --swtpm_ioctl <x>, --tcsd-system-ps-file <x>\n"
"                         accepted, without effect\n"
"  --version              print the version\n"
"  --help, -h             this text\n",
	    prog, SU_DEFAULT_PCR_BANKS, SU_DEFAULT_OWNERPASS,
	    SU_DEFAULT_SRKPASS, config);
}

bool
su_cipher_ok(const char *cipher)
{
	return strcmp(cipher, "aes-128-cbc") == 0 ||
	    strcmp(cipher, "aes-cbc") == 0 ||
	    strcmp(cipher, "aes-256-cbc") == 0;
}

int
su_keyopt(const struct su_opts *o, char *buf, size_t len)
{
	int n, which;

	if (o->keyfile != NULL) {
		which = 1;
		n = snprintf(buf, len, "file=%s,mode=%s", o->keyfile,
		    o->cipher);
	} else if (o->pwdfile != NULL) {
		which = 2;
		n = snprintf(buf, len, "pwdfile=%s,mode=%s", o->pwdfile,
		    o->cipher);
	} else if (o->keyfile_fd >= 0) {
		which = 3;
		n = snprintf(buf, len, "fd=%d,mode=%s", o->keyfile_fd,
		    o->cipher);
	} else if (o->pwdfile_fd >= 0) {
		which = 4;
		n = snprintf(buf, len, "pwdfd=%d,mode=%s", o->pwdfile_fd,
		    o->cipher);
	} else {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return n < 0 || (size_t)n >= len ? -1 : which;
}

unsigned
su_rsa_max(const unsigned *sizes, size_t n)
{
	unsigned max = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (sizes[i] > max)
			max = sizes[i];
	return max != 0 ? max : 2048;
}

unsigned
su_rsa_keysize(const char *word, const unsigned *sizes, size_t n)
{
	unsigned bits;

	if (word == NULL)
		return 2048;
	if (strcmp(word, "max") == 0) {
		bits = su_rsa_max(sizes, n);
		return bits == 2048 || bits == 3072 ? bits : 0;
	}
	if (strcmp(word, "2048") == 0)
		return 2048;
	if (strcmp(word, "3072") == 0)
		return 3072;
	return 0;
}

bool
su_pcr_banks_empty(const char *banks)
{
	const char *p;

	if (banks == NULL)
		return true;
	for (p = banks; *p != '\0'; p++)
		if (*p != ',' && *p != ' ' && *p != '\t')
			return false;
	return true;
}
