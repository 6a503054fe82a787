/*
 * TPM state storage: blob header + TLV records, AES-CBC/HMAC encryption,
 * key and password files, and the directory and linear-file backends.
 * Must not know sockets, the control channel or libtpms. Never logs or
 * exits: every function returns an enum st_err and may fill a caller's
 * message buffer (msg, msglen; msg may be NULL) with one lowercase line.
 */
#ifndef STATE_STATE_H
#define STATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum st_err {
	ST_OK = 0,
	ST_NOENT,	/* blob does not exist (TPM_RETRY 0x800) */
	ST_IO,		/* I/O error, e.g. ENOSPC (TPM_FAIL 0x9) */
	ST_SHORT,	/* blob shorter than its header / totlen mismatch (0x3) */
	ST_BADVERSION,	/* header min_version > 2 (0x2E) */
	ST_BADHDRSIZE,	/* header hdrsize != 10 (0x2B) */
	ST_NODATA,	/* wanted TLV record missing (TPM_FAIL 0x9) */
	ST_DECRYPT,	/* HMAC mismatch, bad padding (0x21) */
	ST_KEYSIZE,	/* key length does not match header flag (0x28) */
	ST_NOKEY,	/* blob encrypted but key missing (0x0D) */
	ST_BADTYPE,	/* unknown blob type (0x3) */
	ST_NOMEM,	/* allocation failed (0x9) */
	ST_LOCKED,	/* lock held by another process (0x9) */
	ST_CORRUPT,	/* file structurally broken, e.g. bad linear header (0x9) */
	ST_INVAL,	/* bad argument/option, e.g. unsupported URI (0x9) */
	ST_FAIL,	/* other failure (0x9) */
};

const char	*st_strerror(enum st_err);

/* ---------------------------------------------------------------- keys */

/* A symmetric key: 16 (AES-128) or 32 (AES-256) bytes; len 0 = no key. */
struct st_key {
	uint8_t	data[32];
	size_t	len;
};

enum st_key_src { ST_KEY_NONE, ST_KEY_FILE, ST_KEY_FD, ST_KEY_PWDFILE,
    ST_KEY_PWDFD };
enum st_key_fmt { ST_KEY_HEX, ST_KEY_BINARY };
enum st_kdf { ST_KDF_PBKDF2, ST_KDF_SHA512 };

/* Parsed --key / --migration-key option (see spec state-storage.md §7). */
struct st_keyopt {
	enum st_key_src	 src;
	const char	*path;	/* file= / pwdfile= (borrowed) */
	int		 fd;	/* fd= / pwdfd=, -1 if unset */
	enum st_key_fmt	 fmt;
	size_t		 keylen; /* 16 or 32 from mode= */
	bool		 remove;
	enum st_kdf	 kdf;
};

/*
 * Loads a key as the option says: reads the key file (hex or binary) or
 * the passphrase and derives the key. Closes a numeric fd, unlinks the
 * path if 'remove'. Warnings that do not fail (short passphrase) are put
 * in warn (may be NULL). The key material read is wiped.
 */
enum st_err	 st_key_load(const struct st_keyopt *, struct st_key *out,
		    char *msg, size_t msglen, char *warn, size_t warnlen);
void		 st_key_wipe(struct st_key *);

/* ------------------------------------------------------------ blob format */

#define ST_HDR_LEN			10
#define ST_BLOB_FLAG_ENCRYPTED		0x0001
#define ST_BLOB_FLAG_MIGRATION_ENCRYPTED 0x0002
#define ST_BLOB_FLAG_MIGRATION_DATA	0x0004
#define ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY 0x0008
#define ST_BLOB_FLAG_MIGRATION_256BIT_KEY 0x0010

/*
 * Stored-file form (what backends hold): header + [1] or, with a key,
 * [2][3][6]. 'key' NULL or len 0 = plaintext. Returns a malloc'ed blob
 * the caller frees.
 */
enum st_err	 st_file_wrap(const uint8_t *plain, size_t len,
		    const struct st_key *key, uint8_t **out, size_t *outlen);
