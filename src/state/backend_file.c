/*
 * Linear file backend (file://PATH, state-storage.md §3): all blobs in
 * one file or block device behind a 192-byte little-endian header. The
 * layout after every operation is the reference's (§3.3 allocation and
 * compaction rules); only the way there differs, to survive crashes:
 *
 * Every blob whose bytes or offset change is first written to a scratch
 * area beyond both the old and the new end of the used space, then
 * fsync; then the header is rewritten with those slots pointing into
 * the scratch area (the commit point), fsync; then the data is copied
 * to its final offsets (which the committed header does not reference),
 * fsync; then the final header, fsync; then a regular file is truncated
 * to the end of the used space. A crash before the commit leaves the
 * old state, after it the new one, because the header lies in the first
 * sector and is written with one pwrite (sector writes are atomic on
 * the devices we care about). A block device without room for the
 * scratch area falls back to writing in place like the reference.
 * Never formats a file that holds anything but zeros (§3.2 do better).
 *
 * The fd stays open for the life of the store, but it stands for PATH
 * only while PATH names its file (same device and inode; for a block
 * device the same st_rdev). Every operation checks that first; if PATH
 * was replaced (restored from a backup, renamed over) or removed, it is
 * opened again by the rules of the first open, and the lock taken again
 * if we held it, so that we never write to a file nobody will read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "io.h"

#define LIN_MAGIC	0x737774706d6c696eULL	/* "nilmptws" on disk */
#define LIN_VERSION	1
#define LIN_HDRSIZE	192
#define LIN_SLOTS	15

struct lslot {
	uint32_t	off;	/* 0 = unused */
	uint32_t	dlen;	/* valid bytes */
	uint32_t	slen;	/* allocated bytes */
};

struct lhdr {
	struct lslot	s[LIN_SLOTS];
};

struct file_be {
	char		*path;
	int		 fd;
	bool		 blkdev;
	dev_t		 dev;	/* what fd is: st_dev/st_ino, or st_rdev */
	ino_t		 ino;
	dev_t		 rdev;
	/*
	 * The file as our last load or write left it, and which blobs we
	 * read or wrote since the file last changed under us
	 * (st_store_unchanged). Never set for a block device.
	 */
	struct st_stamp	 stamp;
	bool		 known[ST_BLOB_NKINDS];
	bool		 unformatted;	/* read-only: all zeros, no blobs */
};

/*
 * Before an operation: if the file is no longer as we last left it (or
 * its path now names another file), forget which blobs we know. Fills
 * *sb with the file's state now; false if it cannot be read.
 */
static bool
observe(struct file_be *f, struct stat *sb)
{
	struct stat psb;

	if (f->blkdev || fstat(f->fd, sb) < 0 || lstat(f->path, &psb) < 0 ||
	    psb.st_dev != sb->st_dev || psb.st_ino != sb->st_ino ||
	    !st_stamp_match(&f->stamp, sb)) {
		memset(f->known, 0, sizeof(f->known));
		st_stamp_clear(&f->stamp);
		return !f->blkdev && fstat(f->fd, sb) == 0;
	}
	return true;
}

/* After an operation on blob idx ended with rc. */
static void
remember(struct file_be *f, int idx, enum st_err rc, const struct stat *sb)
{
	if (f->blkdev)
		return;
	if (rc != ST_OK || sb == NULL) {
		memset(f->known, 0, sizeof(f->known));
		st_stamp_clear(&f->stamp);
		return;
	}
	/*
	 * No hash of the whole file: a racy stamp (one right after our
	 * own write, mostly) is unusable, which is safe, only slower.
	 */
	st_stamp_take(&f->stamp, sb, NULL, 0);
	f->known[idx] = f->stamp.set;
}

