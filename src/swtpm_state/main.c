/*
 * swtpm_state: command line and the read-only subcommands (info,
 * verify, check-migration). The key and --tpmstate option strings are
 * parsed by swtpm's own parsers (src/swtpm/options.c); the writers are
 * in modify.c. Messages go to stderr as "swtpm_state: ...".
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modify.h"
#include "options.h"

#define ERRLEN	600

static const char usage_text[] =
"Usage: swtpm_state COMMAND [OPTIONS]\n"
"\n"
"Commands:\n"
"  info             show each blob of a state (or of migration blobs)\n"
"  verify           check that swtpm would load the state with the key\n"
"  rekey            change, add or remove the state key (--new-key)\n"
"  convert          copy a state to another backend (--to)\n"
"  export           write migration blobs (as swtpm_ioctl --save does)\n"
"  import           make a state from migration blobs\n"
"  check-migration  would this host's swtpm accept the state or blobs?\n"
"\n"
"Options:\n"
"  --tpmstate dir=DIR|backend-uri=URI   the state\n"
"  --tpm2                               a TPM 2 state (default TPM 1.2)\n"
"  --key KEYOPTS                        the state key, as swtpm --key\n"
"  --migration-key KEYOPTS              the migration key\n"
"  --new-key KEYOPTS|none               rekey: the new state key\n"
"  --to dir=DIR|backend-uri=URI         convert: the destination\n"
"  --permanent FILE, --volatile FILE, --savestate FILE\n"
"                                       migration blob files\n"
"  --encrypted                          export: keep the inner layer\n"
"                                       encrypted with the state key\n"
"  --json                               JSON output\n"
"  -h, --help                           this text\n"
"  --version                            the version\n"
"\n"
"Exit status: 0 ok, 1 error, 2 no state, 3 wrong key, 4 damaged,\n"
"5 unsupported version, 6 refused by libtpms, 7 in use by a running\n"
"swtpm, 8 other TPM version. See swtpm_state(8).\n";

enum { O_TPMSTATE = 256, O_TPM2, O_KEY, O_MIGKEY, O_NEWKEY, O_TO, O_PERM,
    O_VOL, O_SAVE, O_ENC, O_JSON };

static const struct option longopts[] = {
	{ "tpmstate", required_argument, NULL, O_TPMSTATE },
	{ "tpm2", no_argument, NULL, O_TPM2 },
	{ "key", required_argument, NULL, O_KEY },
	{ "migration-key", required_argument, NULL, O_MIGKEY },
	{ "new-key", required_argument, NULL, O_NEWKEY },
	{ "to", required_argument, NULL, O_TO },
	{ "permanent", required_argument, NULL, O_PERM },
	{ "volatile", required_argument, NULL, O_VOL },
	{ "savestate", required_argument, NULL, O_SAVE },
	{ "encrypted", no_argument, NULL, O_ENC },
	{ "json", no_argument, NULL, O_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * The last message ss_err printed: the "reason" of the --json result of
 * a command that failed before it printed anything else. The one
 * mutable static of the command line.
 */
static char last_err[ERRLEN];

void
ss_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	fprintf(stderr, "swtpm_state: %s\n", last_err);
}

static int
keyopt(struct ss_keyarg *k, const char *s)
{
	char err[ERRLEN];

	if (sw_keyopt_parse(s, &k->opt, &k->path, err, sizeof(err)) < 0) {
		ss_err("%s", err);
		return -1;
	}
	k->given = true;
	return 0;
}

static int
stateopt(char **uri, struct st_store_cfg *cfg, const char *s)
{
	char err[ERRLEN];

	if (sw_stateopt_parse(s, uri, cfg, err, sizeof(err)) < 0) {
		ss_err("%s", err);
		return -1;
	}
	return 0;
}

