/*
 * Unit tests for src/util/conf.c: the key rule of the provisioning
 * tools' configuration files (column 0, first match, '#', trailing
 * white space, K_x is not K), ${VAR} expansion, env: lines, the options
 * file's word split, the file search order, and bad files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "t.h"

static char	tdir[] = "/tmp/test_confXXXXXX";

static char *
get(const char *text, const char *key, bool expand)
{
	struct conf c;
	char *v;

	if (conf_parse(&c, text, strlen(text)) < 0)
		return NULL;
	v = conf_get(&c, key, expand);
	conf_free(&c);
	return v;
}

#define T_GET(text, key, want) do { \
	char *v_ = get(text, key, true); \
	T_EQ_STR(v_ != NULL ? v_ : "(null)", want); \
	free(v_); \
} while (0)

static void
test_keys(void)
{
	T_GET("a = 1\n", "a", "1");
	T_GET("a=1", "a", "1");
	T_GET("a =\t 1 2  \t\n", "a", "1 2");
	T_GET("a = 1 # comment\n", "a", "1");
	T_GET("a = #nothing\n", "a", "");
	T_GET("a = 1\na = 2\n", "a", "1");		/* first wins */
	T_GET(" a = 1\n", "a", "(null)");		/* column 0 */
	T_GET("a_x = 1\na = 2\n", "a", "2");		/* K_x is not K */
	T_GET("ab = 1\n", "a", "(null)");
	T_GET("# a = 1\n", "a", "(null)");
	T_GET("a 1\n", "a", "(null)");			/* no '=' */
	T_GET("\n\n\na = 3\r\n", "a", "3");		/* CR is white */
	T_GET("create_certs_tool= /usr/bin/x\n", "create_certs_tool",
	    "/usr/bin/x");
	T_GET("x = 1", "", "(null)");
}

static void
test_expand(void)
{
	char *v;

	setenv("CONF_T", "val", 1);
	unsetenv("CONF_UNSET");
	T_GET("a = ${CONF_T}/x\n", "a", "val/x");
	T_GET("a = ${CONF_UNSET}/x\n", "a", "/x");
	T_GET("a = ${CONF_T\n", "a", "${CONF_T");	/* unclosed */
	T_GET("a = $CONF_T ${CONF_T}${CONF_T}\n", "a", "$CONF_T valval");
	v = get("a = ${CONF_T}\n", "a", false);
	T_EQ_STR(v, "${CONF_T}");
	free(v);
}

static void
env_cb(const char *name, const char *value, void *arg)
{
	char *out = arg;

	strcat(out, name);
	strcat(out, "=");
	strcat(out, value);
	strcat(out, ";");
}

static void
test_env(void)
{
	static const char text[] = "env:A = 1\nenv:_b2=x # y\nenv:9x = 2\n"
	    "env: C = 3\n env:D = 4\nenv:E\n";
	char out[256] = "";
	struct conf c;

	T_ASSERT(conf_parse(&c, text, sizeof(text) - 1) == 0);
	conf_each_env(&c, env_cb, out);
	T_EQ_STR(out, "A=1;_b2=x # y;");
	conf_free(&c);
}

static void
test_words(void)
{
	static const char text[] = "  --a 1  \n--b  x\ty\n\n--c\n";
	struct conf c;
	char **argv = NULL;
	size_t argc = 0;

	T_ASSERT(conf_parse(&c, text, sizeof(text) - 1) == 0);
	T_ASSERT(conf_split_words(&c, &argv, &argc) == 0);
	T_EQ_U(argc, 5);
	T_EQ_STR(argv[0], "--a");
	T_EQ_STR(argv[1], "1");
	T_EQ_STR(argv[2], "--b");
	T_EQ_STR(argv[3], "x\ty");	/* single spaces only */
	T_EQ_STR(argv[4], "--c");
	T_CHECK(argv[5] == NULL);
	conf_free_words(argv, argc);
	conf_free(&c);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	T_ASSERT(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void
test_files(void)
{
	char path[512], dir[600], err[256];
	struct conf c;
	char *p, *v;

	snprintf(path, sizeof(path), "%s/a.conf", tdir);
	write_file(path, "k = v\n");
	T_ASSERT(conf_load(&c, path, err, sizeof(err)) == 0);
	v = conf_get(&c, "k", true);
	T_EQ_STR(v, "v");
	free(v);
	conf_free(&c);
	/* missing, a directory, a NUL byte */
	T_CHECK(conf_load(&c, "/nonexistent/x.conf", err, sizeof(err)) < 0);
	T_CHECK(strstr(err, "/nonexistent/x.conf") != NULL);
	T_CHECK(conf_load(&c, tdir, err, sizeof(err)) < 0);
	{
		FILE *f = fopen(path, "w");

		T_ASSERT(f != NULL);
		fwrite("k = v\0w\n", 1, 8, f);
		fclose(f);
	}
	T_CHECK(conf_load(&c, path, err, sizeof(err)) < 0);

	/* search: XDG_CONFIG_HOME, then ~/.config, then sysconfdir */
	snprintf(dir, sizeof(dir), "%s/xdg", tdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/home", tdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/home/.config", tdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/xdg", tdir);
	setenv("XDG_CONFIG_HOME", dir, 1);
	snprintf(dir, sizeof(dir), "%s/home", tdir);
	setenv("HOME", dir, 1);
	p = conf_default_path("s.conf", "/etc");
	T_EQ_STR(p, "/etc/s.conf");
	free(p);
	snprintf(path, sizeof(path), "%s/home/.config/s.conf", tdir);
	write_file(path, "");
	p = conf_default_path("s.conf", "/etc");
	T_EQ_STR(p, path);
	free(p);
	snprintf(path, sizeof(path), "%s/xdg/s.conf", tdir);
	write_file(path, "");
	p = conf_default_path("s.conf", "/etc");
	T_EQ_STR(p, path);
	free(p);
	p = conf_user_dir();
	snprintf(dir, sizeof(dir), "%s/xdg", tdir);
	T_EQ_STR(p, dir);
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = conf_user_dir();
	snprintf(dir, sizeof(dir), "%s/home/.config", tdir);
	T_EQ_STR(p, dir);
	free(p);
}

int
main(void)
{
	char cmd[64];
	int rc;

	if (mkdtemp(tdir) == NULL)
		return 99;
	T_RUN(test_keys);
	T_RUN(test_expand);
	T_RUN(test_env);
	T_RUN(test_words);
	T_RUN(test_files);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
	rc = system(cmd);
	(void)rc;
	T_END();
}
