/*
 * Loading of --key / --migration-key material (state-storage.md §7):
 * hex and binary key files, passphrases with the pbkdf2 or sha512 kdf.
 * Knows nothing of blobs; every buffer that held key material is wiped.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"
#include "io.h"

#define KEYFILE_MAX	67	/* COMPAT: §7.1, at most 67 bytes are read */
#define PASSPHRASE_MAX	(1024 * 1024)

void
st_key_wipe(struct st_key *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k->data, sizeof(k->data));
	k->len = 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s is NUL-terminated; the key file text as read. */
static enum st_err
parse_hex(const char *s, size_t want, struct st_key *out, char *msg,
    size_t msglen)
{
	size_t digits = 0, n = 0;

	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	while (isxdigit((unsigned char)s[digits]))
		digits++;
	if (digits != 32 && digits != 64) {
		st_setmsg(msg, msglen, "Unsupported key length with %zu "
		    "digits.", digits);
		return ST_INVAL;
	}
	/* Pairs until end, whitespace or 'want' bytes; then end or space. */
	while (n < want && hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
		out->data[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	if (*s != '\0' && !isspace((unsigned char)*s)) {
		OPENSSL_cleanse(out->data, sizeof(out->data));
		st_setmsg(msg, msglen, "Could not parse key hex string into "
		    "%zu byte buffer.", want);
		return ST_INVAL;
	}
	if (n != want) {
		OPENSSL_cleanse(out->data, sizeof(out->data));
		st_setmsg(msg, msglen, "The provided key is too short. Got %zu "
		    "bytes, need %zu.", n, want);
		return ST_KEYSIZE;
	}
	out->len = n;
	return ST_OK;
}

static enum st_err
key_from_file(int fd, const struct st_keyopt *o, struct st_key *out,
    char *msg, size_t msglen)
{
	char buf[KEYFILE_MAX + 1];
	ssize_t n;
	enum st_err rc;

	n = read_full(fd, buf, KEYFILE_MAX);
	if (n < 0) {
		st_setmsg(msg, msglen, "cannot read key: %s", strerror(errno));
		return ST_IO;
	}
	buf[n] = '\0';
	if (o->fmt == ST_KEY_HEX) {
		rc = parse_hex(buf, o->keylen, out, msg, msglen);
	} else if ((size_t)n > o->keylen) {
		st_setmsg(msg, msglen, "Key is larger than buffer");
		rc = ST_KEYSIZE;
	} else if (n != 16 && n != 32) {
		st_setmsg(msg, msglen, "key must be 16 or 32 bytes, got %zd",
		    n);
		rc = ST_KEYSIZE;
	} else {
		/* COMPAT: §7.2, the actual length decides (16 = AES-128). */
		memcpy(out->data, buf, (size_t)n);
		out->len = (size_t)n;
		rc = ST_OK;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static enum st_err
key_from_pass(int fd, const struct st_keyopt *o, struct st_key *out,
    char *msg, size_t msglen, char *warn, size_t warnlen)
{
	static const char salt[] = "swtpm";
	unsigned char *pw = NULL, md[64];
	size_t pwlen = 0;
	enum st_err rc = ST_FAIL;

	if (read_all(fd, PASSPHRASE_MAX, &pw, &pwlen) < 0) {
		st_setmsg(msg, msglen, "cannot read passphrase: %s",
		    strerror(errno));
		return ST_IO;
	}
	if (pwlen <= 6)
		st_setmsg(warn, warnlen, "Warning: Passphrase is only %zu "
		    "bytes long", pwlen);
	if (o->kdf == ST_KDF_PBKDF2) {
		if (PKCS5_PBKDF2_HMAC((const char *)(pw ? pw : md),
		    (int)pwlen, (const unsigned char *)salt, 5, 1000,
		    EVP_sha512(), (int)o->keylen, out->data) == 1)
			rc = ST_OK;
	} else {
		if (EVP_Digest(pw ? pw : md, pwlen, md, NULL, EVP_sha512(),
		    NULL) == 1) {
			memcpy(out->data, md, o->keylen);
			rc = ST_OK;
		}
		OPENSSL_cleanse(md, sizeof(md));
	}
	secure_free(pw, pwlen);
	if (rc != ST_OK) {
		st_setmsg(msg, msglen, "cannot derive key from passphrase");
		OPENSSL_cleanse(out->data, sizeof(out->data));
		return rc;
	}
	out->len = o->keylen;
	return ST_OK;
}

enum st_err
st_key_load(const struct st_keyopt *o, struct st_key *out, char *msg,
    size_t msglen, char *warn, size_t warnlen)
{
	bool pass = o->src == ST_KEY_PWDFILE || o->src == ST_KEY_PWDFD;
	int fd = -1;
	enum st_err rc;

	st_key_wipe(out);
	if (warn != NULL && warnlen > 0)
		warn[0] = '\0';
	switch (o->src) {
	case ST_KEY_FILE:
	case ST_KEY_PWDFILE:
		if (o->path == NULL)
			goto nosrc;
		fd = st_fs.open(o->path, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0) {
			st_setmsg(msg, msglen, "cannot open key file '%s': %s",
			    o->path, strerror(errno));
			return ST_IO;
		}
		break;
	case ST_KEY_FD:
	case ST_KEY_PWDFD:
		if (o->fd < 0)
			goto nosrc;
		fd = o->fd;
		break;
	default:
		goto nosrc;
	}
	if (o->keylen != 16 && o->keylen != 32) {
		st_setmsg(msg, msglen, "bad key length %zu", o->keylen);
		rc = ST_INVAL;
	} else if (pass) {
		rc = key_from_pass(fd, o, out, msg, msglen, warn, warnlen);
	} else {
		rc = key_from_file(fd, o, out, msg, msglen);
	}
	/* A numeric fd is ours now and closed on every path. */
	st_fs.close(fd);
	if (o->remove && o->path != NULL &&
	    (o->src == ST_KEY_FILE || o->src == ST_KEY_PWDFILE))
		(void)st_fs.unlink(o->path);
	if (rc != ST_OK)
		st_key_wipe(out);
	return rc;
nosrc:
	st_setmsg(msg, msglen, "Either file=, fd=, pwdfile=, or pwdfd= is "
	    "required for key option");
	return ST_INVAL;
}
