/*
 * Writes the seed corpora of the fuzz harnesses: gen_corpus <dir> fills
 * <dir>/<target>/ with small valid inputs, reproducibly (a fixed xorshift seed per file).
 * Response seeds come from the same generator and encoder as fuzz_response_rt
 * (kr_fuzz_resp.h), one or two per version, with and without unknown tagged fields,
 * behind the version byte the decoder harnesses expect. Generator-driven harnesses get
 * pseudo-random bytes. Batch reader seeds are batches from kring's builder (codec none
 * and LZ4) and from liblz4's frame compressor with the options other clients use.
 * SASL seeds are hand-picked responses; SCRAM seeds are RFC 7677's messages and one
 * exchange completed with fuzz_scram's stand-in crypto, so the fuzzer starts from a
 * server-final that verifies.
 *
 * Not part of the smoke run: run it by hand after a layout change and commit the files
 * (docs/FUZZING.md). Existing files of the same name are overwritten, others are kept.
 */
#include <errno.h>
#include <lz4frame.h>
#include <sys/stat.h>

#include "kr_base64.h"
#include "kr_fuzz_batch.h"
#include "kr_fuzz_resp.h"
#include "kr_fuzz_sasl.h"

#define RAND_LEN 512

static const char *out_dir;

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(xorshift(&s) >> 56);
}