static int
parse(struct ss_opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_TPMSTATE:
			if (stateopt(&o->uri, &o->cfg, optarg) < 0)
				return -1;
			break;
		case O_TPM2: o->cfg.tpm2 = true; break;
		case O_KEY:
			if (keyopt(&o->key, optarg) < 0)
				return -1;
			break;
		case O_MIGKEY:
			if (keyopt(&o->migkey, optarg) < 0)
				return -1;
			break;
		case O_NEWKEY:
			o->newkey_none = strcmp(optarg, "none") == 0;
			o->newkey.given = false;
			if (!o->newkey_none && keyopt(&o->newkey, optarg) < 0)
				return -1;
			break;
		case O_TO:
			if (stateopt(&o->to_uri, &o->to_cfg, optarg) < 0)
				return -1;
			break;
		case O_PERM: o->blob[SS_PERMANENT] = optarg; break;
		case O_VOL: o->blob[SS_VOLATILE] = optarg; break;
		case O_SAVE: o->blob[SS_SAVESTATE] = optarg; break;
		case O_ENC: o->encrypted = true; break;
		case O_JSON: o->json = true; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind != argc) {
		ss_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	o->to_cfg.tpm2 = o->cfg.tpm2;
	return 0;
}

int
ss_load_key(struct ss_keyarg *k, struct st_key *out, const char *what)
{
	char msg[ERRLEN], warn[ERRLEN] = "";

	memset(out, 0, sizeof(*out));
	if (!k->given)
		return 0;
	if (st_key_load(&k->opt, out, msg, sizeof(msg), warn,
	    sizeof(warn)) != ST_OK) {
		ss_err("cannot load the %s: %s", what, msg);
		return -1;
	}
	if (warn[0] != '\0')
		ss_err("%s", warn);
	return 0;
}

/* Reads the state of --tpmstate, or the blob files when there is none. */
static int
read_input(const struct ss_opts *o, struct ss_state *st, bool blobs_ok)
{
	char msg[ERRLEN] = "";
	enum ss_exit rc;

	if (o->uri != NULL) {
		rc = ss_read_state(st, o->uri, &o->cfg, msg, sizeof(msg));
	} else if (blobs_ok && o->blob[SS_PERMANENT] != NULL) {
		rc = ss_read_blobs(st, o->blob, msg, sizeof(msg));
		st->tpm2 = o->cfg.tpm2;
	} else {
		ss_err(blobs_ok ? "--tpmstate or --permanent is required" :
		    "--tpmstate is required");
		return SS_EXIT_ERROR;
	}
	if (rc != SS_EXIT_OK)
		ss_err("%s", msg);
	return rc;
}

/* read_input, then loads the keys given into key and mig. */
static int
read_with_keys(struct ss_opts *o, struct ss_state *st, bool blobs_ok,
    struct st_key *key, struct st_key *mig)
{
	int rc;

	if ((rc = read_input(o, st, blobs_ok)) != SS_EXIT_OK)
		return rc;
	if (ss_load_key(&o->key, key, "key") < 0 ||
	    ss_load_key(&o->migkey, mig, "migration key") < 0) {
		ss_state_release(st);
		st_key_wipe(key);
		return SS_EXIT_ERROR;
	}
	return SS_EXIT_OK;
}

static int
cmd_info(struct ss_opts *o)
{
	struct ss_state st;
	struct st_key key, mig;
	int rc;

	if ((rc = read_with_keys(o, &st, true, &key, &mig)) != SS_EXIT_OK)
		return rc;
	/* without a key only plaintext blobs show their libtpms format */
	ss_unwrap(&st, &key, &mig);
	ss_print_info(&st, o->json);
	o->printed = true;
	ss_state_release(&st);
	st_key_wipe(&key);
	st_key_wipe(&mig);
	return SS_EXIT_OK;
}

/*
 * check-migration: the state must be of the TPM version asked for (if
 * its format is not recognized, libtpms decides).
 */
