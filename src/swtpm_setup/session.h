/*
 * The swtpm that swtpm_setup manufactures the state with
 * (provisioning.md §1.7): started as `<tpm> --flags
 * not-need-init,startup-clear --tpmstate backend-uri=U --pid file=P
 * [--tpm2] [--key K] [--log file=L]` on two socketpairs (src/client's
 * cl_spawn), ready once P is non-empty; TPM commands and control
 * messages with deadlines; CMD_GET_INFO; the stop. Failures are logged
 * with the reference's messages ("<name> failed: 0x%x").
 */
#ifndef SETUP_SESSION_H
#define SETUP_SESSION_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "conn.h"
#include "spawn.h"
#include "probe.h"

/* The largest TPM response the flows read. */
#define SU_RSP_MAX	8192

struct su_sess {
	struct cl_child	 ch;
	char		 pidfile[PATH_MAX];
	bool		 running;
	uint8_t		 rsp[SU_RSP_MAX];	/* the last response */
	size_t		 rlen;
};

struct su_sess_opts {
	const struct su_tpm	*tpm;
	const char		*uri;		/* backend-uri */
	bool			 tpm2;
	const char		*keyopt;	/* --key value or NULL */
	int			 keyfd;		/* inherited fd or -1 */
};

/* CMD_GET_INFO's TPMSpecification and TPMAttributes. */
struct su_tpm_info {
	char	family[32];
	long	level, revision;
	char	manufacturer[64], model[64], version[64];
};

/*
 * Starts the child and waits until it is ready; prints "TPM is
 * listening on Unix socket." on stdout then. -1 logged (the caller
 * adds "Could not start the TPM ...").
 */
int	 su_sess_start(struct su_sess *s, const struct su_sess_opts *o);
/*
 * One TPM command; its response is in s->rsp (s->rlen bytes). -1
 * (logged with name) on a transport error, a malformed response or a
 * response code other than 0.
 */
int	 su_sess_tpm(struct su_sess *s, const struct wr *cmd,
	    const char *name);
/* CMD_GET_INFO of the specification and attributes. -1 logged. */
int	 su_sess_get_info(struct su_sess *s, struct su_tpm_info *info);
/*
 * Parses the JSON of CMD_GET_INFO (len bytes). -1 with the message
 * "Could not find [%s][%s] in '%s'" logged.
 */
int	 su_tpm_info_parse(const char *json, size_t len,
	    struct su_tpm_info *info);
/* CMD_SHUTDOWN, then the child is reaped (killed after 500 ms). */
void	 su_sess_stop(struct su_sess *s);

#endif
