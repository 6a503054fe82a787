/*
 * Command line of `swtpm socket|chardev`: parses argv into struct sw_opts
 * with the reference's option names, defaults, error messages and exit
 * codes (spec cli.md §1-§4). It opens nothing and starts nothing, except
 * what parsing itself requires (getpwnam for uid=/gid=).
 */
#ifndef SWTPM_OPTIONS_H
#define SWTPM_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "state.h"

enum sw_iface { SW_IFACE_SOCKET, SW_IFACE_CHARDEV };

enum sw_chan_type { SW_CHAN_NONE, SW_CHAN_TCP, SW_CHAN_UNIXIO };

/* --server or --ctrl. Unset numbers are -1, unset strings NULL. */
struct sw_chan {
	enum sw_chan_type type;
	int		 port;		/* tcp port, -1 unset */
	char		*bindaddr;	/* NULL = 127.0.0.1 */
	char		*ifname;
	int		 fd;		/* listening (or tcp data: connected) fd */
	int		 clientfd;	/* --ctrl unixio clientfd= */
	char		*path;		/* unixio path */
	mode_t		 mode;		/* default 0770 */
	bool		 mode_set;
	uid_t		 uid;
	gid_t		 gid;
	bool		 uid_set, gid_set;
	bool		 disconnect;	/* --server only; -p sets it */
	bool		 terminate;	/* --ctrl only */
};

enum sw_startup { SW_STARTUP_NONE_GIVEN = 0, SW_STARTUP_CLEAR,
    SW_STARTUP_STATE, SW_STARTUP_DEACTIVATED, SW_STARTUP_NONE };

struct sw_opts {
	enum sw_iface	 iface;
	bool		 tpm2;
	bool		 daemon;
	bool		 terminate;	/* -t */
	int		 data_fd;	/* --fd / -f, -1 unset */
	char		*chardev;	/* chardev -c PATH */
	bool		 vtpm_proxy;
	struct sw_chan	 server;	/* type NONE if no --server/-p */
	struct sw_chan	 ctrl;		/* type NONE if no --ctrl */

	/* --tpmstate; state_uri NULL if neither dir nor backend-uri */
	char		*state_uri;	/* "dir://..." or "file://..." */
	bool		 state_given;	/* --tpmstate given (not TPM_PATH) */
	struct st_store_cfg state_cfg;	/* lock default depends on URI */

	bool		 key_given, migkey_given;
	struct st_keyopt key, migkey;	/* .path = key_path/migkey_path */
	char		*key_path;	/* owned; behind key.path */
	char		*migkey_path;	/* owned; behind migkey.path */

	bool		 loc_reject4, loc_allow_set;

	char		*pid_file;
	int		 pid_fd;	/* -1 unset */

	char		*log_file;	/* "-" disables logging */
	int		 log_fd;	/* -1 unset */
	int		 log_level;	/* default 1 (0 means 1) */
	char		*log_prefix;	/* NULL = default/none */
	bool		 log_truncate;
	bool		 log_json;	/* format=json (else text) */
	bool		 log_given;

	bool		 not_need_init;
	enum sw_startup	 startup;
	bool		 disable_auto_shutdown;

	bool		 mig_incoming, mig_release_lock_outgoing;

	char		*runas;
	char		*chroot_path;
	int		 seccomp_action; /* enum sw_seccomp_action; default
					    kill where supported */
	bool		 seccomp_given;

	bool		 print_capabilities;
	bool		 print_states;
	unsigned	 print_info;	/* 0 = not asked */
};

/*
 * Parses argv (argv[0] is the program, argv[1] the interface word).
 * Returns -1 to continue, or an exit status (0 after --help/--version,
 * 1 after an error; messages already written as the reference does:
 * help and version to stdout, errors and getopt's own complaints to
 * stderr). Options with environment fall-backs read TPM_PORT and
 * TPM_PATH.
 *
 * Everything of spec cli.md §5 steps 1-2, 5 (the --log string only),
 * 6, 9 (option strings and fd checks only) and 11 is checked here, in
 * that order, so the first error reported is the reference's: it opens
 * nothing (no log file, socket, device, key or pid file) and only
 * fstat()s given descriptors. Main still does: -d, --chroot, --runas,
 * opening the log, choosing the TPM version, creating sockets (bind
 * address/ifname/path length errors), opening -c, /dev/vtpmx, keys.
 * Options the reference ignores in a mode are skipped here as well:
 * with print_capabilities only --log and the --fd range are checked;
 * with print_states additionally --ctrl/--server and --tpmstate.
 *
 * Resulting semantics (main need not re-derive them):
 * - server/ctrl: only the winning source is set (fd > clientfd > path
 *   for unixio --ctrl; fd > port for tcp); server.port is resolved
 *   (TPM_PORT fallback, -p); -p gives type tcp + disconnect.
 * - terminate is also set by --fd, --server type=tcp,fd= and chardev.
 * - data_fd >= 3 when set (also chardev -f); -c leaves data_fd -1 and
 *   sets chardev (first of -c/-f wins). --fd with --server/-p is an error.
 * - not_need_init is the effective value: also set by startup-clear/
 *   state/deactivated and by --vtpm-proxy; --vtpm-proxy without a
 *   startup-* flag gives SW_STARTUP_CLEAR and sets loc_allow_set.
 * - state_uri: --tpmstate, else "dir://$TPM_PATH" (state_given false),
 *   else NULL. state_cfg.lock defaults true except for file:// URIs;
 *   state_cfg.fsync defaults TRUE (fsync=false turns it off);
 *   state_cfg.tpm2 = tpm2. `backup` needs a dir:// URI.
 * - log_file wins over log_fd (log_fd is -1 then); log_level >= 1.
 */
int	 sw_opts_parse(struct sw_opts *, int argc, char **argv);
void	 sw_opts_release(struct sw_opts *);

/*
 * The parsers of single option strings, for the other programs that take
 * the same options (swtpm_state). Each returns 0, or -1 with the message
 * swtpm would print (without "swtpm: ") in err.
 *
 * sw_keyopt_parse: a --key / --migration-key string into k (reset first,
 * defaults as swtpm's). *pathbuf (freed first, then NULL or a string the
 * caller frees) holds the file= / pwdfile= path k->path points to.
 * Opens and reads nothing.
 *
 * sw_stateopt_parse: a --tpmstate string. *uri (freed first) receives a
 * "dir://..." or the backend-uri, which the caller frees; cfg receives
 * mode, lock (default true, false for file://), fsync (default true)
 * and backup; its other members are left alone.
 */
int	 sw_keyopt_parse(const char *s, struct st_keyopt *k, char **pathbuf,
	    char *err, size_t errlen);
int	 sw_stateopt_parse(const char *s, char **uri,
	    struct st_store_cfg *cfg, char *err, size_t errlen);

#endif
