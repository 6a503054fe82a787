/*
 * The benchmark's workload commands (TPM 2), shared by the benchmark
 * client and the in-process floor: the commands with their fill
 * patterns, built by the TPM wire module (src/tpm). Knows nothing of
 * sockets, libtpms or the server.
 */
#ifndef BENCH_TPMCMD_H
#define BENCH_TPMCMD_H

#include <stddef.h>
#include <stdint.h>

#define TC_MAX_CMD		4096
#define TC_NV_INDEX		0x01000100u
#define TC_NV_SIZE		64
#define TC_HASH_LEN		1024

/*
 * Each builder writes one complete command into buf (capacity cap) and
 * returns its length, or 0 if it does not fit.
 */
size_t		 tc_startup(uint8_t *buf, size_t cap, uint16_t type);
size_t		 tc_getrandom(uint8_t *buf, size_t cap, uint16_t n);
size_t		 tc_pcr_extend(uint8_t *buf, size_t cap, uint32_t pcr,
		    uint8_t fill);
size_t		 tc_hash(uint8_t *buf, size_t cap, size_t datalen);
size_t		 tc_nv_define(uint8_t *buf, size_t cap, uint32_t index,
		    uint16_t size);
size_t		 tc_nv_write(uint8_t *buf, size_t cap, uint32_t index,
		    uint8_t fill, uint16_t size);
size_t		 tc_create_primary_ecc(uint8_t *buf, size_t cap);
size_t		 tc_flush(uint8_t *buf, size_t cap, uint32_t handle);

/* Handle returned by CreatePrimary; 0 if the response does not parse. */
uint32_t	 tc_out_handle(const uint8_t *rsp, size_t len);

#endif
