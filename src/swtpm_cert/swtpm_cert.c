/*
 * swtpm_cert: creates an EK or platform certificate for a TPM 1.2 or
 * TPM 2 from the EK's public parameters, signed by a local CA
 * (provisioning.md §3). The command line, exit codes (0/1),
 * --print-capabilities and the certificate's DER follow the reference
 * 0.7.1; the certificate itself is built by src/x509. Loads the system
 * OpenSSL configuration, as any OpenSSL tool does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "io.h"
#include "pwd.h"
#include "x509.h"

#define PROG	"swtpm_cert"
/* Test seam: notBefore in seconds since the epoch instead of now. */
#define ENV_TEST_NOW	"SWTPM_CERT_TEST_NOW"
#define ENV_PIN		"SWTPM_PKCS11_PIN"

struct opts {
	struct xc_req	 req;
	const char	*pubkey_file, *signkey, *issuercert, *out_cert;
	const char	*curve;
	uint8_t		*modulus, *ecc_x, *ecc_y;
	size_t		 modulus_len, ecc_x_len, ecc_y_len;
	uint32_t	 exponent;
	uint8_t		 serial[XC_SERIAL_MAX];
	char		*signkey_pwd, *parentkey_pwd;
	bool		 have_level, have_revision;
	bool		 pem, add_header;
};

enum {
	O_PUBKEY = 256, O_MODULUS, O_ECC_X, O_ECC_Y, O_ECC_CURVEID, O_EXPONENT,
	O_SIGNKEY, O_SIGNKEY_PASSWORD, O_SIGNKEY_PWD, O_PARENTKEY_PASSWORD,
	O_PARENTKEY_PWD, O_ISSUERCERT, O_OUT_CERT, O_SUBJECT, O_DAYS,
	O_SERIAL, O_TYPE, O_TPM_MANUFACTURER, O_TPM_MODEL, O_TPM_VERSION,
	O_PLATFORM_MANUFACTURER, O_PLATFORM_MODEL, O_PLATFORM_VERSION,
	O_SPEC_FAMILY, O_SPEC_LEVEL, O_SPEC_REVISION, O_PEM, O_ADD_HEADER,
	O_TPM2, O_ALLOW_SIGNING, O_DECRYPTION, O_PRINT_CAPABILITIES,
	O_VERSION, O_HELP,
};

