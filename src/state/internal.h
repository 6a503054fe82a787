/*
 * Declarations shared by the files of src/state only: message helper,
 * blob header, TLV records, the encrypt-then-MAC primitive and the
 * backend function table. Not for use outside src/state.
 */
#ifndef STATE_INTERNAL_H
#define STATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "bytes.h"
#include "state.h"

/* Largest stored blob or plaintext we handle (libtpms blobs are < 1 MiB). */
#define ST_BLOB_MAX	(16u * 1024 * 1024)

/* TLV tags (state-storage.md §5). */
#define TAG_DATA			1
#define TAG_ENCRYPTED_DATA		2
#define TAG_HMAC			3
#define TAG_MIGRATION_DATA		4
#define TAG_ENCRYPTED_MIGRATION_DATA	5
#define TAG_IVEC_ENCRYPTED_DATA		6
#define TAG_IVEC_ENCRYPTED_MIGRATION_DATA 7

#define ST_TLV_HDR_LEN	6
#define ST_HMAC_LEN	32

/* Formats one line into msg (may be NULL). */
void		 st_setmsg(char *msg, size_t msglen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ blob.c */

struct st_hdr {
	uint8_t		version;
	uint8_t		min_version;
	uint16_t	hdrsize;
	uint16_t	flags;
	uint32_t	totlen;
};

/* Validates the 10-byte header in the order of §4. */
enum st_err	 st_hdr_parse(const uint8_t *blob, size_t len, struct st_hdr *,
		    char *msg, size_t msglen);

/* ------------------------------------------------------------ tlv.c */

/*
 * Finds the first record with 'tag' in p[0..len). A record running past
 * the end stops the scan. Returns false if absent; *val borrows from p.
 */
bool		 st_tlv_find(const uint8_t *p, size_t len, uint16_t tag,
		    const uint8_t **val, size_t *vlen);
void		 st_tlv_put(struct wr *, uint16_t tag, const uint8_t *v,
		    size_t n);

/* ------------------------------------------------------------ crypto.c */

/* Bytes st_encrypt_tlv appends for n bytes of plaintext with 'key'. */
size_t		 st_enc_size(size_t n, const struct st_key *key);
/* Appends TAG(enc) TAG_HMAC TAG(iv) for p under key (§6.0). */
enum st_err	 st_encrypt_tlv(const struct st_key *key, const uint8_t *p,
		    size_t n, uint16_t tag_enc, uint16_t tag_iv, struct wr *);
/*
 * Decrypts the TLV stream p (version 2, §6.0 steps 2-5; the key size
 * check is the caller's). Returns malloc'ed plaintext (secure_free).
 */
enum st_err	 st_decrypt_tlv(const struct st_key *key, const uint8_t *p,
		    size_t n, uint16_t tag_enc, uint16_t tag_iv,
		    uint8_t **plain, size_t *plainlen, char *msg,
		    size_t msglen);
/* Header version 1: zero IV, SHA-256(blob) || blob, no HMAC (§8). */
enum st_err	 st_decrypt_v1(const struct st_key *key, const uint8_t *p,
		    size_t n, uint8_t **plain, size_t *plainlen, char *msg,
		    size_t msglen);
/* Version 1 encryption; only tests need it (to build old blobs). */
enum st_err	 st_encrypt_v1(const struct st_key *key, const uint8_t *p,
		    size_t n, uint8_t **out, size_t *outlen);

/* ------------------------------------------------------------ fsops.c */

/*
 * Write-locks (F_WRLCK) or unlocks (F_UNLCK) a whole file. Uses open
 * file description locks where the kernel has them: they conflict with
 * the reference's F_SETLK locks in other processes, but unlike those are
 * not dropped when this process closes some other fd of the same file,
 * and two opens within one process exclude each other as well.
 */
int		 st_setlk(int fd, short type);
/*
 * Opens 'name' relative to dfd (AT_FDCWD: a path) with 'flags' plus
 * O_NOFOLLOW and O_CLOEXEC, without blocking on a FIFO, and keeps it only
 * if it is a regular file with one link (or, with blk_ok, a block
 * device): a symlink or hard link could make us read, lock or chmod
 * another TPM's or user's file. 'what' ("state file") and 'shown' (the
 * path) name it in msg. Returns the fd and its fstat in *sb, or -1 with
 * errno set: EPERM if the file is refused by these rules, ENOENT with
 * msg left alone (the caller decides whether a missing file is an
 * error), or the error of open(2).
 */
int		 st_open_file(int dfd, const char *name, int flags, mode_t mode,
		    bool blk_ok, const char *what, const char *shown,
		    struct stat *sb, char *msg, size_t msglen);
/* Writes all n bytes through st_fs.write; n, or -1 with errno set. */
ssize_t		 st_write_all(int fd, const uint8_t *p, size_t n);
/* True if the file is ours (euid): only then may we chmod it. */
bool		 st_owned(const struct stat *sb);

/* ------------------------------------------------------------ stamp.c */

#define ST_STAMP_HASH_LEN	32

/*
 * What identifies a file's contents without reading them, taken right
 * after our own read or write (st_store_unchanged; the rule is in
 * stamp.c).
 */
struct st_stamp {
	bool		set;	/* usable: not racy, or racy with a hash */
	bool		racy;	/* mtime within a clock tick of the stamp */
	bool		hashed;
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
	uint8_t		sha[ST_STAMP_HASH_LEN];
};

/* p, n: the bytes the file holds (may be NULL: then racy = unusable). */
void		 st_stamp_take(struct st_stamp *, const struct stat *,
		    const uint8_t *p, size_t n);
void		 st_stamp_clear(struct st_stamp *);
/* Same device, inode, size and mtime as the stamp (and the stamp usable). */
bool		 st_stamp_match(const struct st_stamp *, const struct stat *);
/*
 * After a match: true if the stamp proves the contents, i.e. it is not
 * racy, or p[n] (the file's bytes now; NULL if not read) hash as
 * recorded. A racy stamp whose tick is over becomes non-racy here.
 */
bool		 st_stamp_verify(struct st_stamp *, const uint8_t *p, size_t n);

/* ------------------------------------------------------------ backends */

struct st_backend {
	const char	*scheme;	/* "dir://" */
	enum st_err	(*open)(struct st_store *, const char *path,
			    char *msg, size_t msglen, char *notice,
			    size_t noticelen);
	void		(*close)(struct st_store *);
	/* One lock attempt; ST_LOCKED with errno set if held elsewhere. */
	enum st_err	(*trylock)(struct st_store *, char *msg,
			    size_t msglen);
	void		(*unlock)(struct st_store *);
	enum st_err	(*load)(struct st_store *, const char *name,
			    uint8_t **buf, size_t *len, char *msg,
			    size_t msglen);
	enum st_err	(*save)(struct st_store *, const char *name,
			    const uint8_t *buf, size_t len, char *msg,
			    size_t msglen);
	enum st_err	(*del)(struct st_store *, const char *name,
			    bool must_exist, char *msg, size_t msglen);
	enum st_err	(*size)(struct st_store *, const char *name,
			    size_t *len, char *msg, size_t msglen);
	/* Where a blob lives, for messages. */
	void		(*where)(const struct st_store *, const char *name,
			    char *buf, size_t buflen);
	/* Permanent-state backup (NULL: not supported). */
	enum st_err	(*backup_prepare)(struct st_store *, char *msg,
			    size_t msglen);
	enum st_err	(*backup_swap)(struct st_store *, char *msg,
			    size_t msglen);
	/* Reads the backup of the permanent state (NULL: none kept). */
	enum st_err	(*load_backup)(struct st_store *, uint8_t **buf,
			    size_t *len, char *msg, size_t msglen);
	/* See st_store_unchanged (NULL: never provable). */
	bool		(*unchanged)(struct st_store *, const char *name);
};

struct st_store {
	const struct st_backend	*be;
	struct st_store_cfg	 cfg;
	char			*uri;
	bool			 locked;	/* st_store_lock succeeded */
	void			*priv;		/* owned by the backend */
};

extern const struct st_backend st_backend_dir;
extern const struct st_backend st_backend_file;

/*
 * Directory backend names (§2.1): "tpm2-00.<name><suffix>", with tmp
 * "TMP2-00.<name><suffix>" (no "2" for TPM 1.2). st_dir_own_file: true
 * for every name the directory backend of this TPM version uses (blobs,
 * temps, backup, backup swap temp, .lock).
 */
void		 st_dir_file_name(bool tpm2, bool tmp, const char *name,
		    const char *suffix, char *buf, size_t buflen);
bool		 st_dir_own_file(bool tpm2, const char *fname);

/* The enum st_blob_kind of a blob name; -1 if unknown (names.c). */
int		 st_name_index(const char *name);

#endif
