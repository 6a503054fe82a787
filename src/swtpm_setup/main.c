/*
 * swtpm_setup: manufactures the state of a software TPM
 * (provisioning.md §1). main() runs the reference's order of checks
 * (§1.2), starts the flow and owns the exit path: on failure the state
 * it made is removed, except under --reconfigure, where the state was
 * there before and is kept (the reference deletes it).
 *
 * Messages of the reference keep its words (scripts and people grep
 * for them); messages of our own follow the house style.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "certtool.h"
#include "cfgfiles.h"
#include "conf.h"
#include "flow.h"
#include "log.h"
#include "opts.h"
#include "probe.h"
#include "runas.h"
#include "session.h"

#define CONF_NAME	"swtpm_setup.conf"

/* Everything main() sets up and must release. */
struct setup {
	struct su_opts		 o;
	char			*config;	/* the file in use */
	char			*default_tpm;
	struct su_tpm		 tpm;
	struct su_caps		 caps, caps2;
	struct su_run		 probe2;	/* --tpm2 --print-caps... */
	bool			 have_caps2;
	int			 probe2_errno;	/* it could not start */
	bool			 delete_old;	/* delete before the run */
	struct su_backend	 be;
	bool			 have_be;
	struct conf		 conf;
	struct su_certtool	 ct;
	char			*pcr_banks;
	char			 keyopt[512];
	int			 keyfd;
	unsigned		 rsa_bits;
	char			 user[256], group[256];
	char			*certsdir;
	struct su_written	 written;
	struct su_snapshot	 snap;		/* --reconfigure's state */
};

/*
 * Every inherited descriptor above stderr becomes close-on-exec: the
 * helpers we run get none of them; the --keyfile-fd or --pwdfile-fd
 * is handed to the child swtpm alone (cl_spawn clears the flag there).
 */
static void
cloexec_inherited(void)
{
	struct dirent *de;
	DIR *d;
	int fd;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (fd > STDERR_FILENO && fd != dirfd(d))
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

static void
who_am_i(struct setup *st)
{
	struct passwd *pw = getpwuid(getuid());
	struct group *gr = getgrgid(getgid());

	snprintf(st->user, sizeof(st->user), "%s",
	    pw != NULL ? pw->pw_name : "<unknown>");
	snprintf(st->group, sizeof(st->group), "%s",
	    gr != NULL ? gr->gr_name : "<unknown>");
}

static int
do_runas(const char *user)
{
	struct runas r;
	enum runas_err e;

	e = runas_parse(user, &r);
	if (e == RUNAS_E_RANGE) {
		logerr("Error: uid %s outside valid range.\n", user);
		return -1;
	}
	if (e != RUNAS_OK) {
		logerr("Error: User '%s' does not exist.\n", user);
		return -1;
	}
	e = runas_apply(&r);
	switch (e) {
	case RUNAS_OK:
		return 0;
	case RUNAS_E_INITGROUPS:
	case RUNAS_E_SETGROUPS:
		logerr("Error: initgroups() failed: %s\n", strerror(errno));
		break;
	case RUNAS_E_SETGID:
		logerr("Error: setgid(%d) failed: %s\n", (int)r.gid,
		    strerror(errno));
		break;
	case RUNAS_E_SETUID:
		logerr("Error: setuid(%d) failed: %s\n", (int)r.uid,
		    strerror(errno));
		break;
	default:
		logerr("--runas: the process can still become root\n");
		break;
	}
	return -1;
}

/* 0.7.1's logfile checks, after --runas. */
static int
check_logfile(const char *path)
{
	struct stat sb;
	int fd;

	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		logerr("Logfile must not be a symlink.\n");
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    S_IRUSR | S_IWUSR | S_IRGRP);
	if (fd < 0) {
		su_log_set_file(NULL);
		logerr("Cannot write to logfile %s.\n", path);
		return -1;
	}
	close(fd);
	return 0;
}

