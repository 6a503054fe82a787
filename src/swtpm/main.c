/*
 * `swtpm socket|chardev`: the start-up sequence of spec cli.md §5 and the
 * exit path. Wires options, state, libtpms glue and the event loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libtpms/tpm_library.h>
#include <openssl/crypto.h>

#include "io.h"
#include "log.h"
#include "options.h"
#include "privdrop.h"
#include "rand.h"
#include "seccomp.h"
#include "server.h"
#include "sock.h"
#include "tpm.h"

/* The self-pipe of the signal handler: the only static, for the handler. */
static int	 sig_pipe[2] = { -1, -1 };

/* What start-up leaves for the exit path to undo. */
struct run {
	int		 daemon_pipe;	/* -d: tells the launcher "ready" */
	char		*pid_path;	/* pid file to remove */
	/* unix sockets we created, and what they were then */
	const char	*unlink_paths[2];
	dev_t		 sock_dev[2];
	ino_t		 sock_ino[2];
};

/* Remembers the socket file now at path, to remove it (only it) at exit. */
static void
own_socket(struct run *run, int i, const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
		run->unlink_paths[i] = path;
		run->sock_dev[i] = sb.st_dev;
		run->sock_ino[i] = sb.st_ino;
	}
}

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig_pipe[1] >= 0)
		(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

/*
 * cli.md §8: the launcher returns only when the daemon is ready, with
 * the start-up failure status otherwise. launcher -> middle (setsid) ->
 * daemon; the middle waits for one byte on a pipe.
 */
static void
daemon_start(struct run *run)
{
	int p[2], st;
	pid_t pid;
	char c;

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "swtpm: fork failed: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		if (waitpid(pid, &st, 0) < 0)
			exit(1);
		if (WIFSIGNALED(st))
			raise(WTERMSIG(st));
		exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	(void)setsid();
	if (pipe2(p, O_CLOEXEC) < 0)
		exit(1);
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid > 0) {
		close(p[1]);
		if (read_full(p[0], &c, 1) == 1)
			_exit(0);
		if (waitpid(pid, &st, 0) < 0)
			_exit(1);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(p[0]);
	run->daemon_pipe = p[1];
}

static void
daemon_ready(struct run *run)
{
	int fd;

	if (run->daemon_pipe < 0)
		return;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		close(fd);
	}
	(void)write_full(run->daemon_pipe, "R", 1);
	close(run->daemon_pipe);
	run->daemon_pipe = -1;
}

static int
open_log(const struct sw_opts *o)
{
	int fd, flags;

	if (!o->log_given) {
		log_setup(2, 1, "swtpm: ");
		return 0;
	}
	if (o->log_file != NULL) {
		if (strcmp(o->log_file, "-") == 0) {
			log_setup(-1, o->log_level, NULL);
			return 0;
		}
		flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    (o->log_truncate ? O_TRUNC : O_APPEND);
		fd = open(o->log_file, flags, 0600);
		if (fd < 0) {
			fprintf(stderr, "swtpm: Could not open logfile for "
			    "writing: %s\n", strerror(errno));
			return -1;
		}
	} else if (o->log_fd >= 0) {
		fd = o->log_fd;
		flags = fcntl(fd, F_GETFL);
		if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
			fprintf(stderr, "swtpm: Could not access logfile "
			    "using fd %d: %s\n", fd,
			    strerror(flags < 0 ? errno : EBADF));
			return -1;
		}
	} else {
		fd = 2;
	}
	log_setup(fd, o->log_level, o->log_prefix);
	log_set_format(o->log_json ? LOG_FMT_JSON : LOG_FMT_TEXT);
	/* libtpms writes its own text lines: none into a JSON log */
	if (o->log_level >= 5 && !o->log_json) {
		char pfx[256];

		snprintf(pfx, sizeof(pfx), "%s    ", log_prefix());
		TPMLIB_SetDebugFD(fd);
		TPMLIB_SetDebugLevel((unsigned)(o->log_level - 4));
		(void)TPMLIB_SetDebugPrefix(pfx);
	}
	return 0;
}

