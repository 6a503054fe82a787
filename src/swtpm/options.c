/*
 * Command line of `swtpm socket|chardev` (spec cli.md §1-§4, §8): getopt
 * pass, then the sub-option strings in the reference's start-up order so
 * the same first error is reported. Fills struct sw_opts; opens nothing
 * (it only fstat()s descriptors it is given), starts nothing.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "options.h"
#include "seccomp.h"
#include "subopt.h"
#include "usage.h"

#define ERRLEN	512

/* Long-only options get codes above any character. */
enum {
	OPT_SERVER = 256, OPT_CTRL, OPT_TPMSTATE, OPT_TPM2, OPT_KEY,
	OPT_MIGKEY, OPT_LOCALITY, OPT_PID, OPT_LOG, OPT_FLAGS, OPT_MIGRATION,
	OPT_SECCOMP, OPT_PRINT_CAPS, OPT_PRINT_STATES, OPT_PRINT_INFO,
	OPT_VTPM_PROXY,
};

#define COMMON_LONGOPTS \
	{ "daemon", no_argument, NULL, 'd' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "fd", required_argument, NULL, 'f' }, \
	{ "runas", required_argument, NULL, 'r' }, \
	{ "chroot", required_argument, NULL, 'R' }, \
	{ "ctrl", required_argument, NULL, OPT_CTRL }, \
	{ "tpmstate", required_argument, NULL, OPT_TPMSTATE }, \
	{ "tpm2", no_argument, NULL, OPT_TPM2 }, \
	{ "key", required_argument, NULL, OPT_KEY }, \
	{ "migration-key", required_argument, NULL, OPT_MIGKEY }, \
	{ "locality", required_argument, NULL, OPT_LOCALITY }, \
	{ "pid", required_argument, NULL, OPT_PID }, \
	{ "log", required_argument, NULL, OPT_LOG }, \
	{ "flags", required_argument, NULL, OPT_FLAGS }, \
	{ "migration", required_argument, NULL, OPT_MIGRATION }, \
	{ "seccomp", required_argument, NULL, OPT_SECCOMP }, \
	{ "print-capabilities", no_argument, NULL, OPT_PRINT_CAPS }, \
	{ "print-states", no_argument, NULL, OPT_PRINT_STATES }, \
	{ "print-info", required_argument, NULL, OPT_PRINT_INFO }

static const struct option socket_longopts[] = {
	COMMON_LONGOPTS,
	{ "port", required_argument, NULL, 'p' },
	{ "terminate", no_argument, NULL, 't' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ NULL, 0, NULL, 0 }
};

static const struct option chardev_longopts[] = {
	COMMON_LONGOPTS,
	{ "chardev", required_argument, NULL, 'c' },
	{ "vtpm-proxy", no_argument, NULL, OPT_VTPM_PROXY },
	{ NULL, 0, NULL, 0 }
};

/* Option strings as given; for repeated options the last one wins. */
struct raw {
	const char	*log, *key, *migkey, *pid, *locality, *tpmstate;
	const char	*ctrl, *server, *flags, *seccomp, *migration;
	const char	*runas, *chroot;
	bool		 port_given;	/* -p seen: acts as TPM_PORT */
	char		 port[16];
};

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "swtpm: <msg>\n" like the reference's default log; returns 1. */
static int
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("swtpm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	return 1;
}

static int
subopts(const char *s, const struct so_desc *d, struct so_val *v, size_t n,
    const char *what)
{
	char msg[ERRLEN];

	if (so_parse(s, d, v, n, msg, sizeof(msg)) < 0)
		return fail("Error parsing %s options: %s", what, msg);
	return 0;
}

static int
vint(const struct so_val *v, int def)
{
	return v->set ? (int)v->num : def;
}

static char *
vstr(const struct so_val *v)
{
	return v->set ? strdup(v->str) : NULL;
}

