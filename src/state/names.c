/*
 * The blobs a TPM state consists of: the one table of their names and
 * kinds (state-storage.md §1, §2.1). Every other place takes the names
 * from here.
 */
#include "config.h"

#include <string.h>

#include "internal.h"

static const struct st_blob_desc blobs[ST_BLOB_NKINDS] = {
	[ST_BLOB_PERMANENT] = { ST_BLOB_PERMANENT, "permall", "permanent" },
	[ST_BLOB_VOLATILE] = { ST_BLOB_VOLATILE, "volatilestate", "volatile" },
	[ST_BLOB_SAVESTATE] = { ST_BLOB_SAVESTATE, "savestate", "savestate" },
};

const struct st_blob_desc *
st_blob_desc(enum st_blob_kind kind)
{
	return (unsigned)kind < ST_BLOB_NKINDS ? &blobs[kind] : NULL;
}

const struct st_blob_desc *
st_blob_by_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < ST_BLOB_NKINDS; i++)
		if (strcmp(name, blobs[i].name) == 0)
			return &blobs[i];
	return NULL;
}

int
st_name_index(const char *name)
{
	const struct st_blob_desc *d = st_blob_by_name(name);

	return d != NULL ? (int)d->kind : -1;
}