/* The result of `<tpm> --tpm2 --print-capabilities`, started earlier. */
static int
collect_caps2(struct setup *st)
{
	if (!st->have_caps2) {
		logerr("Could not start swtpm '%s': %s\n", st->tpm.argv[0],
		    strerror(st->probe2_errno));
		return -1;
	}
	st->have_caps2 = false;
	return su_probe_caps_end(&st->tpm, &st->probe2, &st->caps2);
}

/*
 * Steps 1-8: the TPM program, its capabilities, --print-capabilities,
 * the TPM version, --runas, the logfile. Returns 0 to go on, 1 to end
 * with success (capabilities printed), -1 on error.
 */
static int
prepare_tpm(struct setup *st)
{
	const struct su_opts *o = &st->o;
	const char *cmd = o->tpm != NULL ? o->tpm : st->default_tpm;
	struct su_run probe;
	int ret;

	if (cmd == NULL) {
		logerr("Default TPM 'swtpm' could not be found and was not "
		    "provided using --tpm.\n");
		return -1;
	}
	if (su_tpm_init(&st->tpm, cmd) < 0)
		return -1;
	/* both probes at once; the second is needed for TPM 2 */
	if (su_probe_caps_start(&st->tpm, false, &probe) < 0) {
		logerr("Could not start swtpm '%s': %s\n", st->tpm.argv[0],
		    strerror(errno));
		return -1;
	}
	if (o->flags & (SU_F_TPM2 | SU_F_PRINT_CAPS)) {
		if (su_probe_caps_start(&st->tpm, true, &st->probe2) == 0)
			st->have_caps2 = true;
		else
			st->probe2_errno = errno;
	}
	if (su_probe_caps_end(&st->tpm, &probe, &st->caps) < 0)
		return -1;
	if (o->flags & SU_F_PRINT_CAPS) {
		if (collect_caps2(st) < 0)
			return -1;
		return su_caps_print(&st->caps, &st->caps2) < 0 ? -1 : 1;
	}
	if ((o->flags & SU_F_TPM2) && !st->caps.tpm2) {
		logerr("swtpm at %s does not support TPM 2\n", st->tpm.argv[0]);
		return -1;
	}
	if (!(o->flags & SU_F_TPM2) && !st->caps.tpm12) {
		logerr("swtpm at %s does not support TPM 1.2\n",
		    st->tpm.argv[0]);
		return -1;
	}
	if (o->runas != NULL && do_runas(o->runas) < 0)
		return -1;
	who_am_i(st);
	ret = 0;
	if (o->logfile != NULL)
		ret = check_logfile(o->logfile);
	return ret;
}

/*
 * Steps 9-12: the state and its existence. Returns 0 to go on, 1 to
 * end with success (--not-overwrite), -1 on error. An old state is
 * deleted later, once the configuration was found good (the reference
 * deletes it here, so that a bad configuration file loses it).
 */
static int
prepare_state(struct setup *st)
{
	const struct su_opts *o = &st->o;
	bool tpm2 = (o->flags & SU_F_TPM2) != 0, exists;

	if (o->tpm_state == NULL) {
		logerr("--tpm-state must be provided\n");
		return -1;
	}
	if (su_backend_init(&st->be, o->tpm_state) < 0)
		return -1;
	st->have_be = true;
	if (su_backend_check(&st->be, st->user) < 0)
		return -1;
	if ((o->flags & SU_F_WRITE_EK_FILES) &&
	    su_check_dir(o->ek_cert_dir, W_OK, st->user) < 0)
		return -1;
	if (tpm2 && (o->flags & SU_F_TAKE_OWN)) {
		logerr("Taking ownership is not supported for TPM 2.\n");
		return -1;
	}
	if (!tpm2) {
		if (o->flags & SU_F_ECC) {
			logerr("--ecc requires --tpm2.\n");
			return -1;
		}
		if (o->flags & SU_F_CREATE_SPK) {
			logerr("--create-spk requires --tpm2.\n");
			return -1;
		}
		if (o->flags & SU_F_RECONFIGURE) {
			logerr("--reconfigure requires --tpm2.\n");
			return -1;
		}
	}
	if (o->flags & SU_F_RECONFIGURE)
		return 0;
	if (su_probe_states(&st->tpm, o->tpm_state, tpm2, &exists) < 0)
		return -1;
	if (exists) {
		if (o->flags & SU_F_NOT_OVERWRITE) {
			logit("Not overwriting existing state file.\n");
			return 1;
		}
		if (!(o->flags & SU_F_OVERWRITE)) {
			logerr("Found existing TPM state '%s'.\n", "permall");
			return -1;
		}
	}
	st->delete_old = true;
	return 0;
}

