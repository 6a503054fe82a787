/*
 * The configuration files of the provisioning tools (provisioning.md
 * §1.3, §2.2, §2.5): swtpm_setup.conf and swtpm-localca.conf ("key =
 * value" lines, first match wins, '#' comments, ${VAR} expansion), the
 * search for them in the user's and the system's configuration
 * directories, and swtpm-localca.options (words split at single spaces).
 * Never prints: errors are a -1 and a message in the caller's buffer.
 */
#ifndef UTIL_CONF_H
#define UTIL_CONF_H

#include <stdbool.h>
#include <stddef.h>

/* A loaded file: its lines, without the empty ones. */
struct conf {
	char	**lines;
	size_t	  n;
	char	 *path;
};

/* Files larger than this are refused (a configuration file is small). */
#define CONF_MAX_SIZE	(1024 * 1024)

/*
 * Reads path into c. -1 with a message if it cannot be read, is not a
 * regular file, holds a NUL byte or is larger than CONF_MAX_SIZE.
 */
int	 conf_load(struct conf *c, const char *path, char *err, size_t errlen);
/* Builds c from text in memory (tests, and the files written by tools). */
int	 conf_parse(struct conf *c, const char *text, size_t len);
void	 conf_free(struct conf *c);

/*
 * The value of key: the first line that starts (column 0) with key,
 * optional white space, '=' and optional white space; the value runs to
 * the first '#' or the end of the line, trailing white space removed.
 * With 'expand', each ${NAME} is replaced by getenv(NAME) ("" if unset;
 * an unclosed "${" stays as it is). Returns a malloc'ed string the
 * caller frees, or NULL if no line matches (or out of memory, errno
 * ENOMEM).
 */
char	*conf_get(const struct conf *c, const char *key, bool expand);
/*
 * The lines "env:NAME = value" (swtpm-localca.conf): calls fn for each
 * with NAME and the value (unexpanded), in file order. NAME must match
 * [A-Za-z_][A-Za-z0-9_]*.
 */
void	 conf_each_env(const struct conf *c,
	    void (*fn)(const char *name, const char *value, void *arg),
	    void *arg);

/* ${NAME} expansion on its own; malloc'ed result. */
char	*conf_expand(const char *s);

/*
 * The file the tools use when none is given: $XDG_CONFIG_HOME/name if
 * XDG_CONFIG_HOME is set and the file readable, else
 * $HOME/.config/name if readable, else sysconfdir/name (even if it does
 * not exist). Returns a malloc'ed path.
 */
char	*conf_default_path(const char *name, const char *sysconfdir);
/* The user's configuration directory ($XDG_CONFIG_HOME or ~/.config). */
char	*conf_user_dir(void);

/*
 * swtpm-localca.options: each line is trimmed and split at single
 * spaces, empty words dropped, no quoting. Appends the words to *argv
 * (NULL-terminated, malloc'ed; *argc counts them). Returns 0 or -1
 * (ENOMEM).
 */
int	 conf_split_words(const struct conf *c, char ***argv, size_t *argc);
void	 conf_free_words(char **argv, size_t argc);

#endif
