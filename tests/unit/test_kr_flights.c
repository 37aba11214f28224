/* The flight event generator: determinism, event ids, sizes, keys, fleet splits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_error.h"
#include "kr_flights.h"

/*
 * Allocation counting: tests/CMakeLists.txt links this test with --wrap for malloc, calloc
 * and realloc, so the generator's calls land here.
 */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
static volatile unsigned long allocs; /* volatile: the compiler assumes malloc leaves it alone */

void *__wrap_malloc(size_t n)
{
    allocs++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    allocs++;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    allocs++;
    return __real_realloc(p, n);
}

static kr_flights_t *make(uint64_t seed, uint32_t part, uint32_t parts, size_t record_size,
                          kr_flights_key_t key)
{
    kr_flights_conf_t c;
    kr_flights_conf_init(&c);
    c.seed = seed;
    c.part = part;
    c.parts = parts;
    c.record_size = record_size;
    c.key = key;
    kr_flights_t *g = NULL;
    assert_int_equal(kr_flights_new(&g, &c), 0);
    return g;
}

/* The value of "field": as text (a string's characters, or a number's digits). */
static int field(const char *v, size_t len, const char *name, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", name);
    const char *end = v + len;
    const char *p = NULL;
    for (const char *q = v; q + strlen(pat) <= end; q++) {
        if (memcmp(q, pat, strlen(pat)) == 0) {
            p = q + strlen(pat);
            break;
        }
    }
    if (p == NULL)
        return -1;
    int quoted = *p == '"';
    p += quoted;
    size_t n = 0;
    while (p < end && n + 1 < outlen &&
           (quoted ? *p != '"' : (*p != ',' && *p != '}' && *p != ' '))) {
        out[n++] = *p++;
    }
    out[n] = '\0';
    return 0;
}

static uint64_t event_id(const kr_flights_rec_t *r)
{
    char buf[32];
    assert_int_equal(field(r->value, r->value_len, "event_id", buf, sizeof(buf)), 0);
    return strtoull(buf, NULL, 10);
}

static void test_deterministic(void **state)
{
    (void)state;
    kr_flights_t *a = make(42, 0, 1, 0, KR_FLIGHTS_KEY_ICAO24);
    kr_flights_t *b = make(42, 0, 1, 0, KR_FLIGHTS_KEY_ICAO24);
    kr_flights_t *c = make(43, 0, 1, 0, KR_FLIGHTS_KEY_ICAO24);
    size_t differ = 0;
    for (int i = 0; i < 200000; i++) {
        kr_flights_rec_t ra, rb, rc;
        kr_flights_next(a, &ra);
        kr_flights_next(b, &rb);
        kr_flights_next(c, &rc);
        assert_int_equal(ra.value_len, rb.value_len);
        assert_memory_equal(ra.value, rb.value, ra.value_len);
        assert_int_equal(ra.key_len, rb.key_len);
        assert_memory_equal(ra.key, rb.key, ra.key_len);
        differ += ra.value_len != rc.value_len || memcmp(ra.value, rc.value, ra.value_len) != 0;
    }
    assert_true(differ > 190000);
    kr_flights_free(a);
    kr_flights_free(b);
    kr_flights_free(c);
}