static void
hdr_encode(const struct lhdr *h, uint8_t out[LIN_HDRSIZE])
{
	struct wr w;
	int i;

	wr_init(&w, out, LIN_HDRSIZE);
	wr_le64(&w, LIN_MAGIC);
	wr_u8(&w, LIN_VERSION);
	wr_u8(&w, 0);
	wr_le16(&w, LIN_HDRSIZE);
	for (i = 0; i < LIN_SLOTS; i++) {
		wr_le32(&w, h->s[i].off);
		wr_le32(&w, h->s[i].dlen);
		wr_le32(&w, h->s[i].slen);
	}
}

static bool
ranges_overlap(const struct lslot *a, const struct lslot *b)
{
	uint64_t ae = (uint64_t)a->off + a->slen;
	uint64_t be = (uint64_t)b->off + b->slen;

	if (a->slen == 0 || b->slen == 0)
		return false;
	return a->off < be && b->off < ae;
}

/* Decodes and checks a header; no other code trusts the slot values. */
static enum st_err
hdr_decode(const uint8_t *b, struct lhdr *h, const char *path, char *msg,
    size_t msglen)
{
	struct rd r;
	uint64_t magic;
	uint8_t version;
	uint16_t hdrsize;
	int i, j;

	rd_init(&r, b, LIN_HDRSIZE);
	magic = rd_le64(&r);
	version = rd_u8(&r);
	(void)rd_u8(&r);
	hdrsize = rd_le16(&r);
	for (i = 0; i < LIN_SLOTS; i++) {
		h->s[i].off = rd_le32(&r);
		h->s[i].dlen = rd_le32(&r);
		h->s[i].slen = rd_le32(&r);
	}
	if (magic != LIN_MAGIC) {
		st_setmsg(msg, msglen, "'%s' is not a linear NVRAM store "
		    "(bad magic); refusing to format it", path);
		return ST_CORRUPT;
	}
	if (version > LIN_VERSION) {
		st_setmsg(msg, msglen, "Unknown format version %u in '%s'",
		    version, path);
		return ST_CORRUPT;
	}
	if (version == 0 || hdrsize != LIN_HDRSIZE) {
		st_setmsg(msg, msglen, "'%s': bad linear header (version %u, "
		    "size %u)", path, version, hdrsize);
		return ST_CORRUPT;
	}
	for (i = 0; i < LIN_SLOTS; i++) {
		const struct lslot *s = &h->s[i];

		if (s->off == 0)
			continue;
		if (s->off < LIN_HDRSIZE || s->dlen > s->slen ||
		    (uint64_t)s->off + s->slen > UINT32_MAX) {
			st_setmsg(msg, msglen, "'%s': bad slot %d (offset %u, "
			    "length %u, section %u)", path, i, s->off,
			    s->dlen, s->slen);
			return ST_CORRUPT;
		}
		for (j = 0; j < i; j++) {
			if (h->s[j].off != 0 && ranges_overlap(s, &h->s[j])) {
				st_setmsg(msg, msglen, "'%s': slots %d and %d "
				    "overlap", path, j, i);
				return ST_CORRUPT;
			}
		}
	}
	return ST_OK;
}

static enum st_err
file_size(const struct file_be *f, uint64_t *size, char *msg, size_t msglen)
{
	struct stat sb;
	off_t end;

	if (f->blkdev) {
		if ((end = lseek(f->fd, 0, SEEK_END)) < 0)
			goto fail;
		*size = (uint64_t)end;
		return ST_OK;
	}
	if (fstat(f->fd, &sb) < 0)
		goto fail;
	*size = (uint64_t)sb.st_size;
	return ST_OK;
fail:
	st_setmsg(msg, msglen, "cannot get size of '%s': %s", f->path,
	    strerror(errno));
	return ST_IO;
}

static bool
pread_all(int fd, void *p, size_t n, uint64_t off)
{
	uint8_t *b = p;
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = st_fs.pread(fd, b + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return false;
		}
		done += (size_t)r;
	}
	return true;
}

static bool
pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = st_fs.pwrite(fd, b + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return false;
		}
		done += (size_t)r;
	}
	return true;
}

