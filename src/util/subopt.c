/*
 * Sub-option strings (`name=value,name,...`, spec cli.md §2): splitting
 * into items (with JSON-map values), matching names against a table and
 * converting values. Knows no option semantics and never prints.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "subopt.h"

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Length of the item starting at p: up to the next comma, or, if the
 * first '=' (before any comma) is followed by '{', up to the matching
 * '}' which must then be followed by ',' or the end.
 */
static int
item_len(const char *p, size_t *len, char *err, size_t errlen)
{
	const char *eq = strchr(p, '=');
	const char *comma = strchr(p, ',');
	const char *q;
	unsigned long depth = 1;

	if (eq == NULL || (comma != NULL && comma < eq) || eq[1] != '{') {
		*len = comma ? (size_t)(comma - p) : strlen(p);
		return 0;
	}
	for (q = eq + 2; *q != '\0'; q++) {
		if (*q == '{')
			depth++;
		else if (*q == '}' && --depth == 0)
			break;
	}
	if (*q == '\0') {
		seterr(err, errlen, "Unterminated JSON map.");
		return -1;
	}
	if (q[1] != ',' && q[1] != '\0') {
		seterr(err, errlen, "Unexpected character following JSON map.");
		return -1;
	}
	*len = (size_t)(q + 1 - p);
	return 0;
}

/* Decimal or octal number that must use the whole string. */
static int
to_long(const char *s, int base, long *out, bool *range)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, base);
	*range = errno == ERANGE;
	return *end == '\0' ? 0 : -1;
}

static int
convert(const struct so_desc *d, const char *v, struct so_val *out,
    char *err, size_t errlen)
{
	bool range;
	long l;
	struct passwd *pw;
	struct group *gr;

	switch (d->type) {
	case SO_STRING:
		out->str = strdup(v);
		if (out->str == NULL) {
			seterr(err, errlen, "Out of memory");
			return -1;
		}
		return 0;
	case SO_BOOL:
		out->b = strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0;
		return 0;
	case SO_INT:
	case SO_UINT:
		if (to_long(v, 10, &l, &range) < 0) {
			seterr(err, errlen, "invalid number '%s'", v);
			return -1;
		}
		/*
		 * The reference prints this message but then uses the
		 * truncated value; we reject it.
		 */
		if (range || (d->type == SO_INT && (l < INT_MIN ||
		    l > INT_MAX)) || (d->type == SO_UINT && (l < 0 ||
		    (unsigned long)l > UINT_MAX))) {
			seterr(err, errlen, "number %li outside valid range",
			    l);
			return -1;
		}
		out->num = l;
		return 0;
	case SO_MODE:
		if (to_long(v, 8, &l, &range) < 0) {
			seterr(err, errlen, "invalid mode type '%s'", v);
			return -1;
		}
		if (range || l < 0 || l > 0777) {
			seterr(err, errlen, "mode %s is invalid", v);
			return -1;
		}
		out->mode = (mode_t)l;
		return 0;
	case SO_UID:
		if (to_long(v, 10, &l, &range) == 0) {
			if (range || l < 0 || (unsigned long)l > UINT_MAX) {
				seterr(err, errlen,
				    "uid %s outside valid range", v);
				return -1;
			}
			out->uid = (uid_t)l;
			return 0;
		}
		pw = getpwnam(v);
		if (pw == NULL) {
			/* COMPAT: cli.md §2, the text ends in a newline */
			seterr(err, errlen, "User '%s' does not exist.\n", v);
			return -1;
		}
		out->uid = pw->pw_uid;
		return 0;
	case SO_GID:
		if (to_long(v, 10, &l, &range) == 0) {
			if (range || l < 0 || (unsigned long)l > UINT_MAX) {
				seterr(err, errlen,
				    "gid %s outside valid range", v);
				return -1;
			}
			out->gid = (gid_t)l;
			return 0;
		}
		gr = getgrnam(v);
		if (gr == NULL) {
			seterr(err, errlen, "Group '%s' does not exist.\n", v);
			return -1;
		}
		out->gid = gr->gr_gid;
		return 0;
	}
	seterr(err, errlen, "internal error: bad option type");
	return -1;
}

/* Matches one NUL-terminated item against the table and stores it. */
static int
parse_item(const char *tok, const struct so_desc *desc, struct so_val *vals,
    size_t n, char *err, size_t errlen)
{
	size_t i, toklen = strlen(tok);

	for (i = 0; i < n; i++) {
		size_t nl = strlen(desc[i].name);
		const char *v;
		struct so_val tmp;

		if (toklen > nl + 1 && tok[nl] == '=' &&
		    strncmp(desc[i].name, tok, nl) == 0)
			v = tok + nl + 1;
		else if (strcmp(desc[i].name, tok) == 0)
			v = "true";
		else
			continue;

		memset(&tmp, 0, sizeof(tmp));
		if (convert(&desc[i], v, &tmp, err, errlen) < 0)
			return -1;
		if (vals[i].set) {
			/* the first occurrence wins (cli.md §2) */
			free(tmp.str);
		} else {
			vals[i] = tmp;
			vals[i].set = true;
		}
		return 0;
	}
	seterr(err, errlen, "Unknown option '%s'", tok);
	return -1;
}

int
so_parse(const char *opts, const struct so_desc *desc, struct so_val *vals,
    size_t n, char *err, size_t errlen)
{
	const char *p = opts;
	char *tok = NULL;

	memset(vals, 0, n * sizeof(*vals));
	if (errlen > 0)
		err[0] = '\0';

	while (*p != '\0') {
		size_t len;

		if (item_len(p, &len, err, errlen) < 0)
			goto fail;
		/*
		 * COMPAT: 0.7.1 skips empty items ("a,,b", trailing ',');
		 * newer versions reject them.
		 */
		if (len > 0) {
			tok = strndup(p, len);
			if (tok == NULL) {
				seterr(err, errlen, "Out of memory");
				goto fail;
			}
			if (parse_item(tok, desc, vals, n, err, errlen) < 0)
				goto fail;
			free(tok);
			tok = NULL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;

fail:
	free(tok);
	so_vals_free(vals, n);
	return -1;
}

void
so_vals_free(struct so_val *vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(vals[i].str);
		vals[i].str = NULL;
		vals[i].set = false;
	}
}
