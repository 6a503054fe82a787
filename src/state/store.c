/*
 * Backend-neutral store: picks the backend by URI scheme through a
 * function table, runs the lock retry loop and checks blob names. Knows
 * no file layout (see backend_dir.c, backend_file.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const struct st_backend *const backends[] = {
	&st_backend_dir,
	&st_backend_file,
};

enum st_err
st_store_open(struct st_store **out, const char *uri,
    const struct st_store_cfg *cfg, char *msg, size_t msglen, char *notice,
    size_t noticelen)
{
	const struct st_backend *be = NULL;
	struct st_store *st;
	size_t i, n;
	enum st_err rc;

	*out = NULL;
	if (notice != NULL && noticelen > 0)
		notice[0] = '\0';
	if (uri == NULL) {
		st_setmsg(msg, msglen, "Missing backend URI.");
		return ST_INVAL;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		n = strlen(backends[i]->scheme);
		if (strncmp(uri, backends[i]->scheme, n) == 0) {
			be = backends[i];
			break;
		}
	}
	if (be == NULL) {
		st_setmsg(msg, msglen, "Unsupported backend.");
		return ST_INVAL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->uri = strdup(uri)) == NULL) {
		free(st);
		return ST_NOMEM;
	}
	st->be = be;
	st->cfg = *cfg;
	rc = be->open(st, uri + n, msg, msglen, notice, noticelen);
	if (rc != ST_OK) {
		free(st->uri);
		free(st);
		return rc;
	}
	*out = st;
	return ST_OK;
}

void
st_store_free(struct st_store *st)
{
	if (st == NULL)
		return;
	st_store_unlock(st);
	st->be->close(st);
	free(st->uri);
	free(st);
}

/* ST_INVAL for a read-only store. */
static enum st_err
writable(const struct st_store *st, const char *what, char *msg,
    size_t msglen)
{
	if (!st->cfg.readonly)
		return ST_OK;
	st_setmsg(msg, msglen, "cannot %s '%s': opened read-only", what,
	    st->uri);
	return ST_INVAL;
}

enum st_err
st_store_lock(struct st_store *st, unsigned retries, char *msg,
    size_t msglen)
{
	const struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
	enum st_err rc;

	if (st->locked)
		return ST_OK;
	if ((rc = writable(st, "lock", msg, msglen)) != ST_OK)
		return rc;
	if (!st->cfg.lock) {
		st->locked = true;	/* locking disabled: trivially ok */
		return ST_OK;
	}
	for (;;) {
		rc = st->be->trylock(st, msg, msglen);
		if (rc == ST_OK) {
			st->locked = true;
			return ST_OK;
		}
		if (rc != ST_LOCKED || retries == 0)
			break;
		retries--;
		nanosleep(&ten_ms, NULL);
	}
	st->be->unlock(st);
	return rc;
}

void
st_store_unlock(struct st_store *st)
{
	if (st == NULL || !st->locked)
		return;
	if (st->cfg.lock)
		st->be->unlock(st);
	st->locked = false;
}

bool
st_store_is_locked(const struct st_store *st)
{
	return st != NULL && st->locked;
}

static enum st_err
check_name(const char *name, char *msg, size_t msglen)
{
	if (st_name_index(name) < 0) {
		st_setmsg(msg, msglen, "unknown blob name '%s'",
		    name != NULL ? name : "(null)");
		return ST_INVAL;
	}
	return ST_OK;
}

enum st_err
st_store_load(struct st_store *st, const char *name, uint8_t **buf,
    size_t *len, char *msg, size_t msglen)
{
	enum st_err rc;

	*buf = NULL;
	*len = 0;
	if ((rc = check_name(name, msg, msglen)) != ST_OK)
		return rc;
	return st->be->load(st, name, buf, len, msg, msglen);
}

enum st_err
st_store_load_backup(struct st_store *st, uint8_t **buf, size_t *len,
    char *msg, size_t msglen)
{
	*buf = NULL;
	*len = 0;
	if (st->be->load_backup == NULL)
		return ST_NOENT;
	return st->be->load_backup(st, buf, len, msg, msglen);
}

enum st_err
st_store_save(struct st_store *st, const char *name, const uint8_t *buf,
    size_t len, char *msg, size_t msglen)
{
	enum st_err rc;

	if ((rc = check_name(name, msg, msglen)) != ST_OK ||
	    (rc = writable(st, "write to", msg, msglen)) != ST_OK)
		return rc;
	if (len > ST_BLOB_MAX) {
		st_setmsg(msg, msglen, "blob '%s' too large: %zu bytes", name,
		    len);
		return ST_INVAL;
	}
	return st->be->save(st, name, buf, len, msg, msglen);
}

enum st_err
st_store_backup_prepare(struct st_store *st, char *msg, size_t msglen)
{
	if (writable(st, "restore the backup of", msg, msglen) != ST_OK)
		return ST_INVAL;
	if (st->be->backup_prepare == NULL) {
		st_setmsg(msg, msglen, "backups are not supported by %s",
		    st->be->scheme);
		return ST_INVAL;
	}
	return st->be->backup_prepare(st, msg, msglen);
}

enum st_err
st_store_backup_swap(struct st_store *st, char *msg, size_t msglen)
{
	if (writable(st, "swap the backup of", msg, msglen) != ST_OK)
		return ST_INVAL;
	if (st->be->backup_swap == NULL) {
		st_setmsg(msg, msglen, "backups are not supported by %s",
		    st->be->scheme);
		return ST_INVAL;
	}
	return st->be->backup_swap(st, msg, msglen);
}

enum st_err
st_store_delete(struct st_store *st, const char *name, bool must_exist,
    char *msg, size_t msglen)
{
	enum st_err rc;

	if ((rc = check_name(name, msg, msglen)) != ST_OK ||
	    (rc = writable(st, "delete from", msg, msglen)) != ST_OK)
		return rc;
	return st->be->del(st, name, must_exist, msg, msglen);
}

bool
st_store_unchanged(struct st_store *st, const char *name)
{
	if (st == NULL || st_name_index(name) < 0 ||
	    st->be->unchanged == NULL)
		return false;
	return st->be->unchanged(st, name);
}

enum st_err
st_store_size(struct st_store *st, const char *name, size_t *len,
    char *msg, size_t msglen)
{
	enum st_err rc;

	*len = 0;
	if ((rc = check_name(name, msg, msglen)) != ST_OK)
		return rc;
	return st->be->size(st, name, len, msg, msglen);
}

void
st_store_where(const struct st_store *st, const char *name, char *buf,
    size_t buflen)
{
	if (buflen == 0)
		return;
	buf[0] = '\0';
	if (st != NULL && st->be->where != NULL)
		st->be->where(st, name, buf, buflen);
}