static bool
is_sock(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
chan_init(struct sw_chan *c)
{
	memset(c, 0, sizeof(*c));
	c->type = SW_CHAN_NONE;
	c->port = -1;
	c->fd = -1;
	c->clientfd = -1;
	c->mode = 0770;
}

static void
chan_release(struct sw_chan *c)
{
	free(c->bindaddr);
	free(c->ifname);
	free(c->path);
	chan_init(c);
}

static void
keyopt_init(struct st_keyopt *k)
{
	memset(k, 0, sizeof(*k));
	k->src = ST_KEY_NONE;
	k->fd = -1;
	k->fmt = ST_KEY_HEX;
	k->keylen = 16;
	k->kdf = ST_KDF_PBKDF2;
}

static void
opts_init(struct sw_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->data_fd = -1;
	chan_init(&o->server);
	chan_init(&o->ctrl);
	keyopt_init(&o->key);
	keyopt_init(&o->migkey);
	o->state_cfg.mode = 0600;
	o->state_cfg.lock = true;
	o->state_cfg.fsync = true;
	o->pid_fd = -1;
	o->log_fd = -1;
	o->log_level = 1;
	o->startup = SW_STARTUP_NONE_GIVEN;
	o->seccomp_action = SW_HAVE_SECCOMP ? SW_SECCOMP_KILL :
	    SW_SECCOMP_NONE;
}

void
sw_opts_release(struct sw_opts *o)
{
	free(o->chardev);
	chan_release(&o->server);
	chan_release(&o->ctrl);
	free(o->state_uri);
	free(o->key_path);
	free(o->migkey_path);
	free(o->pid_file);
	free(o->log_file);
	free(o->log_prefix);
	free(o->runas);
	free(o->chroot_path);
	opts_init(o);
}

/* ------------------------------------------------------------ --log */

enum { L_FILE, L_FD, L_LEVEL, L_PREFIX, L_TRUNCATE, L_FORMAT, L_N };
static const struct so_desc log_desc[L_N] = {
	[L_FILE] = { "file", SO_STRING },
	[L_FD] = { "fd", SO_INT },
	[L_LEVEL] = { "level", SO_UINT },
	[L_PREFIX] = { "prefix", SO_STRING },
	[L_TRUNCATE] = { "truncate", SO_BOOL },
	[L_FORMAT] = { "format", SO_STRING },	/* ours: text|json */
};

static int
do_log(struct sw_opts *o, const char *s)
{
	struct so_val v[L_N];

	if (subopts(s, log_desc, v, L_N, "logging"))
		return 1;
	if (v[L_FORMAT].set && strcmp(v[L_FORMAT].str, "text") != 0 &&
	    strcmp(v[L_FORMAT].str, "json") != 0) {
		fail("Error parsing logging options: unsupported format "
		    "'%s' (text or json)", v[L_FORMAT].str);
		so_vals_free(v, L_N);
		return 1;
	}
	o->log_json = v[L_FORMAT].set && strcmp(v[L_FORMAT].str, "json") == 0;
	o->log_given = true;
	o->log_file = vstr(&v[L_FILE]);
	if (o->log_file == NULL && vint(&v[L_FD], -1) >= 0)
		o->log_fd = vint(&v[L_FD], -1);
	o->log_level = v[L_LEVEL].set && v[L_LEVEL].num > 0 ?
	    (int)(v[L_LEVEL].num > INT_MAX ? INT_MAX : v[L_LEVEL].num) : 1;
	o->log_prefix = vstr(&v[L_PREFIX]);
	o->log_truncate = v[L_TRUNCATE].b;
	so_vals_free(v, L_N);
	return 0;
}

/* ----------------------------------------------------- --ctrl, --server */

/* The slots both options have, then each one's own. */
enum { C_TYPE, C_PATH, C_PORT, C_BINDADDR, C_IFNAME, C_FD, C_MODE, C_UID,
    C_GID, C_COMMON_N };
enum { C_CLIENTFD = C_COMMON_N, C_TERMINATE };
enum { SV_DISCONNECT = C_COMMON_N };
#define CHAN_COMMON_DESC \
	[C_TYPE] = { "type", SO_STRING }, \
	[C_PATH] = { "path", SO_STRING }, \
	[C_PORT] = { "port", SO_INT }, \
	[C_BINDADDR] = { "bindaddr", SO_STRING }, \
	[C_IFNAME] = { "ifname", SO_STRING }, \
	[C_FD] = { "fd", SO_INT }, \
	[C_MODE] = { "mode", SO_MODE }, \
	[C_UID] = { "uid", SO_UID }, \
	[C_GID] = { "gid", SO_GID }
static const struct so_desc ctrl_desc[] = {
	CHAN_COMMON_DESC,
	[C_CLIENTFD] = { "clientfd", SO_INT },
	[C_TERMINATE] = { "terminate", SO_BOOL },
};
static const struct so_desc server_desc[] = {
	CHAN_COMMON_DESC,
	[SV_DISCONNECT] = { "disconnect", SO_BOOL },
};
#define CTRL_N		(sizeof(ctrl_desc) / sizeof(ctrl_desc[0]))
#define SERVER_N	(sizeof(server_desc) / sizeof(server_desc[0]))

static void
chan_unix_common(struct sw_chan *c, const struct so_val *v)
{
	c->type = SW_CHAN_UNIXIO;
	c->mode_set = v[C_MODE].set;
	if (v[C_MODE].set)
		c->mode = v[C_MODE].mode;
	c->uid_set = v[C_UID].set;
	c->uid = v[C_UID].uid;
	c->gid_set = v[C_GID].set;
	c->gid = v[C_GID].gid;
}

static void
chan_tcp_common(struct sw_chan *c, const struct so_val *v, int port)
{
	c->type = SW_CHAN_TCP;
	c->port = port;
	c->bindaddr = vstr(&v[C_BINDADDR]);
	c->ifname = vstr(&v[C_IFNAME]);
}

static int
ctrl_check(struct sw_chan *c, const struct so_val *v)
{
	const char *type = v[C_TYPE].str;
	int fd = vint(&v[C_FD], -1), port;

	if (!v[C_TYPE].set)
		return fail("Missing type parameter for control channel");
	if (strcmp(type, "unixio") == 0) {
		int clientfd = vint(&v[C_CLIENTFD], -1);

		if (fd >= 0) {
			if (!is_sock(fd))
				return fail("Bad filedescriptor %d for "
				    "UnixIO control channel", fd);
			c->fd = fd;
		} else if (clientfd >= 0) {
			if (!is_sock(clientfd))
				return fail("Bad filedescriptor %d for "
				    "UnixIO client control channel", clientfd);
			c->clientfd = clientfd;
		} else if (v[C_PATH].set) {
			c->path = vstr(&v[C_PATH]);
		} else {
			return fail("Missing path and fd options for "
			    "UnixIO control channel");
		}
		chan_unix_common(c, v);
	} else if (strcmp(type, "tcp") == 0) {
		port = vint(&v[C_PORT], -1);
		if (fd >= 0) {
			if (!is_sock(fd))
				return fail("Bad filedescriptor %d for "
				    "TCP control channel", fd);
			c->fd = fd;
			port = -1;
		} else if (port >= 0) {
			if (port >= 0x10000)
				return fail("TCP control channel port "
				    "outside valid range");
		} else {
			return fail("Missing port and fd options for "
			    "TCP control channel");
		}
		chan_tcp_common(c, v, port);
	} else {
		return fail("Unsupported control channel type: %s", type);
	}
	c->terminate = v[C_TERMINATE].b;
	return 0;
}

static int
do_ctrl(struct sw_chan *c, const char *s)
{
	struct so_val v[CTRL_N];
	int rc;

	if (subopts(s, ctrl_desc, v, CTRL_N, "ctrl"))
		return 1;
	rc = ctrl_check(c, v);
	so_vals_free(v, CTRL_N);
	if (rc != 0)
		chan_release(c);
	return rc;
}

/* Leading decimal integer like sscanf("%d"); -1 if there is none. */
static int
env_port(const char *s, int *port)
{
	char *end;
	long l;

	if (s == NULL)
		return -1;
	errno = 0;
	l = strtol(s, &end, 10);
	if (end == s || errno == ERANGE || l < INT_MIN || l > INT_MAX)
		return -1;
	*port = (int)l;
	return 0;
}

static int
server_check(struct sw_opts *o, const struct so_val *v, const char *envport)
{
	struct sw_chan *c = &o->server;
	const char *type = v[C_TYPE].set ? v[C_TYPE].str : "tcp";
	int fd = vint(&v[C_FD], -1), port;

	c->disconnect = v[SV_DISCONNECT].b;
	if (strcmp(type, "unixio") == 0) {
		if (fd >= 0) {
			/* COMPAT: cli.md §3, the reference's wording */
			if (!is_sock(fd))
				return fail("Bad filedescriptor %d for "
				    "UnixIO control channel", fd);
			c->fd = fd;
		} else if (v[C_PATH].set) {
			c->path = vstr(&v[C_PATH]);
		} else {
			return fail("Missing path and file descriptor "
			    "option for UnixIO socket");
		}
		chan_unix_common(c, v);
	} else if (strcmp(type, "tcp") == 0) {
		if (fd >= 0) {
			if (!is_sock(fd))
				return fail("Bad filedescriptor %d for "
				    "TCP socket", fd);
			c->fd = fd;
			o->terminate = true;
			port = -1;
		} else {
			port = vint(&v[C_PORT], -1);
			if (port == -1 && env_port(envport, &port) < 0)
				return fail("TPM_PORT is not set or "
				    "contains an invalid integer value.");
			if (port < 0)
				return fail("No valid port number "
				    "provided for TCP socket.");
			if (port >= 0x10000)
				return fail("TCP socket port outside "
				    "valid range");
		}
		chan_tcp_common(c, v, port);
	} else {
		return fail("Unsupported socket type: %s", type);
	}
	return 0;
}

static int
do_server(struct sw_opts *o, const struct raw *r)
{
	struct so_val v[SERVER_N];
	const char *envport = r->port_given ? r->port : getenv("TPM_PORT");
	/* -p P is --server type=tcp,disconnect with TPM_PORT=P */
	const char *s = r->server ? r->server : "type=tcp,disconnect";
	int rc;

	if (subopts(s, server_desc, v, SERVER_N, "server"))
		return 1;
	rc = server_check(o, v, envport);
	so_vals_free(v, SERVER_N);
	if (rc != 0) {
		chan_release(&o->server);
		return rc;
	}
	/*
	 * The reference lets the --server socket silently replace --fd;
	 * the result makes no sense, so refuse it (cli.md §3 allows this).
	 */
	if (o->data_fd >= 0)
		return fail("Error: --fd cannot be combined with "
		    "--server or --port");
	return 0;
}

/* ------------------------------------------------- --key, --migration-key */

enum { K_FILE, K_MODE, K_FORMAT, K_REMOVE, K_PWDFILE, K_KDF, K_FD, K_PWDFD,
    K_N };
static const struct so_desc key_desc[K_N] = {
	[K_FILE] = { "file", SO_STRING },
	[K_MODE] = { "mode", SO_STRING },
	[K_FORMAT] = { "format", SO_STRING },
	[K_REMOVE] = { "remove", SO_BOOL },
	[K_PWDFILE] = { "pwdfile", SO_STRING },
	[K_KDF] = { "kdf", SO_STRING },
	[K_FD] = { "fd", SO_INT },
	[K_PWDFD] = { "pwdfd", SO_INT },
};

/* Formats one message into err; returns -1. */
static int
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
key_check(struct st_keyopt *k, char **pathbuf, const struct so_val *v,
    char *err, size_t errlen)
{
	const char *fmt = v[K_FORMAT].set ? v[K_FORMAT].str : "hex";
	const char *mode = v[K_MODE].set ? v[K_MODE].str : "aes-128-cbc";
	const char *kdf = v[K_KDF].set ? v[K_KDF].str : "pbkdf2";
	int fd = vint(&v[K_FD], -1), pwdfd = vint(&v[K_PWDFD], -1);

	/* state-storage.md §7; the order of the checks is the reference's */
	if (!v[K_FILE].set && fd == -1 && !v[K_PWDFILE].set && pwdfd == -1)
		return seterr(err, errlen, "Either file=, fd=, pwdfile=, or "
		    "pwdfd= is required for key option");
	if (strcmp(fmt, "hex") == 0)
		k->fmt = ST_KEY_HEX;
	else if (strcmp(fmt, "binary") == 0)
		k->fmt = ST_KEY_BINARY;
	else
		return seterr(err, errlen, "Unknown key format '%s'.", fmt);
	if (strcmp(mode, "aes-cbc") == 0 || strcmp(mode, "aes-128-cbc") == 0)
		k->keylen = 16;
	else if (strcmp(mode, "aes-256-cbc") == 0)
		k->keylen = 32;
	else
		return seterr(err, errlen, "Unknown encryption mode '%s'.",
		    mode);

	if (v[K_FILE].set) {
		k->src = ST_KEY_FILE;
		*pathbuf = vstr(&v[K_FILE]);
	} else if (fd >= 0) {
		k->src = ST_KEY_FD;
		k->fd = fd;
	} else {
		/* the kdf matters (and is checked) for passphrases only */
		if (strcmp(kdf, "pbkdf2") == 0)
			k->kdf = ST_KDF_PBKDF2;
		else if (strcmp(kdf, "sha512") == 0)
			k->kdf = ST_KDF_SHA512;
		else
			return seterr(err, errlen, "Unknown kdf '%s'.", kdf);
		if (v[K_PWDFILE].set) {
			k->src = ST_KEY_PWDFILE;
			*pathbuf = vstr(&v[K_PWDFILE]);
		} else {
			/* COMPAT: a negative fd= other than -1 lands here */
			k->src = ST_KEY_PWDFD;
			k->fd = pwdfd;
		}
	}
	k->path = *pathbuf;
	k->remove = v[K_REMOVE].b;
	return 0;
}

int
sw_keyopt_parse(const char *s, struct st_keyopt *k, char **pathbuf,
    char *err, size_t errlen)
{
	struct so_val v[K_N];
	char msg[ERRLEN];
	int rc;

	keyopt_init(k);
	free(*pathbuf);
	*pathbuf = NULL;
	if (so_parse(s, key_desc, v, K_N, msg, sizeof(msg)) < 0)
		return seterr(err, errlen, "Error parsing key options: %s",
		    msg);
	rc = key_check(k, pathbuf, v, err, errlen);
	so_vals_free(v, K_N);
	return rc;
}

static int
do_key(struct st_keyopt *k, char **pathbuf, bool *given, const char *s)
{
	char err[ERRLEN];
	int rc;

	rc = sw_keyopt_parse(s, k, pathbuf, err, sizeof(err));
	*given = rc == 0;
	return rc == 0 ? 0 : fail("%s", err);
}

/* ---------------------------------------------------------------- --pid */

enum { P_FILE, P_FD, P_N };
static const struct so_desc pid_desc[P_N] = {
	[P_FILE] = { "file", SO_STRING },
	[P_FD] = { "fd", SO_INT },
};

static int
do_pid(struct sw_opts *o, const char *s)
{
	struct so_val v[P_N];
	struct stat st;
	int fd, rc = 0;

	if (subopts(s, pid_desc, v, P_N, "pid"))
		return 1;
	fd = vint(&v[P_FD], -1);
	if (v[P_FILE].set) {
		o->pid_file = vstr(&v[P_FILE]);
	} else if (fd < 0) {
		rc = fail("The file or fd parameter is required for the "
		    "pid option.");
	} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = fail("Bad filedescriptor %d for pid file", fd);
	} else {
		o->pid_fd = fd;
	}
	so_vals_free(v, P_N);
	return rc;
}

