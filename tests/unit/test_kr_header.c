/* Request/response header golden bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kr_header.h"

static void test_request_header_v1(void **state)
{
    (void)state;
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_RequestHeader_t h = {KR_API_Produce, 7, 0x01020304, "kr", 2};
    size_t off = kr_request_begin(&w, &h);
    kr_wbuf_i8(&w, 0x55);
    assert_int_equal(kr_request_end(&w, off), 0);
    const uint8_t want[] = {0, 0, 0, 13, 0, 0, 0, 7, 1, 2, 3, 4, 0, 2, 'k', 'r', 0x55};
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));
}

static void test_request_header_v2_null_client(void **state)
{
    (void)state;
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_RequestHeader_t h = {KR_API_Metadata, 12, 9, NULL, 0};
    size_t off = kr_request_begin(&w, &h);
    assert_int_equal(kr_request_end(&w, off), 0);
    const uint8_t want[] = {0, 0, 0, 11, 0, 3, 0, 12, 0, 0, 0, 9, 0xff, 0xff, 0};
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));
}

static void test_response_headers(void **state)
{
    (void)state;
    const uint8_t v1[] = {0, 0, 0, 42, 1, 0, 1, 0xaa};
    kr_rbuf_t r;
    int32_t cid = 0;
    kr_rbuf_init(&r, v1, sizeof(v1));
    assert_int_equal(kr_ResponseHeader_read(&r, true, &cid), 0);
    assert_int_equal(cid, 42);
    assert_int_equal(kr_rbuf_left(&r), 0);
    for (size_t cut = 0; cut < sizeof(v1); cut++) {
        kr_rbuf_init(&r, v1, cut);
        assert_int_not_equal(kr_ResponseHeader_read(&r, true, &cid), 0);
    }
    kr_rbuf_init(&r, v1, 4);
    assert_int_equal(kr_ResponseHeader_read(&r, false, &cid), 0);
}

static void test_api_table(void **state)
{
    (void)state;
    assert_true(kr_api_flexible(KR_API_Produce, 9));
    assert_false(kr_api_flexible(KR_API_Produce, 8));
    assert_false(kr_response_header_flexible(KR_API_ApiVersions, 3));
    assert_true(kr_response_header_flexible(KR_API_InitProducerId, 2));
    assert_null(kr_api_range(1));
    assert_int_equal(kr_api_range(KR_API_Produce)->min, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_header_v1),
        cmocka_unit_test(test_request_header_v2_null_client),
        cmocka_unit_test(test_response_headers),
        cmocka_unit_test(test_api_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