static void test_event_ids(void **state)
{
    (void)state;
    /* the counter against printf across digit boundaries, several strides */
    const uint64_t firsts[] = {0, 7, 95, 9999999, 99999999999ull};
    const uint32_t strides[] = {1, 3, 10, 97, 1000};
    for (size_t f = 0; f < 5; f++) {
        for (size_t s = 0; s < 5; s++) {
            kr_flights_conf_t c;
            kr_flights_conf_init(&c);
            c.id_first = firsts[f];
            c.parts = strides[s]; /* part 0 of parts: ids id_first + i * parts */
            c.fleet = strides[s] * 4;
            c.key = KR_FLIGHTS_KEY_EVENT_ID;
            kr_flights_t *g;
            assert_int_equal(kr_flights_new(&g, &c), 0);
            for (uint64_t i = 0; i < 3000; i++) {
                uint64_t want = firsts[f] + i * strides[s];
                assert_int_equal(kr_flights_next_id(g), want);
                kr_flights_rec_t r;
                kr_flights_next(g, &r);
                char digits[32];
                snprintf(digits, sizeof(digits), "%llu", (unsigned long long)want);
                assert_int_equal(event_id(&r), want);
                assert_int_equal(r.key_len, strlen(digits));
                assert_memory_equal(r.key, digits, r.key_len);
            }
            kr_flights_free(g);
        }
    }
}

/* Three parts (threads) together: the ids 0..n-1, each exactly once. */
static void test_ids_unique_across_parts(void **state)
{
    (void)state;
    enum { PARTS = 3, PER = 50000, N = PARTS * PER };
    unsigned char *seen = calloc(N, 1);
    assert_non_null(seen);
    for (uint32_t t = 0; t < PARTS; t++) {
        kr_flights_t *g = make(1, t, PARTS, 0, KR_FLIGHTS_KEY_ICAO24);
        uint64_t prev = 0;
        for (int i = 0; i < PER; i++) {
            kr_flights_rec_t r;
            kr_flights_next(g, &r);
            uint64_t id = event_id(&r);
            assert_true(id < N);
            assert_true(i == 0 || id > prev);
            assert_int_equal(seen[id], 0);
            seen[id] = 1;
            prev = id;
        }
        kr_flights_free(g);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
}

static void test_natural_size(void **state)
{
    (void)state;
    kr_flights_t *g = make(7, 0, 1, 0, KR_FLIGHTS_KEY_ICAO24);
    uint64_t total = 0;
    for (int i = 0; i < 100000; i++) {
        kr_flights_rec_t r;
        kr_flights_next(g, &r);
        assert_true(r.value_len >= 250);
        assert_true(r.value_len <= KR_FLIGHTS_NATURAL_MAX);
        assert_int_equal(r.value[0], '{');
        assert_int_equal(r.value[r.value_len - 1], '}');
        total += r.value_len;
    }
    uint64_t avg = total / 100000;
    assert_true(avg >= 280 && avg <= 330);
    kr_flights_free(g);
}

static void test_record_size(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 12, 100, 290, 305, 309, 310, 311, 320, 1000, 4096, 65536};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        kr_flights_t *g = make(1, 0, 1, sizes[k], KR_FLIGHTS_KEY_ICAO24);
        int n = sizes[k] > 2000 ? 300 : 20000;
        for (int i = 0; i < n; i++) {
            kr_flights_rec_t r;
            kr_flights_next(g, &r);
            assert_int_equal(r.value_len, sizes[k]);
            assert_int_equal(r.value[0], '{');
            for (size_t j = 0; j < r.value_len; j++)
                assert_true(r.value[j] >= 0x20 && r.value[j] < 0x7f);
            if (sizes[k] >= KR_FLIGHTS_NATURAL_MAX)
                assert_int_equal(r.value[r.value_len - 1], '}');
        }
        kr_flights_free(g);
    }
}

