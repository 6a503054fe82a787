/*
 * The subcommands of swtpm_state that write: rekey, convert and import
 * put a whole new state in place through st_stage_* (src/state/stage.c
 * has the crash-safe scheme: built beside the old state, synced, one
 * rename or directory exchange), under the old state's lock so that a
 * running swtpm is never written under; export writes migration blob
 * files (temporary file, fsync, rename). Every input is read and
 * checked completely before anything is created.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "modify.h"

#define MSGLEN	600

/* The stored form of each blob of a new state (NULL: none). */
struct newstate {
	uint8_t	*raw[SS_NSLOTS];
	size_t	 len[SS_NSLOTS];
};

static void
newstate_release(struct newstate *ns)
{
	int i;

	for (i = 0; i < SS_NSLOTS; i++)
		free(ns->raw[i]);
	memset(ns, 0, sizeof(*ns));
}

/* What a subcommand holds; job_release frees and wipes all of it. */
struct job {
	struct st_store	*lock;	/* the old state's, while held */
	struct ss_state	 st;		/* what was read */
	struct newstate	 ns;		/* what will be written */
	struct st_key	 key, key2; /* --key; the other key */
};

/* Loads --key and the second key; -1 after a message. */
static int
job_init(struct job *j, struct ss_opts *o, struct ss_keyarg *k2,
    const char *what2)
{
	memset(j, 0, sizeof(*j));
	if (ss_load_key(&o->key, &j->key, "key") < 0)
		return -1;
	if (ss_load_key(k2, &j->key2, what2) < 0) {
		st_key_wipe(&j->key);
		return -1;
	}
	return 0;
}

static void
job_release(struct job *j)
{
	newstate_release(&j->ns);
	ss_state_release(&j->st);
	st_store_free(j->lock);
	st_key_wipe(&j->key);
	st_key_wipe(&j->key2);
}

/*
 * Takes the lock of the state at uri, as swtpm does. Returns
 * SS_EXIT_LOCKED if another process (a running swtpm) holds it.
 */
static int
lock_state(const char *uri, const struct st_store_cfg *cfg,
    struct st_store **out)
{
	struct st_store_cfg lcfg = *cfg;
	char msg[MSGLEN] = "";
	enum st_err e;

	lcfg.lock = true;
	lcfg.readonly = false;
	lcfg.backup = false;
	e = st_store_open(out, uri, &lcfg, msg, sizeof(msg), NULL, 0);
	if (e == ST_OK)
		e = st_store_lock(*out, 0, msg, sizeof(msg));
	if (e == ST_LOCKED) {
		ss_err("the state '%s' is in use by a running swtpm (its lock "
		    "is held): stop it first", uri);
		return SS_EXIT_LOCKED;
	}
	if (e != ST_OK) {
		ss_err("cannot lock the state '%s': %s", uri, msg[0] ? msg :
		    st_strerror(e));
		return SS_EXIT_ERROR;
	}
	/* temporaries of an earlier, killed run (we hold the lock) */
	(void)st_stage_sweep(uri, msg, sizeof(msg));
	return SS_EXIT_OK;
}

/* Does the state at uri exist (a directory, file or device)? */
static bool
state_exists(const char *uri)
{
	const char *p = strncmp(uri, "dir://", 6) == 0 ? uri + 6 :
	    strncmp(uri, "file://", 7) == 0 ? uri + 7 : NULL;
	struct stat sb;

	return p != NULL && stat(p, &sb) == 0;
}

/*
 * Writes ns as the whole state at uri (st_stage_*), then reads every
 * blob back from the new state before it is put in place.
 */
