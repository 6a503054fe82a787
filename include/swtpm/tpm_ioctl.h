/*
 * Wire constants of the swtpm control channel (CMD_* / PTM_*): command
 * codes, flags, capability bits, result codes and sizes. All integers on
 * a socket are big-endian. Knows nothing of libtpms or the emulator.
 */
#ifndef SWTPM_TPM_IOCTL_H
#define SWTPM_TPM_IOCTL_H

#include <stdint.h>

/* Command codes (BE32, first 4 bytes of every control request). */
enum {
	CMD_GET_CAPABILITY = 1,
	CMD_INIT,			/* 0x02 */
	CMD_SHUTDOWN,			/* 0x03 */
	CMD_GET_TPMESTABLISHED,		/* 0x04 */
	CMD_SET_LOCALITY,		/* 0x05 */
	CMD_HASH_START,			/* 0x06 */
	CMD_HASH_DATA,			/* 0x07 */
	CMD_HASH_END,			/* 0x08 */
	CMD_CANCEL_TPM_CMD,		/* 0x09 */
	CMD_STORE_VOLATILE,		/* 0x0a */
	CMD_RESET_TPMESTABLISHED,	/* 0x0b */
	CMD_GET_STATEBLOB,		/* 0x0c */
	CMD_SET_STATEBLOB,		/* 0x0d */
	CMD_STOP,			/* 0x0e */
	CMD_GET_CONFIG,			/* 0x0f */
	CMD_SET_DATAFD,			/* 0x10 */
	CMD_SET_BUFFERSIZE,		/* 0x11 */
	CMD_GET_INFO,			/* 0x12 */
	CMD_LOCK_STORAGE,		/* 0x13 */
};

/* Capability bits (CMD_GET_CAPABILITY). */
#define PTM_CAP_INIT			(1u << 0)
#define PTM_CAP_SHUTDOWN		(1u << 1)
#define PTM_CAP_GET_TPMESTABLISHED	(1u << 2)
#define PTM_CAP_SET_LOCALITY		(1u << 3)
#define PTM_CAP_HASHING			(1u << 4)
#define PTM_CAP_CANCEL_TPM_CMD		(1u << 5)
#define PTM_CAP_STORE_VOLATILE		(1u << 6)
#define PTM_CAP_RESET_TPMESTABLISHED	(1u << 7)
#define PTM_CAP_GET_STATEBLOB		(1u << 8)
#define PTM_CAP_SET_STATEBLOB		(1u << 9)
#define PTM_CAP_STOP			(1u << 10)
#define PTM_CAP_GET_CONFIG		(1u << 11)
#define PTM_CAP_SET_DATAFD		(1u << 12)
#define PTM_CAP_SET_BUFFERSIZE		(1u << 13)
#define PTM_CAP_GET_INFO		(1u << 14)
#define PTM_CAP_SEND_COMMAND_HEADER	(1u << 15)
#define PTM_CAP_LOCK_STORAGE		(1u << 16)

/* CMD_INIT flags. */
#define PTM_INIT_FLAG_DELETE_VOLATILE	(1u << 0)

/* CMD_GET_STATEBLOB request / CMD_SET_STATEBLOB flags. */
#define PTM_STATE_FLAG_DECRYPTED	(1u << 0)
#define PTM_STATE_FLAG_ENCRYPTED	(1u << 1)

/* State blob types. */
#define PTM_BLOB_TYPE_PERMANENT		1
#define PTM_BLOB_TYPE_VOLATILE		2
#define PTM_BLOB_TYPE_SAVESTATE		3

/* CMD_GET_CONFIG flags. */
#define PTM_CONFIG_FLAG_FILE_KEY	0x1
#define PTM_CONFIG_FLAG_MIGRATION_KEY	0x2

/* CMD_GET_INFO flags. */
#define SWTPM_INFO_TPMSPECIFICATION	((uint64_t)1 << 0)
#define SWTPM_INFO_TPMATTRIBUTES	((uint64_t)1 << 1)
#define SWTPM_INFO_TPMFEATURES		((uint64_t)1 << 2)

/* Sizes of the fixed parts (the ioctl structures of the CUSE interface). */
#define PTM_STATE_BLOB_SIZE		3072
#define PTM_GETINFO_SIZE		3072
#define PTM_HDATA_SIZE			4096
/* Largest fixed request body (ptm_hdata: u32 length + 4096 data). */
#define PTM_MAX_REQ_BODY		(4 + PTM_HDATA_SIZE)

/* Result codes (TPM 1.2 error codes, ptm_res). */
#define PTM_RES_SUCCESS			0x00000000u
#define PTM_RES_BAD_PARAMETER		0x00000003u
#define PTM_RES_FAIL			0x00000009u
#define PTM_RES_BAD_ORDINAL		0x0000000Au
#define PTM_RES_KEYNOTFOUND		0x0000000Du
#define PTM_RES_SIZE			0x00000017u
#define PTM_RES_IOERROR			0x0000001Fu
#define PTM_RES_ENCRYPT_ERROR		0x00000020u
#define PTM_RES_DECRYPT_ERROR		0x00000021u
#define PTM_RES_BAD_KEY_PROPERTY	0x00000028u
#define PTM_RES_BAD_DATASIZE		0x0000002Bu
#define PTM_RES_BAD_MODE		0x0000002Cu
#define PTM_RES_BAD_VERSION		0x0000002Eu
#define PTM_RES_BAD_LOCALITY		0x0000003Du
#define PTM_RES_RETRY			0x00000800u
#define PTM_RES_NON_FATAL		0x00000800u

/* TPM 2 send-command prefix on the data channel (MSSIM style). */
#define TPM_SEND_COMMAND		8

#endif
