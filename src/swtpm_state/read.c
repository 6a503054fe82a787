/*
 * Reading a TPM state (through a read-only store: no lock, no write) or
 * migration blobs from files, unwrapping them with the given keys as
 * swtpm would, and naming the cause when a blob would not load. The
 * formats are src/state's; nothing here parses them again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "swtpm_state.h"

/* libtpms' NV_HEADER magics (permanent and volatile state of a TPM 2). */
#define TPM2_PERMANENT_MAGIC	0xab364723u
#define TPM2_VOLATILE_MAGIC	0x45637889u
/* TPM 1.2 permanent state: a u16 version, then TPM_TAG_PERMANENT_DATA. */
#define TPM12_TAG_PERMANENT_DATA 0x0022u

static const char *const slot_title[SS_NSLOTS] = {
	"permanent", "volatile", "savestate", "backup",
};

void
ss_state_init(struct ss_state *st, bool blobs)
{
	int i;

	memset(st, 0, sizeof(*st));
	st->blobs = blobs;
	for (i = 0; i < SS_NSLOTS; i++) {
		st->b[i].title = slot_title[i];
		st->b[i].name = i == SS_BACKUP ? ST_PERMALL :
		    st_blob_desc((enum st_blob_kind)i)->name;
	}
}

void
ss_blob_take(struct ss_blob *b, uint8_t *raw, size_t len)
{
	free(b->raw);
	b->raw = raw;
	b->rawlen = len;
	b->present = true;
	b->hdr_err = st_blob_inspect(b->raw, b->rawlen, &b->info, b->msg,
	    sizeof(b->msg));
}

/* The directory or linear file of uri does not exist. */
static bool
missing(const char *uri)
{
	const char *p = strstr(uri, "://");
	struct stat sb;

	return p != NULL && lstat(p + 3, &sb) < 0 && errno == ENOENT;
}

enum ss_exit
ss_read_state(struct ss_state *st, const char *uri,
    const struct st_store_cfg *cfg, char *msg, size_t msglen)
{
	struct st_store_cfg rcfg = *cfg;
	struct st_store *store = NULL;
	struct ss_blob *b;
	enum st_err e;
	int i;

	ss_state_init(st, false);
	st->tpm2 = cfg->tpm2;
	st->uri = uri;
	rcfg.readonly = true;
	rcfg.lock = false;
	rcfg.backup = false;
	e = st_store_open(&store, uri, &rcfg, msg, msglen, NULL, 0);
	if (e != ST_OK && missing(uri))
		return SS_EXIT_NOSTATE;
	if (e != ST_OK)
		return e == ST_NOMEM || e == ST_IO || e == ST_INVAL ?
		    SS_EXIT_ERROR : SS_EXIT_DAMAGED;
	for (i = 0; i < SS_NSLOTS; i++) {
		uint8_t *raw = NULL;
		size_t len = 0;

		b = &st->b[i];
		if (i == SS_BACKUP)
			e = st_store_load_backup(store, &raw, &len, msg,
			    msglen);
		else
			e = st_store_load(store, b->name, &raw, &len, msg,
			    msglen);
		if (e == ST_NOENT)
			continue;
		if (e != ST_OK) {
			st_store_free(store);
			return SS_EXIT_ERROR;
		}
		ss_blob_take(b, raw, len);
	}
	st_store_free(store);
	return SS_EXIT_OK;
}

/* Reads a whole regular file, refusing symlinks and special files. */
static int
read_file(const char *path, uint8_t **buf, size_t *len, char *msg,
    size_t msglen)
{
	struct stat sb;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		saved = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		snprintf(msg, msglen, "cannot read '%s': %s", path,
		    saved == ELOOP ? "is a symbolic link" :
		    saved != 0 ? strerror(saved) : "not a regular file");
		return -1;
	}
	if (read_all(fd, 16u << 20, buf, len) < 0) {
		saved = errno;
		close(fd);
		snprintf(msg, msglen, "cannot read '%s': %s", path,
		    strerror(saved));
		return -1;
	}
	close(fd);
	return 0;
}

enum ss_exit
ss_read_blobs(struct ss_state *st, const char *const path[SS_NSLOTS],
    char *msg, size_t msglen)
{
	uint8_t *raw;
	size_t len;
	int i;

	ss_state_init(st, true);
	for (i = 0; i < SS_NSLOTS; i++) {
		if (path[i] == NULL)
			continue;
		if (read_file(path[i], &raw, &len, msg, msglen) < 0)
			return SS_EXIT_ERROR;
		/* an empty blob (a cleared one) is no blob */
		if (len == 0) {
			free(raw);
			continue;
		}
		ss_blob_take(&st->b[i], raw, len);
	}
	return SS_EXIT_OK;
}

bool
ss_format(const uint8_t *p, size_t n, bool permanent, const char **kind,
    unsigned *version, unsigned *min_version)
{
	uint32_t magic;

	if (p == NULL || n < 6)
		return false;
	if (permanent && ((unsigned)p[2] << 8 | p[3]) ==
	    TPM12_TAG_PERMANENT_DATA) {
		*kind = "tpm12-permanent";
		*version = (unsigned)p[0] << 8 | p[1];
		*min_version = 0;
		return true;
	}
	magic = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
	    (uint32_t)p[4] << 8 | p[5];
	if (magic != (permanent ? TPM2_PERMANENT_MAGIC : TPM2_VOLATILE_MAGIC))
		return false;
	*kind = permanent ? "tpm2-permanent" : "tpm2-volatile";
	*version = (unsigned)p[0] << 8 | p[1];
	/* libtpms' NV_HEADER: version, magic, min_version from version 2 */
	*min_version = *version >= 2 && n >= 8 ?
	    ((unsigned)p[6] << 8 | p[7]) : 0;
	return true;
}