static int
write_state(const char *uri, const struct st_store_cfg *cfg,
    const struct newstate *ns, bool direct_ok)
{
	struct st_stage *sg = NULL;
	struct st_store *st;
	char msg[MSGLEN] = "", notice[MSGLEN] = "";
	uint8_t *back = NULL;
	size_t blen = 0;
	enum st_err e;
	int i, rc = SS_EXIT_ERROR;

	e = st_stage_open(&sg, uri, cfg, direct_ok, msg, sizeof(msg));
	if (e != ST_OK) {
		ss_err("%s", msg);
		return SS_EXIT_ERROR;
	}
	st = st_stage_store(sg);
	if (ns->raw[SS_BACKUP] != NULL) {
		if (strncmp(uri, "dir://", 6) != 0)
			ss_err("note: the backup of the permanent state is "
			    "not kept: '%s' has no backups", uri);
		else if (st_stage_save_backup(sg, cfg->tpm2,
		    ns->raw[SS_BACKUP], ns->len[SS_BACKUP], msg,
		    sizeof(msg)) != ST_OK)
			goto fail;
	}
	for (i = 0; i < SS_BACKUP; i++) {
		const char *name = st_blob_desc((enum st_blob_kind)i)->name;

		if (ns->raw[i] == NULL)
			continue;
		if (st_store_save(st, name, ns->raw[i], ns->len[i], msg,
		    sizeof(msg)) != ST_OK)
			goto fail;
		if (st_store_load(st, name, &back, &blen, msg,
		    sizeof(msg)) != ST_OK)
			goto fail;
		if (blen != ns->len[i] || memcmp(back, ns->raw[i], blen)) {
			snprintf(msg, sizeof(msg), "the %s blob reads back "
			    "differently", name);
			goto fail;
		}
		free(back);
		back = NULL;
	}
	if (st_stage_commit(sg, notice, sizeof(notice), msg,
	    sizeof(msg)) != ST_OK)
		goto fail;
	if (notice[0] != '\0')
		ss_err("note: %s", notice);
	rc = SS_EXIT_OK;
	goto out;
fail:
	ss_err("cannot write the new state '%s': %s (the old state is "
	    "unchanged)", uri, msg);
out:
	free(back);
	st_stage_free(sg);
	return rc;
}

/* Reads and unwraps the state under its lock; reports a bad state. */
static int
read_checked(const struct ss_opts *o, const struct st_key *key,
    struct ss_state *st)
{
	char msg[MSGLEN] = "";
	int rc;

	rc = ss_read_state(st, o->uri, &o->cfg, msg, sizeof(msg));
	if (rc != SS_EXIT_OK) {
		ss_err("%s", msg);
		return rc;
	}
	ss_unwrap(st, key, NULL);
	if (st->cause != SS_EXIT_OK) {
		ss_err("%s: %s", o->uri, st->reason);
		return st->cause;
	}
	return SS_EXIT_OK;
}

/* The rekeyed stored form of each blob of j->st. */
static int
rewrap(struct job *j)
{
	int i;

	for (i = 0; i < SS_NSLOTS; i++) {
		struct ss_blob *b = &j->st.b[i];

		if (!b->present)
			continue;
		if (b->cause != SS_EXIT_OK) {
			/* only the backup can get here: carried over */
			ss_err("note: the %s blob does not open with the key "
			    "(%s): kept as it is", b->title, b->msg);
			if ((j->ns.raw[i] = malloc(b->rawlen)) != NULL)
				memcpy(j->ns.raw[i], b->raw, b->rawlen);
			j->ns.len[i] = b->rawlen;
		} else if (st_file_wrap(b->plain, b->plainlen, &j->key2,
		    &j->ns.raw[i], &j->ns.len[i]) != ST_OK) {
			j->ns.raw[i] = NULL;
		}
		if (j->ns.raw[i] == NULL) {
			ss_err("out of memory");
			return SS_EXIT_ERROR;
		}
	}
	return SS_EXIT_OK;
}