/* ----------------------------------------------------------- --locality */

enum { LOC_REJECT4, LOC_ALLOW_SET, LOC_N };
static const struct so_desc loc_desc[LOC_N] = {
	[LOC_REJECT4] = { "reject-locality-4", SO_BOOL },
	[LOC_ALLOW_SET] = { "allow-set-locality", SO_BOOL },
};

static int
do_locality(struct sw_opts *o, const char *s)
{
	struct so_val v[LOC_N];

	if (subopts(s, loc_desc, v, LOC_N, "locality"))
		return 1;
	o->loc_reject4 = v[LOC_REJECT4].b;
	o->loc_allow_set = v[LOC_ALLOW_SET].b;
	return 0;
}

/* ----------------------------------------------------------- --tpmstate */

enum { S_DIR, S_MODE, S_URI, S_LOCK, S_BACKUP, S_FSYNC, S_N };
static const struct so_desc state_desc[S_N] = {
	[S_DIR] = { "dir", SO_STRING },
	[S_MODE] = { "mode", SO_MODE },
	[S_URI] = { "backend-uri", SO_STRING },
	[S_LOCK] = { "lock", SO_BOOL },
	[S_BACKUP] = { "backup", SO_BOOL },
	[S_FSYNC] = { "fsync", SO_BOOL },
};

