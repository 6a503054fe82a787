/*
 * swtpm_ioctl --save / --load: GET_STATEBLOB into a file and
 * SET_STATEBLOB from a file, over a socket or a CUSE device, with the
 * reference client's requests, messages and exit codes (cli.md §9).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "bytes.h"
#include "client.h"
#include "swtpm/tpm_ioctl.h"
#include "transport.h"

#define SAVE_FIRST_READ	(16 + PTM_STATE_BLOB_SIZE)
#define SAVE_NEXT_READ	4096

static uint32_t
blob_type(const char *s)
{
	if (strcmp(s, "permanent") == 0)
		return PTM_BLOB_TYPE_PERMANENT;
	if (strcmp(s, "volatile") == 0)
		return PTM_BLOB_TYPE_VOLATILE;
	if (strcmp(s, "savestate") == 0)
		return PTM_BLOB_TYPE_SAVESTATE;
	return 0;
}

static int
bad_type(const char *type)
{
	/* COMPAT: cli.md §9: no newline, as in 0.7.1 */
	fprintf(stderr, "Unknown TPM state type '%s'", type);
	return 1;
}

static int
write_chunk(int ofd, const char *file, const uint8_t *p, size_t n)
{
	ssize_t w;

	w = write(ofd, p, n);
	if (w < 0 || (size_t)w != n) {
		fprintf(stderr, "Could not write to file '%s': %s\n", file,
		    strerror(w < 0 ? errno : EIO));
		return -1;
	}
	return 0;
}

/* GET_STATEBLOB at offset; fills *sb. Returns 0, or the exit code. */
static int
get_blob(struct cl_conn *c, uint32_t type, uint32_t offset, uint8_t *rsp,
    size_t cap, struct ctrl_client_stateblob *sb)
{
	uint8_t req[16];
	struct wr w;
	ssize_t got;
	uint32_t res;

	wr_init(&w, req, sizeof(req));
	ctrl_client_enc_get_stateblob(&w, PTM_STATE_FLAG_DECRYPTED, type,
	    offset);
	got = tr_xfer(c, req, w.len, rsp, cap);
	if (got < 0) {
		fprintf(stderr, "Could not execute ioctl PTM_GET_STATEBLOB: "
		    "%s\n", strerror(errno));
		return 1;
	}
	/* a non-fatal result (0x800, e.g. no savestate) is no error */
	if (ctrl_client_dec_result(rsp, (size_t)got, &res) && res != 0 &&
	    (res & PTM_RES_NON_FATAL) == 0) {
		fprintf(stderr, "TPM result from PTM_GET_STATEBLOB: 0x%x\n",
		    res);
		return 1;
	}
	if (!ctrl_client_dec_stateblob(rsp, (size_t)got, sb)) {
		fprintf(stderr, "Too few bytes in response");
		return 1;
	}
	return 0;
}

/* Socket: one GET_STATEBLOB, then plain reads until totlength arrived. */
static int
save_socket(struct cl_conn *c, uint32_t type, int ofd, const char *file)
{
	static uint8_t rsp[SAVE_FIRST_READ], buf[SAVE_NEXT_READ];
	struct ctrl_client_stateblob sb;
	int64_t remain;
	ssize_t got;
	int rc;

	if ((rc = get_blob(c, type, 0, rsp, sizeof(rsp), &sb)) != 0)
		return rc;
	if (write_chunk(ofd, file, sb.data, sb.datalen) < 0)
		return 1;
	remain = (int64_t)sb.totlength - (int64_t)sb.datalen;
	while (remain > 0) {
		got = tr_read(c, buf, sizeof(buf));
		if (got < 0) {
			fprintf(stderr, "Could not read from TPM: %s\n",
			    strerror(errno));
			return 1;
		}
		if (got == 0)
			break;	/* 0.7.1 would spin here forever */
		if (write_chunk(ofd, file, buf, (size_t)got) < 0)
			return 1;
		remain -= got;
	}
	if (remain != 0) {
		fprintf(stderr, "Unexpected number of remaining bytes: %zd\n",
		    (ssize_t)remain);
		return 1;
	}
	return 0;
}

/* CUSE: GET_STATEBLOB ioctls of up to 3072 bytes with growing offset. */
static int
save_cuse(struct cl_conn *c, uint32_t type, int ofd, const char *file)
{
	static uint8_t rsp[SAVE_FIRST_READ];
	struct ctrl_client_stateblob sb;
	uint32_t offset = 0;
	int rc;

	for (;;) {
		rc = get_blob(c, type, offset, rsp, sizeof(rsp), &sb);
		if (rc != 0)
			return rc;
		if (write_chunk(ofd, file, sb.data, sb.datalen) < 0)
			return 1;
		offset += (uint32_t)sb.datalen;
		if (sb.datalen == 0 || offset >= sb.totlength)
			return 0;
	}
}