int
ss_cmd_rekey(struct ss_opts *o)
{
	struct job j;
	int rc;

	if (o->uri == NULL || (!o->newkey.given && !o->newkey_none)) {
		ss_err("rekey needs --tpmstate and --new-key (KEYOPTS or "
		    "none)");
		return SS_EXIT_ERROR;
	}
	if (job_init(&j, o, &o->newkey, "new key") < 0)
		return SS_EXIT_ERROR;
	/* first without the lock: a bad state or key changes nothing */
	if ((rc = read_checked(o, &j.key, &j.st)) != SS_EXIT_OK)
		goto out;
	ss_state_release(&j.st);
	if ((rc = lock_state(o->uri, &o->cfg, &j.lock)) != SS_EXIT_OK ||
	    (rc = read_checked(o, &j.key, &j.st)) != SS_EXIT_OK ||
	    (rc = rewrap(&j)) != SS_EXIT_OK)
		goto out;
	rc = write_state(o->uri, &o->cfg, &j.ns, false);
out:
	job_release(&j);
	return rc;
}

/* Copies the stored bytes of every readable blob (no key needed). */
static int
copy_raw(const struct ss_state *st, struct newstate *ns, const char *uri)
{
	int i;

	if (!st->b[SS_PERMANENT].present) {
		ss_err("%s: no permanent state", uri);
		return SS_EXIT_NOSTATE;
	}
	for (i = 0; i < SS_NSLOTS; i++) {
		const struct ss_blob *b = &st->b[i];

		if (!b->present)
			continue;
		if (b->hdr_err != ST_OK || (b->info.version != 1 &&
		    b->info.version != 2)) {
			ss_err("%s: the %s blob is unreadable: %s", uri,
			    b->title, b->hdr_err != ST_OK ? b->msg :
			    "unsupported header version");
			return b->hdr_err == ST_BADVERSION ||
			    b->hdr_err == ST_OK ? SS_EXIT_VERSION :
			    SS_EXIT_DAMAGED;
		}
		if ((ns->raw[i] = malloc(b->rawlen)) == NULL) {
			ss_err("out of memory");
			return SS_EXIT_ERROR;
		}
		memcpy(ns->raw[i], b->raw, b->rawlen);
		ns->len[i] = b->rawlen;
	}
	return SS_EXIT_OK;
}

/* Reads the state of --tpmstate and copies its stored blobs into ns. */
static int
read_raw(const struct ss_opts *o, struct ss_state *st, struct newstate *ns)
{
	char msg[MSGLEN] = "";
	int rc;

	if ((rc = ss_read_state(st, o->uri, &o->cfg, msg,
	    sizeof(msg))) != SS_EXIT_OK) {
		ss_err("%s", msg);
		return rc;
	}
	return copy_raw(st, ns, o->uri);
}

/* Does the state at uri hold any blob? */
static bool
holds_state(const char *uri, const struct st_store_cfg *cfg)
{
	struct ss_state dst;
	char msg[MSGLEN];
	bool full = false;
	int i;

	if (!state_exists(uri) ||
	    ss_read_state(&dst, uri, cfg, msg, sizeof(msg)) != SS_EXIT_OK)
		return false;
	for (i = 0; i < SS_NSLOTS; i++)
		full |= dst.b[i].present;
	ss_state_release(&dst);
	return full;
}

int
ss_cmd_convert(struct ss_opts *o)
{
	struct job j;
	int rc;

	if (o->uri == NULL || o->to_uri == NULL) {
		ss_err("convert needs --tpmstate and --to");
		return SS_EXIT_ERROR;
	}
	if (holds_state(o->to_uri, &o->to_cfg)) {
		ss_err("the destination '%s' already holds a TPM state: not "
		    "overwriting it", o->to_uri);
		return SS_EXIT_ERROR;
	}
	memset(&j, 0, sizeof(j));
	/* first without the lock: bad input changes nothing */
	if ((rc = read_raw(o, &j.st, &j.ns)) != SS_EXIT_OK)
		goto out;
	newstate_release(&j.ns);
	ss_state_release(&j.st);
	if ((rc = lock_state(o->uri, &o->cfg, &j.lock)) != SS_EXIT_OK ||
	    (rc = read_raw(o, &j.st, &j.ns)) != SS_EXIT_OK)
		goto out;
	rc = write_state(o->to_uri, &o->to_cfg, &j.ns, true);
out:
	job_release(&j);
	return rc;
}

