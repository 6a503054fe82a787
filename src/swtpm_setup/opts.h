/*
 * swtpm_setup's command line (provisioning.md §1.1): parsing into
 * struct su_opts and the checks that need nothing but the options
 * (cipher, key option string, RSA key size words, PCR bank lists).
 * Pure: prints only getopt's own complaint about an unknown option.
 */
#ifndef SETUP_OPTS_H
#define SETUP_OPTS_H

#include <stdbool.h>
#include <stddef.h>

/* What was asked for (SU_F_*). */
#define SU_F_CREATE_EK		0x00001u
#define SU_F_TAKE_OWN		0x00002u
#define SU_F_EK_CERT		0x00004u
#define SU_F_PLATFORM_CERT	0x00008u
#define SU_F_LOCK_NVRAM		0x00010u
#define SU_F_SRKPASS_ZEROS	0x00020u
#define SU_F_OWNERPASS_ZEROS	0x00040u
#define SU_F_OVERWRITE		0x00080u
#define SU_F_NOT_OVERWRITE	0x00100u
#define SU_F_TPM2		0x00200u
#define SU_F_ALLOW_SIGNING	0x00400u
#define SU_F_ECC		0x00800u
#define SU_F_CREATE_SPK		0x01000u
#define SU_F_DISPLAY		0x02000u
#define SU_F_DECRYPTION		0x04000u
#define SU_F_WRITE_EK_FILES	0x08000u
#define SU_F_RECONFIGURE	0x10000u
#define SU_F_PRINT_CAPS		0x20000u

#define SU_CERT_FLAGS	(SU_F_EK_CERT | SU_F_PLATFORM_CERT)

/* The reference's defaults (provisioning.md §1.1). */
#define SU_DEFAULT_OWNERPASS	"ooo"
#define SU_DEFAULT_SRKPASS	"sss"
#define SU_DEFAULT_CIPHER	"aes-128-cbc"
#define SU_DEFAULT_PCR_BANKS	"sha256"

/*
 * The parsed command line. Strings borrow argv, except those marked
 * (owned), which su_opts_release frees.
 */
struct su_opts {
	unsigned	 flags;		/* SU_F_* */
	char		*tpm_state;	/* dir://P or file://P (owned) */
	bool		 state_is_file;	/* file:// */
	const char	*tpm;		/* --tpm, NULL: the default */
	const char	*config;	/* --config, NULL: the search */
	const char	*vmid;
	const char	*logfile;
	const char	*keyfile, *pwdfile;
	int		 keyfile_fd, pwdfile_fd;	/* -1: none */
	const char	*cipher;
	const char	*runas;
	const char	*ownerpass, *srkpass;	/* NULL: default/zeros */
	char		*pcr_banks;	/* joined with ',' (owned), or NULL */
	const char	*rsa_keysize;	/* NULL: 2048 */
	const char	*ek_cert_dir;	/* --write-ek-cert-files */
	const char	*create_config;	/* argument of --create-config-files */
	/* Warnings of the deprecated options, printed in order. */
	unsigned	 deprecated;	/* bit 0 --swtpm_ioctl, bit 1 tcsd */
};

enum su_action {
	SU_RUN,			/* go on with o */
	SU_HELP,		/* print usage, exit 0 */
	SU_VERSION,		/* print the version, exit 0 */
	SU_USAGE_ERROR,		/* print usage, exit 1 */
	SU_CREATE_CONFIG,	/* --create-config-files (o->create_config) */
	SU_BAD_FD,		/* an fd option that is no number: *bad */
	SU_NOMEM,
};

/*
 * Parses argv (getopt_long; "--name=value" and unique prefixes work, as
 * in the reference). The last value of an option wins, except
 * --pcr-banks, whose values are joined with ','. --create-config-files
 * ends the parsing at once (its argument is inline or the next word
 * unless that starts with '-'). *bad names the offending argument for
 * SU_BAD_FD. Call su_opts_release afterwards in every case.
 */
enum su_action	 su_opts_parse(struct su_opts *o, int argc, char **argv,
		    const char **bad);
void		 su_opts_release(struct su_opts *o);

/* The usage text (stdout) and the version line. */
void		 su_usage(const char *prog, const char *config);
void		 su_version(void);

/* aes-128-cbc, aes-cbc or aes-256-cbc. */
bool		 su_cipher_ok(const char *cipher);
/*
 * The swtpm --key option of the key options in the reference's
 * precedence (keyfile > pwdfile > keyfile-fd > pwdfile-fd), with
 * ",mode=<cipher>", into buf. Returns which one (1-4), 0 for none, -1
 * if it does not fit.
 */
int		 su_keyopt(const struct su_opts *o, char *buf, size_t len);

/* The largest of the n sizes swtpm lists, 2048 if none. */
unsigned	 su_rsa_max(const unsigned *sizes, size_t n);
/*
 * --rsa-keysize: "max" becomes su_rsa_max of sizes; then only 2048 and
 * 3072 are valid (0 otherwise: "Unsupported RSA key size", naming the
 * word, or for "max" the number). NULL is 2048.
 */
unsigned	 su_rsa_keysize(const char *word, const unsigned *sizes,
		    size_t n);

/*
 * Whether a --pcr-banks value names no bank at all (empty words only),
 * in which case the configuration's active_pcr_banks applies.
 */
bool		 su_pcr_banks_empty(const char *banks);

#endif
