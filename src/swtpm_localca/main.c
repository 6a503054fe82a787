/*
 * swtpm_localca: signs a TPM's EK or platform certificate with a local
 * CA by running swtpm_cert (provisioning.md §2). This file holds the
 * command line and the order of checks and messages of the reference;
 * the CA files, the serial counter and the child are in their modules.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cafiles.h"
#include "certcmd.h"
#include "conf.h"
#include "files.h"
#include "log.h"
#include "serial.h"

#define LOCALCA_CONF	"swtpm-localca.conf"
#define LOCALCA_OPTS	"swtpm-localca.options"
#define LOCK_NAME	".lock.swtpm-localca"
#define DIR_MODE	0770	/* less the umask (§2.2) */
#define CA_BITS		3072

struct opts {
	const char	*type;		/* "ek" or "platform" */
	const char	*ek;		/* modulus or x=..,y=..[,id=..] */
	const char	*dir;
	char		*vmid;		/* escaped */
	const char	*optsfile, *configfile, *logfile;
	struct lc_argv	 spec;		/* --tpm-spec-* pairs, in order */
	struct lc_argv	 attr;		/* --tpm-manufacturer etc. */
	bool		 tpm2, allow_signing, decryption;
};

/* What the configuration file says (values expanded). */
struct cfg {
	struct conf	 conf;
	char		*statedir, *lockfile, *signkey, *issuercert;
	char		*signkey_pwd, *parentkey_pwd, *certserial;
};

/* The user named in messages; looked up only when one is printed. */
static const char *
user(void)
{
	static const char *name;
	struct passwd *pw;

	if (name == NULL) {
		pw = getpwuid(getuid());
		name = pw != NULL && pw->pw_name != NULL ?
		    strdup(pw->pw_name) : NULL;
		if (name == NULL)
			name = "<unknown>";
	}
	return name;
}

static void
usage(const char *prg)
{
	printf("Usage: %s [options]\n"
	    "\n"
	    "Creates a TPM's EK or platform certificate, signed by a local "
	    "CA, with swtpm_cert.\n"
	    "\n"
	    "Options:\n"
	    "--type ek|platform    the certificate to create\n"
	    "--ek key-param        the EK: an RSA modulus in hex, or "
	    "x=<hex>,y=<hex>[,id=<curve>]\n"
	    "--dir directory       where to write ek.cert or platform.cert "
	    "(default: .)\n"
	    "--vmid vmid           the VM's name, used as the subject's CN\n"
	    "--optsfile file       options passed on to swtpm_cert\n"
	    "--configfile file     the local CA's configuration\n"
	    "--logfile file        append messages to this file\n"
	    "--tpm-spec-family s   e.g. 2.0\n"
	    "--tpm-spec-level i    e.g. 0\n"
	    "--tpm-spec-revision i e.g. 164\n"
	    "--tpm-manufacturer s  e.g. id:00001014\n"
	    "--tpm-model s         e.g. swtpm\n"
	    "--tpm-version s       e.g. id:20191023\n"
	    "--tpm2                a TPM 2 certificate (default: TPM 1.2)\n"
	    "--allow-signing       the TPM 2 EK may sign\n"
	    "--decryption          the TPM 2 EK may decrypt (with "
	    "--allow-signing)\n"
	    "--help, -h            show this text\n"
	    "\n"
	    "Environment:\n"
	    "SWTPM_ROOTCA_PASSWORD the password of a new root CA's key\n"
	    "\n"
	    "See swtpm_localca(8) and swtpm-localca.conf(5).\n", prg);
}

enum {
	O_TYPE = 256, O_EK, O_DIR, O_VMID, O_OPTSFILE, O_CONFIGFILE,
	O_LOGFILE, O_SPEC, O_ATTR, O_TPM2, O_ALLOW_SIGNING, O_DECRYPTION,
	O_HELP
};