/* The PCR banks: the option, else active_pcr_banks, else sha256. */
static int
pick_banks(struct setup *st)
{
	char *v, *p;
	size_t n;

	if (!su_pcr_banks_empty(st->o.pcr_banks)) {
		st->pcr_banks = strdup(st->o.pcr_banks);
		return st->pcr_banks != NULL ? 0 : -1;
	}
	v = conf_get(&st->conf, "active_pcr_banks", true);
	if (v != NULL) {
		for (p = v; *p == ' ' || *p == '\t'; p++)
			;
		n = strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = '\0';
		if (n > 0) {
			memmove(v, p, n + 1);
			st->pcr_banks = v;
			return 0;
		}
		free(v);
	}
	st->pcr_banks = strdup(SU_DEFAULT_PCR_BANKS);
	return st->pcr_banks != NULL ? 0 : -1;
}

/* The key option for swtpm, with the reference's log line. */
static int
pick_key(struct setup *st)
{
	static const char *const lines[] = { NULL,
	    "  The TPM's state will be encrypted with a provided key.\n",
	    "  The TPM's state will be encrypted using a key derived from a "
	    "passphrase.\n",
	    "  The TPM's state will be encrypted with a provided key (fd).\n",
	    "  The TPM's state will be encrypted using a key derived from a "
	    "passphrase (fd).\n" };
	const struct su_opts *o = &st->o;
	int which;

	st->keyfd = -1;
	if (o->keyfile != NULL && access(o->keyfile, R_OK) != 0) {
		logerr("User %s cannot read keyfile %s.\n", st->user,
		    o->keyfile);
		return -1;
	}
	if (o->keyfile == NULL && o->pwdfile != NULL &&
	    access(o->pwdfile, R_OK) != 0) {
		logerr("User %s cannot read passphrase file %s.\n", st->user,
		    o->pwdfile);
		return -1;
	}
	which = su_keyopt(o, st->keyopt, sizeof(st->keyopt));
	if (which < 0) {
		logerr("key option too long\n");
		return -1;
	}
	if (which == 3 || which == 4) {
		st->keyfd = which == 3 ? o->keyfile_fd : o->pwdfile_fd;
		if (fcntl(st->keyfd, F_GETFD) < 0) {
			logerr("file descriptor %d of --%s is not open\n",
			    st->keyfd, which == 3 ? "keyfile-fd" :
			    "pwdfile-fd");
			return -1;
		}
	}
	if (which > 0)
		logit("%s", lines[which]);
	return 0;
}

/* TPM 2: the RSA EK's size. */
static int
pick_rsa(struct setup *st)
{
	const char *word = st->o.rsa_keysize;
	size_t i;

	if (word != NULL && strcmp(word, "2048") != 0 &&
	    collect_caps2(st) < 0)
		return -1;
	st->rsa_bits = su_rsa_keysize(word, st->caps2.rsa, st->caps2.nrsa);
	if (st->rsa_bits == 0) {
		/* COMPAT: the reference logs this one as progress */
		if (word != NULL && strcmp(word, "max") == 0)
			logit("Unsupported RSA key size %u.\n",
			    su_rsa_max(st->caps2.rsa, st->caps2.nrsa));
		else
			logit("Unsupported RSA key size %s.\n", word);
		return -1;
	}
	if (st->rsa_bits == 2048)
		return 0;
	for (i = 0; i < st->caps2.nrsa; i++)
		if (st->caps2.rsa[i] == st->rsa_bits)
			return 0;
	logerr("%u bit RSA keys are not supported by libtpms.\n",
	    st->rsa_bits);
	return -1;
}