static enum st_err
read_hdr(const struct file_be *f, struct lhdr *h, char *msg, size_t msglen)
{
	uint8_t b[LIN_HDRSIZE];

	if (f->unformatted) {
		memset(h, 0, sizeof(*h));
		return ST_OK;
	}
	if (!pread_all(f->fd, b, sizeof(b), 0)) {
		st_setmsg(msg, msglen, "cannot read header of '%s': %s",
		    f->path, strerror(errno));
		return ST_IO;
	}
	return hdr_decode(b, h, f->path, msg, msglen);
}

static bool
write_hdr(const struct file_be *f, const struct lhdr *h)
{
	uint8_t b[LIN_HDRSIZE];

	hdr_encode(h, b);
	return pwrite_all(f->fd, b, sizeof(b), 0);
}

/* Formats only an empty file or one whose header area is all zeros. */
static enum st_err
maybe_format(struct st_store *st, struct file_be *f, uint64_t size,
    char *msg, size_t msglen, char *notice, size_t noticelen)
{
	uint8_t b[LIN_HDRSIZE];
	size_t n = size < LIN_HDRSIZE ? (size_t)size : LIN_HDRSIZE, i;
	struct lhdr empty;

	if (f->blkdev && size < LIN_HDRSIZE) {
		st_setmsg(msg, msglen, "block device '%s' is too small",
		    f->path);
		return ST_CORRUPT;
	}
	if (n > 0 && !pread_all(f->fd, b, n, 0)) {
		st_setmsg(msg, msglen, "cannot read header of '%s': %s",
		    f->path, strerror(errno));
		return ST_IO;
	}
	for (i = 0; i < n; i++)
		if (b[i] != 0)
			break;
	if (i < n) {
		if (n == LIN_HDRSIZE) {
			struct lhdr h;

			return hdr_decode(b, &h, f->path, msg, msglen);
		}
		st_setmsg(msg, msglen, "'%s' is too short for a linear NVRAM "
		    "store (%zu bytes); refusing to format it", f->path, n);
		return ST_CORRUPT;
	}
	if (st->cfg.readonly) {
		f->unformatted = true;	/* a reader sees an empty store */
		return ST_OK;
	}
	memset(&empty, 0, sizeof(empty));
	if (!write_hdr(f, &empty) || st_fs.fsync(f->fd) < 0) {
		st_setmsg(msg, msglen, "cannot format '%s': %s", f->path,
		    strerror(errno));
		return ST_IO;
	}
	st_setmsg(notice, noticelen, "Formatting '%s' as new linear NVRAM "
	    "store", st->uri);
	return ST_OK;
}

/* The path still names the file (or device) we have open. */
static bool
same_file(const struct file_be *f, const struct stat *psb)
{
	if (f->blkdev)
		return S_ISBLK(psb->st_mode) && psb->st_rdev == f->rdev;
	return S_ISREG(psb->st_mode) && psb->st_dev == f->dev &&
	    psb->st_ino == f->ino;
}

/*
 * Opens f->path by the rules of §3.2 into f->fd (the fd is closed on
 * failure): created with the state mode if missing, a regular file with
 * one link or a block device, never through a symlink, formatted only
 * if it holds nothing but zeros.
 */
static enum st_err
open_path(struct st_store *st, struct file_be *f, char *msg, size_t msglen,
    char *notice, size_t noticelen)
{
	mode_t mode = st->cfg.mode_set ? st->cfg.mode : 0600;
	struct stat sb;
	uint64_t size = 0;
	enum st_err rc;

	f->unformatted = false;
	f->fd = st_open_file(AT_FDCWD, f->path, st->cfg.readonly ? O_RDONLY :
	    O_RDWR | O_CREAT, mode, true, "linear NVRAM store", f->path, &sb,
	    msg, msglen);
	if (f->fd < 0) {
		if (errno == ENOENT)
			st_setmsg(msg, msglen, "cannot open '%s': %s", f->path,
			    strerror(errno));
		return errno == EPERM ? ST_INVAL : ST_IO;
	}
	f->blkdev = S_ISBLK(sb.st_mode);
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->rdev = sb.st_rdev;
	/* COMPAT: §3 an explicit mode is forced, but only on our own file */
	if (!f->blkdev && !st->cfg.readonly && st->cfg.mode_set &&
	    (sb.st_mode & 07777) != mode && st_owned(&sb))
		(void)st_fs.fchmod(f->fd, mode);
	if ((rc = file_size(f, &size, msg, msglen)) != ST_OK ||
	    (rc = maybe_format(st, f, size, msg, msglen, notice,
	    noticelen)) != ST_OK) {
		st_fs.close(f->fd);
		f->fd = -1;
		return rc;
	}
	return ST_OK;
}

