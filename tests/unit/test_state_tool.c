/*
 * Helper for tests/interop/state_files.sh (not a test by itself): moves
 * libtpms blobs in and out of a state store through src/state, so the
 * script can check files against the reference swtpm in both directions.
 *   test_state_tool get URI NAME KEY OUTFILE   load + unwrap
 *   test_state_tool put URI NAME KEY INFILE    wrap + save
 *   test_state_tool hold URI CMD               lock, run CMD, unlock
 *   test_state_tool lock URI                   exit 0 locked, 3 busy
 * KEY is '-' (none), PATH (hex, AES-128) or PATH:256 (hex, AES-256).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "state.h"

static int
get_key(const char *arg, struct st_key *k)
{
	struct st_keyopt o;
	char path[1024], msg[256];
	const char *c;

	memset(k, 0, sizeof(*k));
	if (strcmp(arg, "-") == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	snprintf(path, sizeof(path), "%s", arg);
	o.keylen = 16;
	if ((c = strrchr(path, ':')) != NULL && strcmp(c, ":256") == 0) {
		path[c - path] = '\0';
		o.keylen = 32;
	}
	o.src = ST_KEY_FILE;
	o.path = path;
	o.fd = -1;
	o.fmt = ST_KEY_HEX;
	if (st_key_load(&o, k, msg, sizeof(msg), NULL, 0) != ST_OK) {
		fprintf(stderr, "key: %s\n", msg);
		return -1;
	}
	return 0;
}

static int
lock_cmd(int argc, char **argv)
{
	struct st_store_cfg cfg = { .tpm2 = true, .mode = 0640, .lock = true };
	struct st_store *st = NULL;
	char msg[512];
	enum st_err rc;
	int ret;

	if (st_store_open(&st, argv[2], &cfg, msg, sizeof(msg), NULL, 0) !=
	    ST_OK) {
		fprintf(stderr, "open: %s\n", msg);
		return 1;
	}
	rc = st_store_lock(st, 0, msg, sizeof(msg));
	if (rc != ST_OK) {
		fprintf(stderr, "lock: %s\n", msg);
		st_store_free(st);
		return rc == ST_LOCKED ? 3 : 1;
	}
	ret = 0;
	if (strcmp(argv[1], "hold") == 0 && argc == 4) {
		printf("locked\n");
		fflush(stdout);
		ret = system(argv[3]);
		ret = ret != -1 && WIFEXITED(ret) ? WEXITSTATUS(ret) : 1;
	}
	st_store_free(st);
	return ret;
}

int
main(int argc, char **argv)
{
	struct st_store_cfg cfg = { .tpm2 = true, .mode = 0640 };
	struct st_store *st = NULL;
	struct st_key key;
	uint8_t *blob = NULL, *plain = NULL;
	size_t blen = 0, plen = 0;
	char msg[512], notice[512];
	enum st_err rc;
	int fd, ret = 1;

	if (argc >= 3 && (strcmp(argv[1], "hold") == 0 ||
	    strcmp(argv[1], "lock") == 0))
		return lock_cmd(argc, argv);
	if (argc != 6 || get_key(argv[4], &key) < 0) {
		fprintf(stderr, "usage: %s get|put URI NAME KEY FILE\n",
		    argv[0]);
		return 2;
	}
	rc = st_store_open(&st, argv[2], &cfg, msg, sizeof(msg), notice,
	    sizeof(notice));
	if (rc != ST_OK) {
		fprintf(stderr, "open: %s\n", msg);
		return 1;
	}
	if (notice[0] != '\0')
		printf("%s\n", notice);
	if (strcmp(argv[1], "get") == 0) {
		rc = st_store_load(st, argv[3], &blob, &blen, msg, sizeof(msg));
		if (rc == ST_OK)
			rc = st_file_unwrap(blob, blen, &key, &plain, &plen,
			    msg, sizeof(msg));
		if (rc != ST_OK) {
			fprintf(stderr, "get %s: %s (%s)\n", argv[3],
			    st_strerror(rc), msg);
			goto out;
		}
		fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd < 0 || write_full(fd, plain, plen) < 0 ||
		    close(fd) < 0) {
			perror(argv[5]);
			goto out;
		}
	} else if (strcmp(argv[1], "put") == 0) {
		fd = open(argv[5], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read_all(fd, 1 << 24, &plain, &plen) < 0) {
			perror(argv[5]);
			goto out;
		}
		close(fd);
		rc = st_file_wrap(plain, plen, &key, &blob, &blen);
		if (rc == ST_OK)
			rc = st_store_save(st, argv[3], blob, blen, msg,
			    sizeof(msg));
		if (rc != ST_OK) {
			fprintf(stderr, "put %s: %s (%s)\n", argv[3],
			    st_strerror(rc), msg);
			goto out;
		}
	} else {
		fprintf(stderr, "unknown command %s\n", argv[1]);
		goto out;
	}
	ret = 0;
out:
	free(blob);
	secure_free(plain, plen);
	st_key_wipe(&key);
	st_store_free(st);
	return ret;
}
