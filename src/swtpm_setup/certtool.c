/*
 * The certificate tool: see certtool.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certtool.h"
#include "conf.h"
#include "io.h"
#include "log.h"
#include "probe.h"

#define CERT_MAX	(64 * 1024)

static const char *const type_names[] = { "ek", "platform" };
static const char *const file_names[] = { "ek.cert", "platform.cert" };

const char *
su_cert_file(enum su_cert_type type)
{
	return file_names[type];
}

void
su_cert_argv(const struct su_certtool *ct, const struct su_cert_req *rq,
    struct su_cert_argv *out)
{
	const char **v = out->argv;
	size_t k = 0;

	snprintf(out->level, sizeof(out->level), "%ld", rq->info->level);
	snprintf(out->revision, sizeof(out->revision), "%ld",
	    rq->info->revision);
	v[k++] = ct->path;
	v[k++] = "--type";
	v[k++] = type_names[rq->type];
	v[k++] = "--ek";
	v[k++] = rq->keyparams;
	v[k++] = "--dir";
	v[k++] = rq->dir;
	/* HEAD (adopted): the certificate's key usage follows the EK */
	if (rq->tpm2 && rq->allow_signing) {
		v[k++] = "--allow-signing";
		if (rq->decryption)
			v[k++] = "--decryption";
	}
	if (rq->logfile != NULL) {
		v[k++] = "--logfile";
		v[k++] = rq->logfile;
	}
	if (rq->vmid != NULL) {
		v[k++] = "--vmid";
		v[k++] = rq->vmid;
	}
	v[k++] = "--tpm-spec-family";
	v[k++] = rq->info->family;
	v[k++] = "--tpm-spec-level";
	v[k++] = out->level;
	v[k++] = "--tpm-spec-revision";
	v[k++] = out->revision;
	v[k++] = "--tpm-manufacturer";
	v[k++] = rq->info->manufacturer;
	v[k++] = "--tpm-model";
	v[k++] = rq->info->model;
	v[k++] = "--tpm-version";
	v[k++] = rq->info->version;
	if (rq->tpm2)
		v[k++] = "--tpm2";
	if (ct->config != NULL) {
		v[k++] = "--configfile";
		v[k++] = ct->config;
	}
	if (ct->options != NULL) {
		v[k++] = "--optsfile";
		v[k++] = ct->options;
	}
	v[k] = NULL;
	out->argc = k;
}

int
su_certtool_init(struct su_certtool *ct, const struct conf *cf)
{
	const char *slash;

	memset(ct, 0, sizeof(*ct));
	ct->tool = conf_get(cf, "create_certs_tool", true);
	ct->config = conf_get(cf, "create_certs_tool_config", true);
	ct->options = conf_get(cf, "create_certs_tool_options", true);
	if (ct->tool == NULL)
		return 0;
	ct->path = su_find_program(ct->tool);
	if (ct->path == NULL) {
		logerr("Could not find %s in PATH.\n", ct->tool);
		su_certtool_release(ct);
		return -1;
	}
	slash = strrchr(ct->tool, '/');
	ct->prgname = slash != NULL ? slash + 1 : ct->tool;
	return 0;
}

void
su_certtool_release(struct su_certtool *ct)
{
	free(ct->tool);
	free(ct->path);
	free(ct->config);
	free(ct->options);
	memset(ct, 0, sizeof(*ct));
}

void
su_cert_init(struct su_cert_run *cr)
{
	memset(cr, 0, sizeof(*cr));
	su_run_init(&cr->run);
}

void
su_cert_start(const struct su_certtool *ct, const struct su_cert_req *rq,
    struct su_cert_run *cr)
{
	su_cert_init(cr);
	su_cert_argv(ct, rq, &cr->av);
	if (su_run_start(&cr->run, ct->path, cr->av.argv, 0) < 0)
		cr->spawn_errno = errno;
	else
		cr->started = true;
}

void
su_cert_wait(struct su_cert_run *const *crs, size_t n)
{
	struct su_run *runs[8];
	size_t i, k = 0;
	int saved;

	for (i = 0; i < n && k < sizeof(runs) / sizeof(runs[0]); i++)
		if (crs[i]->started && crs[i]->run.pid > 0)
			runs[k++] = &crs[i]->run;
	if (k > 0 && su_run_wait(runs, k) < 0) {
		/* all of them were killed: report the poll failure */
		saved = errno;
		for (i = 0; i < n; i++) {
			if (crs[i]->started) {
				crs[i]->started = false;
				crs[i]->spawn_errno = saved;
			}
		}
	}
}

/* "  Invoking <argv joined by spaces>" */
static void
log_invoking(const struct su_cert_argv *av)
{
	size_t i, n = 0;
	char *line, *p;

	for (i = 0; i < av->argc; i++)
		n += strlen(av->argv[i]) + 1;
	if ((line = malloc(n + 1)) == NULL)
		return;
	p = line;
	for (i = 0; i < av->argc; i++) {
		if (i > 0)
			*p++ = ' ';
		n = strlen(av->argv[i]);
		memcpy(p, av->argv[i], n);
		p += n;
	}
	*p = '\0';
	logit("  Invoking %s\n", line);
	free(line);
}

/* Each non-empty line of text as "<prgname>: <line>". */
static void
relay(const char *prgname, const char *text)
{
	const char *p = text, *nl;
	size_t n;

	if (text == NULL)
		return;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0)
			logit("%s: %.*s\n", prgname, (int)n, p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

int
su_cert_finish(const struct su_certtool *ct, struct su_cert_run *cr)
{
	struct su_cert_run *one[1] = { cr };
	int ret = -1, st;

	log_invoking(&cr->av);
	if (cr->started && cr->run.pid > 0)
		su_cert_wait(one, 1);
	if (!cr->started) {
		logerr("An error occurred running %s: %s\n", ct->tool,
		    strerror(cr->spawn_errno));
		goto out;
	}
	st = cr->run.status;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		logerr("%s exit with status %d: %s\n", ct->prgname,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
		    cr->run.buf[1] != NULL ? cr->run.buf[1] : "");
		goto out;
	}
	relay(ct->prgname, cr->run.buf[0]);
	ret = 0;
out:
	su_cert_release(cr);
	return ret;
}

void
su_cert_release(struct su_cert_run *cr)
{
	su_run_release(&cr->run);
	cr->started = false;
}

int
su_cert_read(const char *dir, enum su_cert_type type, uint8_t **der,
    size_t *len)
{
	char *path;
	int fd, ret = -1;

	*der = NULL;
	*len = 0;
	if (asprintf(&path, "%s/%s", dir, file_names[type]) < 0) {
		logerr("out of memory\n");
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		logerr("cannot read certificate '%s': %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (read_all(fd, CERT_MAX, der, len) < 0) {
		logerr("cannot read certificate '%s': %s\n", path,
		    errno == EFBIG ? "larger than 64 KiB" : strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	ret = 0;
out:
	(void)unlink(path);
	free(path);
	return ret;
}

void
su_cert_remove_dir(const char *dir)
{
	char path[4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, file_names[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}
