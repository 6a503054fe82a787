/*
 * The TPM program: see probe.h. Its JSON is parsed with json-c from
 * bounded buffers (run.h); the reference searches the raw text for
 * "tpm-2.0" and "permall", we require the documented shape.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "probe.h"

static bool
is_exec_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

char *
su_find_program(const char *name)
{
	const char *path, *p, *colon;
	char *cand;
	size_t dlen;

	if (name[0] == '\0')
		return NULL;
	if (strchr(name, '/') != NULL)
		return is_exec_file(name) ? strdup(name) : NULL;
	path = getenv("PATH");
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		dlen = colon != NULL ? (size_t)(colon - p) : strlen(p);
		/* an empty entry is the working directory */
		if (asprintf(&cand, "%.*s%s%s", (int)dlen, p,
		    dlen > 0 ? "/" : "", name) < 0)
			return NULL;
		if (is_exec_file(cand))
			return cand;
		free(cand);
		if (colon == NULL)
			return NULL;
	}
}

char *
su_tpm_default(const char *self)
{
	char exe[PATH_MAX], *slash, *cand, *res = NULL;
	ssize_t n;

	if (self != NULL && strchr(self, '/') != NULL) {
		snprintf(exe, sizeof(exe), "%s", self);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	slash = strrchr(exe, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (asprintf(&cand, "%s/swtpm", exe[0] != '\0' ? exe : "") < 0)
			return NULL;
		if (is_exec_file(cand) && asprintf(&res, "%s socket", cand) < 0)
			res = NULL;
		free(cand);
		if (res != NULL)
			return res;
	}
	cand = su_find_program("swtpm");
	if (cand == NULL)
		return NULL;
	free(cand);
	return strdup("swtpm socket");
}

void
su_tpm_release(struct su_tpm *t)
{
	size_t i;

	for (i = 0; i < t->argc; i++)
		free(t->argv[i]);
	free(t->argv);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

int
su_tpm_init(struct su_tpm *t, const char *cmdline)
{
	const char *p = cmdline, *end;
	char **v;

	memset(t, 0, sizeof(*t));
	/* COMPAT: provisioning.md §1.1: split on spaces, no quoting */
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		v = realloc(t->argv, (t->argc + 2) * sizeof(*v));
		if (v == NULL)
			goto nomem;
		t->argv = v;
		if ((t->argv[t->argc] = strndup(p, (size_t)(end - p))) == NULL)
			goto nomem;
		t->argv[++t->argc] = NULL;
		p = end;
	}
	if (t->argc == 0) {
		logerr("swtpm at %s is not an executable.\n", "");
		return -1;
	}
	t->path = su_find_program(t->argv[0]);
	if (t->path == NULL) {
		logerr("swtpm at %s is not an executable.\n", t->argv[0]);
		su_tpm_release(t);
		return -1;
	}
	return 0;
nomem:
	logerr("out of memory\n");
	su_tpm_release(t);
	return -1;
}

struct json_object *
su_json_parse(const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	if (text == NULL || len == 0 || len > INT_MAX)
		return NULL;
	tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o != NULL) {
		for (end = json_tokener_get_parse_end(tok); end < len; end++) {
			/* GET_INFO counts the string's NUL */
			if (text[end] != ' ' && text[end] != '\n' &&
			    text[end] != '\t' && text[end] != '\r' &&
			    text[end] != '\0') {
				json_object_put(o);
				o = NULL;
				break;
			}
		}
	}
	json_tokener_free(tok);
	return o;
}

/* "rsa-keysize-N" with N in decimal digits only. */
static bool
rsa_feature(const char *s, unsigned *bits)
{
	const char *p = s + strlen("rsa-keysize-");
	unsigned long n;
	char *end;

	if (strncmp(s, "rsa-keysize-", strlen("rsa-keysize-")) != 0 ||
	    *p < '0' || *p > '9')
		return false;
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > 65536)
		return false;
	*bits = (unsigned)n;
	return true;
}

int
su_caps_parse(const char *json, size_t len, struct su_caps *out)
{
	struct json_object *o, *f, *e;
	const char *s;
	unsigned bits;
	size_t i, n;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if ((o = su_json_parse(json, len)) == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "features", &f) ||
	    !json_object_is_type(f, json_type_array))
		goto out;
	n = json_object_array_length(f);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(f, i);
		if (!json_object_is_type(e, json_type_string))
			goto out;
		s = json_object_get_string(e);
		if (strcmp(s, "tpm-1.2") == 0)
			out->tpm12 = true;
		else if (strcmp(s, "tpm-2.0") == 0)
			out->tpm2 = true;
		else if (rsa_feature(s, &bits) && out->nrsa < SU_MAX_RSA_SIZES)
			out->rsa[out->nrsa++] = bits;
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

