/*
 * What swtpm_state prints: `info` and the verdict of `verify` and
 * `check-migration`, for people (default) or as versioned JSON (json-c,
 * schema in man/swtpm_state.8). Reads an ss_state; decides nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "swtpm_state.h"

static const struct {
	uint16_t	 bit;
	const char	*name;
} flag_names[] = {
	{ ST_BLOB_FLAG_ENCRYPTED, "ENCRYPTED" },
	{ ST_BLOB_FLAG_MIGRATION_ENCRYPTED, "MIGRATION_ENCRYPTED" },
	{ ST_BLOB_FLAG_MIGRATION_DATA, "MIGRATION_DATA" },
	{ ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY, "ENCRYPTED_256BIT_KEY" },
	{ ST_BLOB_FLAG_MIGRATION_256BIT_KEY, "MIGRATION_256BIT_KEY" },
};

static const char *const cause_names[] = {
	[SS_EXIT_OK] = "ok",
	[SS_EXIT_ERROR] = "error",
	[SS_EXIT_NOSTATE] = "no-state",
	[SS_EXIT_BADKEY] = "wrong-key",
	[SS_EXIT_DAMAGED] = "damaged",
	[SS_EXIT_VERSION] = "unsupported-version",
	[SS_EXIT_REFUSED] = "refused-by-libtpms",
	[SS_EXIT_LOCKED] = "locked",
	[SS_EXIT_TPMVER] = "wrong-tpm-version",
};

static const char *
cause_name(enum ss_exit c)
{
	return (unsigned)c < sizeof(cause_names) / sizeof(cause_names[0]) ?
	    cause_names[c] : "error";
}

/* Is the blob encrypted (either layer), and with how many key bits? */
static bool
needs_key(const struct ss_blob *b)
{
	return b->hdr_err == ST_OK && (b->info.keylen != 0 ||
	    b->info.migkeylen != 0);
}

static json_object *
jstr(const char *s)
{
	return json_object_new_string(s);
}

static json_object *
blob_json(const struct ss_blob *b, bool readable)
{
	json_object *o = json_object_new_object(), *a, *r;
	const char *kind;
	unsigned ver, minver;
	size_t i;

	json_object_object_add(o, "blob", jstr(b->title));
	json_object_object_add(o, "present",
	    json_object_new_boolean(b->present));
	if (!b->present)
		return o;
	json_object_object_add(o, "size", json_object_new_int64(
	    (int64_t)b->rawlen));
	if (b->hdr_err != ST_OK) {
		json_object_object_add(o, "header_error", jstr(b->msg));
		return o;
	}
	r = json_object_new_object();
	json_object_object_add(r, "version",
	    json_object_new_int(b->info.version));
	json_object_object_add(r, "min_version",
	    json_object_new_int(b->info.min_version));
	json_object_object_add(r, "hdrsize",
	    json_object_new_int(b->info.hdrsize));
	json_object_object_add(r, "flags", json_object_new_int(b->info.flags));
	a = json_object_new_array();
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (b->info.flags & flag_names[i].bit)
			json_object_array_add(a, jstr(flag_names[i].name));
	json_object_object_add(r, "flag_names", a);
	json_object_object_add(o, "header", r);
	a = json_object_new_array();
	for (i = 0; i < b->info.nrec; i++) {
		const char *n = st_tlv_tag_name(b->info.rec[i].tag);

		r = json_object_new_object();
		json_object_object_add(r, "tag",
		    json_object_new_int(b->info.rec[i].tag));
		json_object_object_add(r, "name", n ? jstr(n) : NULL);
		json_object_object_add(r, "length", json_object_new_int64(
		    (int64_t)b->info.rec[i].length));
		json_object_array_add(a, r);
	}
	json_object_object_add(o, "records", a);
	json_object_object_add(o, "trailing_bytes",
	    json_object_new_boolean(b->info.trailing));
	json_object_object_add(o, "encrypted",
	    json_object_new_boolean(b->info.keylen != 0));
	json_object_object_add(o, "key_bits",
	    json_object_new_int((int)b->info.keylen * 8));
	if (b->info.migration) {
		json_object_object_add(o, "migration_encrypted",
		    json_object_new_boolean(b->info.migkeylen != 0));
		json_object_object_add(o, "migration_key_bits",
		    json_object_new_int((int)b->info.migkeylen * 8));
	}
	json_object_object_add(o, "needs_key",
	    json_object_new_boolean(needs_key(b)));
	if (b->tried) {
		json_object_object_add(o, "status", jstr(cause_name(b->cause)));
		if (b->cause != SS_EXIT_OK)
			json_object_object_add(o, "message", jstr(b->msg));
	}
	r = NULL;
	if (readable && b->plain != NULL && ss_format(b->plain, b->plainlen,
	    strcmp(b->name, ST_PERMALL) == 0, &kind, &ver, &minver)) {
		r = json_object_new_object();
		json_object_object_add(r, "format", jstr(kind));
		json_object_object_add(r, "version", json_object_new_int(
		    (int)ver));
		json_object_object_add(r, "min_version", json_object_new_int(
		    (int)minver));
	}
	json_object_object_add(o, "libtpms_state", r);
	return o;
}

