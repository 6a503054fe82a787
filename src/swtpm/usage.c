/*
 * Help and version texts of `swtpm`. Only text lives here; which options
 * exist is decided in options.c, and this file must stay in step with it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include "usage.h"

void
sw_version(FILE *f)
{
	fprintf(f, "TPM emulator version %s, Copyright (c) 2014-2022 "
	    "IBM Corp. and others\n", PACKAGE_VERSION);
}

void
sw_usage_general(FILE *f, const char *prgname)
{
	fprintf(f,
	    "TPM emulator with a choice of interfaces.\n"
	    "\n"
	    "Usage: %s socket|chardev [options]\n"
	    "       %s -v|--version\n"
	    "\n"
	    "Give --help after the interface type to see its options.\n"
	    "Use --version as the only argument to see version "
	    "information.\n",
	    prgname, prgname);
}

static const char usage_common[] =
"--ctrl type=[unixio|tcp][,path=<path>][,port=<port>[,bindaddr=<address>"
"[,ifname=<ifname>]]][,fd=<fd>|clientfd=<fd>][,mode=0...][,uid=<uid>]"
"[,gid=<gid>][,terminate]\n"
"                 : control channel on a UnixIO or TCP socket;\n"
"                   unixio: path is the socket to create, fd an already\n"
"                   listening socket, clientfd an already connected one;\n"
"                   mode (octal, default 0770), uid and gid set the\n"
"                   permissions and owner of the socket file;\n"
"                   tcp: port to listen on, or fd of a listening socket;\n"
"                   bindaddr defaults to 127.0.0.1 (IPv6 allowed; a\n"
"                   link-local address needs ifname);\n"
"                   terminate: exit when the control connection is lost\n"
"--tpmstate dir=<dir>|backend-uri=<uri>[,mode=0...][,lock[=true|false]]"
"[,backup][,fsync[=true|false]]\n"
"                 : where the TPM state is kept: dir=<dir> is the same as\n"
"                   backend-uri=dir://<dir>; backend-uri=file://<path>\n"
"                   keeps all state in one file; without this option the\n"
"                   directory in the TPM_PATH environment variable is used;\n"
"                   mode: permissions of the state files (default 0600);\n"
"                   lock: lock the storage (default on, off for file://);\n"
"                   backup: keep the replaced permanent state as\n"
"                   <permall>.bak and start from it if the current one\n"
"                   cannot be loaded (directory only);\n"
"                   fsync: flush every write to disk (default on)\n"
"--tpm2           : emulate a TPM 2 (default: TPM 1.2)\n"
"--key file=<path>|fd=<fd>[,mode=aes-cbc|aes-128-cbc|aes-256-cbc]"
"[,format=hex|binary][,remove[=true|false]]\n"
"                 : encrypt the state files with the AES key read from the\n"
"                   file or descriptor (hex string by default); remove\n"
"                   deletes the key file after reading it\n"
"--key pwdfile=<path>|pwdfd=<fd>[,mode=aes-cbc|aes-128-cbc|aes-256-cbc]"
"[,remove[=true|false]][,kdf=sha512|pbkdf2]\n"
"                 : derive the key from the passphrase in the file or\n"
"                   descriptor (default kdf: pbkdf2)\n"
"--migration-key <same parameters as --key>\n"
"                 : encrypt the state blobs read out through the control\n"
"                   channel with this key (for migration)\n"
"--locality [reject-locality-4][,allow-set-locality]\n"
"                 : reject-locality-4: refuse commands in locality 4;\n"
"                   allow-set-locality: accept the in-band SetLocality\n"
"                   command\n"
"--pid file=<path>|fd=<fd>\n"
"                 : write the process ID to the file or descriptor\n"
"--log file=<path>|fd=<fd>[,level=<n>][,prefix=<prefix>][,truncate]\n"
"      [,format=text|json]\n"
"                 : log to the file or descriptor instead of stderr;\n"
"                   file=- turns logging off; level 2 adds data dumps,\n"
"                   3 and up adds events (start, clients, state, ...),\n"
"                   5 and up adds libtpms debugging (text only); prefix is\n"
"                   put before every line; truncate empties the file\n"
"                   first; format=json writes one JSON object a line\n"
"--flags [not-need-init][,startup-clear|startup-state|startup-deactivated"
"|startup-none][,disable-auto-shutdown]\n"
"                 : not-need-init: start the TPM without waiting for INIT\n"
"                   on the control channel;\n"
"                   startup-...: send a TPM Startup of this type first;\n"
"                   disable-auto-shutdown: do not send TPM2_Shutdown\n"
"                   before a TPM 2 reset or exit\n"
"--migration [incoming][,release-lock-outgoing]\n"
"                 : incoming: lock the storage only once the state has\n"
"                   arrived; release-lock-outgoing: release the lock when\n"
"                   the state has been read out\n"
"--seccomp action=none|kill|log\n"
"                 : deny-list syscall filter installed before serving;\n"
"                   kill (default) ends the process on a denied syscall,\n"
"                   log only logs it, none installs no filter\n"
"-r|--runas <user>: switch to this user (name or number) at start\n"
"-R|--chroot <path>\n"
"                 : chroot to this directory at start\n"
"--print-capabilities\n"
"                 : print the supported features as JSON and exit\n"
"--print-states   : print the TPM state blobs present and exit\n"
"--print-info <flags>\n"
"                 : print libtpms information selected by the flags and\n"
"                   exit\n"
"-h|--help        : print this help and exit\n";

static const char usage_socket[] =
"-p|--port <port> : serve TPM commands on this TCP port, one command per\n"
"                   connection\n"
"-f|--fd <fd>     : read TPM commands from this already connected\n"
"                   descriptor; implies --terminate\n"
"-t|--terminate   : exit when the data connection is lost\n"
"-d|--daemon      : run in the background\n"
"--server [type=tcp][,port=<port>[,bindaddr=<address>[,ifname=<ifname>]]]"
"[,fd=<fd>][,disconnect]\n"
"                 : serve TPM commands on a TCP port (default from\n"
"                   TPM_PORT, bound to 127.0.0.1), or on the connected\n"
"                   socket fd; disconnect: close the connection after\n"
"                   every response\n"
"--server type=unixio[,path=<path>][,fd=<fd>][,mode=0...][,uid=<uid>]"
"[,gid=<gid>][,disconnect]\n"
"                 : serve TPM commands on a UnixIO socket created at\n"
"                   path, or on the listening socket fd; mode (default\n"
"                   0770), uid and gid as for --ctrl\n";

static const char usage_chardev[] =
"-c|--chardev <device>\n"
"                 : read TPM commands from this character device\n"
"-f|--fd <fd>     : read TPM commands from this already open device\n"
"                   descriptor\n"
"--vtpm-proxy     : create a Linux vTPM proxy device and read TPM\n"
"                   commands from it; implies startup-clear and\n"
"                   allow-set-locality\n"
"-d|--daemon      : run in the background\n";

void
sw_usage_iface(FILE *f, const char *prgname, enum sw_iface iface)
{
	bool sock = iface == SW_IFACE_SOCKET;

	fprintf(f, "Usage: %s %s [options]\n\nOptions:\n\n", prgname,
	    sock ? "socket" : "chardev");
	fputs(sock ? usage_socket : usage_chardev, f);
	fputs(usage_common, f);
	fputs("\n", f);
}