static const struct option long_opts[] = {
	{ "pubkey",		required_argument, NULL, O_PUBKEY },
	{ "modulus",		required_argument, NULL, O_MODULUS },
	{ "ecc-x",		required_argument, NULL, O_ECC_X },
	{ "ecc-y",		required_argument, NULL, O_ECC_Y },
	{ "ecc-curveid",	required_argument, NULL, O_ECC_CURVEID },
	{ "exponent",		required_argument, NULL, O_EXPONENT },
	{ "signkey",		required_argument, NULL, O_SIGNKEY },
	{ "signkey-password",	required_argument, NULL, O_SIGNKEY_PASSWORD },
	{ "signkey-pwd",	required_argument, NULL, O_SIGNKEY_PWD },
	/* COMPAT: provisioning.md §3.1, 0.7.1 spells it this way */
	{ "parentkey-passord",	required_argument, NULL, O_PARENTKEY_PASSWORD },
	{ "parentkey-pwd",	required_argument, NULL, O_PARENTKEY_PWD },
	{ "issuercert",		required_argument, NULL, O_ISSUERCERT },
	{ "out-cert",		required_argument, NULL, O_OUT_CERT },
	{ "subject",		required_argument, NULL, O_SUBJECT },
	{ "days",		required_argument, NULL, O_DAYS },
	{ "serial",		required_argument, NULL, O_SERIAL },
	{ "type",		required_argument, NULL, O_TYPE },
	{ "tpm-manufacturer",	required_argument, NULL, O_TPM_MANUFACTURER },
	{ "tpm-model",		required_argument, NULL, O_TPM_MODEL },
	{ "tpm-version",	required_argument, NULL, O_TPM_VERSION },
	{ "platform-manufacturer", required_argument, NULL,
	    O_PLATFORM_MANUFACTURER },
	{ "platform-model",	required_argument, NULL, O_PLATFORM_MODEL },
	{ "platform-version",	required_argument, NULL, O_PLATFORM_VERSION },
	{ "tpm-spec-family",	required_argument, NULL, O_SPEC_FAMILY },
	{ "tpm-spec-level",	required_argument, NULL, O_SPEC_LEVEL },
	{ "tpm-spec-revision",	required_argument, NULL, O_SPEC_REVISION },
	{ "pem",		no_argument,	   NULL, O_PEM },
	{ "add-header",		no_argument,	   NULL, O_ADD_HEADER },
	{ "tpm2",		no_argument,	   NULL, O_TPM2 },
	{ "allow-signing",	no_argument,	   NULL, O_ALLOW_SIGNING },
	{ "decryption",		no_argument,	   NULL, O_DECRYPTION },
	{ "print-capabilities",	no_argument,	   NULL, O_PRINT_CAPABILITIES },
	{ "version",		no_argument,	   NULL, O_VERSION },
	{ "help",		no_argument,	   NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static void
version(void)
{
	printf("TPM certificate tool version %s, Copyright (c) 2015 IBM "
	    "Corp.\n", PACKAGE_VERSION);
}

static void
usage(void)
{
	version();
	printf("\nUsage: %s [options]\n"
	    "\n"
	    "Issue an EK or platform certificate for a TPM from the EK's "
	    "public key,\nsigned by a CA; the EK's private key is not "
	    "needed.\n"
	    "\n"
	    "The EK's public key, one of:\n"
	    "--pubkey <file>           : PEM public key\n"
	    "--modulus <hex>           : RSA modulus\n"
	    "--exponent <n>            : RSA exponent (default 65537)\n"
	    "--ecc-x <hex>             : EC point, x coordinate\n"
	    "--ecc-y <hex>             : EC point, y coordinate\n"
	    "--ecc-curveid <id>        : secp256r1 (default), secp384r1 or "
	    "secp521r1\n"
	    "\n"
	    "The CA:\n"
	    "--signkey <file|uri>      : CA private key: PEM file or "
	    "pkcs11: URI\n"
	    "--signkey-password <pw>   : password of the PEM key\n"
	    "--signkey-pwd <pwd>       : the same, in any form listed "
	    "below\n"
	    "--parentkey-pwd <pwd>     : accepted for compatibility; "
	    "unused\n"
	    "--issuercert <file>       : CA certificate (PEM)\n"
	    "\n"
	    "The certificate:\n"
	    "--type <ek|platform>      : kind of certificate (default ek)\n"
	    "--tpm2                    : TPM 2 profile (default TPM 1.2)\n"
	    "--allow-signing           : the TPM 2 EK may sign\n"
	    "--decryption              : the TPM 2 EK may decrypt (the "
	    "default unless\n"
	    "                            --allow-signing is given)\n"
	    "--subject <dn>            : subject such as "
	    "C=US,ST=NY,L=NewYork (TPM 2)\n"
	    "--serial <n>              : serial number, decimal (default "
	    "1)\n"
	    "--days <n>                : days of validity (default 365); "
	    "-1: no expiry\n"
	    "--tpm-manufacturer <s>    : TPM manufacturer\n"
	    "--tpm-model <s>           : TPM model\n"
	    "--tpm-version <s>         : TPM firmware version\n"
	    "--platform-manufacturer <s> : platform manufacturer "
	    "(platform)\n"
	    "--platform-model <s>      : platform model (platform)\n"
	    "--platform-version <s>    : platform version (platform)\n"
	    "--tpm-spec-family <s>     : TPM specification family (ek)\n"
	    "--tpm-spec-level <n>      : TPM specification level (ek)\n"
	    "--tpm-spec-revision <n>   : TPM specification revision (ek)\n"
	    "\n"
	    "Output:\n"
	    "--out-cert <file>         : write here (default: standard "
	    "output)\n"
	    "--pem                     : PEM instead of DER\n"
	    "--add-header              : put the TPM 1.2 NVRAM header "
	    "before the DER\n"
	    "--print-capabilities      : print the capabilities as JSON\n"
	    "--version                 : print the version\n"
	    "--help                    : print this text\n"
	    "\n"
	    "Environment: " ENV_PIN " is the PIN of a pkcs11: key.\n"
	    "\n"
	    "A <pwd> is one of: <password>, pass:<password>, file:<file>, "
	    "fd:<fd>,\nenv:<variable>.\n", PROG);
}

static void
print_capabilities(void)
{
	/* COMPAT: provisioning.md §3.1, the features of 0.7.1 */
	printf("{ \"type\": \"swtpm_cert\", \"features\": [ "
	    "\"cmdarg-signkey-pwd\", \"cmdarg-parentkey-pwd\" ], "
	    "\"version\": \"%s\" }\n", PACKAGE_VERSION);
}

static void
err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Decimal or 0x-hex or 0-octal, as strtoul base 0, fully consumed. */
static bool
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = (unsigned long)v;
	return true;
}

static bool
parse_days(const char *s, long *out)
{
	unsigned long v;

	if (strcmp(s, "-1") == 0) {
		*out = XC_DAYS_NONE;
		return true;
	}
	if (!parse_ulong(s, INT_MAX, &v))
		return false;
	*out = (long)v;
	return true;
}

static bool
hex_opt(const char *name, const char *arg, uint8_t **buf, size_t *len)
{
	char msg[256];

	free(*buf);
	*buf = NULL;
	if (xc_hex_decode(arg, buf, len, msg, sizeof(msg)) != XC_OK) {
		err("--%s: %s", name, msg);
		return false;
	}
	return true;
}

static bool
pwd_opt(const char *arg, bool forms, char **dst)
{
	char msg[512];

	pwd_free(*dst);
	*dst = NULL;
	if (!forms) {
		*dst = strdup(arg);
		if (*dst == NULL)
			err("out of memory");
		return *dst != NULL;
	}
	if (pwd_get(arg, dst, msg, sizeof(msg)) < 0) {
		err("%s", msg);
		return false;
	}
	return true;
}

/* The options with a number; false after a message. */
static bool
num_opt(struct opts *o, int c, const char *arg)
{
	struct xc_req *r = &o->req;
	unsigned long v;
	char msg[256];

	switch (c) {
	case O_EXPONENT:
		if (!parse_ulong(arg, UINT32_MAX, &v) || v == 0) {
			err("--exponent: '%s' is not a number from 1 to "
			    "4294967295", arg);
			return false;
		}
		o->exponent = (uint32_t)v;
		return true;
	case O_DAYS:
		if (!parse_days(arg, &r->days)) {
			err("--days: '%s' is not -1 or a number of days", arg);
			return false;
		}
		return true;
	case O_SERIAL:
		if (xc_serial_parse(arg, o->serial, &r->serial_len, msg,
		    sizeof(msg)) != XC_OK) {
			err("--serial: %s", msg);
			return false;
		}
		return true;
	default:	/* O_SPEC_LEVEL, O_SPEC_REVISION */
		if (!parse_ulong(arg, UINT32_MAX, &v)) {
			err("--tpm-spec-%s must be a number from 0 to "
			    "4294967295", c == O_SPEC_LEVEL ? "level" :
			    "revision");
			return false;
		}
		if (c == O_SPEC_LEVEL) {
			r->spec_level = (uint32_t)v;
			o->have_level = true;
		} else {
			r->spec_revision = (uint32_t)v;
			o->have_revision = true;
		}
		return true;
	}
}

/* One option; returns -1 to go on, else the exit code. */
static int
one_opt(struct opts *o, int c, const char *arg)
{
	struct xc_req *r = &o->req;

	switch (c) {
	case O_PUBKEY:		o->pubkey_file = arg; break;
	case O_MODULUS:
		if (!hex_opt("modulus", arg, &o->modulus, &o->modulus_len))
			return 1;
		break;
	case O_ECC_X:
		if (!hex_opt("ecc-x", arg, &o->ecc_x, &o->ecc_x_len))
			return 1;
		break;
	case O_ECC_Y:
		if (!hex_opt("ecc-y", arg, &o->ecc_y, &o->ecc_y_len))
			return 1;
		break;
	case O_ECC_CURVEID:	o->curve = arg; break;
	case O_EXPONENT:
	case O_DAYS:
	case O_SERIAL:
	case O_SPEC_LEVEL:
	case O_SPEC_REVISION:
		if (!num_opt(o, c, arg))
			return 1;
		break;
	case O_SIGNKEY:		o->signkey = arg; break;
	case O_SIGNKEY_PASSWORD:
	case O_SIGNKEY_PWD:
		/* a plain --signkey-password is never a file:, fd:, ... */
		if (!pwd_opt(arg, c == O_SIGNKEY_PWD, &o->signkey_pwd))
			return 1;
		break;
	case O_PARENTKEY_PASSWORD:
	case O_PARENTKEY_PWD:
		/*
		 * COMPAT: §3.1, a password for 0.7.1's TPM 1.2 parent keys:
		 * read (so that its errors show as in 0.7.1), never used.
		 */
		if (!pwd_opt(arg, c == O_PARENTKEY_PWD, &o->parentkey_pwd))
			return 1;
		break;
	case O_ISSUERCERT:	o->issuercert = arg; break;
	case O_OUT_CERT:	o->out_cert = arg; break;
	case O_SUBJECT:		r->subject = arg; break;
	case O_TYPE:
		if (strcasecmp(arg, "ek") == 0) {
			r->type = XC_EK;
		} else if (strcasecmp(arg, "platform") == 0) {
			r->type = XC_PLATFORM;
		} else {
			err("unknown certificate type '%s'", arg);
			return 1;
		}
		break;
	case O_TPM_MANUFACTURER: r->tpm_manufacturer = arg; break;
	case O_TPM_MODEL:	r->tpm_model = arg; break;
	case O_TPM_VERSION:	r->tpm_version = arg; break;
	case O_PLATFORM_MANUFACTURER: r->platform_manufacturer = arg; break;
	case O_PLATFORM_MODEL:	r->platform_model = arg; break;
	case O_PLATFORM_VERSION: r->platform_version = arg; break;
	case O_SPEC_FAMILY:	r->spec_family = arg; break;
	case O_PEM:		o->pem = true; break;
	case O_ADD_HEADER:	o->add_header = true; break;
	case O_TPM2:		r->tpm2 = true; break;
	case O_ALLOW_SIGNING:	r->allow_signing = true; break;
	case O_DECRYPTION:	r->decryption = true; break;
	case O_PRINT_CAPABILITIES:
		print_capabilities();
		return 0;
	case O_VERSION:
		version();
		return 0;
	case O_HELP:
		usage();
		return 0;
	default:
		usage();
		return 1;
	}
	return -1;
}

/* The checks of 0.7.1 after the options, in its order; 0 = fine. */
static int
check_opts(const struct opts *o)
{
	const struct xc_req *r = &o->req;

	if (o->modulus != NULL && (o->ecc_x != NULL || o->ecc_y != NULL)) {
		err("RSA modulus and ECC parameters cannot both be given");
		return 1;
	}
	if ((o->ecc_x != NULL) != (o->ecc_y != NULL)) {
		err("ECC x and y parameters must both be given");
		return 1;
	}
	if (o->pubkey_file == NULL && o->modulus == NULL && o->ecc_x == NULL) {
		err("missing public EK file and modulus or ECC parameters");
		usage();
		return 1;
	}
	if (o->issuercert == NULL) {
		err("the issuer certificate (--issuercert) is required");
		return 1;
	}
	if (r->tpm_manufacturer == NULL || r->tpm_model == NULL ||
	    r->tpm_version == NULL) {
		err("--tpm-manufacturer, --tpm-model and --tpm-version must "
		    "all be provided");
		return 1;
	}
	if (r->type == XC_PLATFORM && (r->platform_manufacturer == NULL ||
	    r->platform_model == NULL || r->platform_version == NULL)) {
		err("--platform-manufacturer, --platform-model and "
		    "--platform-version must all be provided");
		return 1;
	}
	if (r->type == XC_EK && (r->spec_family == NULL || !o->have_level ||
	    !o->have_revision)) {
		err("--tpm-spec-family, --tpm-spec-level and "
		    "--tpm-spec-revision must all be provided");
		return 1;
	}
	return 0;
}

static bool
get_now(time_t *now)
{
	const char *s = getenv(ENV_TEST_NOW);
	unsigned long v;

	if (s == NULL) {
		*now = time(NULL);
		return true;
	}
	if (!parse_ulong(s, 253402300799UL, &v)) {
		err("%s: '%s' is not a time in seconds", ENV_TEST_NOW, s);
		return false;
	}
	*now = (time_t)v;
	return true;
}

/*
 * Writes the header (may be NULL) and the certificate to path, or to
 * stdout if path is NULL; there, with pem_nl, an empty line follows
 * (COMPAT: 0.7.1 prints PEM on stdout with one more newline).
 */
static bool
write_out(const char *path, const uint8_t *hdr, size_t hlen,
    const uint8_t *p, size_t n, bool pem_nl)
{
	int fd = STDOUT_FILENO, e = 0;

	if (path != NULL) {
		/* COMPAT: §2.5, the certificate file gets mode 0600 */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0) {
			err("cannot open '%s' for writing the certificate: %s",
			    path, strerror(errno));
			return false;
		}
	}
	if ((hlen > 0 && write_full(fd, hdr, hlen) < 0) ||
	    write_full(fd, p, n) < 0 ||
	    (path == NULL && pem_nl && write_full(fd, "\n", 1) < 0))
		e = errno;
	if (path != NULL && close(fd) < 0 && e == 0)
		e = errno;
	if (e != 0) {
		err("cannot write the certificate%s%s: %s", path ? " to " : "",
		    path ? path : "", strerror(e));
		return false;
	}
	return true;
}

