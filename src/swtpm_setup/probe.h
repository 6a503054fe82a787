/*
 * The TPM program swtpm_setup drives (provisioning.md §1.2-§1.4, §1.6):
 * finding it, splitting --tpm into words, and asking it, as separate
 * runs, what it supports (--print-capabilities, parsed with json-c)
 * and whether a state exists (--print-states). Errors are logged with
 * the reference's messages.
 */
#ifndef SETUP_PROBE_H
#define SETUP_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"

#define SU_MAX_RSA_SIZES	8

/* What `<tpm> [--tpm2] --print-capabilities` says. */
struct su_caps {
	bool		 tpm12, tpm2;
	unsigned	 rsa[SU_MAX_RSA_SIZES];	/* rsa-keysize-N, as listed */
	size_t		 nrsa;
};

/* The TPM command line: words of --tpm (malloc'ed, NULL-terminated). */
struct su_tpm {
	char	**argv;
	size_t	  argc;
	char	 *path;		/* argv[0] as found (PATH or as given) */
};

/*
 * The default command line: "<dir>/swtpm socket" where dir is that of
 * this program (self: argv[0] if it has a '/', else /proc/self/exe),
 * if executable there, else "swtpm socket" if swtpm is in PATH. NULL if
 * neither (malloc'ed otherwise).
 */
char	*su_tpm_default(const char *self);
/*
 * Splits cmdline at spaces (empty words dropped) and finds argv[0] as
 * execvp would. -1 when there are no words or it is not an executable
 * (logged: "swtpm at %s is not an executable.").
 */
int	 su_tpm_init(struct su_tpm *t, const char *cmdline);
void	 su_tpm_release(struct su_tpm *t);

/*
 * A program as execvp finds it: name itself if it has a '/', else the
 * first PATH entry where it is an executable regular file. NULL if
 * none (malloc'ed otherwise).
 */
char	*su_find_program(const char *name);

/*
 * Parses the JSON of --print-capabilities (len bytes): "features" must
 * be an array of strings. Returns 0, or -1 if it is no such object.
 */
int	 su_caps_parse(const char *json, size_t len, struct su_caps *out);
/*
 * Parses the JSON of --print-states: true in *has_permall if "states"
 * names a "permall". Returns 0, or -1 if it is no such object.
 */
int	 su_states_parse(const char *json, size_t len, bool *has_permall);

/*
 * Starts `<tpm> --print-capabilities [--tpm2] [--log file=L]` (stderr
 * captured); su_probe_caps_end collects it. Separate so that two
 * probes can run at once.
 */
int	 su_probe_caps_start(const struct su_tpm *t, bool tpm2,
	    struct su_run *r);
/* Waits for r (if not yet done) and parses it; -1 logged. */
int	 su_probe_caps_end(const struct su_tpm *t, struct su_run *r,
	    struct su_caps *out);
/*
 * Runs `<tpm> --print-states --tpmstate backend-uri=U [--tpm2]
 * [--log file=L]` (stderr to /dev/null). -1 logged.
 */
int	 su_probe_states(const struct su_tpm *t, const char *uri, bool tpm2,
	    bool *has_permall);

/*
 * One JSON value of len bytes (white space or NUL bytes may follow
 * it, nothing else), or NULL. The caller puts the result with json_object_put.
 */
struct json_object *su_json_parse(const char *text, size_t len);

/*
 * The --print-capabilities line of swtpm_setup from what the TPM
 * program reports (provisioning.md §1.4), with a newline.
 */
int	 su_caps_print(const struct su_caps *base, const struct su_caps *t2);

#endif
