/*
 * CRC-32C, the RecordBatch checksum: kring's dispatching kr_crc32c(), its portable
 * slice-by-8 and (where the CPU has it) its hardware path must equal a plain byte loop
 * on any input, at any alignment, fed whole or in pieces; kr_crc32c_combine() must join
 * two pieces' CRCs into the CRC of both (the identity kr_batch_restamp() relies on).
 *
 * Input: byte 0 is an alignment offset (0..15), byte 1 the number of pieces (1..8), the
 * next bytes the cut points, the rest the data. Long inputs reach the hardware path's
 * three-stream code; run with -max_len=65536 or more for its large-block joins.
 */
#include "kr_crc32c.h"
#include "kr_fuzz_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kr_fuzz_in_t in;
    kr_fuzz_in_init(&in, data, size);
    size_t align = kr_fuzz_below(&in, 16);
    size_t pieces = 1 + kr_fuzz_below(&in, 8);
    uint16_t cuts[8];
    for (size_t i = 0; i + 1 < pieces; i++)
        cuts[i] = kr_fuzz_u16(&in);
    size_t len = in.left;
    /* An exactly-sized heap block at the chosen alignment, so ASan sees any over-read. */
    uint8_t *block = malloc(align + len + 1);
    KR_FUZZ_CHECK(block != NULL);
    uint8_t *p = block + align;
    memcpy(p, in.p, len);

    uint32_t want = kr_fuzz_crc32c_ref(p, len);
    KR_FUZZ_CHECK_EQ(kr_crc32c(0, p, len), want);
    KR_FUZZ_CHECK_EQ(kr_crc32c_sw(0, p, len), want);
    if (kr_crc32c_hw_available())
        KR_FUZZ_CHECK_EQ(kr_crc32c_hw(0, p, len), want);

    /* Fed in pieces, and every piece joined with combine(). */
    uint32_t inc = 0, joined = 0;
    size_t off = 0;
    for (size_t i = 0; i < pieces; i++) {
        size_t n = i + 1 < pieces ? cuts[i] % (len - off + 1) : len - off;
        inc = kr_crc32c(inc, p + off, n);
        uint32_t part = kr_crc32c(0, p + off, n);
        joined = i == 0 ? part : kr_crc32c_combine(joined, part, n);
        off += n;
    }
    KR_FUZZ_CHECK_EQ(off, len);
    KR_FUZZ_CHECK_EQ(inc, want);
    KR_FUZZ_CHECK_EQ(joined, want);
    free(block);
    return 0;
}