/* Appends the rsa-keysize-* features from TPMLIB_GetInfo(TPMFEATURES). */
static void
print_rsa_sizes(void)
{
	struct json_object *root, *feat, *sizes;
	char *info;
	size_t i;

	if (TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) != 0)
		return;
	info = TPMLIB_GetInfo(TPMLIB_INFO_TPMFEATURES);
	if (info == NULL)
		return;
	root = json_tokener_parse(info);
	free(info);
	if (root == NULL)
		return;
	if (json_object_object_get_ex(root, "TPMFeatures", &feat) &&
	    json_object_object_get_ex(feat, "RSAKeySizes", &sizes) &&
	    json_object_is_type(sizes, json_type_array)) {
		for (i = 0; i < json_object_array_length(sizes); i++)
			printf(", \"rsa-keysize-%d\"", json_object_get_int(
			    json_object_array_get_idx(sizes, i)));
	}
	json_object_put(root);
}

/* cli.md §6, HEAD order, only the features we implement. */
static int
print_capabilities(const struct sw_opts *o)
{
	bool t12, t2;

	t12 = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_1_2) == 0;
	t2 = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) == 0;
	printf("{ \"type\": \"swtpm\", \"features\": [ ");
	if (t12)
		printf("\"tpm-1.2\", ");
	if (t2)
		printf("\"tpm-2.0\", ");
	printf("\"tpm-send-command-header\", \"flags-opt-startup\", "
	    "\"flags-opt-disable-auto-shutdown\", \"ctrl-opt-terminate\", ");
	if (SW_HAVE_SECCOMP)
		printf("\"cmdarg-seccomp\", ");
	printf("\"cmdarg-key-fd\", \"cmdarg-pwd-fd\", \"cmdarg-print-states\", "
	    "\"cmdarg-chroot\", \"cmdarg-migration\", "
	    "\"nvram-backend-dir\", \"nvram-backend-file\"");
	if (o->tpm2 && t2)
		print_rsa_sizes();
	printf(", \"cmdarg-print-info\", \"tpmstate-opt-lock\", "
	    "\"tpmstate-dir-backend-opt-backup\", "
	    "\"tpmstate-dir-backend-opt-fsync\", \"systemd-notify\" ], "
	    "\"version\": \"%s\" }\n",
	    PACKAGE_VERSION);
	fflush(stdout);
	return 0;
}

/*
 * The seccomp filter, last before serving. A filter that was asked for
 * with --seccomp must be installed; the default one is best effort.
 */
static int
install_seccomp(const struct sw_opts *o)
{
	if (o->seccomp_action == SW_SECCOMP_NONE)
		return 0;
	if (sw_seccomp_install(o->seccomp_action) == 0)
		return 0;
	if (o->seccomp_given) {
		log_msg("Error: could not install the seccomp filter: %s\n",
		    strerror(errno));
		return -1;
	}
	log_warning("Warning: could not install the seccomp filter: %s\n",
	    strerror(errno));
	return 0;
}

/*
 * systemd readiness (cli.md §5 step 19): with NOTIFY_SOCKET set (a path,
 * or '@' for an abstract name) send the datagram "READY=1". A failure is
 * logged and otherwise ignored.
 */