static enum st_err
file_open(struct st_store *st, const char *path, char *msg, size_t msglen,
    char *notice, size_t noticelen)
{
	struct file_be *f;
	enum st_err rc;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->path = strdup(path)) == NULL) {
		free(f);
		return ST_NOMEM;
	}
	if ((rc = open_path(st, f, msg, msglen, notice, noticelen)) != ST_OK) {
		free(f->path);
		free(f);
		return rc;
	}
	st->priv = f;
	return ST_OK;
}

/*
 * Before every operation: if the path no longer names our file, open
 * what is there now (or create it), lock it if we hold the lock, and
 * use it from now on. If that fails (another process holds the lock of
 * the new file, or it is no linear store), the operation fails and the
 * old fd stays, so the next operation tries again.
 */
static enum st_err
follow_path(struct st_store *st, char *msg, size_t msglen)
{
	struct file_be *f = st->priv, nf;
	struct stat psb;
	enum st_err rc;
	int saved;

	if (lstat(f->path, &psb) == 0 && same_file(f, &psb))
		return ST_OK;
	nf = *f;
	if ((rc = open_path(st, &nf, msg, msglen, NULL, 0)) != ST_OK)
		return rc;
	if (st->locked && st->cfg.lock && st_setlk(nf.fd, F_WRLCK) < 0) {
		saved = errno;
		st_fs.close(nf.fd);
		st_setmsg(msg, msglen, "'%s' was replaced and the new file "
		    "cannot be locked: %s", f->path, saved == EAGAIN ||
		    saved == EACCES ? "it is locked by another process" :
		    strerror(saved));
		return saved == EAGAIN || saved == EACCES ? ST_LOCKED : ST_IO;
	}
	st_fs.close(f->fd);
	*f = nf;
	memset(f->known, 0, sizeof(f->known));
	st_stamp_clear(&f->stamp);
	return ST_OK;
}

static void
file_close(struct st_store *st)
{
	struct file_be *f = st->priv;

	if (f == NULL)
		return;
	st_fs.close(f->fd);
	free(f->path);
	free(f);
	st->priv = NULL;
}

static enum st_err
file_trylock(struct st_store *st, char *msg, size_t msglen)
{
	struct file_be *f;
	enum st_err rc;
	int saved;

	if ((rc = follow_path(st, msg, msglen)) != ST_OK)
		return rc;
	f = st->priv;
	if (st_setlk(f->fd, F_WRLCK) == 0)
		return ST_OK;
	saved = errno;
	st_setmsg(msg, msglen, "SWTPM_NVRAM_Lock_Linear: Could not lock "
	    "access to '%s': %s", f->path, strerror(saved));
	errno = saved;
	return saved == EAGAIN || saved == EACCES ? ST_LOCKED : ST_IO;
}

static void
file_unlock(struct st_store *st)
{
	struct file_be *f = st->priv;

	(void)st_setlk(f->fd, F_UNLCK);
}

static enum st_err load_slot(struct file_be *, const char *, uint8_t **,
		    size_t *, char *, size_t);

