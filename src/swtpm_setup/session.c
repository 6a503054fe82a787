/*
 * The child swtpm: see session.h. Unlike the reference, which polls the
 * pid file every 5 ms and then, after CMD_SHUTDOWN, sleeps 500 times
 * 1 ms because it tests a zombie with kill(pid, 0), we poll every 1 ms
 * and reap the child as soon as it exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bytes.h"
#include "client.h"
#include "log.h"
#include "session.h"
#include "tpmwire.h"

#include "swtpm/tpm_ioctl.h"

/* Readiness: 1 ms polls for up to 5 s (the reference: 5 ms, 5 s). */
#define READY_POLL_MS	1
#define READY_POLLS	5000
/* Deadlines: a TPM command (RSA key generation included), control. */
#define TPM_TIMEOUT_MS	60000
#define CTRL_TIMEOUT_MS	10000
#define STOP_WAIT_MS	500

static int
make_pidfile(struct su_sess *s)
{
	const char *tmp = getenv("TMPDIR");
	int fd, n;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	n = snprintf(s->pidfile, sizeof(s->pidfile),
	    "%s/.swtpm_setup.pidfile.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(s->pidfile)) {
		errno = ENAMETOOLONG;
		s->pidfile[0] = '\0';
		return -1;
	}
	fd = mkostemp(s->pidfile, O_CLOEXEC);
	if (fd < 0) {
		s->pidfile[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

int
su_sess_start(struct su_sess *s, const struct su_sess_opts *o)
{
	const char *extra[] = { "--flags", "not-need-init,startup-clear",
	    "--tpmstate", NULL, "--pid" };
	struct cl_spawn_opts so;
	char *state = NULL, *pid = NULL, *log = NULL;
	const char **argv = NULL;
	size_t i, k = 0;
	enum cl_err e;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	s->ch.pid = -1;
	if (make_pidfile(s) < 0) {
		logerr("Could not create pidfile: %s\n", strerror(errno));
		return -1;
	}
	if (asprintf(&state, "backend-uri=%s", o->uri) < 0 ||
	    asprintf(&pid, "file=%s", s->pidfile) < 0 ||
	    (su_log_file() != NULL &&
	    asprintf(&log, "file=%s", su_log_file()) < 0) ||
	    (argv = calloc(o->tpm->argc + 14, sizeof(*argv))) == NULL) {
		logerr("out of memory\n");
		goto out;
	}
	extra[3] = state;
	for (i = 0; i < o->tpm->argc; i++)
		argv[k++] = o->tpm->argv[i];
	argv[0] = o->tpm->path;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		argv[k++] = extra[i];
	argv[k++] = pid;
	if (o->tpm2)
		argv[k++] = "--tpm2";
	if (o->keyopt != NULL) {
		argv[k++] = "--key";
		argv[k++] = o->keyopt;
	}
	if (log != NULL) {
		argv[k++] = "--log";
		argv[k++] = log;
	}
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.pidfile = s->pidfile;
	so.poll_ms = READY_POLL_MS;
	so.polls = READY_POLLS;
	so.keep_fds = o->keyfd >= 0 ? &o->keyfd : NULL;
	so.nkeep = o->keyfd >= 0 ? 1 : 0;
	/*
	 * HEAD (adopted): the child's output goes where ours goes when
	 * there is no logfile, so that its start-up errors are seen;
	 * 0.7.1 sends it to /dev/null.
	 */
	so.quiet = su_log_file() != NULL;
	e = cl_spawn(&s->ch, &so);
	if (e == CL_ECHILD) {
		logerr("swtpm process terminated unexpectedly.\n");
		goto out;
	}
	if (e != CL_OK) {
		logerr("Could not start swtpm: %s\n", s->ch.msg);
		goto out;
	}
	s->running = true;
	/* COMPAT: provisioning.md §1.7: stdout, even with --logfile */
	printf("TPM is listening on Unix socket.\n");
	fflush(stdout);
	ret = 0;
out:
	if (s->pidfile[0] != '\0')
		(void)unlink(s->pidfile);
	free(argv);
	free(state);
	free(pid);
	free(log);
	return ret;
}

int
su_sess_tpm(struct su_sess *s, const struct wr *cmd, const char *name)
{
	enum cl_err e;
	uint32_t rc;

	s->rlen = 0;
	if (!wr_ok(cmd)) {
		logerr("Internal error in %s: request too large\n", name);
		return -1;
	}
	e = cl_tpm(&s->ch.data, cmd->p, cmd->len, s->rsp, sizeof(s->rsp),
	    &s->rlen, TPM_TIMEOUT_MS);
	if (e != CL_OK) {
		logerr("Could not receive response to %s from swtpm: %s\n",
		    name, s->ch.data.msg);
		return -1;
	}
	rc = tpm_rsp_rc(s->rsp, s->rlen);
	if (rc == TPM_RSP_MALFORMED) {
		logerr("Response for %s has only %zu bytes.\n", name,
		    s->rlen);
		return -1;
	}
	if (rc != 0) {
		logerr("%s failed: 0x%x\n", name, rc);
		return -1;
	}
	return 0;
}

/* Copies a JSON string member into buf; false if missing or too long. */
static bool
get_str(struct json_object *o, const char *a, const char *b, char *buf,
    size_t len)
{
	struct json_object *x, *y;
	const char *v;

	if (!json_object_object_get_ex(o, a, &x) ||
	    !json_object_object_get_ex(x, b, &y) ||
	    !json_object_is_type(y, json_type_string))
		return false;
	v = json_object_get_string(y);
	if (strlen(v) >= len)
		return false;
	snprintf(buf, len, "%s", v);
	return true;
}

static bool
get_int(struct json_object *o, const char *a, const char *b, long *out)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x) ||
	    !json_object_object_get_ex(x, b, &y) ||
	    !json_object_is_type(y, json_type_int))
		return false;
	*out = (long)json_object_get_int64(y);
	return true;
}