int
su_states_parse(const char *json, size_t len, bool *has_permall)
{
	struct json_object *o, *st, *e, *name;
	size_t i, n;
	int ret = -1;

	*has_permall = false;
	if ((o = su_json_parse(json, len)) == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "states", &st) ||
	    !json_object_is_type(st, json_type_array))
		goto out;
	n = json_object_array_length(st);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(st, i);
		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "name", &name) ||
		    !json_object_is_type(name, json_type_string))
			goto out;
		if (strcmp(json_object_get_string(name), "permall") == 0)
			*has_permall = true;
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/* argv of the TPM program with extra words; the caller frees it. */
static const char **
tpm_argv(const struct su_tpm *t, const char *const *extra, char *logarg,
    size_t logcap)
{
	const char **v;
	size_t n = 0, i, k = 0;

	while (extra[n] != NULL)
		n++;
	v = calloc(t->argc + n + 3, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = 0; i < t->argc; i++)
		v[k++] = t->argv[i];
	for (i = 0; i < n; i++)
		v[k++] = extra[i];
	if (su_log_file() != NULL) {
		snprintf(logarg, logcap, "file=%s", su_log_file());
		v[k++] = "--log";
		v[k++] = logarg;
	}
	return v;
}

int
su_probe_caps_start(const struct su_tpm *t, bool tpm2, struct su_run *r)
{
	static const char *const plain[] = { "--print-capabilities", NULL };
	static const char *const two[] = { "--print-capabilities", "--tpm2",
	    NULL };
	char logarg[PATH_MAX + 8];
	const char **v;
	int ret, saved;

	v = tpm_argv(t, tpm2 ? two : plain, logarg, sizeof(logarg));
	if (v == NULL) {
		su_run_init(r);
		errno = ENOMEM;
		return -1;
	}
	ret = su_run_start(r, t->path, v, 0);
	saved = errno;
	free(v);
	errno = saved;
	return ret;
}

int
su_probe_caps_end(const struct su_tpm *t, struct su_run *r,
    struct su_caps *out)
{
	struct su_run *one[1] = { r };
	int ret = -1;

	if (r->pid > 0 && su_run_wait(one, 1) < 0) {
		logerr("Could not start swtpm '%s': %s\n", t->argv[0],
		    strerror(errno));
		goto out;
	}
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		/* possibly: the logfile cannot be written */
		logerr("Failed to run swtpm '%s': %s\n", t->argv[0],
		    r->buf[1] != NULL ? r->buf[1] : "");
		goto out;
	}
	if (su_caps_parse(r->buf[0], r->len[0], out) < 0) {
		logerr("swtpm '%s' printed no valid capabilities: '%s'\n",
		    t->argv[0], r->buf[0] != NULL ? r->buf[0] : "");
		goto out;
	}
	ret = 0;
out:
	su_run_release(r);
	return ret;
}

int
su_probe_states(const struct su_tpm *t, const char *uri, bool tpm2,
    bool *has_permall)
{
	const char *extra[5] = { "--print-states", "--tpmstate", NULL, NULL,
	    NULL };
	char logarg[PATH_MAX + 8], *state = NULL;
	const char **v = NULL;
	struct su_run r;
	int ret = -1;

	if (asprintf(&state, "backend-uri=%s", uri) < 0) {
		logerr("out of memory\n");
		return -1;
	}
	extra[2] = state;
	if (tpm2)
		extra[3] = "--tpm2";
	v = tpm_argv(t, extra, logarg, sizeof(logarg));
	if (v == NULL) {
		logerr("out of memory\n");
		goto out;
	}
	if (su_run(&r, t->path, v, SU_RUN_NO_STDERR) < 0) {
		logerr("Could not start swtpm '%s': %s\n", t->argv[0],
		    strerror(errno));
		goto out;
	}
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		/*
		 * COMPAT: the reference's text; it shows the raw wait
		 * status (256 for exit 1), we show the exit status.
		 */
		logerr("%s exit with status %d: %s\n", t->argv[0],
		    WIFEXITED(r.status) ? WEXITSTATUS(r.status) : r.status,
		    r.buf[0] != NULL ? r.buf[0] : "");
	} else if (su_states_parse(r.buf[0], r.len[0], has_permall) < 0) {
		logerr("swtpm '%s' printed no valid list of states: '%s'\n",
		    t->argv[0], r.buf[0] != NULL ? r.buf[0] : "");
	} else {
		ret = 0;
	}
	su_run_release(&r);
out:
	free(v);
	free(state);
	return ret;
}

int
su_caps_print(const struct su_caps *base, const struct su_caps *t2)
{
	size_t i;

	/* COMPAT: provisioning.md §1.4, byte for byte; libvirt parses it */
	printf("{ \"type\": \"swtpm_setup\", \"features\": [ %s%s"
	    "\"cmdarg-keyfile-fd\", \"cmdarg-pwdfile-fd\", "
	    "\"tpm12-not-need-root\", \"cmdarg-write-ek-cert-files\", "
	    "\"cmdarg-create-config-files\", "
	    "\"cmdarg-reconfigure-pcr-banks\"",
	    base->tpm12 ? "\"tpm-1.2\", " : "",
	    base->tpm2 ? "\"tpm-2.0\", " : "");
	for (i = 0; i < t2->nrsa; i++)
		if (t2->rsa[i] >= 2048)
			printf(", \"tpm2-rsa-keysize-%u\"", t2->rsa[i]);
	printf(" ], \"version\": \"%s\" }\n", PACKAGE_VERSION);
	return fflush(stdout) == 0 ? 0 : -1;
}
