/*
 * Counting the allocator calls a thread makes (tests only): the unit allocation test and
 * kr_drive (tests/engine) say with it that the producer's steady state allocates nothing.
 *
 * In a plain build this module defines malloc, calloc, realloc, free and the aligned
 * variants itself (glibc lets a program replace them) and forwards to glibc's __libc_*
 * functions, so every call from the engine, OpenSSL, liburing and libc is seen. Under ASan
 * or TSan, which own malloc, the sanitizer's malloc/free hooks count instead. Only calls
 * made on a thread whose window is open count.
 */
#ifndef KR_ALLOC_COUNT_H
#define KR_ALLOC_COUNT_H

#include <stddef.h>
#include <stdint.h>

#define KR_ALLOC_SEEN_MAX 16

typedef struct kr_alloc_counts {
    uint64_t allocs;
    uint64_t frees;
    size_t seen_size[KR_ALLOC_SEEN_MAX];        /* the first allocations in the window */
    const void *seen_caller[KR_ALLOC_SEEN_MAX]; /* their callers (NULL under a sanitizer) */
} kr_alloc_counts_t;

/* Zeroes the counts and opens the window on the calling thread. */
void kr_alloc_count_start(void);
/* Closes the window; the counts stay readable until the next start. */
void kr_alloc_count_stop(void);
/* What was counted so far (process-wide: one window at a time). */
const kr_alloc_counts_t *kr_alloc_counts(void);

#endif
