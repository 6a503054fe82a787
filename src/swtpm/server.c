/*
 * Event loop and front ends. One control client and one data connection
 * at a time (COMPAT: while one exists its listening socket is not
 * polled). Nothing blocks on a client: requests are collected and
 * responses sent without blocking (a response the client does not take
 * waits in its connection's output queue, and no further request of
 * that client is read meanwhile); a client that stops mid-request or
 * stops reading loses its own connection after a deadline, and nobody
 * else waits for it. LOCK_STORAGE's retries run from the loop too.
 * (A character device given with chardev is written with blocking
 * writes: it is not a socket.)
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "ctrl.h"
#include "io.h"
#include "log.h"
#include "server.h"
#include "tpm.h"

/* A data command started (1-9 bytes) must complete within this. */
#define DATA_PARTIAL_MS		5000
/* A streamed control payload may pause at most this long. */
#define CTRL_STREAM_IDLE_MS	10000
/* A response may wait this long for its client to read it. */
#define SEND_TIMEOUT_MS		10000

/* control connection: idle, request, payload, retrying, sending */
enum cstate { C_IDLE, C_COLLECT, C_STREAM, C_WAIT, C_SEND };

/* What of a response is still to be written. */
struct outq {
	const uint8_t	*p;		/* NULL: nothing pending */
	size_t		 len, off;
	uint8_t		*own;		/* p's storage if it is a copy */
	int64_t		 deadline;
};

struct server {
	struct sw_server_cfg *cfg;
	/* data connection */
	int		 dfd;
	bool		 dpersist;	/* keep after a response */
	uint8_t		*dbuf;
	size_t		 dcap, dlen;
	int64_t		 ddeadline;
	struct outq	 dout;
	/* control connection */
	int		 cfd;
	enum cstate	 cst;
	uint8_t		 cbuf[CTRL_RECV_BUF];
	size_t		 clen;
	int		 cpass_fd;	/* fd that came with this request */
	int64_t		 cdeadline;
	struct outq	 cout;
	struct ctrl_reply crep;		/* C_SEND: the response */
	struct ctrl_ctx	*cctx;
	struct ctrl_ops	 ops;
	bool		 quit;
	const char	*why;		/* of quit: the shutdown event's */
	int		 rc;
};