/*
 * Reverse of st_file_wrap, also reading header version 1 and v2 files
 * without IV. Decrypts iff a key is given. Returns malloc'ed plaintext
 * (caller frees with secure_free).
 */
enum st_err	 st_file_unwrap(const uint8_t *blob, size_t len,
		    const struct st_key *key, uint8_t **plain, size_t *plainlen,
		    char *msg, size_t msglen);

/*
 * State-blob form (CMD_GET_STATEBLOB): inner layer encrypted with
 * 'filekey' if non-NULL/non-empty (then *encrypted = true), outer layer
 * encrypted with 'migkey' if non-NULL/non-empty. Caller frees *out.
 */
enum st_err	 st_sblob_wrap(const uint8_t *plain, size_t len,
		    const struct st_key *filekey, const struct st_key *migkey,
		    uint8_t **out, size_t *outlen, bool *encrypted);
/*
 * CMD_SET_STATEBLOB unwrapping (state-storage.md §6.3). 'flag_encrypted'
 * is the request's PTM_STATE_FLAG_ENCRYPTED. 'name' is used in messages
 * ("permall", ...). len 0 or a header-only blob gives *plain = NULL,
 * *plainlen = 0 and ST_OK. Caller frees *plain with secure_free.
 */
enum st_err	 st_sblob_unwrap(const uint8_t *blob, size_t len,
		    bool flag_encrypted, const struct st_key *filekey,
		    const struct st_key *migkey, const char *name,
		    uint8_t **plain, size_t *plainlen, char *msg, size_t msglen);

/*
 * What a stored file or a state blob says about itself, without a key
 * (for offline tools): its header, its TLV records, and for state blobs
 * the records of the inner layer when it is not encrypted. Nothing is
 * decrypted. The record values are offsets into the blob given.
 */
#define ST_INSPECT_MAX_RECORDS	16

struct st_tlv_record {
	uint16_t	tag;
	size_t		offset;		/* of the value, from the blob's start */
	size_t		length;
};

struct st_blob_info {
	uint8_t		version, min_version;
	uint16_t	hdrsize, flags;
	uint32_t	totlen;
	/* the outer layer (a stored file: its only layer) */
	struct st_tlv_record rec[ST_INSPECT_MAX_RECORDS];
	size_t		nrec;
	bool		trailing;	/* bytes after the last whole record */
	/* a state blob whose outer layer is plain: its inner layer */
	struct st_tlv_record inner[ST_INSPECT_MAX_RECORDS];
	size_t		ninner;
	/* from the flags: 0, 16 or 32 (AES-128/256) */
	size_t		keylen;		/* the state (file) key */
	size_t		migkeylen;	/* the migration key (state blobs) */
	bool		migration;	/* a state blob (MIGRATION_DATA) */
};

/*
 * Parses the header (errors as st_file_unwrap gives them: ST_SHORT,
 * ST_BADVERSION, ST_BADHDRSIZE) and walks the records of version-2
 * blobs; a version-1 blob has no records (its payload is raw). More
 * than ST_INSPECT_MAX_RECORDS records: ST_CORRUPT.
 */
enum st_err	 st_blob_inspect(const uint8_t *blob, size_t len,
		    struct st_blob_info *, char *msg, size_t msglen);
/* "DATA", "ENCRYPTED_DATA", "HMAC", ...; NULL for an unknown tag. */
const char	*st_tlv_tag_name(uint16_t tag);

/* Test seam: fixed IV for the next encryptions (NULL = random again). */
void		 st_crypto_set_test_iv(const uint8_t *iv, size_t len);

/* ------------------------------------------------------------ blob kinds */

/* The blobs of a TPM state; the values index arrays (names.c). */
enum st_blob_kind { ST_BLOB_PERMANENT, ST_BLOB_VOLATILE, ST_BLOB_SAVESTATE,
    ST_BLOB_NKINDS };