static void write_seed(const char *target, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", out_dir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A decoder seed: the version byte, then the body. */
static void write_body(const char *target, int16_t v, int k, uint8_t version_byte,
                       const kr_wbuf_t *w)
{
    KR_FUZZ_CHECK_EQ(w->err, 0);
    static uint8_t seed[1 << 16];
    seed[0] = version_byte;
    memcpy(seed + 1, w->base, kr_wbuf_len(w));
    char name[64];
    snprintf(name, sizeof(name), "v%02d-%d", v, k);
    write_seed(target, name, seed, kr_wbuf_len(w) + 1);
}

/*
 * Generates one response of each version from random bytes: seed k = 0 without unknown
 * tagged fields, k = 1 with them (flexible versions only).
 */
static void gen_responses(void)
{
    static kr_fuzz_model_t m;
    static uint8_t rnd[RAND_LEN], out[1 << 15];
    for (int k = 0; k < 2; k++) {
        for (int16_t v = 0; v <= 4; v++) {
            if (k == 1 && v < 3)
                continue;
            fill_random(rnd, sizeof(rnd), 100 + (uint64_t)(v * 2 + k));
            kr_fuzz_in_t in;
            kr_fuzz_in_init(&in, rnd, sizeof(rnd));
            kr_ApiVersionsResponse_t a;
            kr_fuzz_gen_apiversions(&in, v, &m, &a);
            kr_wbuf_t w;
            kr_wbuf_init(&w, out, sizeof(out));
            kr_fuzz_enc_apiversions(&w, k ? &in : NULL, &a);
            write_body("apiversions", v, k, (uint8_t)v, &w);
        }
        for (int16_t v = 1; v <= 13; v++) {
            if (k == 1 && v < 9)
                continue;
            fill_random(rnd, sizeof(rnd), 200 + (uint64_t)(v * 2 + k));
            kr_fuzz_in_t in;
            kr_fuzz_in_init(&in, rnd, sizeof(rnd));
            kr_MetadataResponse_t md;
            kr_fuzz_gen_metadata(&in, v, &m, &md);
            kr_wbuf_t w;
            kr_wbuf_init(&w, out, sizeof(out));
            kr_fuzz_enc_metadata(&w, k ? &in : NULL, v, &md);
            write_body("metadata", v, k, (uint8_t)(v - 1), &w);
        }
        for (int16_t v = 0; v <= 5; v++) {
            if (k == 1 && v < 2)
                continue;
            fill_random(rnd, sizeof(rnd), 300 + (uint64_t)(v * 2 + k));
            kr_fuzz_in_t in;
            kr_fuzz_in_init(&in, rnd, sizeof(rnd));
            kr_InitProducerIdResponse_t ip;
            kr_fuzz_gen_initpid(&in, &ip);
            kr_wbuf_t w;
            kr_wbuf_init(&w, out, sizeof(out));
            kr_fuzz_enc_initpid(&w, k ? &in : NULL, v, &ip);
            write_body("initpid", v, k, (uint8_t)v, &w);
        }
        for (int16_t v = 3; v <= 13; v++) {
            if (k == 1 && v < 9)
                continue;
            fill_random(rnd, sizeof(rnd), 400 + (uint64_t)(v * 2 + k));
            kr_fuzz_in_t in;
            kr_fuzz_in_init(&in, rnd, sizeof(rnd));
            kr_ProduceResponse_t pr;
            kr_fuzz_gen_produce(&in, v, &m, &pr);
            kr_wbuf_t w;
            kr_wbuf_init(&w, out, sizeof(out));
            kr_fuzz_enc_produce(&w, k ? &in : NULL, v, &pr);
            write_body("produce_response", v, k, (uint8_t)(v - 3), &w);
        }
    }
}

static void gen_headers(void)
{
    static const uint8_t v0[] = {0x00, 0x00, 0x00, 0x00, 0x2a};
    static const uint8_t v1[] = {0x01, 0x7f, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t v1_tags[] = {0x01, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
                                      0x02, 0xaa, 0xbb, 0x81, 0x01, 0x00};
    static const uint8_t v0_body[] = {0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00};
    write_seed("response_header", "v0", v0, sizeof(v0));
    write_seed("response_header", "v1", v1, sizeof(v1));
    write_seed("response_header", "v1-tags", v1_tags, sizeof(v1_tags));
    write_seed("response_header", "v0-body", v0_body, sizeof(v0_body));
}

/*
 * Random bytes for the generator-driven harnesses, with the leading selector bytes set
 * so that every API (response_rt) or a spread of versions (produce_request) is seeded.
 */
static void gen_random(const char *target, int count, int selectors, uint64_t base)
{
    static uint8_t rnd[RAND_LEN];
    for (int i = 0; i < count; i++) {
        fill_random(rnd, sizeof(rnd), base + (uint64_t)i);
        rnd[0] = (uint8_t)(i % selectors);
        rnd[1] = (uint8_t)(i / selectors);
        char name[32];
        snprintf(name, sizeof(name), "rand-%02d", i);
        write_seed(target, name, rnd, sizeof(rnd) / (size_t)(1 + i % 3));
    }
}

/* A few records: null/empty/byte keys and values, headers with a null value. */
static void add_records(kr_batch_builder_t *b, size_t big)
{
    static uint8_t pattern[200000];
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)("kring"[i % 5] + i / 4096);
    kr_record_header_t h[2] = {{"trace", 5, "abc", 3}, {"empty", 5, NULL, 0}};
    int64_t ts = b->base_timestamp;
    KR_FUZZ_CHECK_EQ(kr_batch_append(b, ts, "k1", 2, "value-1", 7, h, 2), 0);
    KR_FUZZ_CHECK_EQ(kr_batch_append(b, ts + 5, NULL, 0, "v", 1, NULL, 0), 0);
    KR_FUZZ_CHECK_EQ(kr_batch_append(b, ts - 3, "", 0, NULL, 0, h + 1, 1), 0);
    if (big > 0)
        KR_FUZZ_CHECK_EQ(kr_batch_append(b, ts + 1, "big", 3, pattern, big, NULL, 0), 0);
}

/* A batch reader seed: mode byte (repair checksums, 64 KB buffer), then the batch. */
static void write_batch(const char *name, const uint8_t *batch, size_t len, size_t out_kb)
{
    static uint8_t seed[1 << 19];
    KR_FUZZ_CHECK(len + 1 <= sizeof(seed));
    seed[0] = (uint8_t)(3 | (out_kb >= 1024 ? 63 : out_kb / 2) << 2);
    memcpy(seed + 1, batch, len);
    write_seed("batch_read", name, seed, len + 1);
}

static void gen_batches(void)
{
    static uint8_t mem[1 << 19], dst[1 << 19], frame[1 << 19];
    static uint64_t ws_mem[1 << 13];
    KR_FUZZ_CHECK(kr_lz4_ws_size() <= sizeof(ws_mem));
    kr_lz4_ws_t *ws = kr_lz4_ws_init(ws_mem, sizeof(ws_mem));
    KR_FUZZ_CHECK(ws != NULL);
    kr_batch_producer_t idem = {4242, 3, 100, false};
    kr_batch_builder_t b;

    kr_batch_open(&b, mem, sizeof(mem), 1700000000000LL);
    add_records(&b, 0);
    KR_FUZZ_CHECK_EQ(kr_batch_close(&b, KR_CODEC_NONE, NULL, NULL, NULL, 0), 0);
    write_batch("none", b.out, b.out_len, 0);

    kr_batch_open(&b, mem, sizeof(mem), 1700000000000LL);
    add_records(&b, 0);
    KR_FUZZ_CHECK_EQ(kr_batch_close(&b, KR_CODEC_LZ4, &idem, ws, dst, sizeof(dst)), 0);
    write_batch("lz4-idempotent", b.out, b.out_len, 2);

    /* 150 KB of records: three 64 KB LZ4 blocks. */
    kr_batch_open(&b, mem, sizeof(mem), 0);
    add_records(&b, 150000);
    KR_FUZZ_CHECK_EQ(kr_batch_close(&b, KR_CODEC_LZ4, NULL, ws, dst, sizeof(dst)), 0);
    write_batch("lz4-3-blocks", b.out, b.out_len, 1024);

    /* liblz4's frames: block and content checksums, content size, 256 KB blocks. */
    kr_batch_open(&b, mem, sizeof(mem), 1700000000000LL);
    add_records(&b, 1000);
    const uint8_t *rec = b.base + KR_RB_HEADER_SIZE;
    size_t rec_len = kr_batch_records_len(&b);
    KR_FUZZ_CHECK_EQ(kr_batch_close(&b, KR_CODEC_NONE, &idem, NULL, NULL, 0), 0);
    for (int k = 0; k < 2; k++) {
        LZ4F_preferences_t prefs;
        memset(&prefs, 0, sizeof(prefs));
        prefs.frameInfo.blockMode = LZ4F_blockIndependent;
        prefs.frameInfo.blockSizeID = k ? LZ4F_max256KB : LZ4F_max64KB;
        prefs.frameInfo.blockChecksumFlag = k ? LZ4F_blockChecksumEnabled : 0;
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
        prefs.frameInfo.contentSize = k ? rec_len : 0;
        size_t n =
            LZ4F_compressFrame(frame + KR_RB_HEADER_SIZE, sizeof(frame) - 61, rec, rec_len, &prefs);
        KR_FUZZ_CHECK(!LZ4F_isError(n));
        memcpy(frame, b.out, KR_RB_HEADER_SIZE);
        uint32_t bl = (uint32_t)(KR_RB_HEADER_SIZE + n - KR_RB_LOG_OVERHEAD);
        uint8_t be[4] = {(uint8_t)(bl >> 24), (uint8_t)(bl >> 16), (uint8_t)(bl >> 8), (uint8_t)bl};
        memcpy(frame + KR_RB_OF_BatchLength, be, 4);
        frame[KR_RB_OF_Attributes + 1] = KR_CODEC_LZ4;
        uint32_t crc = kr_fuzz_crc32c_ref(frame + KR_RB_OF_Attributes,
                                          KR_RB_HEADER_SIZE + n - KR_RB_OF_Attributes);
        uint8_t cb[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
                         (uint8_t)crc};
        memcpy(frame + KR_RB_OF_Crc, cb, 4);
        write_batch(k ? "lz4f-checksums-size" : "lz4f-content-checksum", frame,
                    KR_RB_HEADER_SIZE + n, 4);
    }
}

/*
 * Round-trip inputs with one large value (see kr_fuzz_gen_blob): 128 KB of random or
 * compressible bytes, two or three LZ4 blocks, then a few small records.
 */
static void gen_big_records(void)
{
    for (int random = 0; random < 2; random++) {
        uint8_t seed[64] = {0x03, /* flags: producer, transactional */
                            1,    2,
                            3,    4,
                            5,    6,
                            7,    8, /* ProducerId */
                            0,    9,
                            0,    0,
                            0,    42,              /* ProducerEpoch, BaseSequence */
                            0,                     /* BaseTimestamp 0 */
                            0,                     /* record 0: timestamp = base */
                            1,                     /* key empty */
                            0xff, (uint8_t)random, /* value: large */
                            0x80, 0x00,            /* 32768 * 4 + 1 bytes */
                            1,    2,
                            3,    4,
                            5,    6,
                            7,    8, /* fill seed */
                            2};      /* 2 headers */
        fill_random(seed + 30, sizeof(seed) - 30, 900 + (uint64_t)random);
        write_seed("batch_roundtrip", random ? "big-random" : "big-pattern", seed, sizeof(seed));
    }
}

/* CRC inputs: alignment byte, piece count, cut points, data (see fuzz_crc32c.c). */
static void gen_crc(void)
{
    static uint8_t seed[4096];
    const uint8_t check[] = {0, 0, '1', '2', '3', '4', '5', '6', '7', '8', '9'};
    write_seed("crc32c", "check", check, sizeof(check));
    fill_random(seed, sizeof(seed), 800);
    seed[0] = 3; /* misaligned */
    seed[1] = 3; /* three pieces */
    write_seed("crc32c", "pieces", seed, 300);
    seed[0] = 7;
    seed[1] = 0; /* one piece, long enough for the three-stream path */
    write_seed("crc32c", "long", seed, sizeof(seed));
}

/* SASL response seeds: selector byte (see kr_fuzz_sasl.h), then the body. */
static void gen_sasl(void)
{
    static uint8_t out[1024];
    static const kr_str_t mechs[] = {
        {"PLAIN", 5}, {"SCRAM-SHA-256", 13}, {"SCRAM-SHA-512", 13}, {"OAUTHBEARER", 11}};
    for (int16_t v = 0; v <= 1; v++) {
        kr_SaslHandshakeResponse_t hs = {v == 0 ? 0 : 33, (kr_str_t *)mechs, 4, v == 0 ? 4 : 1};
        kr_wbuf_t w;
        kr_wbuf_init(&w, out, sizeof(out));
        kr_fuzz_enc_sasl_handshake(&w, &hs);
        write_body("sasl", v, 0, (uint8_t)v, &w);
    }
    static const char first[] =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    for (int16_t v = 0; v <= 2; v++) {
        for (int k = 0; k < 2; k++) {
            kr_SaslAuthenticateResponse_t au = {
                k ? 58 : 0, k ? (kr_str_t){"Authentication failed", 21} : (kr_str_t){NULL, -1},
                k ? (kr_str_t){"", 0} : (kr_str_t){first, sizeof(first) - 1},
                v >= 1 && !k ? 3600000 : 0};
            uint8_t rnd[64];
            fill_random(rnd, sizeof(rnd), 1000 + (uint64_t)(v * 2 + k));
            kr_fuzz_in_t in;
            kr_fuzz_in_init(&in, rnd, sizeof(rnd));
            kr_wbuf_t w;
            kr_wbuf_init(&w, out, sizeof(out));
            kr_fuzz_enc_sasl_auth(&w, k ? &in : NULL, v, &au);
            write_body("sasl", (int16_t)(v + 2), k, (uint8_t)(v + 2), &w);
        }
    }
}

/* One SCRAM seed: mode byte (see fuzz_scram.c), then the message. */
static void write_scram(const char *name, uint8_t mode, const char *msg, size_t len)
{
    static uint8_t seed[4096];
    KR_FUZZ_CHECK(len < sizeof(seed));
    seed[0] = mode;
    memcpy(seed + 1, msg, len);
    write_seed("scram", name, seed, len + 1);
}

static void gen_scram(void)
{
    static const char first[] =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    write_scram("first-rfc7677", 0, first, sizeof(first) - 1);
    static const char first_ext[] = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                                    "s=QSXCR+Q6sek8bf92,i=8192,x=ext";
    write_scram("first-ext", 0, first_ext, sizeof(first_ext) - 1);
    static const char final_v[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    write_scram("final-verifier", 1, final_v, sizeof(final_v) - 1);
    static const char final_e[] = "e=invalid-proof";
    write_scram("final-error", 1, final_e, sizeof(final_e) - 1);

    /* A whole exchange that verifies under the stand-in crypto. */
    kr_scram_t s;
    char out[512], msg[512];
    kr_wbuf_t w;
    kr_scram_init(&s, &kr_fuzz_fake_crypto);
    kr_wbuf_init(&w, out, sizeof(out));
    KR_FUZZ_CHECK_EQ(kr_scram_client_first(&s, &w, KR_FUZZ_SCRAM_USER, strlen(KR_FUZZ_SCRAM_USER),
                                           KR_FUZZ_SCRAM_NONCE, strlen(KR_FUZZ_SCRAM_NONCE)),
                     0);
    kr_wbuf_init(&w, out, sizeof(out));
    KR_FUZZ_CHECK_EQ(kr_scram_client_final(&s, &w, first, sizeof(first) - 1, "pencil", 6), 0);
    kr_wbuf_t m;
    kr_wbuf_init(&m, msg, sizeof(msg));
    kr_wbuf_raw(&m, first, sizeof(first) - 1);
    kr_wbuf_raw(&m, "\nv=", 3);
    kr_base64_write(&m, s.server_sig, KR_FUZZ_DIGEST_LEN);
    KR_FUZZ_CHECK_EQ(m.err, 0);
    write_scram("exchange-ok", 2, msg, kr_wbuf_len(&m));
    kr_wbuf_init(&m, msg, sizeof(msg));
    kr_wbuf_raw(&m, first, sizeof(first) - 1);
    kr_wbuf_raw(&m, "\ne=other-error", 14);
    write_scram("exchange-error", 2, msg, kr_wbuf_len(&m));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    gen_headers();
    gen_responses();
    gen_random("response_rt", 16, 4, 500);
    gen_random("produce_request", 11, 11, 600);
    gen_random("batch_roundtrip", 8, 4, 700);
    gen_batches();
    gen_crc();
    gen_big_records();
    gen_sasl();
    gen_scram();
    return 0;
}
