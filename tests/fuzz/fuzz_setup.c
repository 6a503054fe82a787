/*
 * libFuzzer target for what swtpm_setup reads from other programs: the
 * JSON of the TPM program's --print-capabilities and --print-states and
 * of CMD_GET_INFO (src/swtpm_setup). Each parser gets the input as it
 * is; what they fill must be bounded (sizes, strings NUL-terminated in
 * their buffers). Build with `make fuzz-setup` (needs clang).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "session.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
bounded(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct su_tpm_info info;
	struct su_caps caps;
	bool permall;

	/* the parsers' complaints are not the fuzzer's output */
	su_log_set_file("/dev/null");
	if (su_caps_parse(text, size, &caps) == 0 &&
	    caps.nrsa > SU_MAX_RSA_SIZES)
		abort();
	(void)su_states_parse(text, size, &permall);
	if (su_tpm_info_parse(text, size, &info) == 0) {
		bounded(info.family, sizeof(info.family));
		bounded(info.manufacturer, sizeof(info.manufacturer));
		bounded(info.model, sizeof(info.model));
		bounded(info.version, sizeof(info.version));
	}
	return 0;
}