static void test_keys(void **state)
{
    (void)state;
    static const struct {
        kr_flights_key_t key;
        const char *field;
    } keys[] = {
        {KR_FLIGHTS_KEY_ICAO24, "icao24"},           {KR_FLIGHTS_KEY_CALLSIGN, "callsign"},
        {KR_FLIGHTS_KEY_AIRLINE, "airline"},         {KR_FLIGHTS_KEY_ORIGIN, "origin"},
        {KR_FLIGHTS_KEY_DESTINATION, "destination"}, {KR_FLIGHTS_KEY_SQUAWK, "squawk"},
        {KR_FLIGHTS_KEY_STATUS, "status"},           {KR_FLIGHTS_KEY_EVENT_ID, "event_id"},
    };
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        kr_flights_t *g = make(5, 0, 1, 0, keys[k].key);
        for (int i = 0; i < 20000; i++) {
            kr_flights_rec_t r;
            kr_flights_next(g, &r);
            char want[64];
            assert_int_equal(field(r.value, r.value_len, keys[k].field, want, sizeof(want)), 0);
            assert_non_null(r.key);
            assert_int_equal(r.key_len, strlen(want));
            assert_memory_equal(r.key, want, r.key_len);
            if (keys[k].key == KR_FLIGHTS_KEY_ICAO24) {
                for (size_t j = 0; j < 6; j++)
                    assert_non_null(strchr("0123456789abcdef", r.key[j]));
            }
        }
        kr_flights_free(g);
    }
    kr_flights_t *g = make(5, 0, 1, 0, KR_FLIGHTS_KEY_NONE);
    kr_flights_rec_t r;
    kr_flights_next(g, &r);
    assert_null(r.key);
    assert_int_equal(r.key_len, 0);
    kr_flights_free(g);
}

/* Keys repeat: the fleet is fixed, icao24 is unique per aircraft. */
static void test_fleet_keys(void **state)
{
    (void)state;
    kr_flights_conf_t c;
    kr_flights_conf_init(&c);
    c.fleet = 100;
    kr_flights_t *g;
    assert_int_equal(kr_flights_new(&g, &c), 0);
    char first[100][7];
    for (int pass = 0; pass < 5; pass++) {
        for (int i = 0; i < 100; i++) {
            kr_flights_rec_t r;
            kr_flights_next(g, &r);
            assert_int_equal(r.key_len, 6);
            if (pass == 0) {
                memcpy(first[i], r.key, 6);
                first[i][6] = '\0';
                for (int j = 0; j < i; j++)
                    assert_string_not_equal(first[i], first[j]);
            } else {
                assert_memory_equal(first[i], r.key, 6);
            }
        }
    }
    kr_flights_free(g);
}

/* An aircraft's events do not depend on how the fleet is split among generators. */
static void test_split_independent(void **state)
{
    (void)state;
    enum { FLEET = 64, PASSES = 50 };
    kr_flights_conf_t c;
    kr_flights_conf_init(&c);
    c.fleet = FLEET;
    c.key = KR_FLIGHTS_KEY_ICAO24;
    kr_flights_t *whole;
    assert_int_equal(kr_flights_new(&whole, &c), 0);
    static char want[FLEET][PASSES][KR_FLIGHTS_NATURAL_MAX];
    for (int p = 0; p < PASSES; p++) {
        for (int i = 0; i < FLEET; i++) {
            kr_flights_rec_t r;
            kr_flights_next(whole, &r);
            /* without the event_id: from the timestamp on */
            const char *ts = strstr(r.value, "\"timestamp\"");
            assert_non_null(ts);
            snprintf(want[i][p], sizeof(want[i][p]), "%.*s", (int)(r.value + r.value_len - ts), ts);
        }
    }
    kr_flights_free(whole);
    for (uint32_t t = 0; t < 4; t++) {
        c.part = t;
        c.parts = 4;
        kr_flights_t *g;
        assert_int_equal(kr_flights_new(&g, &c), 0);
        for (int p = 0; p < PASSES; p++) {
            for (uint32_t i = t; i < FLEET; i += 4) {
                kr_flights_rec_t r;
                kr_flights_next(g, &r);
                const char *ts = strstr(r.value, "\"timestamp\"");
                assert_non_null(ts);
                assert_int_equal(strlen(want[i][p]), (size_t)(r.value + r.value_len - ts));
                assert_memory_equal(want[i][p], ts, strlen(want[i][p]));
            }
        }
        kr_flights_free(g);
    }
}

