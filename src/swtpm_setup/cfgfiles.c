/*
 * --create-config-files: see cfgfiles.h. Each file is written through
 * a temporary file; if one cannot be written, all three are removed.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cfgfiles.h"
#include "conf.h"
#include "fileio.h"

#define NFILES	3

static bool
has_token(const char *arg, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = arg;

	while (*p != '\0') {
		p += strspn(p, ", ");
		if (strncmp(p, tok, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return true;
		p += strcspn(p, ", ");
	}
	return false;
}

/* mkdir -p with mode (the umask applies). */
static int
mkdirs(char *path, mode_t mode)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* uname words with spaces turned into '_' (malloc'ed). */
static char *
word(const char *s)
{
	char *w = strdup(s), *p;

	if (w != NULL)
		for (p = w; *p != '\0'; p++)
			if (*p == ' ')
				*p = '_';
	return w;
}

static int
contents(const char *cfg, char *text[NFILES])
{
	struct utsname u;
	char *sys = NULL, *ver = NULL;
	int ret = -1;

	if (uname(&u) < 0) {
		fprintf(stderr, "uname failed: %s\n", strerror(errno));
		return -1;
	}
	sys = word(u.sysname);
	ver = word(u.version);
	if (sys == NULL || ver == NULL)
		goto out;
	if (asprintf(&text[0], "create_certs_tool = %s/swtpm_localca\n"
	    "create_certs_tool_config = %s/swtpm-localca.conf\n"
	    "create_certs_tool_options = %s/swtpm-localca.options\n"
	    "# Comma-separated list (no spaces) of PCR banks to activate by "
	    "default\n"
	    "active_pcr_banks = sha256\n", BINDIR, cfg, cfg) < 0)
		text[0] = NULL;
	if (asprintf(&text[1], "statedir = %s/var/lib/swtpm-localca\n"
	    "signingkey = %s/var/lib/swtpm-localca/signkey.pem\n"
	    "issuercert = %s/var/lib/swtpm-localca/issuercert.pem\n"
	    "certserial = %s/var/lib/swtpm-localca/certserial\n", cfg, cfg,
	    cfg, cfg) < 0)
		text[1] = NULL;
	if (asprintf(&text[2], "--platform-manufacturer %s\n"
	    "--platform-version %s\n--platform-model %s\n", sys, ver,
	    sys) < 0)
		text[2] = NULL;
	if (text[0] != NULL && text[1] != NULL && text[2] != NULL)
		ret = 0;
out:
	if (ret < 0)
		fprintf(stderr, "out of memory\n");
	free(sys);
	free(ver);
	return ret;
}

int
su_create_config_files(const char *arg)
{
	static const char *const names[NFILES] = { "swtpm_setup.conf",
	    "swtpm-localca.conf", "swtpm-localca.options" };
	bool overwrite = has_token(arg, "overwrite");
	bool root = has_token(arg, "root");
	bool skip = has_token(arg, "skip-if-exist");
	char *cfg = NULL, *path[NFILES] = { NULL }, *text[NFILES] = { NULL };
	char *statedir = NULL;
	struct stat st;
	mode_t mask;
	int i, ret = 1;

	if (overwrite && skip) {
		fprintf(stderr, "Error: overwrite and skip-if-exist cannot "
		    "both be used\n");
		return 1;
	}
	if (getuid() == 0 && !root) {
		fprintf(stderr, "Requiring the 'root' flag since the "
		    "configuration files will shadow those in %s.\n",
		    SYSCONFDIR);
		return 1;
	}
	if ((cfg = conf_user_dir()) == NULL) {
		fprintf(stderr, "cannot find the user's configuration "
		    "directory\n");
		return 1;
	}
	for (i = 0; i < NFILES; i++)
		if (asprintf(&path[i], "%s/%s", cfg, names[i]) < 0)
			goto nomem;
	for (i = 0; i < NFILES && !overwrite; i++) {
		if (lstat(path[i], &st) < 0)
			continue;
		if (skip) {
			ret = 0;
			goto out;
		}
		fprintf(stderr, "File %s already exists. Refusing to "
		    "overwrite.\n", path[i]);
		goto out;
	}
	if (asprintf(&statedir, "%s/var/lib/swtpm-localca", cfg) < 0)
		goto nomem;
	if (mkdirs(statedir, 0775) < 0) {
		fprintf(stderr, "Could not create %s: %s\n", statedir,
		    strerror(errno));
		goto out;
	}
	if (contents(cfg, text) < 0)
		goto out;
	mask = umask(0);
	umask(mask);
	for (i = 0; i < NFILES; i++) {
		printf("Writing %s.\n", path[i]);
		fflush(stdout);
		if (su_write_file(path[i], text[i], strlen(text[i]),
		    0666 & ~mask) < 0) {
			fprintf(stderr, "Could not write to %s: %s\n",
			    path[i], strerror(errno));
			for (i = 0; i < NFILES; i++)
				(void)unlink(path[i]);
			goto out;
		}
	}
	ret = 0;
	goto out;
nomem:
	fprintf(stderr, "out of memory\n");
out:
	for (i = 0; i < NFILES; i++) {
		free(path[i]);
		free(text[i]);
	}
	free(statedir);
	free(cfg);
	return ret;
}