/* Returns -1 to go on, else the exit status. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "type", required_argument, NULL, O_TYPE },
		{ "ek", required_argument, NULL, O_EK },
		{ "key", required_argument, NULL, O_EK },	/* HEAD */
		{ "dir", required_argument, NULL, O_DIR },
		{ "vmid", required_argument, NULL, O_VMID },
		{ "optsfile", required_argument, NULL, O_OPTSFILE },
		{ "configfile", required_argument, NULL, O_CONFIGFILE },
		{ "logfile", required_argument, NULL, O_LOGFILE },
		{ "tpm-spec-family", required_argument, NULL, O_SPEC },
		{ "tpm-spec-revision", required_argument, NULL, O_SPEC },
		{ "tpm-spec-level", required_argument, NULL, O_SPEC },
		{ "tpm-manufacturer", required_argument, NULL, O_ATTR },
		{ "tpm-model", required_argument, NULL, O_ATTR },
		{ "tpm-version", required_argument, NULL, O_ATTR },
		{ "tpm2", no_argument, NULL, O_TPM2 },
		{ "allow-signing", no_argument, NULL, O_ALLOW_SIGNING },
		{ "decryption", no_argument, NULL, O_DECRYPTION },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char name[32];
	int c, idx;

	while ((c = getopt_long(argc, argv, "h?", lo, &idx)) != -1) {
		switch (c) {
		case O_TYPE:		o->type = optarg; break;
		case O_EK:		o->ek = optarg; break;
		case O_DIR:		o->dir = optarg; break;
		case O_OPTSFILE:	o->optsfile = optarg; break;
		case O_CONFIGFILE:	o->configfile = optarg; break;
		case O_LOGFILE:		o->logfile = optarg; break;
		case O_TPM2:		o->tpm2 = true; break;
		case O_ALLOW_SIGNING:	o->allow_signing = true; break;
		case O_DECRYPTION:	o->decryption = true; break;
		case O_VMID:
			free(o->vmid);
			if ((o->vmid = strdup(optarg)) == NULL)
				return 1;
			lc_vmid_escape(o->vmid);
			break;
		case O_SPEC:
		case O_ATTR:
			/* passed on as given, repeats included */
			snprintf(name, sizeof(name), "--%s", lo[idx].name);
			lc_argv_add(c == O_SPEC ? &o->spec : &o->attr, name,
			    optarg, (char *)NULL);
			break;
		case 'h':
		case O_HELP:
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	return o->spec.bad || o->attr.bad ? 1 : -1;
}

/* COMPAT: §2.2, the reference's makedir(): log, then mkdir -p 0770 */
static int
makedir(const char *dir, const char *purpose)
{
	struct stat sb;

	if (stat(dir, &sb) == 0)
		return 0;
	lc_logit("Creating swtpm-localca dir '%s'.\n", dir);
	if (lc_mkdirs(dir, DIR_MODE) < 0) {
		lc_logerr("Could not create directory for '%s': %s\n", purpose,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
makedir_of(const char *file, const char *purpose)
{
	char *d = lc_dirname(file);
	int rc;

	if (d == NULL)
		return -1;
	rc = makedir(d, purpose);
	free(d);
	return rc;
}

/* A value of the config file; "" counts as missing for required keys. */
static char *
value(const struct cfg *c, const char *key)
{
	return conf_get(&c->conf, key, true);
}

static char *
required(const struct cfg *c, const char *key, const char *path)
{
	char *v = value(c, key);

	if (v == NULL || v[0] == '\0') {
		free(v);
		lc_logerr("Missing '%s' config value in config file %s.\n", key,
		    path);
		return NULL;
	}
	return v;
}

static void
cfg_release(struct cfg *c)
{
	conf_free(&c->conf);
	free(c->statedir);
	free(c->lockfile);
	free(c->signkey);
	free(c->issuercert);
	free(c->signkey_pwd);
	free(c->parentkey_pwd);
	free(c->certserial);
}

/* Readability of the two files, then the config's paths (§2.1, §2.2). */
static int
load_config(const struct opts *o, struct cfg *c)
{
	char err[512];

	if (access(o->optsfile, R_OK) != 0) {
		lc_logerr("Need read rights on options file %s for user %s.\n",
		    o->optsfile, user());
		return -1;
	}
	if (access(o->configfile, R_OK) != 0) {
		lc_logerr("Need read rights on config file %s for user %s.\n",
		    o->configfile, user());
		return -1;
	}
	if (conf_load(&c->conf, o->configfile, err, sizeof(err)) < 0) {
		lc_logerr("%s\n", err);
		return -1;
	}
	if ((c->statedir = required(c, "statedir", o->configfile)) == NULL ||
	    makedir(c->statedir, "statedir") < 0)
		return -1;
	if (access(c->statedir, R_OK | W_OK) != 0) {
		lc_logerr("Need read/write rights on statedir %s for user "
		    "%s.\n", c->statedir, user());
		return -1;
	}
	if (asprintf(&c->lockfile, "%s/%s", c->statedir, LOCK_NAME) < 0) {
		c->lockfile = NULL;
		return -1;
	}
	if (access(c->lockfile, F_OK) == 0 &&
	    access(c->lockfile, R_OK | W_OK) != 0) {
		lc_logerr("Need read/write rights on %s for user %s.\n",
		    c->lockfile, user());
		return -1;
	}
	if ((c->signkey = required(c, "signingkey", o->configfile)) == NULL)
		return -1;
	if (strncmp(c->signkey, "tpmkey:file=", 12) != 0 &&
	    strncmp(c->signkey, "tpmkey:uuid=", 12) != 0 &&
	    strncmp(c->signkey, "pkcs11:", 7) != 0 &&
	    makedir_of(c->signkey, "signkey") < 0)
		return -1;
	c->signkey_pwd = value(c, "signingkey_password");
	c->parentkey_pwd = value(c, "parentkey_password");
	if ((c->issuercert = required(c, "issuercert", o->configfile)) ==
	    NULL || makedir_of(c->issuercert, "issuercert") < 0)
		return -1;
	return 0;
}

static void
set_env(const char *name, const char *val, void *arg)
{
	(void)arg;
	setenv(name, val, 1);
}

/* "\;" in a pkcs11: URI stands for ";" (the reference's history) */
static void
unescape_semicolons(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == ';')
			s++;
		*w++ = *s;
	}
	*w = '\0';
}

static int
tpmkey_env(struct cfg *c)
{
	char *host = value(c, "TSS_TCSD_HOSTNAME");
	char *port = value(c, "TSS_TCSD_PORT");
	const char *h = host ? host : "localhost", *p = port ? port : "30003";

	setenv("TSS_TCSD_HOSTNAME", h, 1);
	setenv("TSS_TCSD_PORT", p, 1);
	lc_logit("CA uses a GnuTLS TPM key; using TSS_TCSD_HOSTNAME=%s "
	    "TSS_TCSD_PORT=%s\n", h, p);
	free(host);
	free(port);
	return 0;
}

static int
pkcs11_env(struct cfg *c)
{
	char *pin = NULL;

	unescape_semicolons(c->signkey);
	if (c->signkey_pwd == NULL)
		pin = value(c, "SWTPM_PKCS11_PIN");
	setenv("SWTPM_PKCS11_PIN", c->signkey_pwd ? c->signkey_pwd :
	    pin ? pin : "swtpm-tpmca", 1);
	lc_logit("CA uses a PKCS#11 key; using SWTPM_PKCS11_PIN\n");
	free(pin);
	conf_each_env(&c->conf, set_env, NULL);
	return 0;
}

static bool
unreadable(const char *path)
{
	struct stat sb;

	return access(path, R_OK) != 0 && stat(path, &sb) == 0;
}

/*
 * A file signing key: the automatic CA if the key or the certificate is
 * missing. Takes the CA lock (*lockfd) only then; the check is repeated
 * under it, so that of concurrent runs one creates the CA and the others
 * use it.
 */
static int
file_key(struct cfg *c, int *lockfd)
{
	struct lc_ca_paths p;
	char err[1024];

	if (unreadable(c->signkey)) {
		lc_logerr("Need read rights on signing key %s for user %s.\n",
		    c->signkey, user());
		return -1;
	}
	if (unreadable(c->issuercert)) {
		lc_logerr("Need read rights on issuer certificate %s for user "
		    "%s.\n", c->issuercert, user());
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.signkey = c->signkey;
	p.issuercert = c->issuercert;
	p.root_pass = getenv("SWTPM_ROOTCA_PASSWORD");
	p.sign_pass = c->signkey_pwd;
	p.bits = CA_BITS;
	if (!lc_ca_missing(&p))
		return 0;
	if (lc_lock(c->lockfile, lockfd, err, sizeof(err)) < 0) {
		lc_logerr("%s\n", err);
		return -1;
	}
	if (!lc_ca_missing(&p))
		return 0;	/* a concurrent run made it meanwhile */
	lc_logit("Creating root CA and a local CA's signing key and issuer "
	    "cert.\n");
	if (lc_ca_create(&p, err, sizeof(err)) < 0) {
		lc_logerr("%s\n", err);
		lc_logerr("Error creating local CA's signing key and cert.\n");
		return -1;
	}
	if (access(c->signkey, R_OK) != 0) {
		lc_logerr("Need read rights on signing key %s for user %s.\n",
		    c->signkey, user());
		return -1;
	}
	return 0;
}

/* The EK as swtpm_cert options: EC coordinates or an RSA modulus. */
static void
add_key_params(struct lc_argv *a, const char *ek)
{
	char *x, *y, *id;

	if (!lc_ecc_params(ek, &x, &y, &id)) {
		lc_argv_add(a, "--modulus", ek, (char *)NULL);
		return;
	}
	if (x == NULL) {
		a->bad = true;
		return;
	}
	lc_argv_add(a, "--ecc-x", x, "--ecc-y", y, (char *)NULL);
	if (id != NULL)
		lc_argv_add(a, "--ecc-curveid", id, (char *)NULL);
	free(x);
	free(y);
	free(id);
}

/* What one swtpm_cert run needs besides the options. */
struct certjob {
	const char	*prog;		/* swtpm_cert's path */
	char		**words;	/* the options file */
	size_t		  nwords;
	const char	*serial;
	const char	*out_tmp;	/* swtpm_cert writes here */
	int		  pwd_fd, parent_fd;	/* -1 if none */
};

/* COMPAT: §2.5, the reference's order of swtpm_cert's arguments */
static void
build_argv(struct lc_argv *a, const struct opts *o, const struct cfg *c,
    const struct certjob *j)
{
	bool ek = strcmp(o->type, "ek") == 0;
	char *subj = NULL, fdarg[32];

	if (asprintf(&subj, "CN=%s", o->vmid ? o->vmid : "unknown") < 0) {
		a->bad = true;
		return;
	}
	lc_argv_add(a, j->prog, "--subject", subj, (char *)NULL);
	free(subj);
	lc_argv_addv(a, j->words, j->nwords);
	lc_argv_add(a, o->tpm2 ? "--tpm2" : "--add-header", (char *)NULL);
	if (ek && o->allow_signing)
		lc_argv_add(a, "--allow-signing", (char *)NULL);
	if (ek && o->decryption)
		lc_argv_add(a, "--decryption", (char *)NULL);
	/* passwords through pipes, never in a file (the reference: file:) */
	if (j->pwd_fd >= 0) {
		snprintf(fdarg, sizeof(fdarg), "fd:%d", j->pwd_fd);
		lc_argv_add(a, "--signkey-pwd", fdarg, (char *)NULL);
	}
	if (j->parent_fd >= 0) {
		snprintf(fdarg, sizeof(fdarg), "fd:%d", j->parent_fd);
		lc_argv_add(a, "--parentkey-pwd", fdarg, (char *)NULL);
	}
	if (ek)
		lc_argv_addv(a, o->spec.v, o->spec.n);
	lc_argv_addv(a, o->attr.v, o->attr.n);
	if (!ek)
		lc_argv_add(a, "--type", "platform", (char *)NULL);
	lc_argv_add(a, "--out-cert", j->out_tmp, (char *)NULL);
	add_key_params(a, o->ek);
	lc_argv_add(a, "--signkey", c->signkey, "--issuercert", c->issuercert,
	    "--days", "-1", "--serial", j->serial, (char *)NULL);
}

/* Runs swtpm_cert; on success the certificate is renamed into place. */
static int
run_cert(const struct opts *o, const struct cfg *c, struct certjob *j,
    const char *out)
{
	const char *what = strcmp(o->type, "ek") == 0 ? "EK" : "platform";
	struct lc_argv a;
	struct lc_child ch;
	int keep[2], nkeep = 0, rc = -1;
	char err[512];

	lc_argv_init(&a);
	build_argv(&a, o, c, j);
	if (a.bad) {
		lc_logerr("out of memory\n");
		goto out;
	}
	if (j->pwd_fd >= 0)
		keep[nkeep++] = j->pwd_fd;
	if (j->parent_fd >= 0)
		keep[nkeep++] = j->parent_fd;
	if (lc_run(a.v, keep, (size_t)nkeep, &ch, err, sizeof(err)) < 0) {
		lc_logerr("Could not run swtpm_cert: %s\n", err);
		goto out;
	}
	if (ch.status != 0) {
		lc_logerr("Could not create %s certificate locally\n", what);
		lc_logerr("%s\n", ch.err);
	} else if (rename(j->out_tmp, out) < 0) {
		lc_logerr("cannot rename '%s' to '%s': %s\n", j->out_tmp, out,
		    strerror(errno));
	} else {
		lc_logit("Successfully created %s certificate locally.\n",
		    what);
		rc = 0;
	}
	lc_child_release(&ch);
out:
	lc_argv_release(&a);
	return rc;
}

/*
 * The certificate: the options file's words, swtpm_cert in PATH, the
 * next serial (under the CA lock, taken here unless file_key holds it),
 * then swtpm_cert writing a temporary file in --dir.
 */
static int
make_cert(const struct opts *o, struct cfg *c, int *lockfd)
{
	struct conf words_file;
	struct certjob j = { .pwd_fd = -1, .parent_fd = -1 };
	char err[1024], *prog = NULL, *serial = NULL, *out = NULL;
	char *tmp = NULL;
	int fd, rc = -1;

	memset(&words_file, 0, sizeof(words_file));
	if (conf_load(&words_file, o->optsfile, err, sizeof(err)) < 0) {
		lc_logerr("%s\n", err);
		goto out;
	}
	if (conf_split_words(&words_file, &j.words, &j.nwords) < 0) {
		lc_logerr("out of memory\n");
		goto out;
	}
	if ((prog = lc_find_program(getenv("PATH"), "swtpm_cert")) == NULL) {
		lc_logerr("Could not find swtpm_cert in PATH.\n");
		goto out;
	}
	if (asprintf(&out, "%s/%s", o->dir, strcmp(o->type, "ek") == 0 ?
	    "ek.cert" : "platform.cert") < 0 ||
	    asprintf(&tmp, "%s.XXXXXX", out) < 0) {
		lc_logerr("out of memory\n");
		goto out;
	}
	/* made before a serial is taken: a bad --dir costs none */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		lc_logerr("Could not create %s certificate locally\n",
		    strcmp(o->type, "ek") == 0 ? "EK" : "platform");
		lc_logerr("cannot create '%s': %s\n", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	close(fd);
	if (*lockfd < 0 && lc_lock(c->lockfile, lockfd, err,
	    sizeof(err)) < 0) {
		lc_logerr("%s\n", err);
		goto out;
	}
	rc = lc_serial_take(c->certserial, &serial, err, sizeof(err));
	lc_unlock(*lockfd);
	*lockfd = -1;
	if (rc < 0) {
		lc_logerr("%s\n", err);
		goto out;
	}
	rc = -1;
	if ((c->signkey_pwd != NULL &&
	    (j.pwd_fd = lc_secret_pipe(c->signkey_pwd)) < 0) ||
	    (c->parentkey_pwd != NULL &&
	    (j.parent_fd = lc_secret_pipe(c->parentkey_pwd)) < 0)) {
		lc_logerr("cannot create a pipe: %s\n", strerror(errno));
		goto out;
	}
	j.prog = prog;
	j.serial = serial;
	j.out_tmp = tmp;
	rc = run_cert(o, c, &j, out);
out:
	if (tmp != NULL && rc < 0)
		unlink(tmp);
	if (j.pwd_fd >= 0)
		close(j.pwd_fd);
	if (j.parent_fd >= 0)
		close(j.parent_fd);
	conf_free_words(j.words, j.nwords);
	conf_free(&words_file);
	free(prog);
	free(serial);
	free(out);
	free(tmp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct cfg c;
	char *def_conf = NULL, *def_opts = NULL, *dflt = NULL;
	int lockfd = -1, rc = 1, r;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	o.dir = ".";
	def_conf = conf_default_path(LOCALCA_CONF, LC_SYSCONFDIR);
	def_opts = conf_default_path(LOCALCA_OPTS, LC_SYSCONFDIR);
	if (def_conf == NULL || def_opts == NULL)
		goto out;
	o.configfile = def_conf;
	o.optsfile = def_opts;
	if ((r = parse_opts(argc, argv, &o)) >= 0) {
		rc = r;
		goto out;
	}
	if (o.logfile != NULL && lc_log_open(o.logfile) < 0)
		goto out;
	if (o.type == NULL || (strcmp(o.type, "ek") != 0 &&
	    strcmp(o.type, "platform") != 0)) {
		lc_logerr("unknown certificate type '%s' (use ek or "
		    "platform)\n", o.type ? o.type : "");
		goto out;
	}
	if (o.ek == NULL) {
		lc_logerr("missing --ek\n");
		goto out;
	}
	if (load_config(&o, &c) < 0)
		goto out;
	if (strncmp(c.signkey, "tpmkey:file=", 12) == 0 ||
	    strncmp(c.signkey, "tpmkey:uuid=", 12) == 0)
		r = tpmkey_env(&c);
	else if (strncmp(c.signkey, "pkcs11:", 7) == 0)
		r = pkcs11_env(&c);
	else
		r = file_key(&c, &lockfd);
	if (r < 0)
		goto out;
	if (access(c.issuercert, R_OK) != 0) {
		lc_logerr("Need read rights on issuer certificate %s for user "
		    "%s.\n", c.issuercert, user());
		goto out;
	}
	if (asprintf(&dflt, "%s/certserial", c.statedir) < 0) {
		dflt = NULL;
		goto out;
	}
	c.certserial = value(&c, "certserial");
	if (c.certserial == NULL || c.certserial[0] == '\0') {
		free(c.certserial);
		c.certserial = dflt;
		dflt = NULL;
	}
	if (makedir_of(c.certserial, "certserial") < 0)
		goto out;
	if (make_cert(&o, &c, &lockfd) == 0)
		rc = 0;
out:
	lc_unlock(lockfd);
	cfg_release(&c);
	lc_argv_release(&o.spec);
	lc_argv_release(&o.attr);
	free(o.vmid);
	free(def_conf);
	free(def_opts);
	free(dflt);
	return rc;
}