static void
check_tpm_version(struct ss_state *st)
{
	const struct ss_blob *b = &st->b[SS_PERMANENT];
	const char *kind;
	unsigned ver, minver;
	bool is2;

	if (st->cause != SS_EXIT_OK || b->plain == NULL ||
	    !ss_format(b->plain, b->plainlen, true, &kind, &ver, &minver))
		return;
	is2 = strncmp(kind, "tpm2", 4) == 0;
	if (is2 == st->tpm2)
		return;
	st->cause = SS_EXIT_TPMVER;
	snprintf(st->reason, sizeof(st->reason), "permanent: a TPM %s state, "
	    "but a TPM %s was asked for%s", is2 ? "2" : "1.2",
	    st->tpm2 ? "2" : "1.2", st->tpm2 ? " (drop --tpm2)" :
	    " (add --tpm2)");
}

/* No state of this TPM version: is there one of the other version? */
static void
hint_other_version(const struct ss_opts *o, struct ss_state *st)
{
	struct st_store_cfg cfg = o->cfg;
	struct ss_state other;
	char msg[ERRLEN];
	size_t n;

	if (st->cause != SS_EXIT_NOSTATE || o->uri == NULL)
		return;
	cfg.tpm2 = !cfg.tpm2;
	if (ss_read_state(&other, o->uri, &cfg, msg, sizeof(msg)) ==
	    SS_EXIT_OK && other.b[SS_PERMANENT].present) {
		n = strlen(st->reason);
		snprintf(st->reason + n, sizeof(st->reason) - n, " (there is "
		    "a TPM %s state: %s --tpm2)", cfg.tpm2 ? "2" : "1.2",
		    cfg.tpm2 ? "add" : "drop");
	}
	ss_state_release(&other);
}

static int
cmd_verify(struct ss_opts *o, bool migration)
{
	struct ss_state st;
	struct st_key key, mig;
	int rc;

	if ((rc = read_with_keys(o, &st, migration, &key, &mig)) !=
	    SS_EXIT_OK)
		return rc;
	ss_unwrap(&st, &key, &mig);
	hint_other_version(o, &st);
	if (migration)
		check_tpm_version(&st);
	if (st.cause == SS_EXIT_OK)
		ss_validate(&st);
	ss_print_verdict(&st, migration ? "check-migration" : "verify",
	    o->json);
	o->printed = true;
	if (st.cause != SS_EXIT_OK && !o->json)
		ss_err("%s", st.reason);
	rc = st.cause;
	ss_state_release(&st);
	st_key_wipe(&key);
	st_key_wipe(&mig);
	return rc;
}

static void
opts_release(struct ss_opts *o)
{
	free(o->uri);
	free(o->to_uri);
	free(o->key.path);
	free(o->migkey.path);
	free(o->newkey.path);
}

int
main(int argc, char **argv)
{
	struct ss_opts o;
	const char *cmd;
	int rc;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "--help") == 0)) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
			printf("swtpm_state (swtpm-ng) %s\n", PACKAGE_VERSION);
			return 0;
		}
		fputs(usage_text, stderr);
		return SS_EXIT_ERROR;
	}
	cmd = argv[1];
	if (parse(&o, argc - 1, argv + 1) < 0) {
		opts_release(&o);
		return SS_EXIT_ERROR;
	}
	if (strcmp(cmd, "info") == 0)
		rc = cmd_info(&o);
	else if (strcmp(cmd, "verify") == 0)
		rc = cmd_verify(&o, false);
	else if (strcmp(cmd, "check-migration") == 0)
		rc = cmd_verify(&o, true);
	else if (strcmp(cmd, "rekey") == 0)
		rc = ss_cmd_rekey(&o);
	else if (strcmp(cmd, "convert") == 0)
		rc = ss_cmd_convert(&o);
	else if (strcmp(cmd, "export") == 0)
		rc = ss_cmd_export(&o);
	else if (strcmp(cmd, "import") == 0)
		rc = ss_cmd_import(&o);
	else {
		ss_err("unknown command '%s'", cmd);
		fputs(usage_text, stderr);
		rc = SS_EXIT_ERROR;
	}
	if (!o.printed)
		ss_print_result(cmd, o.uri, o.to_uri, (enum ss_exit)rc,
		    rc == SS_EXIT_OK ? NULL : last_err, o.json);
	opts_release(&o);
	return rc;
}
