/*
 * No malloc/free on the steady-state path (issue 3): after a warm-up that connects,
 * handshakes, fetches metadata and a producer id, 1,000,000 records go through the fake
 * broker and the producer's thread calls no allocator function at all between the two
 * checkpoints.
 *
 * Counting: in a plain build this executable defines malloc, calloc, realloc, free and
 * the aligned variants itself (glibc lets a program replace them) and forwards to
 * glibc's __libc_* functions, so every call from the engine, liburing and libc (for
 * example getaddrinfo's) is seen. Under ASan or TSan, which own malloc, the sanitizer's
 * malloc/free hooks count instead. Only calls made on the producer's thread while the
 * window is open count: the fake broker's threads allocate as they please.
 *
 * getaddrinfo allocates; the engine calls it when it connects, which is during the
 * warm-up only (the test asserts that no new connection was made in the window).
 *
 * Statistics are on (statistics.interval.ms 100, issue 10): making the documents in the
 * window allocates nothing either.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>

#include <cmocka.h>

#include "kr_fakebroker.h"
#include "kr_header.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_BY_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ALLOC_BY_SANITIZER 1
#endif
#endif

#define WARMUP 10000
#define RECORDS 1000000
#define PARTS 4
#define SEEN_MAX 16

static __thread int counting; /* the window is open on this thread */
static uint64_t allocs;
static uint64_t frees;
static size_t seen_size[SEEN_MAX];
static const void *seen_caller[SEEN_MAX];

static void count_alloc(size_t size, const void *caller)
{
    if (!counting)
        return;
    if (allocs < SEEN_MAX) {
        seen_size[allocs] = size;
        seen_caller[allocs] = caller;
    }
    allocs++;
}

static void count_free(void)
{
    if (counting)
        frees++;
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

/*
 * The counting itself works: creating and closing a producer (which allocates its
 * arenas, and whose connect calls getaddrinfo) is seen, and nothing is counted while
 * the window is closed.
 */
static void test_counter_counts(void **state)
{
    (void)state;
    install_counting();
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    kr_fb_conf_topic(&fc, "t", 1);
    kr_fb_t *fb = kr_fb_start(&fc);
    assert_non_null(fb);
    allocs = frees = 0;
    counting = 1;
    kr_fbh_t h;
    int rc = kr_fbh_open(&h, fb, 0, NULL);
    uint64_t created = allocs;
    if (rc == 0)
        rc = kr_fbh_produce(&h, "t", 0, 0, 8);
    if (rc == 0)
        rc = kr_flush(h.p, 10000);
    kr_fbh_close(&h, 1000);
    counting = 0;
    assert_int_equal(rc, 0);
    print_message("allocations: %llu creating the producer, %llu to connect, produce and "
                  "close; frees: %llu\n", (unsigned long long)created,
                  (unsigned long long)(allocs - created), (unsigned long long)frees);
    assert_true(created >= 4);
    assert_true(allocs > created); /* getaddrinfo, at least */
    assert_true(frees >= created);
    uint64_t before = allocs;
    void *p = malloc(64);
    free(p);
    assert_int_equal(allocs, before);
    allocs = frees = 0;
    kr_fb_stop(fb);
}

static uint64_t stats_docs;

static void on_stats(const char *json, size_t len, void *ctx)
{
    (void)ctx;
    if (len > 0 && json[0] == '{' && json[len - 1] == '}')
        stats_docs++;
}

static void produce_range(kr_fbh_t *h, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        int rc = kr_fbh_produce(h, "t", (int32_t)(i % PARTS), i, 32);
        if (rc != 0)
            fail_msg("record %llu: %s", (unsigned long long)i, kr_strerror(rc));
    }
}

/* Steady state with compression.type=codec: no allocation, every record in order. */
static void steady_state(const char *codec)
{
    kr_fbh_watchdog(240, __func__);
    install_counting();
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.log_cap = (WARMUP + RECORDS) / PARTS + 1;
    kr_fb_conf_topic(&fc, "t", PARTS);
    kr_fb_t *fb = kr_fb_start(&fc);
    assert_non_null(fb);
    kr_fbh_t h;
    const char *const set[] = {"batch.size", "65536", "buffer.memory", "16777216",
                               "linger.ms", "5", "compression.type", codec,
                               "statistics.interval.ms", "100", NULL};
    assert_int_equal(kr_fbh_open_stats(&h, fb, 0, set, on_stats, NULL), 0);
    produce_range(&h, 0, WARMUP);
    assert_int_equal(kr_flush(h.p, 30000), 0);
    assert_int_equal(h.ok, WARMUP);
    int64_t conns = kr_fb_connections(fb, 1);

    allocs = frees = 0;
    stats_docs = 0;
    counting = 1;
    produce_range(&h, WARMUP, WARMUP + RECORDS);
    int rc = kr_flush(h.p, 120000);
    counting = 0;
    print_message("statistics documents in the window: %llu\n",
                  (unsigned long long)stats_docs);
    assert_true(stats_docs > 0);

    assert_int_equal(rc, 0);
    assert_int_equal(h.ok, WARMUP + RECORDS);
    assert_int_equal(h.failed, 0);
    assert_int_equal(kr_fb_connections(fb, 1), conns);
    for (uint64_t i = 0; i < allocs && i < SEEN_MAX; i++)
        print_message("allocation %llu in the window: %zu bytes, called from %p\n",
                      (unsigned long long)i, seen_size[i], seen_caller[i]);
    if (allocs != 0 || frees != 0)
        fail_msg("the steady state called the allocator: %llu allocations, %llu frees",
                 (unsigned long long)allocs, (unsigned long long)frees);
    /* and the records are all there, in order, once */
    int64_t total = 0;
    for (int32_t p = 0; p < PARTS; p++) {
        int64_t n = kr_fb_log_len(fb, 0, p);
        uint64_t prev = 0;
        for (int64_t o = 0; o < n; o++) {
            uint64_t id = kr_fb_log_id(fb, 0, p, o);
            if (id % PARTS != (uint64_t)p || (o > 0 && id <= prev))
                fail_msg("partition %d offset %lld holds record %llu after %llu", p,
                         (long long)o, (unsigned long long)id, (unsigned long long)prev);
            prev = id;
        }
        total += n;
    }
    assert_int_equal(total, WARMUP + RECORDS);
    char why[256];
    assert_int_equal(kr_fb_violations(fb, why, sizeof(why)), 0);
    kr_fbh_close(&h, 1000);
    kr_fb_stop(fb);
}

static void test_steady_state_allocates_nothing(void **state)
{
    (void)state;
    steady_state("lz4");
}

/* zstd's contexts are carved at kr_producer_new: closing batches allocates nothing. */
static void test_steady_state_zstd_allocates_nothing(void **state)
{
    (void)state;
    steady_state("zstd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_counts),
        cmocka_unit_test(test_steady_state_allocates_nothing),
        cmocka_unit_test(test_steady_state_zstd_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
