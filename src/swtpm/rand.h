/* Kernel-backed RAND_bytes for OpenSSL (see rand.c). */
#ifndef SWTPM_RAND_H
#define SWTPM_RAND_H

/* Makes RAND_bytes read getrandom(2); 0 or -1. */
int	 sw_rand_use_kernel(void);

#endif