static void
print_blob(const struct ss_blob *b)
{
	const char *kind;
	unsigned ver, minver;
	size_t i;

	printf("%s:", b->title);
	if (!b->present) {
		printf(" absent\n");
		return;
	}
	printf(" %zu bytes\n", b->rawlen);
	if (b->hdr_err != ST_OK) {
		printf("  header: unreadable: %s\n", b->msg);
		return;
	}
	printf("  header: version %u, min_version %u, hdrsize %u, "
	    "flags 0x%04x", b->info.version, b->info.min_version,
	    b->info.hdrsize, b->info.flags);
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (b->info.flags & flag_names[i].bit)
			printf(" %s", flag_names[i].name);
	printf("\n");
	for (i = 0; i < b->info.nrec; i++) {
		const char *n = st_tlv_tag_name(b->info.rec[i].tag);

		printf("  record: tag %u (%s), %zu bytes\n",
		    b->info.rec[i].tag, n ? n : "unknown",
		    b->info.rec[i].length);
	}
	if (b->info.trailing)
		printf("  trailing bytes after the last record\n");
	if (b->info.keylen != 0)
		printf("  encrypted: yes, AES-%zu state key\n",
		    b->info.keylen * 8);
	else
		printf("  encrypted: no\n");
	if (b->info.migration)
		printf("  migration key: %s\n", b->info.migkeylen ?
		    (b->info.migkeylen == 32 ? "AES-256" : "AES-128") :
		    "none");
	printf("  needs a key: %s\n", needs_key(b) ? "yes" : "no");
	if (b->tried && b->cause != SS_EXIT_OK)
		printf("  unreadable: %s\n", b->msg);
	if (b->plain != NULL && ss_format(b->plain, b->plainlen,
	    strcmp(b->name, ST_PERMALL) == 0, &kind, &ver, &minver) &&
	    minver != 0)
		printf("  libtpms state: %s, format version %u (readers need "
		    "%u)\n", kind, ver, minver);
	else if (b->plain != NULL && ss_format(b->plain, b->plainlen,
	    strcmp(b->name, ST_PERMALL) == 0, &kind, &ver, &minver))
		printf("  libtpms state: %s, format version %u\n", kind, ver);
	else if (b->plain != NULL)
		printf("  libtpms state: not recognized\n");
	else
		printf("  libtpms state: unknown (not readable without the "
		    "key)\n");
}

static void
put_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static json_object *
head_json(const struct ss_state *st, const char *schema)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "schema", jstr(schema));
	json_object_object_add(o, "version",
	    json_object_new_int(SS_JSON_VERSION));
	json_object_object_add(o, "source", st->uri ? jstr(st->uri) :
	    jstr("blobs"));
	json_object_object_add(o, "tpm2", json_object_new_boolean(st->tpm2));
	return o;
}

