/*
 * Writes the seed corpora of the fuzz harnesses: gen_corpus <dir> fills
 * <dir>/<target>/ with small valid inputs, reproducibly (a fixed xorshift seed per file).
 * Response seeds come from the same generator and encoder as fuzz_response_rt
 * (kr_fuzz_resp.h), one or two per version, with and without unknown tagged fields,
 * behind the version byte the decoder harnesses expect. Generator-driven harnesses get
 * pseudo-random bytes.
 *
 * Not part of the smoke run: run it by hand after a layout change and commit the files
 * (docs/FUZZING.md). Existing files of the same name are overwritten, others are kept.
 */
#include <errno.h>
#include <sys/stat.h>

#include "kr_fuzz_resp.h"

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
    static const uint8_t v1_tags[] = {0x01, 0x00, 0x00, 0x01, 0x00, 0x02,
                                      0x00, 0x02, 0xaa, 0xbb, 0x81, 0x01, 0x00};
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
    return 0;
}