/* Step 13: the configuration and the options that depend on it. */
static int
prepare_config(struct setup *st)
{
	const struct su_opts *o = &st->o;
	char err[512];

	if (access(st->config, R_OK) != 0) {
		logerr("User %s cannot read config file %s.\n", st->user,
		    st->config);
		return -1;
	}
	if (conf_load(&st->conf, st->config, err, sizeof(err)) < 0) {
		logerr("cannot use config file: %s\n", err);
		return -1;
	}
	if (pick_banks(st) < 0) {
		logerr("out of memory\n");
		return -1;
	}
	if (!su_cipher_ok(o->cipher)) {
		logerr("Unsupported cipher %s.\n", o->cipher);
		return -1;
	}
	if (pick_key(st) < 0)
		return -1;
	if ((o->flags & SU_F_TPM2) && pick_rsa(st) < 0)
		return -1;
	if ((o->flags & SU_F_RECONFIGURE) && (o->flags & (SU_F_CREATE_EK |
	    SU_CERT_FLAGS))) {
		logerr("Reconfiguration is not supported with creation of EK "
		    "or certificates\n");
		return -1;
	}
	if (!(o->flags & SU_CERT_FLAGS))
		return 0;
	/* checked now, before a TPM is made (the reference: when used) */
	if (su_certtool_init(&st->ct, &st->conf) < 0)
		return -1;
	if (st->ct.tool == NULL) {
		logerr("no create_certs_tool in config file '%s': cannot "
		    "create certificates\n", st->config);
		return -1;
	}
	return 0;
}

static void
log_date(char *date, size_t len)
{
	if (su_log_date(date, len, time(NULL)) < 0)
		snprintf(date, len, "?");
}

static int
make_certsdir(struct setup *st)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (asprintf(&st->certsdir, "%s/swtpm_setup.certs.XXXXXX", tmp) < 0) {
		st->certsdir = NULL;
		logerr("Could not create temporary directory for certs: %s\n",
		    strerror(ENOMEM));
		return -1;
	}
	if (mkdtemp(st->certsdir) == NULL) {
		logerr("Could not create temporary directory for certs: %s\n",
		    strerror(errno));
		free(st->certsdir);
		st->certsdir = NULL;
		return -1;
	}
	return 0;
}

/* Removes the temporary directory and what a tool may have left. */
static void
remove_certsdir(struct setup *st)
{
	if (st->certsdir == NULL)
		return;
	su_cert_remove_dir(st->certsdir);
	if (access(st->certsdir, F_OK) == 0)
		logerr("Could not remove temporary directory for certs: %s\n",
		    strerror(ENOTEMPTY));
	free(st->certsdir);
	st->certsdir = NULL;
}

/* Steps 14-16: the session and the flow. Returns 0 or -1. */
static int
manufacture(struct setup *st)
{
	const struct su_opts *o = &st->o;
	bool tpm2 = (o->flags & SU_F_TPM2) != 0;
	struct su_sess_opts so;
	struct su_sess *s;
	struct su_ctx c;
	char date[128];
	int ret = -1;

	if (o->flags & SU_F_RECONFIGURE)
		su_backend_snapshot(&st->be, &st->snap);
	log_date(date, sizeof(date));
	logit("Starting vTPM %s as %s:%s @ %s\n", o->flags & SU_F_RECONFIGURE ?
	    "reconfiguration" : "manufacturing", st->user, st->group, date);
	if ((o->flags & SU_CERT_FLAGS) && make_certsdir(st) < 0)
		goto end;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		logerr("out of memory\n");
		goto end;
	}
	memset(&so, 0, sizeof(so));
	so.tpm = &st->tpm;
	so.uri = o->tpm_state;
	so.tpm2 = tpm2;
	so.keyopt = st->keyopt[0] != '\0' ? st->keyopt : NULL;
	so.keyfd = st->keyfd;
	if (su_sess_start(s, &so) < 0) {
		logerr("Could not start the TPM %s.\n", tpm2 ? "2" : "1.2");
		free(s);
		goto end;
	}
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.s = s;
	c.ct = &st->ct;
	c.certsdir = st->certsdir;
	c.pcr_banks = st->pcr_banks;
	c.rsa_bits = st->rsa_bits;
	c.written = &st->written;
	ret = tpm2 ? su_tpm2_flow(&c) : su_tpm12_flow(&c);
	su_sess_stop(s);
	free(s);
