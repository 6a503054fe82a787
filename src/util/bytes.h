/*
 * Bounded big-endian byte reader and writer, the only way this project
 * parses or builds bytes from sockets and files. Knows nothing else.
 */
#ifndef UTIL_BYTES_H
#define UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reader over borrowed memory. A short read sets the sticky 'bad' flag. */
struct rd {
	const uint8_t	*p;
	size_t		 len, off;
	bool		 bad;
};

/* Writer into caller memory of fixed capacity; overflow is sticky. */
struct wr {
	uint8_t		*p;
	size_t		 cap, len;
	bool		 overflow;
};

void		 rd_init(struct rd *, const void *p, size_t len);
size_t		 rd_left(const struct rd *);
uint8_t		 rd_u8(struct rd *);
uint16_t	 rd_be16(struct rd *);
uint32_t	 rd_be32(struct rd *);
uint64_t	 rd_be64(struct rd *);
uint16_t	 rd_le16(struct rd *);
uint32_t	 rd_le32(struct rd *);
uint64_t	 rd_le64(struct rd *);
/* Borrow n bytes (no copy); NULL and bad=true if fewer remain. */
const uint8_t	*rd_view(struct rd *, size_t n);
bool		 rd_skip(struct rd *, size_t n);
/* True if nothing went wrong and every byte was consumed. */
bool		 rd_done(const struct rd *);

void		 wr_init(struct wr *, void *p, size_t cap);
void		 wr_u8(struct wr *, uint8_t);
void		 wr_be16(struct wr *, uint16_t);
void		 wr_be32(struct wr *, uint32_t);
void		 wr_be64(struct wr *, uint64_t);
void		 wr_le16(struct wr *, uint16_t);
void		 wr_le32(struct wr *, uint32_t);
void		 wr_le64(struct wr *, uint64_t);
void		 wr_bytes(struct wr *, const void *, size_t);
/* Reserve n bytes and return where they start (NULL on overflow). */
uint8_t		*wr_reserve(struct wr *, size_t n);
bool		 wr_ok(const struct wr *);

/* Plain helpers on raw memory (no bounds: caller guarantees them). */
uint16_t	 be16_get(const uint8_t *);
uint32_t	 be32_get(const uint8_t *);
void		 be16_put(uint8_t *, uint16_t);
void		 be32_put(uint8_t *, uint32_t);

#endif