static void
stop_serving(struct server *s, const char *why)
{
	if (!s->quit)
		s->why = why;
	s->quit = true;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------ output queues */

static void
outq_clear(struct outq *q)
{
	free(q->own);
	memset(q, 0, sizeof(*q));
}

/*
 * Writes as much of p[n] as fd takes now. Returns 1 when all is
 * written, 0 when the rest waits in q (a copy if 'copy'), -1 on an
 * error (errno set).
 */
static int
send_some(int fd, struct outq *q, const uint8_t *p, size_t n, bool copy)
{
	size_t off = 0;
	ssize_t r;

	while (off < n) {
		r = send(fd, p + off, n - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK) {
			/* a character device: blocking, as it comes */
			return write_full(fd, p + off, n - off) < 0 ? -1 : 1;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	if (off == n)
		return 1;
	if (q->p == NULL || q->p != p) {
		outq_clear(q);
		if (copy) {
			if ((q->own = malloc(n - off)) == NULL)
				return -1;
			memcpy(q->own, p + off, n - off);
			q->p = q->own;
			q->len = n - off;
		} else {
			q->p = p;
			q->len = n;
			q->off = off;
		}
		q->deadline = now_ms() + SEND_TIMEOUT_MS;
		return 0;
	}
	q->off += off;
	return 0;
}

/* Continues a pending response; same results as send_some. */
static int
send_more(int fd, struct outq *q)
{
	size_t left = q->len - q->off;
	const uint8_t *p = q->p + q->off;
	int rc;

	q->off = 0;
	q->len = left;
	q->p = p;
	rc = send_some(fd, q, p, left, false);
	if (rc != 0)
		outq_clear(q);
	return rc;
}

/* ---------------------------------------------------------- data side */

/* ev: LOG_EV_CLIENT_DISCONNECTED or LOG_EV_CLIENT_DROPPED. */
static void
data_close(struct server *s, enum log_ev ev, const char *why)
{
	if (s->dfd < 0)
		return;
	log_event(ev, LV_S(LOG_CH_DATA), LV_S(why));
	close(s->dfd);
	s->dfd = -1;
	s->dlen = 0;
	outq_clear(&s->dout);
	/* COMPAT: data-channel.md §1: -t and its implied forms. */
	if (s->cfg->terminate)
		stop_serving(s, "terminate");
}

/* A response went out completely (or could not be sent). */
static void
data_sent(struct server *s, int rc)
{
	if (rc < 0) {
		log_msg("SWTPM_IO_Write: %s\n", strerror(errno));
		data_close(s, LOG_EV_CLIENT_DROPPED, "send_failed");
		return;
	}
	if (rc > 0 && !s->dpersist)
		data_close(s, LOG_EV_CLIENT_DISCONNECTED, "after_response");
}

static void
data_command(struct server *s)
{
	const uint8_t *resp;
	size_t rlen;
	int rc = 1;

	/* control-channel.md §3.19: the lock before every TPM command */
	if (sw_nv_ensure_lock() != 0) {
		log_msg("Error: could not lock the TPM state; terminating\n");
		stop_serving(s, "lock_failed");
		s->rc = 1;
		return;
	}
	log_dump("SWTPM_IO_Read:", s->dbuf, s->dlen, 0);
	if (sw_tpm_data(s->dbuf, s->dlen, &resp, &rlen) == 0) {
		log_dump("SWTPM_IO_Write:", resp, rlen, 0);
		/* the glue reuses its buffer: a rest that waits is copied */
		rc = send_some(s->dfd, &s->dout, resp, rlen, true);
	}
	s->dlen = 0;
	data_sent(s, rc);
}

static void
data_readable(struct server *s)
{
	ssize_t r;

	r = read(s->dfd, s->dbuf + s->dlen, s->dcap - s->dlen);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		data_close(s, LOG_EV_CLIENT_DISCONNECTED, r == 0 ? "eof" :
		    "read_error");
		return;
	}
	/* the clock is read only when a command stays incomplete */
	if (s->dlen == 0 && !sw_tpm_data_complete((size_t)r))
		s->ddeadline = now_ms() + DATA_PARTIAL_MS;
	s->dlen += (size_t)r;
	if (sw_tpm_data_complete(s->dlen))
		data_command(s);
}

static void
data_accept(struct server *s)
{
	int fd = accept4(s->cfg->data_listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	s->dfd = fd;
	s->dlen = 0;
	s->dpersist = !s->cfg->data_disconnect;
	log_event(LOG_EV_CLIENT_CONNECTED, LV_S(LOG_CH_DATA));
}

/* ------------------------------------------------------- control side */

/* ev: LOG_EV_CLIENT_DISCONNECTED or LOG_EV_CLIENT_DROPPED. */
static void
ctrl_close(struct server *s, enum log_ev ev, const char *why)
{
	if (s->cfd < 0)
		return;
	log_event(ev, LV_S(LOG_CH_CTRL), LV_S(why));
	if (s->cst == C_SEND)
		ctrl_response_done(s->cctx, false);
	close(s->cfd);
	s->cfd = -1;
	s->cst = C_IDLE;
	s->clen = 0;
	outq_clear(&s->cout);
	if (s->cpass_fd >= 0) {
		close(s->cpass_fd);
		s->cpass_fd = -1;
	}
	ctrl_ctx_reset(s->cctx);
	if (s->cfg->ctrl_terminate)
		stop_serving(s, "terminate");
}

/* The response went out (rc 1), or could not be sent (rc -1). */
static void
ctrl_sent(struct server *s, int rc)
{
	enum ctrl_after after = s->crep.after;

	s->cst = C_IDLE;
	ctrl_response_done(s->cctx, rc > 0);
	if (after == CTRL_AFTER_EXIT)
		stop_serving(s, "ctrl_shutdown");
	else if (rc < 0)
		ctrl_close(s, LOG_EV_CLIENT_DROPPED, "send_failed");
}

static void
ctrl_send(struct server *s)
{
	struct ctrl_reply *r = &s->crep;
	int rc;

	ctrl_response(s->cctx, r);
	if (r->log_head > 0) {
		log_dump("Ctrl Rsp:", r->p, r->log_head, 1024);
		log_dump("Ctrl Rsp Continued:", r->p + r->log_head,
		    r->len - r->log_head, 1024);
	} else {
		log_dump("Ctrl Rsp:", r->p, r->len, 1024);
	}
	/* the response stays in the context until it is sent: no copy */
	rc = send_some(s->cfd, &s->cout, r->p, r->len, false);
	if (rc == 0) {
		s->cst = C_SEND;
		return;
	}
	ctrl_sent(s, rc);
}

static void
ctrl_after(struct server *s, enum ctrl_status st)
{
	switch (st) {
	case CTRL_REPLY:
		s->cst = C_IDLE;
		ctrl_send(s);
		break;
	case CTRL_MORE:
		s->cst = C_STREAM;
		s->cdeadline = now_ms() + CTRL_STREAM_IDLE_MS;
		break;
	case CTRL_WAIT:
		s->cst = C_WAIT;
		s->cdeadline = now_ms() + CTRL_RETRY_MS;
		break;
	case CTRL_CLOSE:
		ctrl_close(s, LOG_EV_CLIENT_DROPPED, "bad_request");
		break;
	}
}

static void
ctrl_dispatch(struct server *s)
{
	enum ctrl_status st;
	uint32_t code = be32_get(s->cbuf);

	log_dump("Ctrl Cmd:", s->cbuf, s->clen, 1024);
	if (ctrl_cmd_name(code) == NULL)
		log_msg("Error: Unknown command: 0x%08x\n", code);
	st = ctrl_request(s->cctx, s->cbuf, s->clen, &s->cpass_fd);
	/* Only SET_DATAFD takes a passed fd; any other is closed now. */
	if (s->cpass_fd >= 0) {
		close(s->cpass_fd);
		s->cpass_fd = -1;
	}
	s->clen = 0;
	ctrl_after(s, st);
}

/* Reads with recvmsg, keeping at most one passed fd per request. */
static ssize_t
ctrl_recv(struct server *s, void *p, size_t n)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	struct iovec iov = { p, n };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	r = recvmsg(s->cfd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (r < 0 && errno == ENOTSOCK)
		return read(s->cfd, p, n);
	if (r < 0)
		return r;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		size_t nfd, i;
		int fds[8];

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfd > 8)
			nfd = 8;
		memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
		for (i = 0; i < nfd; i++) {
			if (s->cpass_fd < 0)
				s->cpass_fd = fds[i];
			else
				close(fds[i]);
		}
	}
	return r;
}

/* Receives streamed payload (HASH_DATA, SET_STATEBLOB) as it asks. */
static void
ctrl_stream_readable(struct server *s, const struct ctrl_want *w)
{
	uint8_t tmp[CTRL_HASH_CHUNK], *dst = w->buf != NULL ? w->buf : tmp;
	size_t want = w->buf != NULL || w->max < sizeof(tmp) ? w->max :
	    sizeof(tmp);
	ssize_t r;

	r = ctrl_recv(s, dst, want);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r < 0) {
		ctrl_close(s, LOG_EV_CLIENT_DISCONNECTED, "read_error");
		return;
	}
	s->cdeadline = now_ms() + CTRL_STREAM_IDLE_MS;
	if (w->strict_end && r > 0 && (size_t)r == w->max &&
	    recv(s->cfd, tmp, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
		ctrl_after(s, ctrl_stream_excess(s->cctx));
		return;
	}
	ctrl_after(s, ctrl_stream(s->cctx, dst, (size_t)r));
	if (r == 0 && s->cfd >= 0)
		ctrl_close(s, LOG_EV_CLIENT_DISCONNECTED, "eof");
}

static void
ctrl_readable(struct server *s)
{
	struct ctrl_want w;
	ssize_t r;

	if (s->cst == C_STREAM && ctrl_stream_want(s->cctx, &w)) {
		ctrl_stream_readable(s, &w);
		return;
	}
	r = ctrl_recv(s, s->cbuf + s->clen, sizeof(s->cbuf) - s->clen);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		ctrl_close(s, LOG_EV_CLIENT_DISCONNECTED, r == 0 ? "eof" :
		    "read_error");
		return;
	}
	if (s->clen == 0) {
		s->cst = C_COLLECT;
		s->cdeadline = now_ms() + CTRL_RECV_TIMEOUT_MS;
	}
	s->clen += (size_t)r;
	if (s->clen >= ctrl_frame_min(s->cbuf, s->clen) ||
	    s->clen == sizeof(s->cbuf))
		ctrl_dispatch(s);
}