end:
	if (ret == 0) {
		logit("Successfully authored TPM state.\n");
	} else {
		logerr("An error occurred. Authoring the TPM state failed.\n");
		su_written_remove(&st->written);
		/*
		 * The reference deletes a reconfigured state too; we put
		 * back what was there (or leave it as the TPM left it).
		 */
		if (!(o->flags & SU_F_RECONFIGURE))
			(void)su_backend_delete(&st->be);
		else
			(void)su_backend_restore(&st->be, &st->snap);
	}
	log_date(date, sizeof(date));
	logit("Ending vTPM manufacturing @ %s\n", date);
	return ret;
}

static void
release(struct setup *st)
{
	remove_certsdir(st);
	if (st->have_caps2)
		su_run_release(&st->probe2);
	su_written_release(&st->written);
	su_snapshot_release(&st->snap);
	su_certtool_release(&st->ct);
	conf_free(&st->conf);
	if (st->have_be)
		su_backend_release(&st->be);
	su_tpm_release(&st->tpm);
	free(st->pcr_banks);
	free(st->config);
	free(st->default_tpm);
	su_opts_release(&st->o);
}

/* The actions that end at the command line; -1 to go on. */
static int
early_action(struct setup *st, enum su_action a, const char *prog,
    const char *bad)
{
	switch (a) {
	case SU_RUN:
		return -1;
	case SU_HELP:
		su_usage(prog, st->config);
		return 0;
	case SU_USAGE_ERROR:
		su_usage(prog, st->config);
		return 1;
	case SU_VERSION:
		su_version();
		return 0;
	case SU_CREATE_CONFIG:
		return su_create_config_files(st->o.create_config);
	case SU_BAD_FD:
		fprintf(stderr, "Invalid file descriptor '%s'\n", bad);
		return 1;
	default:
		fprintf(stderr, "out of memory\n");
		return 1;
	}
}

int
main(int argc, char **argv)
{
	struct setup st;
	const char *bad;
	enum su_action a;
	int ret = 1, r;

	memset(&st, 0, sizeof(st));
	su_run_init(&st.probe2);
	cloexec_inherited();
	st.config = conf_default_path(CONF_NAME, SYSCONFDIR);
	st.default_tpm = su_tpm_default(argv[0]);
	a = su_opts_parse(&st.o, argc, argv, &bad);
	if (st.o.config != NULL) {
		free(st.config);
		st.config = strdup(st.o.config);
	}
	if (st.config == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	if ((r = early_action(&st, a, argv[0], bad)) >= 0) {
		ret = r;
		goto out;
	}
	/* COMPAT: 0.7.1 prints these without a newline */
	if (st.o.deprecated & 1)
		printf("Warning: --swtpm_ioctl is deprecated and has no "
		    "effect.");
	if (st.o.deprecated & 2)
		printf("Warning: --tcsd-system-ps-file is deprecated and has "
		    "no effect.");
	fflush(stdout);
	su_log_set_file(st.o.logfile);
	if ((r = prepare_tpm(&st)) != 0 ||
	    (r = prepare_state(&st)) != 0) {
		ret = r > 0 ? 0 : 1;
		goto out;
	}
	if (prepare_config(&st) < 0 ||
	    (st.delete_old && su_backend_delete(&st.be) < 0))
		goto out;
	ret = manufacture(&st) == 0 ? 0 : 1;
out:
	release(&st);
	return ret;
}
