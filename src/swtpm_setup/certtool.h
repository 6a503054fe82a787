/*
 * The certificate tool of swtpm_setup.conf (provisioning.md §1.10):
 * its command line, running it (several may run at once), relaying its
 * output into the log, and reading the certificate it leaves in the
 * temporary directory. The command line is built by a pure function so
 * that it can be tested on its own.
 */
#ifndef SETUP_CERTTOOL_H
#define SETUP_CERTTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "session.h"

/* The certificates a tool call may make. */
enum su_cert_type { SU_CERT_EK, SU_CERT_PLATFORM };

/* The tool as configured. */
struct su_certtool {
	char	*tool;		/* create_certs_tool, NULL: none */
	char	*path;		/* tool as found in PATH */
	char	*config;	/* create_certs_tool_config or NULL */
	char	*options;	/* create_certs_tool_options or NULL */
	const char *prgname;	/* basename of tool */
};

/* One call's inputs. */
struct su_cert_req {
	enum su_cert_type	 type;
	const char		*keyparams;	/* modulus hex or x=,y=,id= */
	const char		*dir;		/* the temporary directory */
	bool			 tpm2;
	bool			 allow_signing, decryption;
	const char		*logfile, *vmid;
	const struct su_tpm_info *info;
};

/* A built command line: argv borrows strings and the two numbers. */
struct su_cert_argv {
	const char	*argv[40];
	size_t		 argc;
	char		 level[24], revision[24];
};

/*
 * The command line (0.7.1's order, with HEAD's --allow-signing
 * [--decryption] after --dir for a TPM 2 signing EK):
 * <path> --type ek|platform --ek P --dir D [--allow-signing
 * [--decryption]] [--logfile L] [--vmid V] --tpm-spec-family F
 * --tpm-spec-level N --tpm-spec-revision N --tpm-manufacturer M
 * --tpm-model X --tpm-version Y [--tpm2] [--configfile C]
 * [--optsfile O].
 */
void	 su_cert_argv(const struct su_certtool *ct,
	    const struct su_cert_req *rq, struct su_cert_argv *out);

/*
 * Reads create_certs_tool and the two file names from the loaded
 * configuration (${VAR} expanded) and finds the tool in PATH
 * ("Could not find %s in PATH." logged). A configuration without a
 * tool is valid (ct->tool NULL) until a certificate is wanted.
 */
struct conf;
int	 su_certtool_init(struct su_certtool *ct, const struct conf *cf);
void	 su_certtool_release(struct su_certtool *ct);

/* A call in flight. */
struct su_cert_run {
	struct su_cert_argv	 av;
	struct su_run		 run;
	bool			 started;
	int			 spawn_errno;	/* exec failed */
};

/* An empty call (su_cert_release is a no-op). */
void	 su_cert_init(struct su_cert_run *cr);
/* Starts the tool (never logs; su_cert_finish reports). */
void	 su_cert_start(const struct su_certtool *ct,
	    const struct su_cert_req *rq, struct su_cert_run *cr);
/*
 * Waits for the calls that are still running (all of them at once).
 */
void	 su_cert_wait(struct su_cert_run *const *crs, size_t n);
/*
 * Logs the call ("  Invoking ..."), relays the tool's stdout as
 * "<prgname>: <line>" and judges its exit ("<prgname> exit with status
 * %d: <stderr>"). Returns 0 if the tool succeeded. Releases cr.
 */
int	 su_cert_finish(const struct su_certtool *ct, struct su_cert_run *cr);
void	 su_cert_release(struct su_cert_run *cr);

/* File name the tool writes for type: ek.cert or platform.cert. */
const char *su_cert_file(enum su_cert_type type);

/* Removes a tool's directory and what it may have left there. */
void	 su_cert_remove_dir(const char *dir);

/*
 * Reads <dir>/<file> (at most 64 KiB) into a malloc'ed buffer and
 * unlinks it. -1 logged.
 */
int	 su_cert_read(const char *dir, enum su_cert_type type,
	    uint8_t **der, size_t *len);

#endif