static void
notify_ready(void)
{
	static const char ready[] = "READY=1";
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t n;
	int fd;

	if (name == NULL || name[0] == '\0')
		return;
	n = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || n >= sizeof(sa.sun_path)) {
		log_warning("Warning: NOTIFY_SOCKET '%s' is not usable\n",
		    name);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (name[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, ready, sizeof(ready) - 1, MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, len) < 0)
		log_warning("Warning: could not notify systemd via '%s': %s\n",
		    name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int
load_key(const struct st_keyopt *ko, struct st_key *out)
{
	char msg[512] = "", warn[256] = "";
	enum st_err e;

	e = st_key_load(ko, out, msg, sizeof(msg), warn, sizeof(warn));
	if (warn[0] != '\0')
		log_warning("%s\n", warn);
	if (e != ST_OK) {
		log_msg("%s\n", msg[0] ? msg : st_strerror(e));
		return -1;
	}
	return 0;
}

static int
write_pidfile(const struct sw_opts *o, struct run *run)
{
	char buf[32], link[64], path[4096];
	ssize_t n;
	int fd;

	snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	if (o->pid_file != NULL) {
		fd = open(o->pid_file, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			log_msg("Could not open pidfile %s : %s\n",
			    o->pid_file, strerror(errno));
			return -1;
		}
		run->pid_path = strdup(o->pid_file);
	} else if (o->pid_fd >= 0) {
		fd = o->pid_fd;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		if (n > 0) {
			path[n] = '\0';
			run->pid_path = strdup(path);
		}
	} else {
		return 0;
	}
	if (write_full(fd, buf, strlen(buf)) < 0) {
		log_msg("Could not write pidfile: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The event "listening": address "unix:PATH", "tcp:HOST:PORT", "fd:N". */
static void
log_listening(const char *channel, const char *kind, int num,
    const char *path)
{
	char addr[4200];

	if (!log_on(LOG_EV_LISTENING))
		return;
	if (strcmp(kind, "unix") == 0)
		snprintf(addr, sizeof(addr), "unix:%s", path);
	else if (strcmp(kind, "tcp") == 0)
		snprintf(addr, sizeof(addr), "tcp:%s:%d",
		    path != NULL ? path : "127.0.0.1", num);
	else
		snprintf(addr, sizeof(addr), "fd:%d", num);
	log_event(LOG_EV_LISTENING, LV_S(channel), LV_S(addr));
}

/* Creates the --ctrl and --server sockets into the server config. */
static int
open_channels(const struct sw_opts *o, struct sw_server_cfg *sc,
    struct run *run)
{
	const struct sw_chan *c = &o->ctrl, *d = &o->server;
	char err[512] = "";
	int fd;

	if (c->type == SW_CHAN_UNIXIO) {
		if (c->fd >= 0) {
			if (!sock_is_socket(c->fd)) {
				log_msg("Bad filedescriptor %d for UnixIO "
				    "control channel\n", c->fd);
				return -1;
			}
			sc->ctrl_listen_fd = c->fd;
			log_listening(LOG_CH_CTRL, "fd", c->fd, NULL);
		} else if (c->clientfd >= 0) {
			sc->ctrl_client_fd = c->clientfd;
		} else {
			fd = sock_unix_listen(c->path, c->mode_set ? c->mode :
			    0770, c->uid_set, c->uid, c->gid_set, c->gid,
			    err, sizeof(err));
			if (fd < 0) {
				log_msg("%s\n", err);
				return -1;
			}
			sc->ctrl_listen_fd = fd;
			own_socket(run, 0, c->path);
			log_listening(LOG_CH_CTRL, "unix", -1, c->path);
		}
	} else if (c->type == SW_CHAN_TCP) {
		if (c->fd >= 0) {
			sc->ctrl_listen_fd = c->fd;
			log_listening(LOG_CH_CTRL, "fd", c->fd, NULL);
		} else {
			fd = sock_tcp_listen(c->bindaddr, c->ifname, c->port,
			    err, sizeof(err));
			if (fd < 0) {
				log_msg("%s\n", err);
				return -1;
			}
			sc->ctrl_listen_fd = fd;
			log_listening(LOG_CH_CTRL, "tcp", c->port, c->bindaddr);
		}
	}
	sc->ctrl_terminate = c->terminate;

	if (d->type == SW_CHAN_TCP) {
		sc->have_server = true;
		if (d->fd >= 0) {
			sc->data_fd = d->fd;	/* connected socket */
		} else {
			fd = sock_tcp_listen(d->bindaddr, d->ifname, d->port,
			    err, sizeof(err));
			if (fd < 0) {
				log_msg("%s\n", err);
				return -1;
			}
			sc->data_listen_fd = fd;
			log_listening(LOG_CH_DATA, "tcp", d->port, d->bindaddr);
		}
	} else if (d->type == SW_CHAN_UNIXIO) {
		sc->have_server = true;
		if (d->fd >= 0) {
			sc->data_listen_fd = d->fd;
			log_listening(LOG_CH_DATA, "fd", d->fd, NULL);
		} else {
			fd = sock_unix_listen(d->path, d->mode_set ? d->mode :
			    0770, d->uid_set, d->uid, d->gid_set, d->gid,
			    err, sizeof(err));
			if (fd < 0) {
				log_msg("%s\n", err);
				return -1;
			}
			sc->data_listen_fd = fd;
			own_socket(run, 1, d->path);
			log_listening(LOG_CH_DATA, "unix", -1, d->path);
		}
	}
	sc->data_disconnect = d->disconnect;
	return 0;
}

static int
open_chardev(const struct sw_opts *o, struct sw_server_cfg *sc)
{
	int fd;

	if (o->vtpm_proxy) {
		log_msg("Error: the vTPM proxy is not supported by this "
		    "build\n");
		return -1;
	}
	if (o->data_fd >= 0) {
		sc->data_fd = o->data_fd;
	} else if (o->chardev != NULL) {
		fd = open(o->chardev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			log_msg("Could not open CUSE device %s: %s\n",
			    o->chardev, strerror(errno));
			return -1;
		}
		sc->data_fd = fd;
	}
	sc->data_chardev = true;
	sc->have_server = true;
	sc->terminate = true;
	return 0;
}

static int
setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The --flags startup command (data-channel.md §6); 0 or -1. */
static int
run_startup(const struct sw_opts *o)
{
	enum sw_startup_type type;
	uint32_t code;

	switch (o->startup) {
	case SW_STARTUP_CLEAR:
		type = SW_SU_CLEAR;
		break;
	case SW_STARTUP_STATE:
		type = SW_SU_STATE;
		break;
	case SW_STARTUP_DEACTIVATED:
		type = SW_SU_DEACTIVATED;	/* TPM 1.2 only (main) */
		break;
	default:
		return 0;
	}
	if (sw_tpm_startup(type, &code) != 0) {
		log_msg("Could not send Startup: 0x%x\n", code);
		return -1;
	}
	return 0;
}

static void
cleanup_files(struct run *run)
{
	size_t i;

	if (run->pid_path != NULL) {
		(void)unlink(run->pid_path);
		free(run->pid_path);
		run->pid_path = NULL;
	}
	for (i = 0; i < 2; i++) {
		const char *p = run->unlink_paths[i];
		struct stat sb;

		/* not what someone put there since (a file, a new socket) */
		if (p != NULL && lstat(p, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
		    sb.st_dev == run->sock_dev[i] &&
		    sb.st_ino == run->sock_ino[i])
			(void)unlink(p);
	}
}

int
main(int argc, char **argv)
{
	struct sw_server_cfg sc = { .data_listen_fd = -1, .data_fd = -1,
	    .ctrl_listen_fd = -1, .ctrl_client_fd = -1, .sig_fd = -1 };
	struct run run = { .daemon_pipe = -1 };
	struct sw_tpm_cfg tc;
	struct sw_opts o;
	const char *why = "startup_failed";
	bool serving = false;	/* "start" logged: "shutdown" follows */
	int rc;

	/*
	 * The system OpenSSL configuration is not loaded: it costs a third
	 * of the start-up instructions, and all it could do here is enable
	 * FIPS mode or restrict algorithms, which libtpms cannot run with
	 * (the reference disables FIPS mode for the same reason). OpenSSL's
	 * exit-time cleanup is skipped: the process ends anyway, and with a
	 * RAND method installed it allocates while cleaning up.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT, NULL);
	(void)sw_rand_use_kernel();
	rc = sw_opts_parse(&o, argc, argv);
	if (rc >= 0)
		return rc;
	log_setup(2, 1, "swtpm: ");
	rc = 1;
	if (o.daemon)
		daemon_start(&run);
	if (o.chroot_path != NULL && sw_chroot(o.chroot_path) < 0)
		goto out;
	if (o.runas != NULL && sw_runas(o.runas) < 0)
		goto out;
	if (open_log(&o) < 0)
		goto out;
	if (o.print_capabilities) {
		rc = print_capabilities(&o);
		goto out;
	}
	if (!o.print_states && o.print_info == 0) {
		serving = true;
		log_event(LOG_EV_START, LV_U(getpid()), LV_S(PACKAGE_VERSION),
		    LV_S(o.tpm2 ? "2" : "1.2"),
		    LV_S(o.iface == SW_IFACE_CHARDEV ? "chardev" : "socket"));
	}
	if (TPMLIB_ChooseTPMVersion(o.tpm2 ? TPMLIB_TPM_VERSION_2 :
	    TPMLIB_TPM_VERSION_1_2) != 0) {
		log_msg("Error: TPM %s is not supported by libtpms.\n",
		    o.tpm2 ? "2" : "1.2");
		goto out;
	}
	if (o.iface == SW_IFACE_CHARDEV) {
		if (open_chardev(&o, &sc) < 0)
			goto out;
	} else {
		sc.data_fd = o.data_fd;
		sc.have_server = o.data_fd >= 0;
		sc.terminate = o.terminate;
	}
	if (open_channels(&o, &sc, &run) < 0)
		goto out;
	if (o.iface == SW_IFACE_SOCKET)
		sc.terminate = o.terminate;

	memset(&tc, 0, sizeof(tc));
	tc.tpm2 = o.tpm2;
	tc.state_uri = o.state_uri;
	tc.store_cfg = o.state_cfg;
	tc.store_cfg.tpm2 = o.tpm2;
	tc.incoming = o.mig_incoming;
	tc.disable_auto_shutdown = o.disable_auto_shutdown;
	tc.loc_reject4 = o.loc_reject4;
	tc.loc_allow_set = o.loc_allow_set;
	if (o.print_states) {
		rc = sw_print_states(o.state_uri, &tc.store_cfg) < 0 ? 1 : 0;
		goto out;
	}
	if (o.key_given && load_key(&o.key, &tc.filekey) < 0)
		goto out;
	if (o.migkey_given && load_key(&o.migkey, &tc.migkey) < 0)
		goto out;
	if (write_pidfile(&o, &run) < 0)
		goto out;
	if (sw_tpm_setup(&tc) != 0) {
		log_msg("Error: Could not initialize libtpms.\n");
		goto out;
	}
	st_key_wipe(&tc.filekey);
	st_key_wipe(&tc.migkey);
	if (o.not_need_init || o.print_info != 0) {
		if (o.state_uri != NULL || o.print_info == 0) {
			if (sw_tpm_init(NULL, 0) != 0)
				goto out_tpm;
		}
	}
	if (o.print_info != 0) {
		char *s = sw_tpm_get_info(NULL, o.print_info);

		if (s != NULL) {
			printf("%s\n", s);
			free(s);
		}
		fflush(stdout);
		rc = 0;
		goto out_tpm;
	}
	if (setup_signals() < 0)
		goto out_tpm;
	if (install_seccomp(&o) < 0)
		goto out_tpm;
	sc.sig_fd = sig_pipe[0];
	daemon_ready(&run);
	notify_ready();
	if (o.tpm2 && o.startup == SW_STARTUP_DEACTIVATED) {
		log_msg("TPM 2 does not support startup deactivated.\n");
		rc = 0;		/* COMPAT: and terminates with exit status 0 */
		goto out_tpm;
	}
	if (run_startup(&o) < 0)
		goto out_tpm;
	rc = sw_server_run(&sc);
	why = sc.quit_reason != NULL ? sc.quit_reason : "unknown";
out_tpm:
	sw_tpm_exit();
out:
	if (sc.ctrl_listen_fd >= 0)
		close(sc.ctrl_listen_fd);
	if (sc.data_listen_fd >= 0)
		close(sc.data_listen_fd);
	cleanup_files(&run);
	sw_opts_release(&o);
	if (serving)
		log_event(LOG_EV_SHUTDOWN, LV_S(why), LV_U(rc));
	log_close();
	return rc;
}