/*
 * The parts of a split (threads times instances) write exactly the one generator's events:
 * part p's i-th event is event p + i * parts of the whole sequence, id and bytes, key
 * included; whether parts divides the fleet or not, more parts than aircraft included.
 */
static void test_parts_union(void **state)
{
    (void)state;
    enum { N = 6000, VMAX = KR_FLIGHTS_NATURAL_MAX };
    static const struct {
        uint32_t fleet, parts;
    } splits[] = {{100, 1}, {100, 4}, {100, 3}, {100, 6}, {7, 2}, {4096, 6}, {5, 8}, {3, 3}};
    static char want_v[N][VMAX];
    static size_t want_len[N];
    static char want_k[N][8];
    for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
        kr_flights_conf_t c;
        kr_flights_conf_init(&c);
        c.seed = 99;
        c.fleet = splits[s].fleet;
        c.key = KR_FLIGHTS_KEY_CALLSIGN;
        kr_flights_t *whole;
        assert_int_equal(kr_flights_new(&whole, &c), 0);
        for (int k = 0; k < N; k++) {
            kr_flights_rec_t r;
            kr_flights_next(whole, &r);
            assert_true(r.value_len <= VMAX && r.key_len < sizeof(want_k[k]));
            memcpy(want_v[k], r.value, r.value_len);
            want_len[k] = r.value_len;
            memset(want_k[k], 0, sizeof(want_k[k]));
            memcpy(want_k[k], r.key, r.key_len);
        }
        kr_flights_free(whole);
        c.parts = splits[s].parts;
        for (c.part = 0; c.part < c.parts; c.part++) {
            kr_flights_t *g;
            assert_int_equal(kr_flights_new(&g, &c), 0);
            for (uint64_t k = c.part; k < N; k += c.parts) {
                assert_int_equal(kr_flights_next_id(g), k);
                kr_flights_rec_t r;
                kr_flights_next(g, &r);
                assert_int_equal(event_id(&r), k);
                assert_int_equal(r.value_len, want_len[k]);
                assert_memory_equal(r.value, want_v[k], r.value_len);
                assert_int_equal(r.key_len, strlen(want_k[k]));
                assert_memory_equal(r.key, want_k[k], r.key_len);
            }
            kr_flights_free(g);
        }
    }
}

/* Every field, in order, with plausible values; the simulated clock steps a second a pass. */
static void test_fields(void **state)
{
    (void)state;
    static const char *const names[] = {"event_id", "timestamp",     "icao24",      "callsign",
                                        "airline",  "origin",        "destination", "squawk",
                                        "latitude", "longitude",     "altitude",    "ground_speed",
                                        "heading",  "vertical_rate", "on_ground",   "status"};
    kr_flights_conf_t c;
    kr_flights_conf_init(&c);
    c.fleet = 1000;
    kr_flights_t *g;
    assert_int_equal(kr_flights_new(&g, &c), 0);
    for (int i = 0; i < 100000; i++) {
        kr_flights_rec_t r;
        kr_flights_next(g, &r);
        const char *prev = r.value;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            char pat[48];
            snprintf(pat, sizeof(pat), "\"%s\":", names[k]);
            const char *at = strstr(prev, pat);
            assert_non_null(at);
            assert_true(at >= prev && at < r.value + r.value_len);
            prev = at;
        }
        char v[64];
        field(r.value, r.value_len, "timestamp", v, sizeof(v));
        long long ts = strtoll(v, NULL, 10);
        long long want_s = KR_FLIGHTS_START_MS / 1000 + i / 1000;
        assert_true(ts / 1000 == want_s);
        field(r.value, r.value_len, "latitude", v, sizeof(v));
        double lat = strtod(v, NULL);
        assert_true(lat >= -90 && lat <= 90);
        field(r.value, r.value_len, "longitude", v, sizeof(v));
        double lon = strtod(v, NULL);
        assert_true(lon >= -180 && lon <= 180);
        field(r.value, r.value_len, "heading", v, sizeof(v));
        double hdg = strtod(v, NULL);
        assert_true(hdg >= 0 && hdg < 360);
        field(r.value, r.value_len, "altitude", v, sizeof(v));
        long alt = strtol(v, NULL, 10);
        assert_true(alt >= 0 && alt <= 60000);
        field(r.value, r.value_len, "squawk", v, sizeof(v));
        assert_int_equal(strlen(v), 4);
        assert_int_equal(strspn(v, "01234567"), 4);
        field(r.value, r.value_len, "on_ground", v, sizeof(v));
        assert_true(strcmp(v, "true") == 0 || strcmp(v, "false") == 0);
    }
    kr_flights_free(g);
}