struct st_blob_desc {
	enum st_blob_kind kind;
	const char	*name;	/* libtpms' name, the file suffix: "permall" */
	const char	*title;	/* for people: "permanent" */
};

/* NULL for a kind or name that is not one of the three. */
const struct st_blob_desc *st_blob_desc(enum st_blob_kind);
const struct st_blob_desc *st_blob_by_name(const char *name);
#define ST_PERMALL	(st_blob_desc(ST_BLOB_PERMANENT)->name)
#define ST_VOLATILE	(st_blob_desc(ST_BLOB_VOLATILE)->name)

/* ---------------------------------------------------------------- backends */

struct st_store;

struct st_store_cfg {
	bool	tpm2;		/* file names tpm2-00.* instead of tpm-00.* */
	mode_t	mode;		/* state file mode (default 0600; the reference uses 0640) */
	bool	mode_set;	/* mode= given explicitly */
	bool	lock;		/* use the lock (.lock or the linear file) */
	bool	fsync;		/* fsync file and directory on every store */
	bool	backup;		/* dir:// only: keep the previous permall
				   as <permall>.bak (§2.6) */
	bool	readonly;	/* an offline reader: nothing is created,
				   formatted, removed, chmod'ed or locked;
				   saves, deletes, locks fail (ST_INVAL) */
};
/*
 * Notes: 'fsync' is for dir:// only; the linear backend always syncs, its
 * crash safety depends on the order of its writes. 'lock' false makes
 * every lock call succeed trivially. Locks are fcntl record locks on
 * ".lock" (dir) or on the file itself (linear), open-file-description
 * locks where available: they exclude the reference's F_SETLK locks and
 * also a second st_store of the same state within one process.
 */

/*
 * Opens a backend for "dir://PATH" or "file://PATH". The directory must
 * exist. A linear file is created if missing and formatted only if it is
 * empty; a non-empty file with a bad header is refused (ST_CORRUPT).
 * 'notice' (may be NULL) receives e.g. "Formatting '<uri>' as new
 * linear NVRAM store". Removes stale temporary files of a crash.
 */
enum st_err	 st_store_open(struct st_store **out, const char *uri,
		    const struct st_store_cfg *, char *msg, size_t msglen,
		    char *notice, size_t noticelen);
void		 st_store_free(struct st_store *);
/* Take the lock, retrying every 10 ms up to 'retries' times. Idempotent. */
enum st_err	 st_store_lock(struct st_store *, unsigned retries,
		    char *msg, size_t msglen);
void		 st_store_unlock(struct st_store *);
/*
 * Backup of the permanent state (cfg.backup, dir:// only). Every save of
 * "permall" keeps the file it replaces as "<permall>.bak".
 * st_store_backup_prepare: if permall is missing and the backup exists,
 * the backup becomes permall. st_store_backup_swap: exchanges permall and
 * its backup (ST_NOENT: there is no backup). ST_INVAL if the backend
 * has no backups.
 */
enum st_err	 st_store_backup_prepare(struct st_store *, char *msg,
		    size_t msglen);
enum st_err	 st_store_backup_swap(struct st_store *, char *msg,
		    size_t msglen);
/*
 * Reads the backup of the permanent state ("<permall>.bak", whether or
 * not cfg.backup is set) like st_store_load; ST_NOENT if there is none
 * or the backend keeps none (file://).
 */
enum st_err	 st_store_load_backup(struct st_store *, uint8_t **buf,
		    size_t *len, char *msg, size_t msglen);
/* True after a successful st_store_lock until st_store_unlock. */
bool		 st_store_is_locked(const struct st_store *);
/*
 * Blob I/O by libtpms name ("permall", "volatilestate", "savestate").
 * load returns a malloc'ed copy of the stored bytes (header included);
 * ST_NOENT if absent. save is atomic: a crash leaves old or new.
 */
enum st_err	 st_store_load(struct st_store *, const char *name,
		    uint8_t **buf, size_t *len, char *msg, size_t msglen);
enum st_err	 st_store_save(struct st_store *, const char *name,
		    const uint8_t *buf, size_t len, char *msg, size_t msglen);
