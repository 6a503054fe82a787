/*
 * --print-states (state-storage.md §10): the blobs a state holds and
 * their sizes, as JSON on stdout. Opens the backend on its own: no lock,
 * no libtpms, nothing written.
 */
#include "config.h"

#include <stdio.h>

#include "log.h"
#include "tpm.h"

int
sw_print_states(const char *uri, const struct st_store_cfg *cfg)
{
	char msg[512] = "", notice[512] = "";
	struct st_store *st = NULL;
	size_t i, sz[ST_BLOB_NKINDS];
	bool have[ST_BLOB_NKINDS];
	int n = 0;
	enum st_err e;

	if (uri == NULL) {
		log_msg("SWTPM_NVRAM_Init: Missing backend URI.\n");
		return -1;
	}
	e = st_store_open(&st, uri, cfg, msg, sizeof(msg), notice,
	    sizeof(notice));
	if (notice[0] != '\0')
		log_notice("%s\n", notice);
	if (e != ST_OK) {
		log_msg("Error: could not open state '%s': %s\n", uri,
		    msg[0] ? msg : st_strerror(e));
		return -1;
	}
	for (i = 0; i < ST_BLOB_NKINDS; i++) {
		e = st_store_size(st, st_blob_desc(i)->name, &sz[i], msg, sizeof(msg));
		have[i] = e == ST_OK;
		if (e != ST_OK && e != ST_NOENT) {
			log_msg("Error: %s\n", msg[0] ? msg : st_strerror(e));
			st_store_free(st);
			return -1;
		}
	}
	st_store_free(st);
	/* COMPAT: state-storage.md §10: no trailing newline. */
	printf("{ \"type\": \"swtpm\", \"states\": [");
	for (i = 0; i < ST_BLOB_NKINDS; i++) {
		if (!have[i])
			continue;
		printf("%s {\"name\": \"%s\", \"size\": %zu}",
		    n ? "," : "", st_blob_desc(i)->name, sz[i]);
		n++;
	}
	printf("%s] }", n ? " " : "");
	fflush(stdout);
	return 0;
}