static void test_conf_errors(void **state)
{
    (void)state;
    kr_flights_conf_t c;
    kr_flights_t *g = NULL;
    kr_flights_conf_init(&c);
    c.fleet = 0;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.fleet = KR_FLIGHTS_FLEET_MAX + 1;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.parts = KR_FLIGHTS_PARTS_MAX + 1;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.parts = 0;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.parts = 2;
    c.part = 2;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.id_first = UINT64_MAX / 2 + 1;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.record_size = KR_FLIGHTS_RECORD_MAX + 1;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    kr_flights_conf_init(&c);
    c.start_ms = 999;
    assert_int_equal(kr_flights_new(&g, &c), KR_ERANGE);
    assert_null(g);
    kr_flights_conf_init(&c);
    c.fleet = 1;
    assert_int_equal(kr_flights_new(&g, &c), 0);
    kr_flights_rec_t r;
    for (int i = 0; i < 10000; i++)
        kr_flights_next(g, &r);
    kr_flights_free(g);
}

/* No allocation per event, whatever the size, key or flight changes. */
static void test_no_allocation(void **state)
{
    (void)state;
    unsigned long before = allocs;
    void *volatile probe = malloc(16);
    assert_int_equal(allocs, before + 1); /* the counting is wired up */
    free(probe);
    const size_t sizes[] = {0, 100, 2000};
    for (size_t k = 0; k < 3; k++) {
        kr_flights_conf_t c;
        kr_flights_conf_init(&c);
        c.fleet = 16; /* short passes: many simulated seconds, phase changes, new flights */
        c.record_size = sizes[k];
        c.key = (kr_flights_key_t)(k + 1);
        kr_flights_t *g;
        assert_int_equal(kr_flights_new(&g, &c), 0);
        before = allocs;
        kr_flights_rec_t r;
        for (int i = 0; i < 300000; i++)
            kr_flights_next(g, &r);
        assert_int_equal(allocs, before);
        kr_flights_free(g);
    }
}

static void test_key_names(void **state)
{
    (void)state;
    kr_flights_key_t k;
    assert_int_equal(kr_flights_key_parse("none", &k), 0);
    assert_int_equal(k, KR_FLIGHTS_KEY_NONE);
    assert_int_equal(kr_flights_key_parse("icao24", &k), 0);
    assert_int_equal(k, KR_FLIGHTS_KEY_ICAO24);
    assert_int_equal(kr_flights_key_parse("event_id", &k), 0);
    assert_int_equal(k, KR_FLIGHTS_KEY_EVENT_ID);
    assert_int_equal(kr_flights_key_parse("latitude", &k), -1);
    assert_int_equal(kr_flights_key_parse("", &k), -1);
    assert_int_equal(kr_flights_key_parse("ICAO24", &k), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_event_ids),
        cmocka_unit_test(test_ids_unique_across_parts),
        cmocka_unit_test(test_natural_size),
        cmocka_unit_test(test_record_size),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_fleet_keys),
        cmocka_unit_test(test_split_independent),
        cmocka_unit_test(test_parts_union),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_conf_errors),
        cmocka_unit_test(test_no_allocation),
        cmocka_unit_test(test_key_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
