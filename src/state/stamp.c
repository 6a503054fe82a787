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

#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "internal.h"

/* Longer than any file system clock tick (jiffies at HZ=100: 10 ms). */
#define RACY_NS	(100LL * 1000 * 1000)

static bool
hash(const uint8_t *p, size_t n, uint8_t out[ST_STAMP_HASH_LEN])
{
	unsigned int len = 0;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 &&
	    len == ST_STAMP_HASH_LEN;
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