enum st_err	 st_store_delete(struct st_store *, const char *name,
		    bool must_exist, char *msg, size_t msglen);
/*
 * True only if the blob on disk is provably the one this store last
 * loaded or saved: the same device, inode, size and modification time as
 * recorded right after that read or write. False if it is missing, was
 * replaced, truncated or rewritten since, if this store never read or
 * wrote it, or if the backend cannot tell (a block device). A caller may
 * trust a copy of the blob's contents, or skip rewriting identical bytes,
 * only while this returns true.
 */
bool		 st_store_unchanged(struct st_store *, const char *name);
/* Size of a stored blob for --print-states; ST_NOENT if absent. */
enum st_err	 st_store_size(struct st_store *, const char *name,
		    size_t *len, char *msg, size_t msglen);

/* Path of a blob for messages ("DIR/tpm2-00.permall", "FILE (permall)"). */
void		 st_store_where(const struct st_store *, const char *name,
		    char *buf, size_t buflen);

/*
 * Whole-state replacement (stage.c has the scheme): a new state built
 * under a temporary name beside 'uri' and put in its place by one
 * rename, so that a crash leaves the whole old or the whole new state.
 * The caller holds the old state's lock (if any) for the whole time.
 *
 * st_stage_open: prepares the temporary state; for dir:// it already
 * holds copies of the directory's other files (another TPM version's,
 * ...; anything but regular files is refused: ST_INVAL). 'uri' need not
 * exist (its parent must). A block device is written in place, without
 * a temporary, only if direct_ok (else ST_INVAL). cfg gives tpm2 and the
 * mode (if not mode_set: the old permanent state file's, or the old
 * linear file's); lock, backup and readonly are ignored, fsync is
 * always on.
 * st_stage_store: the store to st_store_save the new blobs into (owned
 * by the stage). st_stage_save_backup: the backup of the permanent
 * state (dir:// only), before the permanent state is saved.
 * st_stage_commit: puts the new state in place (ST_IO: the old one is
 * still there); 'notice' reports litter it could not remove. The stage
 * must still be freed. st_stage_free: without a commit, removes the
 * temporary state. st_stage_sweep: removes temporaries a crash left
 * beside 'uri'; call it only with the state's lock held.
 */
struct st_stage;

enum st_err	 st_stage_open(struct st_stage **, const char *uri,
		    const struct st_store_cfg *cfg, bool direct_ok, char *msg,
		    size_t msglen);
struct st_store	*st_stage_store(struct st_stage *);
enum st_err	 st_stage_save_backup(struct st_stage *, bool tpm2,
		    const uint8_t *buf, size_t len, char *msg, size_t msglen);
enum st_err	 st_stage_commit(struct st_stage *, char *notice,
		    size_t noticelen, char *msg, size_t msglen);
void		 st_stage_free(struct st_stage *);
enum st_err	 st_stage_sweep(const char *uri, char *msg, size_t msglen);

/*
 * Test seam: every file system call of the backends goes through this
 * table; tests replace entries to fail the Nth write/fsync/rename. The
 * directory backend names its files relative to a directory fd (the *at
 * calls); key files and the linear file are opened by path.
 */
struct st_fsops {
	int	(*open)(const char *, int, mode_t);
	int	(*openat)(int, const char *, int, mode_t);
	ssize_t	(*write)(int, const void *, size_t);
	ssize_t	(*pwrite)(int, const void *, size_t, off_t);
	int	(*fsync)(int);
	int	(*close)(int);
	int	(*renameat)(int, const char *, int, const char *);
	int	(*unlink)(const char *);
	int	(*unlinkat)(int, const char *, int);
	int	(*ftruncate)(int, off_t);
	ssize_t	(*pread)(int, void *, size_t, off_t);
	int	(*fchmod)(int, mode_t);
	/* Atomically swap two names in directory dfd (RENAME_EXCHANGE). */
	int	(*exchange)(int dfd, const char *, const char *);
};
extern struct st_fsops st_fs;

#endif