static void
ctrl_accept(struct server *s)
{
	int fd = accept4(s->cfg->ctrl_listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	s->cfd = fd;
	s->cst = C_IDLE;
	s->clen = 0;
	log_event(LOG_EV_CLIENT_CONNECTED, LV_S(LOG_CH_CTRL));
}

/* ---------------------------------------------------------- ctrl ops */

static uint32_t
op_set_datafd(void *arg, int fd)
{
	struct server *s = arg;

	/* COMPAT: §3.14: an existing data channel is checked first. */
	if (s->cfg->have_server || s->dfd >= 0) {
		if (fd >= 0)
			close(fd);
		return PTM_RES_IOERROR;
	}
	if (fd < 0) {
		log_msg("no valid data socket in message\n");
		return PTM_RES_BAD_PARAMETER;
	}
	s->dfd = fd;
	s->dlen = 0;
	s->dpersist = true;
	log_event(LOG_EV_CLIENT_CONNECTED, LV_S(LOG_CH_DATA));
	return PTM_RES_SUCCESS;
}

/* -------------------------------------------------------------- loop */

static bool
data_pending(const struct server *s)
{
	return s->dfd >= 0 && (s->dlen > 0 || s->dout.p != NULL);
}

static int64_t
data_deadline(const struct server *s)
{
	return s->dout.p != NULL ? s->dout.deadline : s->ddeadline;
}

static bool
ctrl_pending(const struct server *s)
{
	return s->cfd >= 0 && s->cst != C_IDLE;
}

static int64_t
ctrl_deadline(const struct server *s)
{
	return s->cst == C_SEND ? s->cout.deadline : s->cdeadline;
}

static int
poll_timeout(const struct server *s)
{
	int64_t t = -1, d;

	if (data_pending(s))
		t = data_deadline(s);
	if (ctrl_pending(s) && (t < 0 || ctrl_deadline(s) < t))
		t = ctrl_deadline(s);
	if (t < 0)
		return -1;
	d = t - now_ms();
	return d < 0 ? 0 : (int)d;
}

static void
check_deadlines(struct server *s)
{
	int64_t now;

	if (!data_pending(s) && !ctrl_pending(s))
		return;		/* the common case: no clock read */
	now = now_ms();
	if (data_pending(s) && now >= data_deadline(s)) {
		bool unread = s->dout.p != NULL;

		log_warning(unread ? "Data client does not read its "
		    "responses; closing the connection\n" : "Data client "
		    "sent an incomplete command; closing the connection\n");
		data_close(s, LOG_EV_CLIENT_DROPPED, unread ? "not_reading" :
		    "incomplete_request");
	}
	if (ctrl_pending(s) && now >= ctrl_deadline(s)) {
		if (s->cst == C_WAIT) {
			ctrl_after(s, ctrl_resume(s->cctx));
			return;
		}
		if (s->cst == C_SEND)
			log_warning("Control client does not read its "
			    "response; closing the connection\n");
		ctrl_close(s, LOG_EV_CLIENT_DROPPED, s->cst == C_SEND ?
		    "not_reading" : s->cst == C_STREAM ? "stream_idle" :
		    "incomplete_request");
	}
}

static void
server_init(struct server *s, struct sw_server_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->dfd = cfg->data_fd;
	s->dpersist = true;
	s->cfd = cfg->ctrl_client_fd;
	s->cpass_fd = -1;
	s->ops = (struct ctrl_ops){
		.arg = s, .running = sw_tpm_running, .init = sw_tpm_init,
		.stop = sw_tpm_stop, .get_established = sw_tpm_get_established,
		.set_locality = sw_tpm_set_locality,
		.reset_established = sw_tpm_reset_established,
		.hash_start = sw_tpm_hash_start, .hash_data = sw_tpm_hash_data,
		.hash_end = sw_tpm_hash_end, .cancel = sw_tpm_cancel,
		.store_volatile = sw_tpm_store_volatile,
		.get_blob = sw_tpm_get_blob,
		.get_blob_sent = sw_tpm_get_blob_sent,
		.set_blob_lock = sw_tpm_set_blob_lock,
		.set_blob = sw_tpm_set_blob, .get_config = sw_tpm_get_config,
		.set_datafd = op_set_datafd,
		.set_buffersize = sw_tpm_set_buffersize,
		.get_info = sw_tpm_get_info,
		.lock_storage = sw_tpm_lock_storage,
		.lock_storage_retry = sw_tpm_lock_storage_retry,
	};
}

int
sw_server_run(struct sw_server_cfg *cfg)
{
	struct server *s;
	struct pollfd pfd[5];
	int n, i_sig, i_d, i_dl, i_c, i_cl, rc;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return 1;
	server_init(s, cfg);
	s->dcap = sw_tpm_data_bufsize();
	s->dbuf = malloc(s->dcap);
	s->cctx = ctrl_ctx_new(&s->ops, sw_tpm_is_tpm2());
	if (s->dbuf == NULL || s->cctx == NULL) {
		free(s->dbuf);
		ctrl_ctx_free(s->cctx);
		free(s);
		return 1;
	}
	/* inherited connections (--fd, clientfd=, a character device) */
	if (s->dfd >= 0)
		log_event(LOG_EV_CLIENT_CONNECTED, LV_S(LOG_CH_DATA));
	if (s->cfd >= 0)
		log_event(LOG_EV_CLIENT_CONNECTED, LV_S(LOG_CH_CTRL));
	while (!s->quit) {
		n = 0;
		i_d = i_dl = i_c = i_cl = -1;
		i_sig = n;
		pfd[n++] = (struct pollfd){ cfg->sig_fd, POLLIN, 0 };
		if (s->dfd >= 0) {
			i_d = n;
			pfd[n++] = (struct pollfd){ s->dfd,
			    s->dout.p != NULL ? POLLOUT : POLLIN, 0 };
		} else if (cfg->data_listen_fd >= 0) {
			i_dl = n;
			pfd[n++] = (struct pollfd){ cfg->data_listen_fd,
			    POLLIN, 0 };
		}
		if (s->cfd >= 0) {
			i_c = n;
			pfd[n++] = (struct pollfd){ s->cfd,
			    s->cst == C_SEND ? POLLOUT :
			    s->cst == C_WAIT ? 0 : POLLIN, 0 };
		} else if (cfg->ctrl_listen_fd >= 0) {
			i_cl = n;
			pfd[n++] = (struct pollfd){ cfg->ctrl_listen_fd,
			    POLLIN, 0 };
		}
		if (poll(pfd, (nfds_t)n, poll_timeout(s)) < 0) {
			if (errno == EINTR)
				continue;
			s->rc = 1;
			s->why = "poll_error";
			break;
		}
		if (pfd[i_sig].revents) {
			s->why = "signal";
			break;
		}
		if (i_d >= 0 && pfd[i_d].revents) {
			if (pfd[i_d].revents & POLLIN) {
				data_readable(s);
			} else if (pfd[i_d].revents & POLLOUT) {
				data_sent(s, send_more(s->dfd, &s->dout));
			} else {
				log_notice("Data client disconnected\n");
				data_close(s, LOG_EV_CLIENT_DISCONNECTED,
				    "hangup");
			}
		}
		if (s->quit)
			break;
		if (i_dl >= 0 && (pfd[i_dl].revents & POLLIN))
			data_accept(s);
		if (i_cl >= 0 && (pfd[i_cl].revents & POLLIN))
			ctrl_accept(s);
		if (i_c >= 0 && s->cfd >= 0 && pfd[i_c].revents) {
			if (s->cst == C_SEND) {
				int sent = send_more(s->cfd, &s->cout);

				if (sent != 0)
					ctrl_sent(s, sent);
			} else if (s->cst == C_WAIT) {
				/* hung up while waiting */
				ctrl_close(s, LOG_EV_CLIENT_DISCONNECTED,
				    "hangup");
			} else if (pfd[i_c].revents &
			    (POLLIN | POLLHUP | POLLERR)) {
				ctrl_readable(s);
			}
		}
		check_deadlines(s);
	}
	rc = s->rc;
	cfg->quit_reason = s->why;
	if (s->cfd >= 0)
		close(s->cfd);
	if (s->dfd >= 0)
		close(s->dfd);
	outq_clear(&s->dout);
	outq_clear(&s->cout);
	ctrl_ctx_free(s->cctx);
	free(s->dbuf);
	free(s);
	return rc;
}