int
su_tpm_info_parse(const char *json, size_t len, struct su_tpm_info *info)
{
	static const char *const spec = "TPMSpecification";
	static const char *const attr = "TPMAttributes";
	struct json_object *o;
	const char *a = spec, *b = "family";
	int ret = -1;

	memset(info, 0, sizeof(*info));
	if ((o = su_json_parse(json, len)) == NULL) {
		logerr("JSON parser failed: '%.*s'\n", (int)len, json);
		return -1;
	}
	if (!get_str(o, a, b, info->family, sizeof(info->family)))
		goto out;
	b = "level";
	if (!get_int(o, a, b, &info->level))
		goto out;
	b = "revision";
	if (!get_int(o, a, b, &info->revision))
		goto out;
	a = attr;
	b = "manufacturer";
	if (!get_str(o, a, b, info->manufacturer,
	    sizeof(info->manufacturer)))
		goto out;
	b = "model";
	if (!get_str(o, a, b, info->model, sizeof(info->model)))
		goto out;
	b = "version";
	if (!get_str(o, a, b, info->version, sizeof(info->version)))
		goto out;
	ret = 0;
out:
	if (ret < 0)
		logerr("Could not find [%s][%s] in '%.*s'\n", a, b, (int)len,
		    json);
	json_object_put(o);
	return ret;
}

int
su_sess_get_info(struct su_sess *s, struct su_tpm_info *info)
{
	struct ctrl_client_info ci;
	uint8_t req[32];
	struct wr w;
	enum cl_err e;

	wr_init(&w, req, sizeof(req));
	/* COMPAT: provisioning.md §1.7: TPMSPECIFICATION|TPMATTRIBUTES */
	ctrl_client_enc_get_info(&w, SWTPM_INFO_TPMSPECIFICATION |
	    SWTPM_INFO_TPMATTRIBUTES, 0);
	e = cl_ctrl(&s->ch.ctrl, req, w.len, s->rsp, sizeof(s->rsp), &s->rlen,
	    CTRL_TIMEOUT_MS);
	if (e != CL_OK) {
		logerr("Could not receive response to %s from swtpm: %s\n",
		    "CMD_GET_INFO", s->ch.ctrl.msg);
		return -1;
	}
	if (!ctrl_client_dec_info(s->rsp, s->rlen, &ci)) {
		logerr("Response from CMD_GET_INFO is too short!\n");
		return -1;
	}
	if (ci.result != 0) {
		logerr("%s failed: 0x%x\n", "CMD_GET_INFO", ci.result);
		return -1;
	}
	if (ci.datalen < ci.length) {
		logerr("Response from CMD_GET_INFO is too short!\n");
		return -1;
	}
	return su_tpm_info_parse((const char *)ci.data, ci.length, info);
}

void
su_sess_stop(struct su_sess *s)
{
	if (!s->running)
		return;
	(void)cl_child_stop(&s->ch, STOP_WAIT_MS);
	s->running = false;
}
