/*
 * libFuzzer target for the command line of `swtpm socket|chardev`
 * (src/swtpm/options.c and the sub-option parser in src/util). The
 * input is the argument list, separated by NUL bytes; the first byte
 * picks the interface word. Whatever it parses must be released again
 * (LeakSanitizer checks), and no input may crash it. Messages go to
 * stdout and stderr: run with -close_fd_mask=3.
 * Build with `make fuzz-opts` (needs clang with libFuzzer).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXARGS	32

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ifaces[] = { "socket", "chardev", "-h",
	    "bogus" };
	char *argv[MAXARGS + 1], *buf, *p, *end;
	struct sw_opts o;
	int argc = 0, rc;

	if (size < 1)
		return 0;
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[argc++] = (char *)"swtpm";
	argv[argc++] = (char *)ifaces[data[0] & 3];
	for (p = buf, end = buf + size - 1; p < end && argc < MAXARGS;
	    p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	rc = sw_opts_parse(&o, argc, argv);
	if (rc < 0)
		sw_opts_release(&o);
	free(buf);
	return 0;
}
