/*
 * The serial number counter of swtpm_localca (provisioning.md §2.4, the
 * HEAD rule with a smaller random start): a file holding the last serial
 * handed out, in decimal.
 * Never prints: errors are -1 and one line in the caller's buffer.
 */
#ifndef LOCALCA_SERIAL_H
#define LOCALCA_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/* Longest counter value read (HEAD: 49 digits, 20 octets). */
#define LC_SERIAL_MAX_DIGITS	49

/*
 * The serial that follows a counter file holding text[0..len) ('have'
 * false: there is no file): that number plus one. A missing, empty or
 * unparsable file (anything but digits with optional white space around
 * them, or more than LC_SERIAL_MAX_DIGITS digits), or a next value that
 * would not fit a certificate serial (20 DER octets, < 2^159), gives a
 * random start instead (HEAD's rule; for a missing file that number
 * plus one). The start is a random 19-digit number below 2^63 - 2^32,
 * not HEAD's 20 digits: see serial.c. Returns a malloc'ed decimal
 * string, or NULL (ENOMEM, or the random generator failed).
 */
char	*lc_serial_next(const char *text, size_t len, bool have);

/*
 * Under the caller's CA lock: reads the counter file at path, computes
 * the next serial and writes it back atomically (lc_replace, mode 0666
 * less the umask). *out is the serial to use (malloc'ed). On failure
 * the file is unchanged and no serial is handed out.
 */
int	 lc_serial_take(const char *path, char **out, char *msg,
	    size_t msglen);

#endif