static enum st_err
file_load(struct st_store *st, const char *name, uint8_t **buf,
    size_t *len, char *msg, size_t msglen)
{
	struct file_be *f = st->priv;
	int idx = st_name_index(name);
	bool seen;
	struct stat sb;
	enum st_err rc;

	if ((rc = follow_path(st, msg, msglen)) != ST_OK)
		return rc;
	/* stamp taken before reading: a racing write can only void it */
	seen = observe(f, &sb);
	f->known[idx] = false;
	rc = load_slot(f, name, buf, len, msg, msglen);
	remember(f, idx, rc == ST_NOENT ? ST_OK : rc, seen ? &sb : NULL);
	if (rc != ST_OK)
		f->known[idx] = false;
	return rc;
}

static enum st_err
load_slot(struct file_be *f, const char *name, uint8_t **buf, size_t *len,
    char *msg, size_t msglen)
{
	const struct lslot *s;
	struct lhdr h;
	uint64_t size;
	uint8_t *b;
	enum st_err rc;

	if ((rc = read_hdr(f, &h, msg, msglen)) != ST_OK ||
	    (rc = file_size(f, &size, msg, msglen)) != ST_OK)
		return rc;
	s = &h.s[st_name_index(name)];
	if (s->off == 0)
		return ST_NOENT;
	if ((uint64_t)s->off + s->dlen > size || s->dlen > ST_BLOB_MAX) {
		st_setmsg(msg, msglen, "'%s': blob %s runs past the end of "
		    "the file", f->path, name);
		return ST_CORRUPT;
	}
	if ((b = malloc(s->dlen > 0 ? s->dlen : 1)) == NULL)
		return ST_NOMEM;
	if (!pread_all(f->fd, b, s->dlen, s->off)) {
		st_setmsg(msg, msglen, "cannot read %s from '%s': %s", name,
		    f->path, strerror(errno));
		secure_free(b, s->dlen);
		return ST_IO;
	}
	*buf = b;
	*len = s->dlen;
	return ST_OK;
}

static enum st_err
file_size_of(struct st_store *st, const char *name, size_t *len, char *msg,
    size_t msglen)
{
	struct file_be *f = st->priv;
	struct lhdr h;
	enum st_err rc;

	if ((rc = follow_path(st, msg, msglen)) != ST_OK ||
	    (rc = read_hdr(f, &h, msg, msglen)) != ST_OK)
		return rc;
	if (h.s[st_name_index(name)].off == 0)
		return ST_NOENT;
	*len = h.s[st_name_index(name)].dlen;
	return ST_OK;
}

/* ---------------------------------------------------- layout planning */

static uint64_t
hdr_end(const struct lhdr *h)
{
	uint64_t end = LIN_HDRSIZE, e;
	int i;

	for (i = 0; i < LIN_SLOTS; i++) {
		if (h->s[i].off == 0)
			continue;
		e = (uint64_t)h->s[i].off + h->s[i].slen;
		if (e > end)
			end = e;
	}
	return end;
}

/* 32-bit round-up to a power of two; 0 stays 0 (§3.3). */
static uint32_t
pow2(uint32_t v)
{
	if (v == 0)
		return 0;
	v--;
	v |= v >> 1;
	v |= v >> 2;
	v |= v >> 4;
	v |= v >> 8;
	v |= v >> 16;
	return v + 1;
}

/* Removes slot idx; later slots move forward by its section (§3.3). */
static void
remove_slot(struct lhdr *h, int idx)
{
	uint32_t off = h->s[idx].off, sl = h->s[idx].slen;
	int j;

	memset(&h->s[idx], 0, sizeof(h->s[idx]));
	for (j = 0; j < LIN_SLOTS; j++)
		if (h->s[j].off > off)
			h->s[j].off -= sl;
}

/* The reference's layout after storing len bytes in slot idx. */
static bool
plan_save(const struct lhdr *old, int idx, size_t len, struct lhdr *nw)
{
	uint64_t end;

	*nw = *old;
	if (old->s[idx].off != 0 && len <= old->s[idx].slen) {
		nw->s[idx].dlen = (uint32_t)len;
		return true;
	}
	if (old->s[idx].off != 0)
		remove_slot(nw, idx);
	end = hdr_end(nw);
	if (end + pow2((uint32_t)len) > UINT32_MAX)
		return false;
	nw->s[idx].off = (uint32_t)end;
	nw->s[idx].dlen = (uint32_t)len;
	nw->s[idx].slen = pow2((uint32_t)len);
	return true;
}