static int
state_check(char **uri, struct st_store_cfg *cfg, const struct so_val *v,
    char *err, size_t errlen)
{
	bool lock_default = true;

	if (v[S_DIR].set) {
		if (asprintf(uri, "dir://%s", v[S_DIR].str) < 0) {
			*uri = NULL;
			return seterr(err, errlen, "Out of memory.");
		}
	} else if (v[S_URI].set) {
		*uri = vstr(&v[S_URI]);
		lock_default = strncmp(v[S_URI].str, "file://", 7) != 0;
	} else {
		return seterr(err, errlen, "The dir or backend-uri parameters "
		    "is required for the tpmstate option.");
	}
	if (v[S_BACKUP].b && strncmp(*uri, "dir://", 6) != 0)
		return seterr(err, errlen, "Error: the backup parameter of "
		    "--tpmstate needs the directory backend");
	cfg->mode_set = v[S_MODE].set;
	cfg->mode = v[S_MODE].set ? v[S_MODE].mode : 0600;
	cfg->lock = v[S_LOCK].set ? v[S_LOCK].b : lock_default;
	/* we fsync by default; the reference only with fsync (STYLE §7) */
	cfg->fsync = v[S_FSYNC].set ? v[S_FSYNC].b : true;
	cfg->backup = v[S_BACKUP].b;
	return 0;
}

