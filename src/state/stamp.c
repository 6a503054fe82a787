/*
 * Stamps: the rule by which a store may say that a file still holds the
 * bytes it last read or wrote (st_store_unchanged) without reading it.
 *
 * A stamp is the device, inode, size and modification time of the file,
 * taken by fstat right after our read or write, plus a SHA-256 of the
 * bytes. If the stat still matches later, nobody replaced, truncated or
 * rewrote the file, unless a rewrite fell into the same tick of the file
 * system's clock as our stamp and kept the size (file systems stamp
 * files with a coarse clock). Such a stamp is "racy" (the idea is git's
 * racily clean index entries): it proves nothing until the file's bytes
 * have been read and hashed once more, at a time when that tick is over.
 */
#include "config.h"

/*
 * SHA256_Init and friends are deprecated in OpenSSL 3, but they hash in
 * place: EVP_Digest's first use builds OpenSSL's provider and name maps,
 * about 80 KiB of heap in every idle emulator that never needs them.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "internal.h"

_Static_assert(ST_STAMP_HASH_LEN == SHA256_DIGEST_LENGTH, "stamp hash");

/* Longer than any file system clock tick (jiffies at HZ=100: 10 ms). */
#define RACY_NS	(100LL * 1000 * 1000)

static bool
hash(const uint8_t *p, size_t n, uint8_t out[ST_STAMP_HASH_LEN])
{
	SHA256_CTX c;

	return SHA256_Init(&c) == 1 && SHA256_Update(&c, p, n) == 1 &&
	    SHA256_Final(out, &c) == 1;
}

/* True if mtime is not safely before now. */
static bool
is_racy(const struct timespec *mtime)
{
	struct timespec now;
	long long d;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return true;
	d = (long long)(now.tv_sec - mtime->tv_sec) * 1000000000LL +
	    (now.tv_nsec - mtime->tv_nsec);
	return d < RACY_NS;
}

void
st_stamp_take(struct st_stamp *sp, const struct stat *sb, const uint8_t *p,
    size_t n)
{
	memset(sp, 0, sizeof(*sp));
	sp->dev = sb->st_dev;
	sp->ino = sb->st_ino;
	sp->size = sb->st_size;
	sp->mtime = sb->st_mtim;
	sp->racy = is_racy(&sp->mtime);
	sp->hashed = p != NULL && (size_t)sb->st_size == n && hash(p, n,
	    sp->sha);
	sp->set = !sp->racy || sp->hashed;
}

void
st_stamp_clear(struct st_stamp *sp)
{
	memset(sp, 0, sizeof(*sp));
}

bool
st_stamp_match(const struct st_stamp *sp, const struct stat *sb)
{
	return sp->set && sp->dev == sb->st_dev && sp->ino == sb->st_ino &&
	    sp->size == sb->st_size &&
	    sp->mtime.tv_sec == sb->st_mtim.tv_sec &&
	    sp->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

bool
st_stamp_verify(struct st_stamp *sp, const uint8_t *p, size_t n)
{
	uint8_t h[ST_STAMP_HASH_LEN];

	if (!sp->set)
		return false;
	if (!sp->racy)
		return true;
	if (p == NULL || !sp->hashed || n != (size_t)sp->size ||
	    !hash(p, n, h) || memcmp(h, sp->sha, sizeof(h)) != 0)
		return false;
	/* Its tick is over: a later write gets a later mtime. */
	if (!is_racy(&sp->mtime))
		sp->racy = false;
	return true;
}