/* ---------------------------------------------------- commit */

struct move {
	const uint8_t	*src;	/* new contents of the slot */
	uint8_t		*copy;	/* owned copy of old bytes, or NULL */
	size_t		 copylen;
	uint64_t	 scratch;
};

static void
free_moves(struct move *mv)
{
	int i;

	for (i = 0; i < LIN_SLOTS; i++)
		secure_free(mv[i].copy, mv[i].copylen);
}

/*
 * Goes from layout 'old' to 'nw' as the file comment describes. Slot
 * 'idx' gets buf (NULL for a delete); other slots whose offset changes
 * are copied from their old place.
 */
static enum st_err
commit(struct file_be *f, const struct lhdr *old, const struct lhdr *nw,
    int idx, const uint8_t *buf, char *msg, size_t msglen)
{
	struct move mv[LIN_SLOTS];
	bool moved[LIN_SLOTS], any = false, direct = false, committed = false;
	uint64_t size, z, scratch_end;
	struct lhdr inter;
	const char *what = "reading";
	enum st_err rc;
	int i;

	memset(mv, 0, sizeof(mv));
	if ((rc = file_size(f, &size, msg, msglen)) != ST_OK)
		return rc;
	z = hdr_end(old) > hdr_end(nw) ? hdr_end(old) : hdr_end(nw);
	scratch_end = z;
	for (i = 0; i < LIN_SLOTS; i++) {
		const struct lslot *s = &nw->s[i];

		moved[i] = s->off != 0 && ((buf != NULL && i == idx) ||
		    s->off != old->s[i].off);
		if (!moved[i])
			continue;
		any = true;
		mv[i].scratch = scratch_end;
		scratch_end += s->slen;
		if (buf != NULL && i == idx) {
			mv[i].src = buf;
			continue;
		}
		if ((uint64_t)old->s[i].off + s->dlen > size ||
		    (mv[i].copy = malloc(s->dlen > 0 ? s->dlen : 1)) == NULL ||
		    !pread_all(f->fd, mv[i].copy, s->dlen, old->s[i].off)) {
			rc = ST_IO;
			goto fail;
		}
		mv[i].copylen = s->dlen;
		mv[i].src = mv[i].copy;
	}
	if (f->blkdev && hdr_end(nw) > size) {
		errno = ENOSPC;
		what = "allocating";
		rc = ST_IO;
		goto fail;
	}
	if (scratch_end > UINT32_MAX || (f->blkdev && scratch_end > size))
		direct = true;	/* no room: write in place, not crash-safe */

	if (any && !direct) {
		inter = *nw;
		what = "writing";
		for (i = 0; i < LIN_SLOTS; i++) {
			if (!moved[i])
				continue;
			if (!pwrite_all(f->fd, mv[i].src, nw->s[i].dlen,
			    mv[i].scratch))
				goto io_fail;
			inter.s[i].off = (uint32_t)mv[i].scratch;
		}
		what = "syncing";
		if (st_fs.fsync(f->fd) < 0)
			goto io_fail;
		what = "writing header of";
		if (!write_hdr(f, &inter))
			goto io_fail;
		/* From here on the header may reference the scratch area. */
		committed = true;
		what = "syncing";
		if (st_fs.fsync(f->fd) < 0)
			goto io_fail;
	}
	what = "writing";
	for (i = 0; i < LIN_SLOTS; i++) {
		if (moved[i] && !pwrite_all(f->fd, mv[i].src, nw->s[i].dlen,
		    nw->s[i].off))
			goto io_fail;
	}
	what = "syncing";
	if (any && st_fs.fsync(f->fd) < 0)
		goto io_fail;
	what = "writing header of";
	if (!write_hdr(f, nw))
		goto io_fail;
	what = "syncing";
	if (st_fs.fsync(f->fd) < 0)
		goto io_fail;
	free_moves(mv);
	/* Like the reference, the file ends where the last section ends. */
	if (!f->blkdev && file_size(f, &size, NULL, 0) == ST_OK &&
	    size != hdr_end(nw))
		(void)st_fs.ftruncate(f->fd, (off_t)hdr_end(nw));
	return ST_OK;

io_fail:
	rc = ST_IO;
fail:
	st_setmsg(msg, msglen, "error %s linear NVRAM store '%s': %s", what,
	    f->path, strerror(errno));
	/* Before the commit point the scratch area is garbage: drop it. */
	if (!committed && !direct && !f->blkdev)
		(void)st_fs.ftruncate(f->fd, (off_t)size);
	free_moves(mv);
	return rc;
}