int
sw_stateopt_parse(const char *s, char **uri, struct st_store_cfg *cfg,
    char *err, size_t errlen)
{
	struct so_val v[S_N];
	char msg[ERRLEN];
	int rc;

	free(*uri);
	*uri = NULL;
	if (so_parse(s, state_desc, v, S_N, msg, sizeof(msg)) < 0)
		return seterr(err, errlen, "Error parsing tpmstate options: "
		    "%s", msg);
	rc = state_check(uri, cfg, v, err, errlen);
	so_vals_free(v, S_N);
	return rc;
}

static int
do_tpmstate(struct sw_opts *o, const char *s)
{
	char err[ERRLEN];

	if (sw_stateopt_parse(s, &o->state_uri, &o->state_cfg, err,
	    sizeof(err)) < 0)
		return fail("%s", err);
	o->state_given = true;
	return 0;
}

/* --------------------------------------- --seccomp, --flags, --migration */

enum { SC_ACTION, SC_N };
static const struct so_desc seccomp_desc[SC_N] = {
	[SC_ACTION] = { "action", SO_STRING },
};

static int
do_seccomp(struct sw_opts *o, const char *s)
{
	struct so_val v[SC_N];
	char action[32];

	if (subopts(s, seccomp_desc, v, SC_N, "seccomp"))
		return 1;
	snprintf(action, sizeof(action), "%s",
	    v[SC_ACTION].set ? v[SC_ACTION].str : "kill");
	so_vals_free(v, SC_N);
	o->seccomp_given = true;
	if (strcmp(action, "none") == 0) {
		o->seccomp_action = SW_SECCOMP_NONE;
		return 0;
	}
	if (strcmp(action, "kill") != 0 && strcmp(action, "log") != 0)
		return fail("Unsupported seccomp log action %s", action);
	/*
	 * No filter on this platform: one that was asked for cannot be
	 * installed, and silently running without it would mislead.
	 */
	if (!SW_HAVE_SECCOMP)
		return fail("Error: seccomp action '%s' is not supported "
		    "on this platform", action);
	o->seccomp_action = strcmp(action, "kill") == 0 ? SW_SECCOMP_KILL :
	    SW_SECCOMP_LOG;
	return 0;
}

