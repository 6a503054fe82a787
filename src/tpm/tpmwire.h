/*
 * What TPM 1.2 and TPM 2 messages share on the wire: the 10-byte header
 * (tag, size, command or response code) and swtpm's in-band SetLocality
 * ordinal. The builders and parsers of tpm2.h and tpm12.h rest on this.
 * Pure bytes over struct rd/wr: no I/O, no libtpms, no crypto.
 */
#ifndef TPM_TPMWIRE_H
#define TPM_TPMWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* Header: u16 tag, u32 size (whole message), u32 code. */
#define TPM_HDR_LEN		10
#define TPM_HDR_SIZE_OFF	2
#define TPM_HDR_CODE_OFF	6

/*
 * swtpm's vendor command, the same for both versions (data-channel.md
 * §4): one byte of locality after the header.
 */
#define SWTPM_ORD_SET_LOCALITY	0x20001000u

/*
 * What a response parser returns when the bytes are not a well-formed
 * response of the command (short, bad size field, trailing bytes, a
 * length beyond what is left). Never a TPM response code.
 */
#define TPM_RSP_MALFORMED	0xffffffffu

/*
 * Starts a command at w->len: tag, a size placeholder, the code.
 * Returns where it starts, for tpm_cmd_end.
 */
size_t		 tpm_cmd_begin(struct wr *w, uint16_t tag, uint32_t code);
/*
 * Patches the size of the command started at start. Returns false if w
 * overflowed (nothing usable was built).
 */
bool		 tpm_cmd_end(struct wr *w, size_t start);

/* A response split into its header and a reader over the rest. */
struct tpm_rsp {
	uint16_t	tag;
	uint32_t	size;
	uint32_t	rc;
	struct rd	body;
};

/*
 * Splits a whole response of len bytes. Returns false unless len >= 10
 * and the size field equals len.
 */
bool		 tpm_rsp_split(const void *p, size_t len, struct tpm_rsp *out);
/*
 * For framing a stream: the size field of a response whose first len
 * bytes have arrived, or 0 while fewer than 6 are there.
 */
uint32_t	 tpm_rsp_size(const void *p, size_t len);
/* The response code of a whole response, or TPM_RSP_MALFORMED. */
uint32_t	 tpm_rsp_rc(const void *p, size_t len);

#endif