/* Was a record with this tag found by st_blob_inspect? */
static bool
has_record(const struct st_blob_info *bi, uint16_t tag)
{
	size_t i;

	for (i = 0; i < bi->nrec; i++)
		if (bi->rec[i].tag == tag)
			return true;
	return false;
}

/* The cause of a header error; the message is in b->msg already. */
static enum ss_exit
header_cause(const struct ss_blob *b)
{
	if (b->hdr_err == ST_BADVERSION)
		return SS_EXIT_VERSION;
	if (b->hdr_err != ST_OK)
		return SS_EXIT_DAMAGED;
	if (b->info.version != 1 && b->info.version != 2)
		return SS_EXIT_VERSION;
	return SS_EXIT_OK;
}

/* The cause of an unwrapping error, stored file or state blob. */
static enum ss_exit
unwrap_cause(const struct ss_blob *b)
{
	switch (b->err) {
	case ST_DECRYPT:
	case ST_KEYSIZE:
	case ST_NOKEY:
		return SS_EXIT_BADKEY;
	case ST_BADVERSION:
		return SS_EXIT_VERSION;
	case ST_NOMEM:
	case ST_IO:
		return SS_EXIT_ERROR;
	default:
		return SS_EXIT_DAMAGED;
	}
}

/*
 * A stored file without the record swtpm looks for (§6.1): a key given
 * for a plaintext file or none for an encrypted one is a key problem.
 */
static enum ss_exit
file_cause(struct ss_blob *b, const struct st_key *key)
{
	bool enc = (b->info.flags & ST_BLOB_FLAG_ENCRYPTED) != 0 ||
	    has_record(&b->info, 2);

	if (b->err != ST_NODATA)
		return unwrap_cause(b);
	if (key != NULL && !enc) {
		snprintf(b->msg, sizeof(b->msg), "not encrypted, but a key "
		    "was given (swtpm --key refuses it)");
		return SS_EXIT_BADKEY;
	}
	if (key == NULL && enc) {
		snprintf(b->msg, sizeof(b->msg), "encrypted with a %zu-bit "
		    "key; no key given", b->info.keylen ?
		    b->info.keylen * 8 : 128);
		return SS_EXIT_BADKEY;
	}
	return SS_EXIT_DAMAGED;
}

static const struct st_key *
key_or_null(const struct st_key *k)
{
	return k != NULL && k->len > 0 ? k : NULL;
}

void
ss_unwrap(struct ss_state *st, const struct st_key *key,
    const struct st_key *migkey)
{
	struct ss_blob *b;
	bool some_ok = false;
	int i;

	key = key_or_null(key);
	migkey = key_or_null(migkey);
	for (i = 0; i < SS_NSLOTS; i++) {
		b = &st->b[i];
		if (!b->present)
			continue;
		if ((b->cause = header_cause(b)) != SS_EXIT_OK)
			continue;
		b->tried = true;
		b->msg[0] = '\0';
		if (st->blobs)
			b->err = st_sblob_unwrap(b->raw, b->rawlen, false, key,
			    migkey, b->name, &b->plain, &b->plainlen, b->msg,
			    sizeof(b->msg));
		else
			b->err = st_file_unwrap(b->raw, b->rawlen, key,
			    &b->plain, &b->plainlen, b->msg, sizeof(b->msg));
		if (b->err == ST_OK) {
			some_ok |= b->info.keylen != 0 ||
			    b->info.migkeylen != 0;
			continue;
		}
		b->cause = st->blobs ? unwrap_cause(b) : file_cause(b, key);
		if (b->msg[0] == '\0')
			snprintf(b->msg, sizeof(b->msg), "%s",
			    st_strerror(b->err));
	}
	/*
	 * An HMAC mismatch is a wrong key, unless the same key opened
	 * another blob of this state: then this blob is damaged.
	 */
	for (i = 0; i < SS_NSLOTS; i++) {
		b = &st->b[i];
		if (some_ok && b->err == ST_DECRYPT) {
			b->cause = SS_EXIT_DAMAGED;
			snprintf(b->msg, sizeof(b->msg), "integrity check "
			    "(HMAC) failed although the key opens the other "
			    "blobs: damaged");
		}
	}
	st->cause = SS_EXIT_OK;
	if (!st->b[SS_PERMANENT].present) {
		st->cause = SS_EXIT_NOSTATE;
		snprintf(st->reason, sizeof(st->reason), "permanent: no "
		    "permanent state");
		return;
	}
	/* the backup is a fallback: reported, never the state's cause */
	for (i = 0; i < SS_BACKUP; i++) {
		b = &st->b[i];
		if (b->present && b->cause != SS_EXIT_OK) {
			st->cause = b->cause;
			snprintf(st->reason, sizeof(st->reason), "%s: %s",
			    b->title, b->msg);
			return;
		}
	}
}

void
ss_state_release(struct ss_state *st)
{
	int i;

	for (i = 0; i < SS_NSLOTS; i++) {
		free(st->b[i].raw);
		secure_free(st->b[i].plain, st->b[i].plainlen);
	}
	memset(st, 0, sizeof(*st));
}