enum { F_NNI, F_NONE, F_CLEAR, F_STATE, F_DEACT, F_DAS, F_N };
static const struct so_desc flags_desc[F_N] = {
	[F_NNI] = { "not-need-init", SO_BOOL },
	[F_NONE] = { "startup-none", SO_BOOL },
	[F_CLEAR] = { "startup-clear", SO_BOOL },
	[F_STATE] = { "startup-state", SO_BOOL },
	[F_DEACT] = { "startup-deactivated", SO_BOOL },
	[F_DAS] = { "disable-auto-shutdown", SO_BOOL },
};

static int
do_flags(struct sw_opts *o, const char *s)
{
	struct so_val v[F_N];

	if (subopts(s, flags_desc, v, F_N, "flags"))
		return 1;
	o->not_need_init = v[F_NNI].b;
	o->disable_auto_shutdown = v[F_DAS].b;
	/* data-channel.md §6: first true in this order wins */
	if (v[F_CLEAR].b)
		o->startup = SW_STARTUP_CLEAR;
	else if (v[F_STATE].b)
		o->startup = SW_STARTUP_STATE;
	else if (v[F_DEACT].b)
		o->startup = SW_STARTUP_DEACTIVATED;
	else if (v[F_NONE].b)
		o->startup = SW_STARTUP_NONE;
	if (o->startup != SW_STARTUP_NONE_GIVEN &&
	    o->startup != SW_STARTUP_NONE)
		o->not_need_init = true;
	return 0;
}

enum { M_INCOMING, M_RELEASE, M_N };
static const struct so_desc mig_desc[M_N] = {
	[M_INCOMING] = { "incoming", SO_BOOL },
	[M_RELEASE] = { "release-lock-outgoing", SO_BOOL },
};

static int
do_migration(struct sw_opts *o, const char *s)
{
	struct so_val v[M_N];

	if (subopts(s, mig_desc, v, M_N, "migration"))
		return 1;
	o->mig_incoming = v[M_INCOMING].b;
	o->mig_release_lock_outgoing = v[M_RELEASE].b;
	return 0;
}

/* ------------------------------------------------------------- getopt */

/* -p: strtoul base 0, below 65536 (cli.md §3) */
static int
opt_port(struct raw *r, const char *arg)
{
	unsigned long val;
	char *end;

	errno = 0;
	val = strtoul(arg, &end, 0);
	if (val != (unsigned int)val || errno != 0 || *end != '\0')
		return fail("Cannot parse socket port number '%s'.",
		    arg);
	if (val >= 0x10000)
		return fail("Port is outside valid range.");
	snprintf(r->port, sizeof(r->port), "%lu", val);
	r->port_given = true;
	r->server = NULL;
	return 0;
}

