/*
 * The single-threaded poll loop: control channel and data channel front
 * ends (listening sockets, connected fds, character devices, SET_DATAFD).
 * Every read is non-blocking and every partial request has a deadline;
 * responses are still written with blocking writes (a control client
 * has a 10 s send timeout, a data client none).
 */
#ifndef SWTPM_SERVER_H
#define SWTPM_SERVER_H

#include <stdbool.h>

struct sw_server_cfg {
	int	 data_listen_fd;	/* -1: none */
	bool	 data_disconnect;	/* close after each response */
	int	 data_fd;		/* connected data fd, -1: none */
	bool	 data_chardev;		/* HUP of data_fd ends the process */
	bool	 terminate;		/* data connection loss ends it */
	bool	 have_server;		/* --server/-p/--fd: no SET_DATAFD */
	int	 ctrl_listen_fd;	/* -1: none */
	int	 ctrl_client_fd;	/* clientfd=, -1: none */
	bool	 ctrl_terminate;
	int	 sig_fd;		/* self-pipe read end */
	/* out: why sw_server_run returned ("signal", "ctrl_shutdown", ...) */
	const char *quit_reason;
};

/* Runs until a signal, SHUTDOWN or a terminate condition; 0 or 1. */
int	 sw_server_run(struct sw_server_cfg *);

#endif