int
cmd_save(struct cl_conn *c, const char *type, const char *file)
{
	uint32_t t;
	int ofd, rc;

	t = blob_type(type);
	if (t == 0)
		return bad_type(type);
	ofd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ofd < 0) {
		fprintf(stderr, "Could not open file '%s' for writing: %s\n",
		    file, strerror(errno));
		return 1;
	}
	if (tr_is_cuse(c))
		rc = save_cuse(c, t, ofd, file);
	else
		rc = save_socket(c, t, ofd, file);
	close(ofd);
	return rc;
}

static int
set_result(const uint8_t *rsp, size_t got)
{
	uint32_t res;

	if (!ctrl_client_dec_result(rsp, got, &res)) {
		fprintf(stderr, "Did not get enough response bytes from "
		    "PTM_SET_STATE_BLOB: %d\n", (int)got);
		return 1;
	}
	if (res != 0) {
		fprintf(stderr, "TPM result from PTM_SET_STATEBLOB: 0x%x\n",
		    res);
		return 1;
	}
	return 0;
}

/*
 * Blob sent as SET_STATEBLOB chunks of up to 3072 bytes, each a whole
 * request; only the last (short) one is answered on a socket. Used for
 * CUSE and, COMPAT: as in 0.7.1, for an input whose size stat() gives
 * as 0 (pipes, empty files).
 */
static int
load_chunked(struct cl_conn *c, uint32_t type, int ifd, const char *file)
{
	static uint8_t req[16 + PTM_STATE_BLOB_SIZE];
	uint8_t rsp[4];
	ssize_t n, got;
	int cuse;

	cuse = tr_is_cuse(c);
	for (;;) {
		n = read(ifd, req + 16, PTM_STATE_BLOB_SIZE);
		if (n < 0) {
			fprintf(stderr, "Could not read from file '%s': %s\n",
			    file, strerror(errno));
			return 1;
		}
		be32_put(req, CMD_SET_STATEBLOB);
		be32_put(req + 4, 0);
		be32_put(req + 8, type);
		be32_put(req + 12, (uint32_t)n);
		got = tr_xfer(c, req, 16 + (size_t)n, rsp,
		    (n < PTM_STATE_BLOB_SIZE || cuse) ? sizeof(rsp) : 0);
		if (got < 0) {
			fprintf(stderr, "Could not execute ioctl "
			    "PTM_SET_STATEBLOB: %s\n", strerror(errno));
			return 1;
		}
		if ((n < PTM_STATE_BLOB_SIZE || cuse) &&
		    set_result(rsp, (size_t)got) != 0)
			return 1;
		if (n < PTM_STATE_BLOB_SIZE)
			return 0;
	}
}

/* Socket: 16-byte header in one write, the blob in another, then 4. */
static int
load_socket(struct cl_conn *c, uint32_t type, int ifd, size_t size)
{
	uint8_t req[16], rsp[4];
	uint8_t *buf = NULL;
	struct wr w;
	ssize_t n, got;
	int rc = 1;

	buf = malloc(size);
	if (buf == NULL) {
		fprintf(stderr, "Could not allocate buffer with %zu bytes.",
		    size);
		return 1;
	}
	wr_init(&w, req, sizeof(req));
	ctrl_client_enc_set_stateblob(&w, 0, type, (uint32_t)size);
	if (tr_xfer(c, req, w.len, NULL, 0) < 0) {
		fprintf(stderr, "Could not execute ioctl PTM_SET_STATEBLOB: "
		    "%s\n", strerror(errno));
		goto out;
	}
	n = read(ifd, buf, size);
	if (n < 0) {
		fprintf(stderr, "Could not read from file: %s\n",
		    strerror(errno));
		goto out;
	}
	if (tr_write(c, buf, (size_t)n) < 0) {
		fprintf(stderr, "Could not write to file: %s\n",
		    strerror(errno));
		goto out;
	}
	got = tr_read(c, rsp, sizeof(rsp));
	if (got < 0) {
		fprintf(stderr, "Error reading response: %s\n",
		    strerror(errno));
		goto out;
	}
	rc = set_result(rsp, (size_t)got);
out:
	free(buf);
	return rc;
}

int
cmd_load(struct cl_conn *c, const char *type, const char *file)
{
	struct stat st;
	uint32_t t;
	int ifd, rc;

	t = blob_type(type);
	if (t == 0)
		return bad_type(type);
	ifd = open(file, O_RDONLY | O_CLOEXEC);
	if (ifd < 0) {
		fprintf(stderr, "Could not open file '%s' for reading: %s\n",
		    file, strerror(errno));
		return 1;
	}
	if (tr_is_cuse(c)) {
		rc = load_chunked(c, t, ifd, file);
	} else if (fstat(ifd, &st) < 0) {
		fprintf(stderr, "Could not stat file '%s': %s\n", file,
		    strerror(errno));
		rc = 1;
	} else if (st.st_size == 0) {
		rc = load_chunked(c, t, ifd, file);
	} else if ((uint64_t)st.st_size > UINT32_MAX) {
		errno = EFBIG;
		fprintf(stderr, "Could not allocate buffer with %zu bytes.",
		    (size_t)st.st_size);
		rc = 1;
	} else {
		rc = load_socket(c, t, ifd, (size_t)st.st_size);
	}
	close(ifd);
	return rc;
}