/* -f: decimal; must be open and not a regular file/dir/block/symlink */
static int
opt_fd(struct sw_opts *o, const char *arg)
{
	unsigned long val;
	char *end;
	struct stat st;

	errno = 0;
	val = strtoul(arg, &end, 10);
	if (val != (unsigned int)val || errno != 0 || *end != '\0')
		return fail(o->iface == SW_IFACE_SOCKET ?
		    "Cannot parse socket file descriptor." :
		    "Cannot parse character device file descriptor.");
	/* COMPAT: values above INT_MAX wrap and fail in fstat */
	o->data_fd = (int)val;
	if (fstat(o->data_fd, &st) != 0)
		return fail("Cannot stat file descriptor: %s",
		    strerror(errno));
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ||
	    S_ISBLK(st.st_mode) || S_ISLNK(st.st_mode))
		return fail("Given file descriptor type is not "
		    "supported.");
	o->terminate = true;
	return 0;
}

static int
opt_print_info(struct sw_opts *o, const char *arg)
{
	unsigned long val;
	char *end;

	errno = 0;
	val = strtoul(arg, &end, 0);
	if (val != (unsigned int)val || errno != 0 || *end != '\0')
		return fail("Cannot parse info value '%s'.", arg);
	o->print_info = (unsigned)val;
	return 0;
}

/* One argument; returns -1 to go on, or an exit status. */
static int
handle_opt(struct sw_opts *o, struct raw *r, int c, const char *prg)
{
	bool dev = o->chardev != NULL || o->data_fd >= 0;

	switch (c) {
	case 'd': o->daemon = true; break;
	case 'h':
		sw_usage_iface(stdout, prg, o->iface);
		fflush(stdout);
		return 0;
	case 'p': return opt_port(r, optarg) ? 1 : -1;
	case 'f':
		/* chardev: the first of -c/-f wins, later ones are ignored */
		if (o->iface == SW_IFACE_CHARDEV && dev)
			break;
		return opt_fd(o, optarg) ? 1 : -1;
	case 'c':
		if (dev)
			break;
		o->chardev = strdup(optarg);
		o->terminate = true;
		break;
	case 't': o->terminate = true; break;
	case 'r': r->runas = optarg; break;
	case 'R': r->chroot = optarg; break;
	case OPT_SERVER: r->server = optarg; break;
	case OPT_CTRL: r->ctrl = optarg; break;
	case OPT_TPMSTATE: r->tpmstate = optarg; break;
	case OPT_TPM2: o->tpm2 = true; break;
	case OPT_KEY: r->key = optarg; break;
	case OPT_MIGKEY: r->migkey = optarg; break;
	case OPT_LOCALITY: r->locality = optarg; break;
	case OPT_PID: r->pid = optarg; break;
	case OPT_LOG: r->log = optarg; break;
	case OPT_FLAGS: r->flags = optarg; break;
	case OPT_MIGRATION: r->migration = optarg; break;
	case OPT_SECCOMP: r->seccomp = optarg; break;
	case OPT_PRINT_CAPS: o->print_capabilities = true; break;
	case OPT_PRINT_STATES: o->print_states = true; break;
	case OPT_PRINT_INFO: return opt_print_info(o, optarg) ? 1 : -1;
	case OPT_VTPM_PROXY: o->vtpm_proxy = true; break;
	default:
		sw_usage_iface(stderr, prg, o->iface);
		fflush(stderr);
		return 1;
	}
	return -1;
}

/* ------------------------------------------------------ checking order */

/* cli.md §5 step 11 (socket; chardev has --locality earlier) */
static int
late_options(struct sw_opts *o, const struct raw *r)
{
	if (r->key && do_key(&o->key, &o->key_path, &o->key_given, r->key))
		return 1;
	if (r->migkey && do_key(&o->migkey, &o->migkey_path,
	    &o->migkey_given, r->migkey))
		return 1;
	if (r->pid && do_pid(o, r->pid))
		return 1;
	if (o->iface == SW_IFACE_SOCKET && r->locality &&
	    do_locality(o, r->locality))
		return 1;
	if (r->tpmstate && do_tpmstate(o, r->tpmstate))
		return 1;
	if (r->seccomp && do_seccomp(o, r->seccomp))
		return 1;
	if (r->flags && do_flags(o, r->flags))
		return 1;
	if (r->migration && do_migration(o, r->migration))
		return 1;
	return 0;
}

