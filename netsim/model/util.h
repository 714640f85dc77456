/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every stage: cleanup attributes, ownership transfer. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline void nsim_freep(void *p) { free(*(void **)p); }
static inline void nsim_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void nsim_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(x) __attribute__((cleanup(x)))
/* On every function returning 0 or -errno, as iproute2's libnetlink.h does:
 * an ignored error is a compile error. */
#define _must_check_ __attribute__((warn_unused_result))
#define _noreturn_ __attribute__((noreturn))
#define _cleanup_free_ _cleanup_(nsim_freep)
#define _cleanup_close_ _cleanup_(nsim_closep)
#define _cleanup_fclose_ _cleanup_(nsim_fclosep)

/* Defines name##p, a cleanup helper calling free_fn on a pointer variable
 * (free_fn must be NULL-safe), as systemd's DEFINE_TRIVIAL_CLEANUP_FUNC. */
#define NSIM_DEFINE_FREEP(type, free_fn)                  \
	static inline void free_fn##p(type **p)           \
	{                                                 \
		free_fn(*p);                              \
		*p = NULL;                                \
	}

/* Hands ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                \
	({                                         \
		__typeof__(p) _ptr_ = (p);         \
		(p) = NULL;                        \
		_ptr_;                             \
	})
#define TAKE_FD(fd)                     \
	({                              \
		int _fd_ = (fd);        \
		(fd) = -1;              \
		_fd_;                   \
	})

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define streq(a, b) (strcmp((a), (b)) == 0)

/* Milliseconds on `clock` (CLOCK_MONOTONIC for durations; CLOCK_REALTIME to
 * compare with packet timestamps). */
static inline double nsim_clock_ms(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
