/*
 * The project's one unit-test assert header. Each test file defines
 * test functions, lists them in main() with T_RUN, and ends with
 * T_END(), which prints "N passed, N failed" and exits 0 or 1.
 */
#ifndef TESTS_UNIT_T_H
#define TESTS_UNIT_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_passed, t_failed, t_cur_failed;

#define T_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		t_cur_failed = 1; \
	} \
} while (0)

/* Check and leave the test function on failure. */
#define T_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		t_cur_failed = 1; \
		return; \
	} \
} while (0)

#define T_EQ_U(a, b) do { \
	unsigned long long t_a_ = (a), t_b_ = (b); \
	if (t_a_ != t_b_) { \
		fprintf(stderr, "%s:%d: %s == %llu (0x%llx), want %llu " \
		    "(0x%llx)\n", __FILE__, __LINE__, #a, t_a_, t_a_, t_b_, \
		    t_b_); \
		t_cur_failed = 1; \
	} \
} while (0)

#define T_EQ_MEM(a, b, n) do { \
	if (memcmp((a), (b), (n)) != 0) { \
		fprintf(stderr, "%s:%d: memory differs: %s vs %s\n", \
		    __FILE__, __LINE__, #a, #b); \
		t_cur_failed = 1; \
	} \
} while (0)

#define T_EQ_STR(a, b) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) { \
		fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", \
		    __FILE__, __LINE__, #a, t_a_ ? t_a_ : "(null)", \
		    t_b_ ? t_b_ : "(null)"); \
		t_cur_failed = 1; \
	} \
} while (0)

#define T_RUN(fn) do { \
	t_cur_failed = 0; \
	fn(); \
	if (t_cur_failed) { \
		t_failed++; \
		fprintf(stderr, "FAIL %s\n", #fn); \
	} else { \
		t_passed++; \
	} \
} while (0)

#define T_END() do { \
	printf("%d passed, %d failed\n", t_passed, t_failed); \
	return t_failed ? 1 : 0; \
} while (0)

/* Hex string (spaces allowed) to bytes; returns length. */
static inline size_t
t_hex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (unsigned char)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

#endif