static int
print_states_state(struct sw_opts *o, const struct raw *r)
{
	if (r->tpmstate && do_tpmstate(o, r->tpmstate))
		return 1;
	if (r->tpmstate == NULL)
		return fail("Error: --tpmstate option is required for "
		    "--print-states");
	return 0;
}

static int
check_socket(struct sw_opts *o, const struct raw *r)
{
	if (o->data_fd >= 0 && o->data_fd < 3)
		return fail("Error: Cannot accept file descriptors "
		    "with values 0, 1, or 2");
	if (o->print_capabilities)
		return 0;
	if (r->ctrl && do_ctrl(&o->ctrl, r->ctrl))
		return 1;
	if ((r->server || r->port_given) && do_server(o, r))
		return 1;
	if (o->print_states)
		return print_states_state(o, r);
	return late_options(o, r);
}

static int
check_chardev(struct sw_opts *o, const struct raw *r)
{
	bool dev = o->chardev != NULL || o->data_fd >= 0;

	if (r->locality && do_locality(o, r->locality))
		return 1;
	if (o->vtpm_proxy && dev)
		return fail("Cannot use vTPM proxy with a provided "
		    "device.");
	if (o->print_capabilities)
		return 0;
	if (o->print_states)
		return print_states_state(o, r);
	/* --print-info needs no device (the reference uses /dev/zero) */
	if (!dev && !o->vtpm_proxy && o->print_info == 0)
		return fail("Error: Missing character device or file "
		    "descriptor");
	if (o->data_fd >= 0 && o->data_fd < 3)
		return fail("Error: Cannot accept file descriptors "
		    "with values 0, 1, or 2");
	if (r->ctrl && do_ctrl(&o->ctrl, r->ctrl))
		return 1;
	if (late_options(o, r))
		return 1;
	o->terminate = true;
	if (o->vtpm_proxy) {
		/* data-channel.md §8; --flags startup-* overrides */
		if (o->startup == SW_STARTUP_NONE_GIVEN)
			o->startup = SW_STARTUP_CLEAR;
		o->not_need_init = true;
		o->loc_allow_set = true;
	}
	return 0;
}

static int
parse_iface(struct sw_opts *o, const char *prg, int argc, char **argv)
{
	const char *shortopts = o->iface == SW_IFACE_SOCKET ?
	    "dhp:f:tr:R:" : "dhc:f:r:R:";
	const struct option *longopts = o->iface == SW_IFACE_SOCKET ?
	    socket_longopts : chardev_longopts;
	const char *tpm_path;
	struct raw r;
	int c, rc;

	memset(&r, 0, sizeof(r));
	optind = 0;	/* full re-initialisation (GNU) */
	opterr = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		rc = handle_opt(o, &r, c, prg);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return fail("Unknown parameter '%s'", argv[optind]);

	/* steps 3-4 (--chroot, --runas) are main's; their strings: */
	o->runas = r.runas ? strdup(r.runas) : NULL;
	o->chroot_path = r.chroot ? strdup(r.chroot) : NULL;
	if (r.log && do_log(o, r.log))
		return 1;
	rc = o->iface == SW_IFACE_SOCKET ? check_socket(o, &r) :
	    check_chardev(o, &r);
	if (rc != 0)
		return rc;

	tpm_path = getenv("TPM_PATH");
	if (o->state_uri == NULL && tpm_path != NULL && !o->print_states) {
		if (asprintf(&o->state_uri, "dir://%s", tpm_path) < 0) {
			o->state_uri = NULL;
			return fail("Out of memory.");
		}
	}
	o->state_cfg.tpm2 = o->tpm2;
	return -1;
}

int
sw_opts_parse(struct sw_opts *o, int argc, char **argv)
{
	const char *prg = argc > 0 ? argv[0] : "swtpm";
	int rc;

	opts_init(o);
	if (argc < 2) {
		fprintf(stderr, "Missing TPM interface type.\n");
		return 1;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		sw_usage_general(stdout, prg);
		fflush(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0) {
		sw_version(stdout);
		fflush(stdout);
		return 0;
	}
	if (strcmp(argv[1], "socket") == 0) {
		o->iface = SW_IFACE_SOCKET;
	} else if (strcmp(argv[1], "chardev") == 0) {
		o->iface = SW_IFACE_CHARDEV;
	} else {
		fprintf(stderr, "Unsupported TPM interface type '%s'.\n", argv[1]);
		sw_usage_general(stderr, prg);
		fflush(stderr);
		return 1;
	}
	/* getopt sees the interface word as its program name */
	rc = parse_iface(o, prg, argc - 1, argv + 1);
	if (rc >= 0)
		sw_opts_release(o);
	return rc;
}
