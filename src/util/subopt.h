/*
 * Generic parser for the `name=value,name,...` strings that follow many
 * swtpm options (--tpmstate, --ctrl, --key, ...), see spec cli.md §2.
 * It knows only a table of names and value types, nothing about what an
 * option means; it never prints, the caller formats the message.
 */
#ifndef UTIL_SUBOPT_H
#define UTIL_SUBOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum so_type {
	SO_STRING,	/* any non-empty text, copied */
	SO_INT,		/* decimal, must fit int */
	SO_UINT,	/* decimal, must fit unsigned int */
	SO_BOOL,	/* "true"/"1" (any case) true, anything else false */
	SO_MODE,	/* octal, at most 0777 */
	SO_UID,		/* decimal or user name */
	SO_GID,		/* decimal or group name */
};

struct so_desc {
	const char	*name;
	enum so_type	 type;
};

/* Result for one table entry; only the member of its type is used. */
struct so_val {
	bool		 set;	/* the name occurred at least once */
	char		*str;	/* SO_STRING, owned (so_vals_free) */
	long		 num;	/* SO_INT, SO_UINT */
	bool		 b;	/* SO_BOOL */
	mode_t		 mode;	/* SO_MODE */
	uid_t		 uid;	/* SO_UID */
	gid_t		 gid;	/* SO_GID */
};

/*
 * Parses 'opts' against the n entries of 'desc'; vals[i] receives the
 * value of desc[i]. Items are split at commas; a value starting with '{'
 * extends to the matching '}' (a JSON map may contain commas). A bare
 * name means name=true. When a name repeats, every occurrence must be
 * valid but the first one is kept. Empty items are skipped.
 * Returns 0, or -1 with a message such as "Unknown option 'x'" in
 * err (errlen bytes, always NUL-terminated); vals are then freed.
 */
int	so_parse(const char *opts, const struct so_desc *desc,
	    struct so_val *vals, size_t n, char *err, size_t errlen);
void	so_vals_free(struct so_val *vals, size_t n);

#endif
