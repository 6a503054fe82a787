/*
 * Listening sockets. The reference binds at the final unix path before
 * it listens, so a client racing the path's creation gets ECONNREFUSED;
 * here the path appears by rename() only once the socket listens. The
 * reference also unlinks whatever is at the path first; here only a
 * stale socket is replaced, and a file, directory, symlink or a socket
 * that someone listens on is refused.
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
#include <sys/random.h>
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
 * What is at path now: ENOENT (nothing), 0 (a stale socket: nobody
 * accepts on it; *sb is its lstat), or -1 with a message (anything
 * else is refused: a file, directory or symlink that the rename into
 * place would destroy, or a socket that another process listens on).
 */
static int
check_target(const char *path, struct stat *sb, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd, rc, saved;

	if (lstat(path, sb) < 0) {
		if (errno == ENOENT)
			return ENOENT;
		snprintf(err, errlen, "Could not open UnixIO socket: cannot "
		    "stat '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb->st_mode)) {
		snprintf(err, errlen, "Could not open UnixIO socket: '%s' "
		    "exists and is not a socket", path);
		return -1;
	}
	/* non-blocking: a full backlog answers EAGAIN, not a wait */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || fill_sun(&sun, path) < 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "Could not open UnixIO socket: %s",
		    strerror(saved));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	close(fd);
	if (rc < 0 && (saved == ECONNREFUSED || saved == ENOENT))
		return saved == ENOENT ? ENOENT : 0;
	if (rc == 0 || saved == EAGAIN || saved == EINPROGRESS)
		snprintf(err, errlen, "Could not open UnixIO socket: '%s' is "
		    "in use by another process", path);
	else
		snprintf(err, errlen, "Could not open UnixIO socket: cannot "
		    "tell whether '%s' is in use: %s", path, strerror(saved));
	return -1;
}

/*
 * A temporary name next to path with a random part, or "" if it would
 * not fit. Another user who can write to the directory cannot guess it,
 * and bind(2) refuses a name that exists, so it cannot be taken from us.
 */
static void
tmp_name(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	unsigned char r[8];
	int n;

	out[0] = '\0';
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return;
	n = snprintf(out, outlen, "%.*s.swtpm-%02x%02x%02x%02x%02x%02x%02x"
	    "%02x", (int)dirlen, path, r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7]);
	if (n < 0 || (size_t)n >= outlen)
		out[0] = '\0';
}

/* bind(2) with the socket file created in mode 'mode' exactly. */
static int
bind_mode(int fd, const char *path, mode_t mode)
{
	struct sockaddr_un sun;
	mode_t old;
	int rc, saved;

	(void)fill_sun(&sun, path);
	/* the socket inode gets 0777 & ~umask: no chmod by path needed */
	old = umask(~mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	errno = saved;
	return rc;
}

/*
 * chown of the socket we just bound at path, through an O_PATH fd of
 * exactly that name: never a symlink, and only a socket of ours with one
 * link (not a file someone put there in its place).
 */
static int
chown_socket(const char *path, bool set_uid, uid_t uid, bool set_gid,
    gid_t gid)
{
	struct stat sb;
	int fd, rc = -1, saved;

	if (!set_uid && !set_gid)
		return 0;
	if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) < 0)
		goto out;
	if (!S_ISSOCK(sb.st_mode) || sb.st_uid != geteuid() ||
	    sb.st_nlink != 1) {
		errno = EPERM;
		goto out;
	}
	rc = fchownat(fd, "", set_uid ? uid : (uid_t)-1,
	    set_gid ? gid : (gid_t)-1, AT_EMPTY_PATH);
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/*
 * Moves the listening socket at tmp to path. Nothing there: a rename
 * that cannot replace anything. A stale socket (stale: its lstat): the
 * names are exchanged, and what comes out under tmp must be that
 * socket, else it goes back. Returns 0, 1 if path changed since it was
 * checked (check again), -1 on error, -2 if what took the stale
 * socket's place could not be put back (it is now at tmp: keep it).
 */
static int
move_into_place(const char *tmp, const char *path, const struct stat *stale)
{
	struct stat sb;
	int saved;

	if (stale == NULL) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
		    RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			return 1;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* no renameat2 flags here: link(2) never replaces either */
		if (link(tmp, path) < 0)
			return errno == EEXIST ? 1 : -1;
		(void)unlink(tmp);
		return 0;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		return rename(tmp, path);	/* the reference's window */
	}
	if (lstat(tmp, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    sb.st_dev == stale->st_dev && sb.st_ino == stale->st_ino) {
		(void)unlink(tmp);
		return 0;
	}
	/* something else took the stale socket's place: put it back */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) < 0) {
		saved = errno;
		(void)unlink(path);	/* our socket */
		errno = saved;
		return -2;
	}
	return 1;
}

int
sock_unix_listen(const char *path, mode_t mode, bool set_uid, uid_t uid,
    bool set_gid, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char tmp[sizeof(sun.sun_path)];
	const char *bindpath = path;
	struct stat sb;
	int fd = -1, saved, state, tries, moved = 1;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "Path for UnixIO socket is too long");
		return -1;
	}
	if ((state = check_target(path, &sb, err, errlen)) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	for (tries = 0; tries < 100; tries++) {
		tmp_name(path, tmp, sizeof(tmp));
		if (tmp[0] == '\0')
			break;
		if (bind_mode(fd, tmp, mode) == 0) {
			bindpath = tmp;
			break;
		}
		if (errno != EADDRINUSE)
			goto fail;
	}
	if (bindpath == path) {
		/* no room for a temporary name: the reference's way */
		if (state == 0)
			(void)unlink(path);
		if (bind_mode(fd, path, mode) < 0)
			goto fail;
	}
	if (chown_socket(bindpath, set_uid, uid, set_gid, gid) < 0 ||
	    listen(fd, 1) < 0)
		goto fail_unlink;
	for (tries = 0; bindpath != path && tries < 3; tries++) {
		moved = move_into_place(tmp, path, state == 0 ? &sb : NULL);
		if (moved <= 0)
			break;
		/* path changed under us: look again */
		if ((state = check_target(path, &sb, err, errlen)) < 0) {
			(void)unlink(tmp);
			close(fd);
			return -1;
		}
	}
	if (moved == -2)
		goto fail;
	if (bindpath != path && moved != 0) {
		if (moved > 0)
			errno = EBUSY;
		goto fail_unlink;
	}
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