void
ss_print_info(const struct ss_state *st, bool json)
{
	json_object *o, *a;
	int i;

	if (!json) {
		printf("state: %s (TPM %s)\n", st->uri ? st->uri : "blobs",
		    st->tpm2 ? "2" : "1.2");
		for (i = 0; i < SS_NSLOTS; i++)
			print_blob(&st->b[i]);
		return;
	}
	o = head_json(st, "swtpm_state-info");
	a = json_object_new_array();
	for (i = 0; i < SS_NSLOTS; i++)
		json_object_array_add(a, blob_json(&st->b[i], true));
	json_object_object_add(o, "blobs", a);
	put_json(o);
}

void
ss_print_verdict(const struct ss_state *st, const char *what, bool json)
{
	char ver[32];
	json_object *o, *a, *r;
	int i;

	ss_libtpms_version(ver, sizeof(ver));
	if (!json) {
		for (i = 0; i < SS_NSLOTS; i++) {
			const struct ss_blob *b = &st->b[i];

			if (!b->present)
				continue;
			printf("%s: %s%s%s\n", b->title,
			    b->cause == SS_EXIT_OK ? "ok" :
			    cause_name(b->cause),
			    b->cause == SS_EXIT_OK ? "" : ": ",
			    b->cause == SS_EXIT_OK ? "" : b->msg);
		}
		if (st->validated)
			printf("libtpms %s (TPM %s): %s\n", ver,
			    st->tpm2 ? "2" : "1.2", st->tpm_rc == 0 ?
			    "accepts the state" : "refuses the state");
		if (st->cause == SS_EXIT_OK)
			printf("%s: yes, this host's swtpm would load the "
			    "state\n", what);
		else
			printf("%s: no: %s\n", what, st->reason);
		return;
	}
	o = head_json(st, strcmp(what, "verify") == 0 ?
	    "swtpm_state-verify" : "swtpm_state-check-migration");
	json_object_object_add(o, "ok",
	    json_object_new_boolean(st->cause == SS_EXIT_OK));
	json_object_object_add(o, "exit_code", json_object_new_int(st->cause));
	json_object_object_add(o, "cause", jstr(cause_name(st->cause)));
	json_object_object_add(o, "reason", st->cause == SS_EXIT_OK ? NULL :
	    jstr(st->reason));
	r = json_object_new_object();
	json_object_object_add(r, "version", jstr(ver));
	json_object_object_add(r, "validated",
	    json_object_new_boolean(st->validated));
	json_object_object_add(r, "result", st->validated ?
	    json_object_new_int64(st->tpm_rc) : NULL);
	json_object_object_add(o, "libtpms", r);
	a = json_object_new_array();
	for (i = 0; i < SS_NSLOTS; i++)
		json_object_array_add(a, blob_json(&st->b[i], false));
	json_object_object_add(o, "blobs", a);
	put_json(o);
}

void
ss_print_result(const char *cmd, const char *uri, const char *dest,
    enum ss_exit rc, const char *reason, bool json)
{
	char schema[64];
	json_object *o;

	if (!json) {
		if (rc != SS_EXIT_OK)
			return;
		printf("%s: done", cmd);
		if (uri != NULL)
			printf(" ('%s'%s%s%s)", uri, dest ? " -> '" : "",
			    dest ? dest : "", dest ? "'" : "");
		printf("\n");
		return;
	}
	snprintf(schema, sizeof(schema), "swtpm_state-%s", cmd);
	o = json_object_new_object();
	json_object_object_add(o, "schema", jstr(schema));
	json_object_object_add(o, "version",
	    json_object_new_int(SS_JSON_VERSION));
	json_object_object_add(o, "source", uri ? jstr(uri) : NULL);
	json_object_object_add(o, "destination", dest ? jstr(dest) : NULL);
	json_object_object_add(o, "ok", json_object_new_boolean(rc == 0));
	json_object_object_add(o, "exit_code", json_object_new_int(rc));
	json_object_object_add(o, "cause", jstr(cause_name(rc)));
	json_object_object_add(o, "reason", reason ? jstr(reason) : NULL);
	put_json(o);
}
