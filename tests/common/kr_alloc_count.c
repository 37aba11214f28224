/* Counting allocator calls per thread (tests only). See kr_alloc_count.h. */
#define _GNU_SOURCE
#include "kr_alloc_count.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_BY_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ALLOC_BY_SANITIZER 1
#endif
#endif

static __thread int counting; /* the window is open on this thread */
static kr_alloc_counts_t counts;

static void count_alloc(size_t size, const void *caller)
{
    if (!counting)
        return;
    if (counts.allocs < KR_ALLOC_SEEN_MAX) {
        counts.seen_size[counts.allocs] = size;
        counts.seen_caller[counts.allocs] = caller;
    }
    counts.allocs++;
}

static void count_free(void)
{
    if (counting)
        counts.frees++;
}

#ifdef ALLOC_BY_SANITIZER
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *ptr, size_t size)
{
    (void)ptr;
    count_alloc(size, NULL);
}

static void on_free(const volatile void *ptr)
{
    (void)ptr;
    count_free();
}

static void install_counting(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *ptr);

void *malloc(size_t size)
{
    count_alloc(size, __builtin_return_address(0));
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    count_alloc(n * size, __builtin_return_address(0));
    return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
    count_alloc(size, __builtin_return_address(0));
    return __libc_realloc(ptr, size);
}

void *reallocarray(void *ptr, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return NULL;
    count_alloc(bytes, __builtin_return_address(0));
    return __libc_realloc(ptr, bytes);
}

void free(void *ptr)
{
    if (ptr != NULL)
        count_free();
    __libc_free(ptr);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    count_alloc(size, __builtin_return_address(0));
    void *p = __libc_memalign(align, size);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    count_alloc(size, __builtin_return_address(0));
    return __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size)
{
    count_alloc(size, __builtin_return_address(0));
    return __libc_memalign(align, size);
}

static void install_counting(void) {}
#endif

void kr_alloc_count_start(void)
{
    install_counting();
    memset(&counts, 0, sizeof(counts));
    counting = 1;
}

void kr_alloc_count_stop(void) { counting = 0; }

const kr_alloc_counts_t *kr_alloc_counts(void) { return &counts; }
