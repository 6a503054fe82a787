/*
 * Configuration files of the provisioning tools; see conf.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "io.h"

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

int
conf_parse(struct conf *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char **lines;

	memset(c, 0, sizeof(*c));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p) {
			lines = realloc(c->lines, (c->n + 1) * sizeof(*lines));
			if (lines == NULL)
				goto nomem;
			c->lines = lines;
			c->lines[c->n] = strndup(p, (size_t)(nl - p));
			if (c->lines[c->n] == NULL)
				goto nomem;
			c->n++;
		}
		p = nl + 1;
	}
	return 0;
nomem:
	conf_free(c);
	errno = ENOMEM;
	return -1;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	struct stat sb;
	size_t len = 0;
	int fd, saved;

	memset(c, 0, sizeof(*c));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		seterr(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		seterr(err, errlen, "'%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	if (read_all(fd, CONF_MAX_SIZE, &buf, &len) < 0) {
		saved = errno;
		seterr(err, errlen, "cannot read '%s': %s", path,
		    saved == EFBIG ? "file too large" : strerror(saved));
		close(fd);
		return -1;
	}
	close(fd);
	if (memchr(buf, '\0', len) != NULL) {
		seterr(err, errlen, "'%s' is not a text file (NUL byte)", path);
		free(buf);
		return -1;
	}
	if (conf_parse(c, (const char *)buf, len) < 0 ||
	    (c->path = strdup(path)) == NULL) {
		free(buf);
		conf_free(c);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	free(buf);
	return 0;
}

/* A growing string. */
struct sbuf {
	char	*p;
	size_t	 len, cap;
	bool	 bad;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = (b->len + n + 1) * 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->bad = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static char *
sb_done(struct sbuf *b)
{
	if (!b->bad && b->p == NULL)
		sb_add(b, "", 0);
	if (b->bad) {
		free(b->p);
		errno = ENOMEM;
		return NULL;
	}
	return b->p;
}

char *
conf_expand(const char *s)
{
	struct sbuf b = { NULL, 0, 0, false };
	const char *p = s, *open, *close, *v;
	char *name;

	while ((open = strstr(p, "${")) != NULL &&
	    (close = strchr(open + 2, '}')) != NULL) {
		sb_add(&b, p, (size_t)(open - p));
		name = strndup(open + 2, (size_t)(close - open - 2));
		if (name == NULL) {
			b.bad = true;
			break;
		}
		v = getenv(name);
		free(name);
		if (v != NULL)
			sb_add(&b, v, strlen(v));
		p = close + 1;
	}
	sb_add(&b, p, strlen(p));
	return sb_done(&b);
}

/* The value part of line if it sets key, else NULL. */
static const char *
match(const char *line, const char *key)
{
	size_t kl = strlen(key);
	const char *p;

	if (kl == 0 || strncmp(line, key, kl) != 0)
		return NULL;
	p = line + kl;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '=')
		return NULL;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* The value up to '#', without trailing white space; malloc'ed. */
static char *
value_of(const char *v)
{
	size_t n = strcspn(v, "#");

	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	return strndup(v, n);
}

char *
conf_get(const struct conf *c, const char *key, bool expand)
{
	const char *v;
	char *raw, *out;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if ((v = match(c->lines[i], key)) == NULL)
			continue;
		if ((raw = value_of(v)) == NULL || !expand)
			return raw;
		out = conf_expand(raw);
		free(raw);
		return out;
	}
	return NULL;
}

void
conf_each_env(const struct conf *c,
    void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	const char *l, *p, *v;
	char *name, *val;
	size_t i, n;

	for (i = 0; i < c->n; i++) {
		l = c->lines[i];
		if (strncmp(l, "env:", 4) != 0)
			continue;
		p = l + 4;
		if (!isalpha((unsigned char)*p) && *p != '_')
			continue;
		for (n = 0; isalnum((unsigned char)p[n]) || p[n] == '_'; n++)
			;
		if ((name = strndup(p, n)) == NULL)
			continue;
		v = p + n;
		while (isspace((unsigned char)*v))
			v++;
		if (*v == '=') {
			v++;
			while (isspace((unsigned char)*v))
				v++;
			if ((val = strdup(v)) != NULL) {
				fn(name, val, arg);
				free(val);
			}
		}
		free(name);
	}
}

char *
conf_user_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	char *p = NULL;

	if (x != NULL && x[0] != '\0')
		return strdup(x);
	if (h == NULL || h[0] == '\0')
		h = "/";
	if (asprintf(&p, "%s/.config", h) < 0)
		return NULL;
	return p;
}

char *
conf_default_path(const char *name, const char *sysconfdir)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	char *p = NULL;

	if (x != NULL && x[0] != '\0') {
		if (asprintf(&p, "%s/%s", x, name) < 0)
			return NULL;
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	if (h != NULL && h[0] != '\0') {
		if (asprintf(&p, "%s/.config/%s", h, name) < 0)
			return NULL;
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	if (asprintf(&p, "%s/%s", sysconfdir, name) < 0)
		return NULL;
	return p;
}

void
conf_free_words(char **argv, size_t argc)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static int
add_word(char ***argv, size_t *argc, const char *w, size_t n)
{
	char **a = realloc(*argv, (*argc + 2) * sizeof(*a));

	if (a == NULL)
		return -1;
	*argv = a;
	if ((a[*argc] = strndup(w, n)) == NULL)
		return -1;
	(*argc)++;
	a[*argc] = NULL;
	return 0;
}

int
conf_split_words(const struct conf *c, char ***argv, size_t *argc)
{
	const char *l, *e, *sp;
	size_t i;

	for (i = 0; i < c->n; i++) {
		l = c->lines[i];
		e = l + strlen(l);
		while (l < e && isspace((unsigned char)*l))
			l++;
		while (e > l && isspace((unsigned char)e[-1]))
			e--;
		while (l < e) {
			sp = memchr(l, ' ', (size_t)(e - l));
			if (sp == NULL)
				sp = e;
			if (sp > l && add_word(argv, argc, l,
			    (size_t)(sp - l)) < 0) {
				errno = ENOMEM;
				return -1;
			}
			l = sp + 1;
		}
	}
	return 0;
}
