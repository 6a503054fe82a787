/*
 * Listening sockets. The reference binds at the final unix path before
 * it listens, so a client racing the path's creation gets ECONNREFUSED;
 * here the path appears by rename() only once the socket listens.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

bool
sock_is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int
fill_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * A temporary name next to path, or "" if it would not fit. bind(2)
 * refuses a name that exists, so pid and a counter are unique enough.
 */
static void
tmp_name(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	static unsigned counter;
	int n;

	n = snprintf(out, outlen, "%.*s.swtpm-%ld-%u", (int)dirlen, path,
	    (long)getpid(), counter++);
	if (n < 0 || (size_t)n >= outlen)
		out[0] = '\0';
}

int
sock_unix_listen(const char *path, mode_t mode, bool set_uid, uid_t uid,
    bool set_gid, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char tmp[sizeof(sun.sun_path)];
	const char *bindpath;
	int fd, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "Path for UnixIO socket is too long");
		return -1;
	}
	tmp_name(path, tmp, sizeof(tmp));
	bindpath = tmp[0] != '\0' ? tmp : path;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bindpath == path)
		(void)unlink(path);
	(void)fill_sun(&sun, bindpath);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	if (chmod(bindpath, mode) < 0)
		goto fail_unlink;
	if ((set_uid || set_gid) && chown(bindpath, set_uid ? uid : (uid_t)-1,
	    set_gid ? gid : (gid_t)-1) < 0)
		goto fail_unlink;
	if (listen(fd, 1) < 0)
		goto fail_unlink;
	if (bindpath != path && rename(bindpath, path) < 0)
		goto fail_unlink;
	return fd;
fail_unlink:
	saved = errno;
	(void)unlink(bindpath);
	errno = saved;
fail:
	saved = errno;
	snprintf(err, errlen, "Could not open UnixIO socket: %s",
	    strerror(saved));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
sock_tcp_listen(const char *bindaddr, const char *ifname, int port,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd = -1, one = 1, fam;
	const char *a = bindaddr != NULL ? bindaddr : "127.0.0.1";

	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		fam = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1) {
			snprintf(err, errlen,
			    "Could not parse the bind address '%s'", a);
			return -1;
		}
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) {
			if (ifname == NULL) {
				snprintf(err, errlen, "Missing interface name "
				    "for link local address");
				return -1;
			}
			s6->sin6_scope_id = if_nametoindex(ifname);
		}
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		fam = AF_INET;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, a, &s4->sin_addr) != 1) {
			snprintf(err, errlen,
			    "Could not parse the bind address '%s'", a);
			return -1;
		}
		sslen = sizeof(*s4);
	}
	fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 1) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "Could not open TCP socket on port %d: %s",
	    port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}
