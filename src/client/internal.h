/*
 * Shared inside the client library only: one deadline for a whole call
 * (the send and the receive of a round trip share it) and the raw
 * transfers under it. Callers of the library use conn.h.
 */
#ifndef CLIENT_INTERNAL_H
#define CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

struct cl_deadline {
	bool		 on;
	int		 ms;		/* the timeout, for messages */
	int64_t		 end_ns;	/* CLOCK_MONOTONIC */
};

void		 cl_deadline_start(struct cl_deadline *d, int timeout_ms);
/* Milliseconds left, rounded up (0 once passed); -1 without deadline. */
int		 cl_deadline_left(const struct cl_deadline *d);

/* Formats c->msg and sets c->sys_errno; returns e. */
enum cl_err	 cl_fail(struct cl_conn *c, enum cl_err e, int err,
		    const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* CL_EEOF after have bytes of a response. */
enum cl_err	 cl_eof(struct cl_conn *c, size_t have);

enum cl_err	 cl_send_dl(struct cl_conn *c, const void *p, size_t n,
		    struct cl_deadline *d);
/* One read of up to cap bytes (0 = EOF is CL_OK with *got 0). */
enum cl_err	 cl_read_dl(struct cl_conn *c, void *p, size_t cap,
		    size_t *got, struct cl_deadline *d);

#endif
