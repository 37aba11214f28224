/*
 * SCRAM server message parsers and the client steps that consume them. Input byte 0 %
 * 3 picks the mode; the rest is the message:
 *   0: kr_scram_parse_server_first() alone;
 *   1: kr_scram_parse_server_final() alone;
 *   2: a whole exchange with a stand-in crypto table (kr_fuzz_sasl.h): the message up
 *      to the first '\n' is the server-first-message, the rest the server-final one.
 *
 * Contract checked: never crashes or reads outside the input; only the documented
 * error codes; parsed strings non-empty and inside the message, the nonce printable
 * without ',', the salt of base64 characters, iterations within bounds, the verifier
 * and the error never both set; an accepted server-first nonce extends the client's;
 * the client-final-message is "c=biws,r=<nonce>,p=<base64 of digest_len bytes>"; the
 * server-final is accepted only with the signature the client computed, and an "e="
 * error is handed back inside the message.
 */
#include "kr_base64.h"
#include "kr_fuzz_sasl.h"

static void check_first(const char *m, size_t len, const kr_scram_server_first_t *f)
{
    const kr_str_t parts[2] = {f->nonce, f->salt};
    for (int i = 0; i < 2; i++) {
        KR_FUZZ_CHECK(parts[i].len > 0);
        kr_fuzz_check_str(parts[i], false, (const uint8_t *)m, len);
        for (int32_t k = 0; k < parts[i].len; k++)
            KR_FUZZ_CHECK(parts[i].ptr[k] > 0x20 && parts[i].ptr[k] < 0x7f &&
                          parts[i].ptr[k] != ',');
    }
    for (int32_t k = 0; k < f->salt.len; k++)
        KR_FUZZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
                             f->salt.ptr[k]) != NULL);
    KR_FUZZ_CHECK(f->iterations >= KR_SCRAM_ITER_MIN && f->iterations <= KR_SCRAM_ITER_MAX);
    /* The message starts with the nonce attribute. */
    KR_FUZZ_CHECK(len > 2 && m[0] == 'r' && m[1] == '=' && f->nonce.ptr == m + 2);
}

static void fuzz_first(const char *m, size_t len)
{
    kr_scram_server_first_t f;
    int rc = kr_scram_parse_server_first(m, len, &f);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_EMALFORMED || rc == KR_ERANGE);
    if (rc == 0)
        check_first(m, len, &f);
}

static void fuzz_final(const char *m, size_t len)
{
    kr_scram_server_final_t f;
    int rc = kr_scram_parse_server_final(m, len, &f);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_EMALFORMED);
    if (rc != 0) {
        KR_FUZZ_CHECK(f.verifier.len == -1 && f.error.len == -1);
        return;
    }
    KR_FUZZ_CHECK((f.verifier.len > 0) != (f.error.len > 0));
    kr_str_t set = f.verifier.len > 0 ? f.verifier : f.error;
    kr_fuzz_check_str(set, false, (const uint8_t *)m, len);
    KR_FUZZ_CHECK(set.ptr == m + 2);
    KR_FUZZ_CHECK(memchr(set.ptr, ',', (size_t)set.len) == NULL);
}

/* Checks a client-final-message against the nonce the server sent. */
static void check_client_final(const char *out, size_t n, const char *server_first, size_t len)
{
    kr_scram_server_first_t f;
    KR_FUZZ_CHECK_EQ(kr_scram_parse_server_first(server_first, len, &f), 0);
    size_t nonce_len = (size_t)f.nonce.len;
    KR_FUZZ_CHECK(nonce_len > strlen(KR_FUZZ_SCRAM_NONCE));
    KR_FUZZ_CHECK(memcmp(f.nonce.ptr, KR_FUZZ_SCRAM_NONCE, strlen(KR_FUZZ_SCRAM_NONCE)) == 0);
    size_t b64 = kr_base64_len(KR_FUZZ_DIGEST_LEN);
    KR_FUZZ_CHECK_EQ(n, 9 + nonce_len + 3 + b64);
    KR_FUZZ_CHECK(memcmp(out, "c=biws,r=", 9) == 0);
    KR_FUZZ_CHECK(memcmp(out + 9, f.nonce.ptr, nonce_len) == 0);
    KR_FUZZ_CHECK(memcmp(out + 9 + nonce_len, ",p=", 3) == 0);
    uint8_t proof[KR_SCRAM_DIGEST_MAX];
    size_t proof_len;
    KR_FUZZ_CHECK_EQ(kr_base64_decode(proof, sizeof(proof), out + 12 + nonce_len, b64, &proof_len),
                     0);
    KR_FUZZ_CHECK_EQ(proof_len, KR_FUZZ_DIGEST_LEN);
}

static void fuzz_exchange(const char *m, size_t len)
{
    const char *nl = memchr(m, '\n', len);
    size_t first_len = nl != NULL ? (size_t)(nl - m) : len;
    static kr_scram_t s;
    static char out[KR_SCRAM_AUTH_MAX + 256];
    kr_wbuf_t w;
    kr_scram_init(&s, &kr_fuzz_fake_crypto);
    kr_wbuf_init(&w, out, sizeof(out));
    KR_FUZZ_CHECK_EQ(kr_scram_client_first(&s, &w, KR_FUZZ_SCRAM_USER, strlen(KR_FUZZ_SCRAM_USER),
                                           KR_FUZZ_SCRAM_NONCE, strlen(KR_FUZZ_SCRAM_NONCE)),
                     0);
    kr_wbuf_init(&w, out, sizeof(out));
    int rc = kr_scram_client_final(&s, &w, m, first_len, "pencil", 6);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_EMALFORMED || rc == KR_ERANGE || rc == KR_EAUTHSERVER);
    KR_FUZZ_CHECK_EQ(s.state, rc == 0 ? KR_SCRAM_FINAL_SENT : KR_SCRAM_FAILED);
    if (rc != 0 || nl == NULL)
        return;
    check_client_final(out, kr_wbuf_len(&w), m, first_len);
    const char *fin = nl + 1;
    size_t fin_len = len - first_len - 1;
    uint8_t expect[KR_SCRAM_DIGEST_MAX];
    memcpy(expect, s.server_sig, sizeof(expect));
    kr_str_t err;
    rc = kr_scram_server_final(&s, fin, fin_len, &err);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_EMALFORMED || rc == KR_EAUTH || rc == KR_EAUTHSERVER);
    KR_FUZZ_CHECK_EQ(s.state, rc == 0 ? KR_SCRAM_DONE : KR_SCRAM_FAILED);
    if (rc == KR_EAUTH) {
        KR_FUZZ_CHECK(err.len > 0 && err.ptr == fin + 2);
    } else {
        KR_FUZZ_CHECK_EQ(err.len, -1);
    }
    if (rc == 0) {
        uint8_t sig[KR_SCRAM_DIGEST_MAX];
        size_t sig_len;
        size_t b64 = kr_base64_len(KR_FUZZ_DIGEST_LEN);
        KR_FUZZ_CHECK(fin_len >= 2 + b64 && memcmp(fin, "v=", 2) == 0);
        KR_FUZZ_CHECK_EQ(kr_base64_decode(sig, sizeof(sig), fin + 2, b64, &sig_len), 0);
        KR_FUZZ_CHECK(memcmp(sig, expect, KR_FUZZ_DIGEST_LEN) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *m = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 3) {
    case 0:
        fuzz_first(m, len);
        break;
    case 1:
        fuzz_final(m, len);
        break;
    default:
        fuzz_exchange(m, len);
        break;
    }
    return 0;
}