/* Builds the EK public key from the options. */
static enum xc_err
make_pubkey(const struct opts *o, EVP_PKEY **pk, char *msg, size_t msglen)
{
	if (o->pubkey_file != NULL)
		return xc_pubkey_pem(o->pubkey_file, pk, msg, msglen);
	if (o->modulus != NULL)
		return xc_pubkey_rsa(o->modulus, o->modulus_len, o->exponent,
		    pk, msg, msglen);
	return xc_pubkey_ec(o->curve, o->ecc_x, o->ecc_x_len, o->ecc_y,
	    o->ecc_y_len, pk, msg, msglen);
}

static int
run(struct opts *o)
{
	struct xc_signer *signer = NULL;
	EVP_PKEY *pubkey = NULL;
	X509 *issuer = NULL, *crt = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	uint8_t hdr[XC_TCG_HDR_LEN];
	char msg[512];
	int ret = 1;

	if (!get_now(&o->req.now))
		return 1;
	if (make_pubkey(o, &pubkey, msg, sizeof(msg)) != XC_OK) {
		err("%s", msg);
		goto out;
	}
	if (o->signkey == NULL) {
		err("missing signature key (--signkey)");
		usage();
		goto out;
	}
	if (xc_signer_open(o->signkey, o->signkey_pwd, getenv(ENV_PIN),
	    &signer, msg, sizeof(msg)) != XC_OK ||
	    xc_issuer_load(o->issuercert, &issuer, msg, sizeof(msg)) != XC_OK ||
	    xc_cert_build(&o->req, pubkey, issuer, signer, &crt, msg,
	    sizeof(msg)) != XC_OK) {
		err("%s", msg);
		goto out;
	}
	if ((o->pem ? xc_cert_pem(crt, &out, &outlen) :
	    xc_cert_der(crt, &out, &outlen)) != XC_OK) {
		err("cannot encode the certificate");
		goto out;
	}
	/*
	 * COMPAT: provisioning.md §3.2, as 0.7.1 writes to a file, the
	 * header also goes before PEM text (0.7.1 drops it on stdout).
	 */
	if (o->add_header && xc_tcg_header(outlen, hdr) != XC_OK) {
		err("certificate too large for the TPM 1.2 header");
		goto out;
	}
	if (write_out(o->out_cert, hdr, o->add_header ? sizeof(hdr) : 0, out,
	    outlen, o->pem))
		ret = 0;
out:
	free(out);
	X509_free(crt);
	X509_free(issuer);
	xc_signer_free(signer);
	EVP_PKEY_free(pubkey);
	return ret;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int c, ret;

	memset(&o, 0, sizeof(o));
	o.exponent = 0x10001;
	o.req.type = XC_EK;
	o.req.days = 365;
	o.serial[0] = 1;
	o.req.serial = o.serial;
	o.req.serial_len = 1;

	while ((c = getopt_long_only(argc, argv, "", long_opts, NULL)) != -1) {
		ret = one_opt(&o, c, optarg);
		if (ret >= 0)
			goto out;
	}
	/*
	 * COMPAT: provisioning.md §2.5, 0.7.1 ignores arguments that are
	 * no options; swtpm_localca's options file, split on spaces, can
	 * leave such words ("--platform-model Foo Bar").
	 */
	for (; optind < argc; optind++)
		err("ignoring argument '%s'", argv[optind]);
	ret = check_opts(&o);
	if (ret != 0)
		goto out;
	/* the tools honour the system OpenSSL configuration */
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL)) {
		err("cannot initialise OpenSSL");
		ret = 1;
		goto out;
	}
	ret = run(&o);
out:
	free(o.modulus);
	free(o.ecc_x);
	free(o.ecc_y);
	pwd_free(o.signkey_pwd);
	pwd_free(o.parentkey_pwd);
	fflush(stdout);
	return ret;
}