static enum st_err
file_save(struct st_store *st, const char *name, const uint8_t *buf,
    size_t len, char *msg, size_t msglen)
{
	struct file_be *f = st->priv;
	int idx = st_name_index(name);
	struct lhdr old, nw;
	struct stat sb;
	enum st_err rc;

	if ((rc = follow_path(st, msg, msglen)) != ST_OK)
		return rc;
	(void)observe(f, &sb);
	f->known[idx] = false;
	if ((rc = read_hdr(f, &old, msg, msglen)) != ST_OK)
		goto out;
	if (!plan_save(&old, idx, len, &nw)) {
		st_setmsg(msg, msglen, "linear NVRAM store '%s' is full",
		    f->path);
		rc = ST_IO;
		goto out;
	}
	/* A non-NULL source marks slot idx as rewritten even if len is 0. */
	rc = commit(f, &old, &nw, idx, buf != NULL ? buf :
	    (const uint8_t *)"", msg, msglen);
out:
	remember(f, idx, rc, fstat(f->fd, &sb) == 0 ? &sb : NULL);
	return rc;
}

static enum st_err
file_del(struct st_store *st, const char *name, bool must_exist, char *msg,
    size_t msglen)
{
	struct file_be *f = st->priv;
	int idx = st_name_index(name);
	struct lhdr old, nw;
	struct stat sb;
	enum st_err rc;

	if ((rc = follow_path(st, msg, msglen)) != ST_OK)
		return rc;
	(void)observe(f, &sb);
	f->known[idx] = false;
	if ((rc = read_hdr(f, &old, msg, msglen)) != ST_OK)
		goto out;
	if (old.s[idx].off == 0) {
		rc = must_exist ? ST_NOENT : ST_OK;
		goto out;
	}
	nw = old;
	remove_slot(&nw, idx);
	rc = commit(f, &old, &nw, idx, NULL, msg, msglen);
out:
	/* the other blobs stay known; this one is gone */
	remember(f, idx, rc == ST_NOENT ? ST_OK : rc,
	    fstat(f->fd, &sb) == 0 ? &sb : NULL);
	f->known[idx] = false;
	return rc;
}

static bool
file_unchanged(struct st_store *st, const char *name)
{
	struct file_be *f = st->priv;
	struct stat sb;

	return !f->blkdev && f->known[st_name_index(name)] &&
	    observe(f, &sb) && f->known[st_name_index(name)] &&
	    st_stamp_verify(&f->stamp, NULL, 0);
}

static void
file_where(const struct st_store *st, const char *name, char *buf,
    size_t buflen)
{
	const struct file_be *f = st->priv;

	snprintf(buf, buflen, "%s (%s)", f->path, name);
}

const struct st_backend st_backend_file = {
	.scheme = "file://",
	.open = file_open,
	.close = file_close,
	.trylock = file_trylock,
	.unlock = file_unlock,
	.load = file_load,
	.save = file_save,
	.del = file_del,
	.size = file_size_of,
	.where = file_where,
	.unchanged = file_unchanged,
};
