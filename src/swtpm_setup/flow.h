/*
 * The manufacturing flows (provisioning.md §1.8-§1.11) on a running
 * session: TPM 2 (SRK, EKs, certificates in NV, PCR banks, shutdown)
 * and TPM 1.2 (EK, ownership, certificates, NV lock). Everything they
 * need is in struct su_ctx; they log each step with the reference's
 * messages and return 0 or -1.
 */
#ifndef SETUP_FLOW_H
#define SETUP_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "certtool.h"
#include "opts.h"
#include "session.h"

/* Files written into --write-ek-cert-files, removed if the run fails. */
struct su_written {
	char	*path[4];
	size_t	 n;
};

struct su_ctx {
	const struct su_opts	*o;
	struct su_sess		*s;
	const struct su_certtool *ct;
	const char		*certsdir;	/* NULL: no certificates */
	const char		*pcr_banks;	/* TPM 2: list or "-" */
	unsigned		 rsa_bits;	/* TPM 2: RSA EK size */
	struct su_written	*written;
};

int	 su_tpm2_flow(struct su_ctx *c);
int	 su_tpm12_flow(struct su_ctx *c);

/*
 * Copies an EK certificate to <dir>/ek-<desc>.crt (mode 0640, through
 * a temporary file and rename) and records it in c->written. -1
 * logged.
 */
int	 su_write_ek_file(struct su_ctx *c, const char *desc,
	    const uint8_t *der, size_t len);
/* Removes the recorded files (after a failure) and forgets them. */
void	 su_written_remove(struct su_written *w);
void	 su_written_release(struct su_written *w);

/* Lower-case hex of n bytes (malloc'ed), NULL if out of memory. */
char	*su_hex(const uint8_t *p, size_t n);

#endif