/* Writes a file by temporary file, fsync and rename (mode 0600). */
static int
write_file(const char *path, const uint8_t *p, size_t n)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, dfd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
	{
		ss_err("path '%s' too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		ss_err("cannot create '%s': %s", tmp, strerror(errno));
		return -1;
	}
	if (write_full(fd, p, n) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		saved = errno;
		(void)unlink(tmp);
		ss_err("cannot write '%s': %s", path, strerror(saved));
		return -1;
	}
	if (rename(tmp, path) < 0) {
		saved = errno;
		(void)unlink(tmp);
		ss_err("cannot write '%s': %s", path, strerror(saved));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

int
ss_cmd_export(struct ss_opts *o)
{
	struct job j;
	bool enc, any = false;
	int i, rc;

	for (i = 0; i < SS_BACKUP; i++)
		any |= o->blob[i] != NULL;
	if (o->uri == NULL || !any) {
		ss_err("export needs --tpmstate and at least one of "
		    "--permanent, --volatile, --savestate");
		return SS_EXIT_ERROR;
	}
	if (job_init(&j, o, &o->migkey, "migration key") < 0)
		return SS_EXIT_ERROR;
	if ((rc = read_checked(o, &j.key, &j.st)) != SS_EXIT_OK)
		goto out;
	/* as CMD_GET_STATEBLOB (state-storage.md §6.2); all or nothing */
	for (i = 0; i < SS_BACKUP; i++) {
		const struct ss_blob *b = &j.st.b[i];

		if (o->blob[i] == NULL || !b->present)
			continue;
		if (st_sblob_wrap(b->plain, b->plainlen, o->encrypted ?
		    &j.key : NULL, &j.key2, &j.ns.raw[i], &j.ns.len[i],
		    &enc) != ST_OK) {
			ss_err("cannot build the %s blob", b->title);
			rc = SS_EXIT_ERROR;
			goto out;
		}
	}
	for (i = 0; i < SS_BACKUP; i++) {
		/* an absent blob is exported as an empty file (cleared) */
		if (o->blob[i] != NULL && write_file(o->blob[i], j.ns.raw[i],
		    j.ns.len[i]) < 0) {
			rc = SS_EXIT_ERROR;
			goto out;
		}
	}
out:
	job_release(&j);
	return rc;
}

int
ss_cmd_import(struct ss_opts *o)
{
	struct job j;
	char msg[MSGLEN] = "";
	int i, rc;

	if (o->uri == NULL || o->blob[SS_PERMANENT] == NULL) {
		ss_err("import needs --tpmstate and --permanent");
		return SS_EXIT_ERROR;
	}
	if (job_init(&j, o, &o->migkey, "migration key") < 0)
		return SS_EXIT_ERROR;
	if ((rc = ss_read_blobs(&j.st, o->blob, msg, sizeof(msg))) !=
	    SS_EXIT_OK) {
		ss_err("%s", msg);
		goto out;
	}
	j.st.tpm2 = o->cfg.tpm2;
	ss_unwrap(&j.st, &j.key, &j.key2);
	if (j.st.cause == SS_EXIT_OK)
		ss_validate(&j.st);
	if ((rc = j.st.cause) != SS_EXIT_OK) {
		ss_err("cannot import: %s", j.st.reason);
		goto out;
	}
	/* stored with --key, as swtpm would after SET_STATEBLOB and INIT */
	for (i = 0; i < SS_BACKUP; i++) {
		const struct ss_blob *b = &j.st.b[i];

		if (!b->present || b->plainlen == 0)
			continue;
		if (st_file_wrap(b->plain, b->plainlen, &j.key, &j.ns.raw[i],
		    &j.ns.len[i]) != ST_OK) {
			ss_err("out of memory");
			rc = SS_EXIT_ERROR;
			goto out;
		}
	}
	if (state_exists(o->uri) &&
	    (rc = lock_state(o->uri, &o->cfg, &j.lock)) != SS_EXIT_OK)
		goto out;
	rc = write_state(o->uri, &o->cfg, &j.ns, false);
out:
	job_release(&j);
	return rc;
}
